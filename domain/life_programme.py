"""A district's (or a committee's) programme of organizational life for a year: its duties
as data, versioned like a campaign's deadlines.

Issue 21: "a district (or committee) can set its own programme for a year, versioned like
campaigns, without code changes". A ``LifeProgramme`` is one per (district or committee,
year); each ``LifeProgrammeSet`` is a version holding every duty (cadence, who owes it, which
activity with which required parts completes it, grace days, whether a delay may be
approved) and the members' collective education days a year (seed 002: "党员每年累计参加
集体教育活动时间不少于12天"). A version applies from its business date (``occurred_on``):
a view on an earlier date keeps the version then in force. Where none is set, the
committee's branches keep the district's, and the district's the seeds' own
(``STANDARD_PROGRAMME``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from .base import LedgerAggregate
from .errors import InvalidValue, require_value
from .party_life import (
    ACTIVITY_KEYS,
    BRANCH,
    COMMITTEE,
    MAX_YEAR,
    MIN_YEAR,
    SIX_PARTS,
    STANDARD_PROGRAMME,
    Cadence,
    LifeActivity,
    LifeDuty,
)
from .provenance import Provenance

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/life-programme")
# Seed 002: "党员每年累计参加集体教育活动时间不少于12天".
EDUCATION_DAYS = 12
# What the committee holds (seed 003 §二: the exchange visit "以乡镇（街道）、产业园区、行业党组织
# 为单位", the secretaries' reporting by the upper level); every other activity a branch does.
COMMITTEE_ACTIVITIES = frozenset(
    {LifeActivity.EXCHANGE_VISIT.value, LifeActivity.SECRETARY_REPORTING.value}
)
DUTY_KEY = re.compile(r"[a-z][a-z0-9_]{0,62}")
MAX_DUTIES = 40
MAX_TIMES = 31
MAX_GRACE_DAYS = 92
DUTY_FIELDS = frozenset(
    {
        "key",
        "activity",
        "cadence",
        "owner",
        "times",
        "required_parts",
        "grace_days",
        "delay_allowed",
        "seed",
    }
)
DISTRICT_SCOPE, COMMITTEE_SCOPE = "district", "committee"


@lru_cache(maxsize=4096)
def life_programme_id(scope_id: UUID, year: int) -> UUID:
    return uuid5(_NAMESPACE, f"{scope_id}:{year}")


def owner_of(activity: str) -> str:
    return COMMITTEE if activity in COMMITTEE_ACTIVITIES else BRANCH


def duty_data(duty: LifeDuty) -> dict[str, Any]:
    """A duty as plain data, the form a programme stores and the API shows."""
    return {
        "key": duty.key,
        "activity": duty.activity.value,
        "cadence": duty.cadence.value,
        "owner": duty.owner,
        "times": duty.times,
        "required_parts": sorted(duty.required_parts),
        "grace_days": duty.grace_days,
        "delay_allowed": duty.delay_allowed,
        "seed": duty.seed,
    }


STANDARD_DATA: tuple[dict[str, Any], ...] = tuple(duty_data(d) for d in STANDARD_PROGRAMME)


def _whole(value: Any, name: str, low: int, high: int) -> int:
    require_value(
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high,
        name,
        "range",
        f"{name} is a whole number from {low} to {high}",
    )
    return int(value)


def duty_from_data(data: Mapping[str, Any], name: str = "duty") -> LifeDuty:
    """One duty from its plain data, refused by field (``duties.2.cadence``) and rule."""
    unknown = sorted(set(data) - DUTY_FIELDS)
    require_value(
        not unknown, f"{name}.{unknown[0] if unknown else ''}", "unknown_field", f"no {unknown}"
    )
    key = data.get("key")
    require_value(
        isinstance(key, str) and DUTY_KEY.fullmatch(key) is not None,
        f"{name}.key",
        "duty_key",
        "a duty's key is lower-case letters, digits and _ (up to 63), e.g. themed_party_day",
    )
    activity = data.get("activity")
    require_value(
        activity in ACTIVITY_KEYS,
        f"{name}.activity",
        "vocabulary",
        f"activity must be one of: {', '.join(sorted(ACTIVITY_KEYS))}",
    )
    cadence = Cadence.of(data.get("cadence", ""), f"{name}.cadence")
    owner = data.get("owner", owner_of(str(activity)))
    require_value(
        owner == owner_of(str(activity)),
        f"{name}.owner",
        "activity_owner",
        f"a {activity} is held by the {owner_of(str(activity))}",
    )
    parts = data.get("required_parts", [])
    require_value(
        isinstance(parts, list) and all(isinstance(p, str) for p in parts),
        f"{name}.required_parts",
        "list",
        "required_parts is a list of parts",
    )
    bad = sorted(set(parts) - SIX_PARTS)
    require_value(
        not bad,
        f"{name}.required_parts",
        "vocabulary",
        f"unknown parts {bad}; parts are: {', '.join(sorted(SIX_PARTS))}",
    )
    require_value(
        not parts or activity == LifeActivity.THEMED_PARTY_DAY.value,
        f"{name}.required_parts",
        "themed_day_only",
        'required parts are the themed party day\'s "6"',
    )
    delay_allowed = data.get("delay_allowed", False)
    require_value(
        isinstance(delay_allowed, bool), f"{name}.delay_allowed", "boolean", "true or false"
    )
    seed = data.get("seed", "")
    require_value(
        isinstance(seed, str) and len(seed) <= 400,
        f"{name}.seed",
        "too_long",
        "the duty's basis is text of up to 400 characters",
    )
    return LifeDuty(
        key=str(key),
        activity=LifeActivity.of(str(activity), f"{name}.activity"),
        cadence=cadence,
        seed=str(seed),
        times=_whole(data.get("times", 1), f"{name}.times", 1, MAX_TIMES),
        required_parts=frozenset(parts),
        grace_days=_whole(data.get("grace_days", 0), f"{name}.grace_days", 0, MAX_GRACE_DAYS),
        delay_allowed=delay_allowed,
        owner=str(owner),
    )


def programme_from_data(duties: Sequence[Mapping[str, Any]]) -> tuple[LifeDuty, ...]:
    """A whole programme: at least one duty, each key once."""
    require_value(
        0 < len(duties) <= MAX_DUTIES,
        "duties",
        "length",
        f"a programme has 1 to {MAX_DUTIES} duties",
    )
    found: list[LifeDuty] = []
    for index, data in enumerate(duties):
        if not isinstance(data, Mapping):
            raise InvalidValue(f"duties.{index}", "object", "each duty is an object")
        duty = duty_from_data(data, f"duties.{index}")
        require_value(
            all(d.key != duty.key for d in found),
            f"duties.{index}.key",
            "unique",
            f"duty {duty.key!r} named twice",
        )
        found.append(duty)
    return tuple(found)


class LifeProgramme(LedgerAggregate):
    class Opened(LedgerAggregate.Created):
        scope_kind: str  # district | committee
        scope_id: UUID
        district_id: UUID
        year: int

    class LifeProgrammeSet(LedgerAggregate.Event):
        """A version of the programme, in force from its business date."""

        duties: list[dict[str, Any]]
        education_days: int
        note: str

    def __init__(
        self, provenance: Provenance, scope_kind: str, scope_id: UUID, district_id: UUID, year: int
    ) -> None:
        self.scope_kind = scope_kind
        self.scope_id = scope_id
        self.district_id = district_id
        self.year = year

    @classmethod
    def open(
        cls,
        provenance: Provenance,
        *,
        scope_kind: str,
        scope_id: UUID,
        district_id: UUID,
        year: int,
    ) -> LifeProgramme:
        require_value(
            MIN_YEAR <= year <= MAX_YEAR, "year", "range", f"year is {MIN_YEAR}-{MAX_YEAR}"
        )
        return cls._create(
            cls.Opened,
            id=life_programme_id(scope_id, year),
            provenance=provenance,
            scope_kind=scope_kind,
            scope_id=scope_id,
            district_id=district_id,
            year=year,
        )

    def set_programme(
        self,
        provenance: Provenance,
        *,
        duties: list[dict[str, Any]],
        education_days: int = EDUCATION_DAYS,
        note: str = "",
    ) -> None:
        checked = programme_from_data(duties)
        _whole(education_days, "education_days", 0, 366)
        require_value(len(note) <= 4000, "note", "too_long", "note exceeds 4000 characters")
        on = provenance.occurred_on
        require_value(
            on <= date(self.year, 12, 31),
            "occurred_on",
            "within_programme_year",
            f"a version of the {self.year} programme takes effect by the year's end",
        )
        self.trigger_event(
            self.LifeProgrammeSet,
            provenance=provenance,
            duties=[duty_data(d) for d in checked],
            education_days=education_days,
            note=note,
        )

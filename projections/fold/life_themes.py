"""Folds of the upper level's themes of the month (``LifeTheme``), and whether a branch's
month followed one: the "1" of a themed party day's "1+6+X" (seed 003 §二: "“1”即每次活动
主题由上级党组织…确定并统一时间").

``life_theme`` keeps one row per theme (its scope, month and history
``[occurred_on, kind, event_id, values]`` in log order: published, revised, withdrawn). The
theme on D is what the records dated D or earlier made of it. A branch's month is judged on
D from the themes standing then for its committee (on the month's last day, or D if
earlier) and its district, and its themed days standing then (``fold.party_life.facts_on``):

* ``followed``: a themed day names a theme of the month, held on its unified date, or on
  another day with the reason recorded (``on_unified_date`` false, ``late`` if after it);
* ``off_date``: it names the theme, on another day, with no reason;
* ``not_followed``: themed days were held in the month but none names its theme;
* ``due`` (the month is under way), ``missed`` (it ended without a themed day);
* ``no_theme``: the upper level published none for the month: the "1" is the upper level's
  to set, so the month is judged on the "6" alone (the duty's own rule) and counts neither
  way here; ``upcoming``: the month has not begun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from taizhang.domain.life_theme import LifeTheme, month_bounds
from taizhang.domain.party_life import Cadence, LifeActivity, periods
from taizhang.projections.fold.common import iso
from taizhang.projections.fold.party_life import HELD
from taizhang.projections.state import ViewState

PUBLISHED, REVISED, WITHDRAWN = "published", "revised", "withdrawn"
THEMED_DAY = LifeActivity.THEMED_PARTY_DAY.value
STATUSES = ("followed", "off_date", "not_followed", "due", "missed", "no_theme", "upcoming")
# The months a follow rate is taken over: those the branch owed a theme for and that ended
# or were answered.
JUDGED = ("followed", "off_date", "not_followed", "missed")


def opened(state: ViewState, e: LifeTheme.Opened) -> None:
    tid = str(e.originator_id)
    row = {
        "theme_id": tid,
        "scope_kind": e.scope_kind,
        "scope_id": str(e.scope_id),
        "district_id": str(e.district_id),
        "year": int(e.month[:4]),
        "month": e.month,
        "history": [],
    }
    state.put("life_theme", (tid,), row)


def _record(e: Any) -> list[Any]:
    on, event_id = iso(e.provenance.occurred_on), str(e.provenance.event_id)
    if isinstance(e, LifeTheme.ThemeWithdrawn):
        return [on, WITHDRAWN, event_id, {"reason": e.reason}]
    kind = PUBLISHED if isinstance(e, LifeTheme.ThemePublished) else REVISED
    return [on, kind, event_id, {"theme": e.theme, "unified_on": iso(e.unified_on)}]


def changed(state: ViewState, e: Any) -> None:
    key = (str(e.originator_id),)
    row = state.get("life_theme", key)
    if row is None:
        return
    row["history"].append(_record(e))
    state.put("life_theme", key, row)


HANDLERS: dict[type, Any] = {
    LifeTheme.Opened: opened,
    LifeTheme.ThemePublished: changed,
    LifeTheme.ThemeRevised: changed,
    LifeTheme.ThemeWithdrawn: changed,
}


def theme_on(
    row: Mapping[str, Any], history: Iterable[list[Any]], day: str
) -> dict[str, Any] | None:
    """The theme as it stood on ``day`` (None: not published, or withdrawn, by then)."""
    found: dict[str, Any] | None = None
    for on, kind, _, values in history:
        if on > day:
            continue
        if kind == WITHDRAWN:
            found = None
        elif kind == PUBLISHED:
            found = {"published_on": on, "revised": False, **values}
        elif found is not None:
            found = {**found, **values, "revised": True}
    if found is None:
        return None
    return {
        "theme_id": row["theme_id"],
        "scope": row["scope_kind"],
        "scope_id": row["scope_id"],
        "month": row["month"],
        **found,
    }


def themed_days(facts: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """A branch's themed days standing (``facts_on``), in date order."""
    found = [
        {
            "event_id": event_id,
            "held_on": on,
            "theme_id": values.get("theme_id"),
            "reason": values.get("theme_reason") or "",
        }
        for event_id, (on, kind, _, values) in facts.items()
        if kind == HELD and values["activity"] == THEMED_DAY
    ]
    return sorted(found, key=lambda d: (d["held_on"], d["event_id"]))


def theme_month(
    month: str, themes: list[dict[str, Any]], days: list[dict[str, Any]], as_of: date
) -> dict[str, Any]:
    """How a branch's ``month`` stood on ``as_of`` against the ``themes`` of that month it
    was to follow (its committee's first), given its themed ``days``."""
    first, last = month_bounds(month)
    theme = themes[0] if themes else None
    entry: dict[str, Any] = {
        "month": month,
        "theme_id": theme["theme_id"] if theme else None,
        "theme": theme["theme"] if theme else None,
        "unified_on": theme["unified_on"] if theme else None,
        "event_id": None,
        "held_on": None,
        "on_unified_date": None,
        "late": False,
        "reason": "",
    }
    if as_of < first:
        return {**entry, "status": "upcoming"}
    if theme is None:
        return {**entry, "status": "no_theme"}
    by_id = {t["theme_id"]: t for t in themes}
    following = [d for d in days if d["theme_id"] in by_id]
    if following:

        def rank(d: dict[str, Any]) -> tuple[int, str]:
            on_date = d["held_on"] == by_id[d["theme_id"]]["unified_on"]
            return (0 if on_date else 1 if d["reason"] else 2, d["held_on"])

        best = min(following, key=rank)
        followed = by_id[best["theme_id"]]
        on_date = best["held_on"] == followed["unified_on"]
        return {
            **entry,
            "theme_id": followed["theme_id"],
            "theme": followed["theme"],
            "unified_on": followed["unified_on"],
            "event_id": best["event_id"],
            "held_on": best["held_on"],
            "on_unified_date": on_date,
            "late": best["held_on"] > followed["unified_on"],
            "reason": best["reason"],
            "status": "followed" if on_date or best["reason"] else "off_date",
        }
    if any(first.isoformat() <= d["held_on"] <= last.isoformat() for d in days):
        return {**entry, "status": "not_followed"}
    return {**entry, "status": "due" if as_of <= last else "missed"}


def months_of(year: int) -> list[str]:
    return [p.key for p in periods(Cadence.MONTHLY, year)]


def follow_rate(counts: Mapping[str, int]) -> float | None:
    """Months followed among those judged (followed, off date, not followed, missed)."""
    judged = sum(counts[s] for s in JUDGED)
    return round(counts["followed"] / judged, 4) if judged else None

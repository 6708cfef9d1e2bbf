"""Folds of the register of two-new organizations (``taizhang.domain.host_organization``).

An organization's row keeps its changes in log order, each with its business date:
``[occurred_on, change, value]``. ``org_on`` reads what it was on a day: the changes dated
that day or earlier, applied in log order, as every view reads its rows
(``taizhang.projections.fold.dated``). A change is a set of new values (``"="``), an instructor or
liaison sent or recalled (``"follower+"``, ``"follower-"``), a mass organization set up or
dissolved (``"mass+"``, ``"mass-"``); the registration (``"*"``) comes first.
"""

from __future__ import annotations

from typing import Any

from taizhang.domain.coverage_rules import Standing, advisories
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.vocabulary import CoverageMode, HostCategory, LocationKind
from taizhang.projections.fold.common import iso
from taizhang.projections.fold.spans import put_spans
from taizhang.projections.state import ViewState

TABLE = "view_host_org"
SPANS = "host_org_span"


def registered(state: ViewState, e: HostOrganization.Registered) -> None:
    oid = str(e.originator_id)
    values = {
        "committee_id": str(e.committee_id),
        "industry_committee_id": (
            str(e.industry_committee_id) if e.industry_committee_id is not None else None
        ),
        "name": e.name,
        "category": e.category.value,
        "sub_type": e.sub_type,
        "industry": e.industry,
        "employees": e.employees,
        "full_members": e.full_members,
        "above_scale": e.above_scale,
        "location_kind": e.location_kind.value,
        "location_name": e.location_name,
        "branch_id": None,
        "mode": None,
        "registered_on": iso(e.provenance.occurred_on),
    }
    row = {
        "org_id": oid,
        "district_id": str(e.district_id),
        "name": e.name,
        "history": [[iso(e.provenance.occurred_on), "*", values]],
    }
    state.put(TABLE, (oid,), row)
    refresh_spans(state, row)


def _change(state: ViewState, e: Any, change: str, value: Any) -> None:
    key = (str(e.originator_id),)
    row = state.get(TABLE, key)
    if row is None:
        return
    row["history"].append([iso(e.provenance.occurred_on), change, value])
    state.touch(TABLE, key)
    refresh_spans(state, row)


def staff_counted(state: ViewState, e: HostOrganization.StaffCounted) -> None:
    values = {
        "employees": e.employees,
        "full_members": e.full_members,
        "above_scale": e.above_scale,
    }
    _change(state, e, "=", values)


def relocated(state: ViewState, e: HostOrganization.OrganizationRelocated) -> None:
    values = {"location_kind": e.location_kind.value, "location_name": e.location_name}
    _change(state, e, "=", values)


def committees_changed(state: ViewState, e: HostOrganization.OrganizationCommitteesChanged) -> None:
    industry = e.industry_committee_id
    values = {
        "committee_id": str(e.committee_id),
        "industry_committee_id": str(industry) if industry is not None else None,
    }
    _change(state, e, "=", values)


def covered(state: ViewState, e: HostOrganization.CoveredByBranch) -> None:
    _change(state, e, "=", {"branch_id": str(e.branch_id), "mode": e.mode.value})


def coverage_ended(state: ViewState, e: HostOrganization.CoverageEnded) -> None:
    _change(state, e, "=", {"branch_id": None, "mode": None})


def follower_sent(state: ViewState, e: HostOrganization.FollowerSent) -> None:
    _change(state, e, "follower+", e.follower)


def follower_recalled(state: ViewState, e: HostOrganization.FollowerRecalled) -> None:
    _change(state, e, "follower-", e.follower)


def mass_set_up(state: ViewState, e: HostOrganization.MassOrganizationSetUp) -> None:
    _change(state, e, "mass+", e.kind.value)


def mass_dissolved(state: ViewState, e: HostOrganization.MassOrganizationDissolved) -> None:
    _change(state, e, "mass-", e.kind.value)


def closed(state: ViewState, e: HostOrganization.OrganizationClosed) -> None:
    _change(state, e, "=", {"closed": True})


HANDLERS: dict[type, Any] = {
    HostOrganization.Registered: registered,
    HostOrganization.StaffCounted: staff_counted,
    HostOrganization.OrganizationRelocated: relocated,
    HostOrganization.OrganizationCommitteesChanged: committees_changed,
    HostOrganization.CoveredByBranch: covered,
    HostOrganization.CoverageEnded: coverage_ended,
    HostOrganization.FollowerSent: follower_sent,
    HostOrganization.FollowerRecalled: follower_recalled,
    HostOrganization.MassOrganizationSetUp: mass_set_up,
    HostOrganization.MassOrganizationDissolved: mass_dissolved,
    HostOrganization.OrganizationClosed: closed,
}


def org_on(history: list[Any], day: str) -> dict[str, Any] | None:
    """What the organization was on ``day`` (ISO): None before it was registered or once
    it was closed. ``followers`` and ``mass`` are sorted lists."""
    values: dict[str, Any] | None = None
    followers: set[str] = set()
    mass: set[str] = set()
    for on, change, value in history:
        if on > day:
            continue
        if change == "*":
            values = dict(value)
            followers, mass = set(), set()
        elif values is None:
            continue
        elif change == "=":
            values.update(value)
        elif change == "follower+":
            followers.add(value)
        elif change == "follower-":
            followers.discard(value)
        elif change == "mass+":
            mass.add(value)
        elif change == "mass-":
            mass.discard(value)
    if values is None or values.get("closed"):
        return None
    values["followers"] = sorted(followers)
    values["mass"] = sorted(mass)
    return values


def standing_of(org: dict[str, Any]) -> Standing:
    """What the seeds' rules read of an organization as ``org_on`` gives it."""
    return Standing(
        category=HostCategory(org["category"]),
        employees=org["employees"],
        full_members=org["full_members"],
        above_scale=org["above_scale"],
        location_kind=LocationKind(org["location_kind"]),
        mode=CoverageMode(org["mode"]) if org["mode"] else None,
        followers=len(org["followers"]),
        mass_organizations=len(org["mass"]),
    )


def judged_on(history: list[Any], day: str) -> dict[str, Any] | None:
    """``org_on`` with the rules the organization breaks on its own (``gaps``)."""
    found = org_on(history, day)
    if found is not None:
        found["gaps"] = advisories(standing_of(found))
    return found


def refresh_spans(state: ViewState, row: dict[str, Any]) -> None:
    """The organization's spans in ``host_org_span``, one per run of days it was the same,
    recomputed whole from its history (a few changes an organization)."""
    days = sorted({on for on, _, _ in row["history"]})
    values = []
    for day in days:
        found = judged_on(row["history"], day)
        values.append(
            (day, None if found is None else {"district_id": row["district_id"], "org": found})
        )
    put_spans(state, SPANS, (row["org_id"],), values)

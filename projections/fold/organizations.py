"""Folds of the organizations and campaigns: the reference rows branch progress is filtered by."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from taizhang.domain.branch import Branch, enterprises_covered
from taizhang.domain.branch_work import branch_work_id
from taizhang.domain.campaign import Campaign
from taizhang.domain.committee import Committee
from taizhang.domain.records import to_plain
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.domain.vocabulary import HostCategory
from taizhang.projections.fold.common import iso
from taizhang.projections.fold.dated import BEGINNING
from taizhang.projections.state import ViewState

# Columns of view_branch copied onto each of the branch's progress rows.
DENORMALISED = {
    "district_id": "district_id",
    "committee_id": "committee_id",
    "category": "category",
    "formation": "formation",
    "name": "branch_name",
    "rectification_target": "rectification_target",
    "reorganized": "reorganized",
}


def committee_registered(state: ViewState, e: Committee.Registered) -> None:
    cid = str(e.originator_id)
    state.put(
        "view_committee",
        (cid,),
        {
            "committee_id": cid,
            "district_id": str(e.district_id),
            "name": e.name,
            "kind": e.kind.value,
        },
    )


def committee_renamed(state: ViewState, e: Committee.Renamed) -> None:
    row = state.get("view_committee", (str(e.originator_id),))
    if row is not None:
        row["name"] = e.name
        state.touch("view_committee", (row["committee_id"],))


def branch_registered(state: ViewState, e: Branch.Registered) -> None:
    bid = str(e.originator_id)
    row = {
        "branch_id": bid,
        "district_id": str(e.district_id),
        "committee_id": str(e.committee_id),
        "name": e.name,
        "level": e.level.value,
        "formation": e.formation.value,
        "host_name": e.host_name,
        "category": e.host_category.value,
        "rectification_target": 0,
        "reorganized": 0,
    }
    covered = enterprises_covered(e.formation, e.host_category, e.covered_units)
    initial = {column: row[column] for column in DENORMALISED}
    initial["enterprises_covered"] = covered
    row["history"] = [[iso(e.provenance.occurred_on), "*", initial]]
    state.put("view_branch", (bid,), row)
    state.stale_works.update(state.keys_of_branch.get(bid, ()))


def _change_branch(state: ViewState, e: Any, **values: Any) -> None:
    bid = str(e.originator_id)
    row = state.get("view_branch", (bid,))
    if row is None:
        return
    on = iso(e.provenance.occurred_on)
    for column, value in values.items():
        if column in row:
            row[column] = value
        row["history"].append([on, column, value])
    state.touch("view_branch", (bid,))
    for key in state.keys_of_branch.get(bid, ()):
        progress = state.get("branch_progress", key)
        if progress is None:
            continue
        for column, value in values.items():
            if column in DENORMALISED:
                progress[DENORMALISED[column]] = value
        state.touch("branch_progress", key)
        state.stale_works.add(key)


def formation_changed(state: ViewState, e: Branch.FormationChanged) -> None:
    row = state.get("view_branch", (str(e.originator_id),))
    category = HostCategory(row["category"]) if row is not None else None
    _change_branch(
        state,
        e,
        formation=e.formation.value,
        enterprises_covered=enterprises_covered(e.formation, category, e.covered_units),
    )


def moved_to_committee(state: ViewState, e: Branch.MovedToCommittee) -> None:
    _change_branch(state, e, committee_id=str(e.committee_id))


def designated_target(state: ViewState, e: Branch.DesignatedRectificationTarget) -> None:
    _change_branch(state, e, rectification_target=1, reorganized=0)


def target_waived(state: ViewState, e: Branch.RectificationTargetWaived) -> None:
    _change_branch(state, e, rectification_target=0, reorganized=0)


def reorganized(state: ViewState, e: Branch.Reorganized) -> None:
    _change_branch(state, e, reorganized=1)


def group_registered(state: ViewState, e: SupervisionGroup.Registered) -> None:
    gid = str(e.originator_id)
    state.put(
        "view_group_scope",
        (gid, "group", gid),
        {
            "group_id": gid,
            "scope_kind": "group",
            "scope_id": gid,
            "district_id": str(e.district_id),
            "name": e.name,
            "kind": e.kind.value,
        },
    )


def _scope_rows(e: Any) -> list[tuple[str, str]]:
    return [("committee", str(c)) for c in e.committee_ids] + [
        ("branch", str(b)) for b in e.branch_ids
    ]


def scope_assigned(state: ViewState, e: SupervisionGroup.ScopeAssigned) -> None:
    gid = str(e.originator_id)
    group = state.get("view_group_scope", (gid, "group", gid))
    if group is None:
        return
    for kind, target in _scope_rows(e):
        state.put(
            "view_group_scope",
            (gid, kind, target),
            {**group, "scope_kind": kind, "scope_id": target},
        )


def scope_unassigned(state: ViewState, e: SupervisionGroup.ScopeUnassigned) -> None:
    gid = str(e.originator_id)
    for kind, target in _scope_rows(e):
        state.delete("view_group_scope", (gid, kind, target))


def campaign_defined(state: ViewState, e: Campaign.Defined) -> None:
    cid = str(e.originator_id)
    state.put(
        "view_campaign",
        (cid,),
        {
            "campaign_id": cid,
            "district_id": str(e.district_id),
            "name": e.name,
            "starts_on": e.starts_on.isoformat(),
            "ends_on": e.ends_on.isoformat(),
            "phases": [to_plain(p) for p in sorted(e.phases, key=lambda p: p.order)],
        },
    )


def phase_deadline_changed(state: ViewState, e: Campaign.PhaseDeadlineChanged) -> None:
    cid = str(e.originator_id)
    row = state.get("view_campaign", (cid,))
    if row is None:
        return
    for phase in row["phases"]:
        if phase["key"] == e.phase_key:
            # A deadline counts as changed from the change's business date on
            # (fold.dated.deadline_on); views as of an earlier day keep the one before.
            changes = phase.setdefault("deadlines", [[BEGINNING, phase.get("deadline")]])
            changes.append([iso(e.provenance.occurred_on), e.deadline.isoformat()])
            phase["deadline"] = e.deadline.isoformat()
    state.touch("view_campaign", (cid,))
    state.phase_cache.pop(cid, None)
    state.stale_works.update(state.keys_of_campaign.get(cid, ()))


def new_progress_row(
    campaign_id: str, branch: dict[str, Any] | None, branch_id: str
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "campaign_id": campaign_id,
        "branch_id": branch_id,
        "enrolled": 1,
        "meetings": 0,
        "study_days": "0",
        "opinions_collected": 0,
        "work_systems": 0,
        "volunteer_teams": 0,
        "commitments_made": 0,
        "commitments_fulfilled": 0,
        "optional_actions": 0,
        "supervision_visits": 0,
        "last_activity_on": None,
        "problem_activity_on": None,
        "all_phases_done_on": None,
        "milestones": {},
        "facts": {},
        "days": {},
        "problems": {},
        "enrolments": [],
    }
    for column, target in DENORMALISED.items():
        row[target] = branch.get(column) if branch else None
    return row


def index_progress_key(state: ViewState, key: tuple[str, ...]) -> None:
    campaign_id, branch_id = key
    state.keys_of_branch[branch_id].add(key)
    state.keys_of_campaign[campaign_id].add(key)

    state.work_keys[str(branch_work_id(UUID(campaign_id), UUID(branch_id)))] = key


def branches_enrolled(state: ViewState, e: Campaign.BranchesEnrolled) -> None:
    cid = str(e.originator_id)
    for branch_uuid in e.branch_ids:
        bid = str(branch_uuid)
        key = (cid, bid)
        row = state.get("branch_progress", key)
        if row is None:
            row = new_progress_row(cid, state.get("view_branch", (bid,)), bid)
            index_progress_key(state, key)
        row["enrolled"] = 1
        row["enrolments"].append([iso(e.provenance.occurred_on), 1])
        state.put("branch_progress", key, row)
        state.stale_works.add(key)


def branch_withdrawn(state: ViewState, e: Campaign.BranchWithdrawn) -> None:
    key = (str(e.originator_id), str(e.branch_id))
    row = state.get("branch_progress", key)
    if row is not None:
        row["enrolled"] = 0
        row["enrolments"].append([iso(e.provenance.occurred_on), 0])
        state.touch("branch_progress", key)
        state.stale_works.add(key)


HANDLERS = {
    Committee.Registered: committee_registered,
    Committee.Renamed: committee_renamed,
    Branch.Registered: branch_registered,
    Branch.FormationChanged: formation_changed,
    Branch.MovedToCommittee: moved_to_committee,
    Branch.DesignatedRectificationTarget: designated_target,
    Branch.RectificationTargetWaived: target_waived,
    Branch.Reorganized: reorganized,
    SupervisionGroup.Registered: group_registered,
    SupervisionGroup.ScopeAssigned: scope_assigned,
    SupervisionGroup.ScopeUnassigned: scope_unassigned,
    Campaign.Defined: campaign_defined,
    Campaign.PhaseDeadlineChanged: phase_deadline_changed,
    Campaign.BranchesEnrolled: branches_enrolled,
    Campaign.BranchWithdrawn: branch_withdrawn,
}

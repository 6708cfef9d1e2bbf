"""The kinds of resource (taizhang/kinds.py): one table, and every other list agrees with it."""

from __future__ import annotations

from uuid import UUID

from taizhang.api.scope import BODY_IDS, Scope
from taizhang.api.writes import ACCEPTS, where
from taizhang.handlers import EVENT_TYPES
from taizhang.kinds import KINDS

A = UUID("00000000-0000-4000-8000-00000000000a")
B = UUID("00000000-0000-4000-8000-00000000000b")


def test_every_kind_an_event_concerns_is_in_the_table() -> None:
    assert {spec.concerns for spec in EVENT_TYPES.values()} <= set(KINDS)
    assert set(ACCEPTS) <= set(KINDS)


def test_an_event_finds_its_aggregate_by_its_kinds_id_field() -> None:
    spec = EVENT_TYPES["ScopeAssigned"]
    assert spec.concerns == "supervision_group"
    assert spec.changes({"group_id": A, "branch_id": B}) == A
    assert EVENT_TYPES["InstructorAssigned"].changes({"instructor_id": A, "branch_id": B}) == B


def test_each_id_field_of_posted_data_names_a_scope_check() -> None:
    assert BODY_IDS["group_id"] == "supervision_group"
    assert BODY_IDS["round_id"] == "grading_round"
    assert "branch_work" not in BODY_IDS.values() and "branch_life" not in BODY_IDS.values()
    for check in BODY_IDS.values():
        assert callable(getattr(Scope, check))


def test_an_answer_points_where_the_resource_is_read() -> None:
    assert where("supervision_group", A, {}) == f"/api/v1/supervision-groups/{A}"
    work = where("branch_work", B, {"campaign_id": str(A), "branch_id": str(B)})
    assert work == f"/api/v1/campaigns/{A}/branches/{B}"
    life = where("branch_life", A, {"branch_id": str(B)})
    assert life == f"/api/v1/branches/{B}/party-life"
    assert KINDS["branch_work"].ids == ("campaign_id", "branch_id")
    assert KINDS["branch_work"].own_id == "" and KINDS["candidate"].own_id == "candidate_id"

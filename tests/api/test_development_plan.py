"""A committee's yearly development plan and the pipeline measured against it, both
databases.

seed 002: "按照“坚持标准、保证质量、改善结构、慎重发展”的方针……有计划地吸收高层次、高技能人才
入党"; seed 003 §一: "要将发展党员指导性计划向没有党员的非“两新”组织倾斜" -- the committee's
numbers follow the upper level's guiding plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.conftest import TODAY, Api
from tests.api.members import dates, walk
from tests.api.test_views import catch_up

YEAR = TODAY.year
TARGETS = {"activists": 4, "development_candidates": 2, "admitted": 2, "converted": 1}


def _plan(api: Api, type_: str, on: date, who: str = "committee_c1", **data: Any) -> Any:
    path = f"/api/v1/committees/{api.ids['c1']}/events"
    return api.event(path, type_, data, who, occurred_on=on.isoformat())


def _set(api: Api, on: date) -> dict[str, Any]:
    return api.ok(
        _plan(
            api,
            "DevelopmentPlanSet",
            on,
            year=YEAR,
            targets=TARGETS,
            guidance_document_id="区委组织部发展党员指导性计划",
            guidance_admitted=3,
        )
    )


def _measures(body: dict[str, Any]) -> dict[str, tuple[Any, int]]:
    return {m["target"]: (m["planned"], m["done"]) for m in body["measures"]}


def test_the_plan_is_set_by_the_committee_and_the_pipeline_counts_against_it(api: Api) -> None:
    """An activist designated this year counts against the plan's activists; a person
    admitted in an earlier year does not."""
    b1, c1 = str(api.ids["b1"]), str(api.ids["c1"])
    set_on = date(YEAR, 1, 1) - timedelta(days=10)
    refused = _plan(api, "DevelopmentPlanSet", set_on, "integrator_c1", year=YEAR, targets=TARGETS,
                    guidance_document_id="x", guidance_admitted=3)  # fmt: skip
    assert refused.status_code == 403
    _set(api, set_on)
    # Applied two years ago: an activist a year later, so this year only if the dates say.
    applied = TODAY - timedelta(days=400)
    walk(api, b1, applied, until="activist")
    activist_on = dates(applied)["activist"]
    catch_up(api)
    body = api.get(f"/api/v1/committees/{c1}/development-plan", "supervisor_c1").get_json()
    assert body["plan"]["guidance_document_id"] == "区委组织部发展党员指导性计划"
    assert body["plan"]["targets"] == TARGETS
    expected = 1 if activist_on.year == YEAR else 0
    assert _measures(body)["activists"] == (4, expected)
    assert _measures(body)["admitted"] == (2, 0)
    assert "people" not in body and "name" not in str(body)
    before = api.get(
        f"/api/v1/committees/{c1}/development-plan?as_of={(set_on - timedelta(days=1)).isoformat()}"
        f"&year={YEAR}",
        "committee_c1",
    ).get_json()
    assert before["plan"] is None and _measures(before)["activists"] == (None, 0)


def test_a_plan_is_set_once_and_changed_by_a_revision_with_its_reason(api: Api) -> None:
    """The plan and each change stay on the record (seed 001 §四5 "纪实制")."""
    c1 = str(api.ids["c1"])
    on = min(date(YEAR, 1, 2), TODAY)
    _set(api, on)
    again = _plan(api, "DevelopmentPlanSet", on, year=YEAR, targets=TARGETS,
                  guidance_document_id="x", guidance_admitted=3)  # fmt: skip
    assert again.status_code in (409, 422)
    assert again.get_json()["errors"][0]["rule"] == "plan_set_once"
    no_reason = _plan(api, "DevelopmentPlanRevised", TODAY, year=YEAR, targets=TARGETS, reason=" ")
    assert no_reason.status_code == 422
    revised = {**TARGETS, "admitted": 3}
    api.ok(
        _plan(api, "DevelopmentPlanRevised", TODAY, year=YEAR, targets=revised, reason="上级调整")
    )
    catch_up(api)
    body = api.get(f"/api/v1/committees/{c1}/development-plan").get_json()
    assert body["plan"]["targets"]["admitted"] == 3
    assert [r["reason"] for r in body["plan"]["revisions"]] == ["上级调整"]
    nothing = _plan(api, "DevelopmentPlanSet", on, year=YEAR + 1, targets={"admitted": 0},
                    guidance_document_id="x", guidance_admitted=0)  # fmt: skip
    assert nothing.get_json()["errors"][0]["rule"] == "something_planned"
    late = _plan(api, "DevelopmentPlanSet", TODAY, year=YEAR - 2, targets=TARGETS,
                 guidance_document_id="x", guidance_admitted=0)  # fmt: skip
    assert late.get_json()["errors"][0]["rule"] == "plan_year"

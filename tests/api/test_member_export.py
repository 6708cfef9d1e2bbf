"""The pipeline and its overdue steps as Excel workbooks, on both databases: people by
pseudonymous id, names only for the roles that may read them, never for supervisors.

The name below is made up for the test (a pseudonym), as every name in fixtures must be."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tests.api.conftest import TODAY, Api
from tests.api.members import apply, step, walk
from tests.api.test_views import catch_up

NAME = "化名丁戊"
APPLIED = TODAY - timedelta(days=4 * 366)


def _sheets(response: Any) -> dict[str, list[tuple[Any, ...]]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(BytesIO(response.data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _world(api: Api) -> tuple[str, str]:
    b1 = str(api.ids["b1"])
    named = apply(api, b1, TODAY - timedelta(days=30))
    api.ok(step(api, named, "PersonalDataRecorded", TODAY - timedelta(days=30), name=NAME))
    late = walk(api, b1, APPLIED, until="approved")  # probation expired, reports missing
    catch_up(api)
    return named, late


def test_the_pipeline_workbook_names_people_only_for_who_may_read_them(api: Api) -> None:
    """seed 002 发展党员工作制度: the people are named individuals; supervisors read counts."""
    named, late = _world(api)
    c1 = str(api.ids["c1"])
    path = f"/api/v1/committees/{c1}/member-pipeline.xlsx"
    sheets = _sheets(api.get(path, "committee_c1"))
    counts = sheets["各阶段人数"]
    assert counts[3][:2] == ("入党申请人", 1) and counts[6][:2] == ("预备党员", 1)
    people = sheets["人员 People"]
    assert people[2][:3] == ("序号 No.", "人员编号 Person", "姓名 Name")
    rows = {row[1]: row for row in people[3:]}
    assert rows[named][2] == NAME and not rows[late][2]
    supervised = _sheets(api.get(path, "supervisor_c1"))
    assert list(supervised) == ["各阶段人数"]
    assert NAME not in str(supervised) and named not in str(supervised)


def test_the_overdue_workbook_lists_whom_and_what(api: Api) -> None:
    """seed 002 3(4): "按时讨论其能否转为正式党员"; 3(2) "预备党员每季度要有一次口头或书面的
    汇报": a probation past its end and a quarter without a report are listed, by person."""
    named, late = _world(api)
    c1 = str(api.ids["c1"])
    sheets = _sheets(api.get(f"/api/v1/committees/{c1}/member-overdue.xlsx", "committee_c1"))
    people = sheets["人员 People"][3:]
    assert [row[1] for row in people] == [late]
    assert "预备期满未讨论转正" in people[0][-1] and "未汇报思想" in people[0][-1]
    counts = dict(row[:2] for row in sheets["各阶段人数"] if row and row[0])
    assert counts["预备期满未讨论转正 (002 3(4) 按时讨论)"] == 1

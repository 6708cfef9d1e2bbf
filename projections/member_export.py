"""The member-development pipeline and its overdue steps as Excel workbooks (发展党员台账).

Each workbook is made from what the pipeline view answered the caller
(``taizhang.projections.member_views``, names unsealed by the API only for the roles that may read
them): people by pseudonymous id, with a name only where the view carried one. A view
without people (a supervisor's) gives the counts alone.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from taizhang.domain.member_vocabulary import Stage
from taizhang.projections.export import _as_text, _printable

OVERDUE_NAMES = {
    "report_missing": "上季度未汇报思想 (002 一般每季度一次)",
    "assessment_missing": "上半年未考核 (002 (4) 每半年考核一次)",
    "approval_late": "超过3个月未审批 (002 3(6) 应在3个月内讨论审批)",
    "probation_expired": "预备期满未讨论转正 (002 3(4) 按时讨论)",
}
_STAGES = {s.value: s.zh for s in Stage}
# (header, width, key of a person's line)
_PEOPLE: tuple[tuple[str, int, str], ...] = (
    ("序号 No.", 8, "number"),
    ("人员编号 Person", 38, "candidate_id"),
    ("姓名 Name", 14, "name"),
    ("支部 Branch", 38, "branch_id"),
    ("所处阶段 Stage", 16, "stage"),
    ("起始日期 Since", 13, "since"),
    ("在此阶段天数 Days", 12, "days_at_stage"),
    ("预备期满 Probation ends", 14, "probation_ends"),
    ("逾期事项 Overdue", 50, "overdue"),
)


def _head(sheet: Any, title: str, body: dict[str, Any], headers: list[str]) -> None:
    sheet.append([_printable(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    known = f"; 截至记录时间 Known at: {body['known_at']}" if body.get("known_at") else ""
    sheet.append([f"统计日期 As of: {body['as_of']}{known}"])
    sheet.append(headers)
    for index in range(1, len(headers) + 1):
        sheet.cell(row=3, column=index).font = Font(bold=True)


def _finish(sheet: Any, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for line in sheet.iter_rows():
        for cell in line:
            _as_text(cell)
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A4"


def _cell(person: dict[str, Any], number: int, key: str) -> Any:
    if key == "number":
        return number
    if key == "stage":
        return _STAGES[person["stage"]]
    if key == "overdue":
        return "；".join(OVERDUE_NAMES[k] for k in person["overdue"])
    if key == "name":
        return "（已删除）" if person.get("erased") else person.get("name") or ""
    value = person.get(key)
    return "" if value is None else value


def _counts(book: Workbook, body: dict[str, Any], title: str) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = "各阶段人数"
    _head(sheet, title, body, ["阶段 Stage", "人数 Count", "天数中位 Median days", "最长天数 Max"])
    for row in body["stages"]:
        sheet.append([row["zh"], row["count"], row["days_median"], row["days_max"]])
    sheet.append([])
    sheet.append(["逾期事项 Overdue", "人数 Count"])
    for key, count in body["overdue"].items():
        sheet.append([OVERDUE_NAMES[key], count])
    _finish(sheet, [40, 12, 18, 12])


def _people(book: Workbook, body: dict[str, Any], title: str, people: list[dict[str, Any]]) -> None:
    sheet = book.create_sheet("人员 People")
    with_names = any("name" in p for p in people)
    columns = [c for c in _PEOPLE if with_names or c[2] != "name"]
    _head(sheet, title, body, [header for header, _, _ in columns])
    for number, person in enumerate(people, start=1):
        sheet.append([_printable(_cell(person, number, key)) for _, _, key in columns])
    _finish(sheet, [width for _, width, _ in columns])


def _save(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def pipeline_workbook(body: dict[str, Any], *, title: str) -> bytes:
    """``body``: the pipeline view as the API answered it."""
    book = Workbook()
    _counts(book, body, title)
    if "people" in body:
        _people(book, body, title, body["people"])
    return _save(book)


def overdue_workbook(body: dict[str, Any], *, title: str) -> bytes:
    """The steps overdue on the day: the counts, and the people with any (when the view
    carried people)."""
    book = Workbook()
    _counts(book, body, title)
    if "people" in body:
        _people(book, body, title, [p for p in body["people"] if p["overdue"]])
    return _save(book)

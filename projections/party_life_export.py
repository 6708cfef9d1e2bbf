"""The due and overdue lists of organizational life (应开未开、逾期未开) as an Excel workbook,
the form offices hand around: a sheet for what is due this week, one for what is overdue,
and one for the members short of their education days (seed 002: 不少于12天)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from taizhang.domain.party_life import LifeStatus, ThemedDayPart

_OWNER = {"branch": "党支部", "committee": "党委"}
_STATUS = {s.value: s.zh for s in LifeStatus}
_PART = {p.value: p.zh for p in ThemedDayPart}

# (header, width, how to take the cell from a list's item)
_DUTY_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("序号 No.", 8, "number"),
    ("责任主体 Owner", 12, "owner"),
    ("组织 Organization", 28, "name"),
    ("组织编号 Id", 38, "owner_id"),
    ("事项 Duty", 16, "label"),
    ("周期 Period", 10, "period"),
    ("应完成日期 Due on", 14, "due_on"),
    ("状态 Status", 10, "status"),
    ("缺少内容 Missing", 30, "missing_parts"),
    ("批准延期至 Delayed until", 14, "delayed_until"),
)
_EDUCATION_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("序号 No.", 8, "number"),
    ("党员 Member", 14, "member"),
    ("党支部 Branch", 28, "name"),
    ("支部编号 Id", 38, "branch_id"),
    ("已参加天数 Days", 12, "days"),
    ("应参加天数 Required", 12, "required"),
    ("状态 Status", 10, "status"),
)


def _cell(item: dict[str, Any], number: int, key: str) -> Any:
    if key == "number":
        return number
    if key == "owner":
        return _OWNER.get(item["owner"], item["owner"])
    if key == "status":
        return _STATUS.get(item["status"], item["status"])
    if key == "missing_parts":
        return "、".join(_PART.get(p, p) for p in item["missing_parts"])
    value = item.get(key)
    return "" if value is None else value


def _sheet(
    book: Workbook,
    title: str,
    lines: list[str],
    columns: tuple[tuple[str, int, str], ...],
    items: list[dict[str, Any]],
) -> None:
    sheet = book.create_sheet(title)
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    header_row = len(lines) + 1
    sheet.append([header for header, _, _ in columns])
    for index, (_, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=header_row, column=index).font = Font(bold=True)
    for number, item in enumerate(items, start=1):
        sheet.append([_cell(item, number, key) for _, _, key in columns])
    sheet.freeze_panes = f"A{header_row + 1}"


def due_workbook(body: dict[str, Any]) -> bytes:
    """The lists of ``PartyLifeViews.party_life_due``, a sheet each."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    known = f"; 截至记录时间 Known at: {body['known_at']}" if body.get("known_at") else ""
    dated = f"统计日期 As of: {body['as_of']} ({body['year']}年){known}"
    _sheet(
        book,
        "本周应完成",
        [f"本周应完成 Due by {body['week_ends_on']}", dated],
        _DUTY_COLUMNS,
        body["due"],
    )
    _sheet(book, "逾期未完成", ["逾期未完成 Overdue", dated], _DUTY_COLUMNS, body["overdue"])
    _sheet(
        book,
        "集体教育不足",
        ["党员集体教育不足12天 Education days short", dated],
        _EDUCATION_COLUMNS,
        body["education_short"],
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()

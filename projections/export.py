"""The problem ledger (问题清单台账) as an Excel workbook, the form offices hand around."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from io import BytesIO
from typing import Any
from uuid import UUID

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from taizhang.domain.business_day import business_today
from taizhang.projections.queries import Views

# (header, width, how to take the cell from a ledger row)
_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("序号 No.", 8, "number"),
    ("党组织 Branch", 28, "branch_name"),
    ("问题类别 Category", 22, "category"),
    ("存在问题 Problem", 40, "description"),
    ("整改措施 Measures", 40, "measures"),
    ("责任人 Responsible", 14, "responsible"),
    ("列出日期 Listed on", 13, "listed_on"),
    ("完成时限 Deadline", 13, "deadline"),
    ("整改状态 Status", 12, "status"),
    ("完成进度 % done", 10, "percent_done"),
    ("是否逾期 Overdue", 10, "overdue"),
    ("整改完成 Rectified on", 13, "rectified_on"),
    ("验收 Verification", 20, "verification"),
)
_PAGE = 500
_ATTEMPTS = 5
SHEET = "问题清单台账"
EVIDENCE_SHEET = "证据 Evidence"

Reveal = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
Stamp = Callable[[int, Any], dict[str, Any]]


class ReportMoving(Exception):
    """The views moved on each time the report was read."""


def _printable(value: Any) -> Any:
    """Text as a worksheet can hold it. The API stores what was posted, control characters
    included, and a workbook refuses those: each is shown as U+FFFD, not the whole ledger."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


# A spreadsheet reads a cell that starts with one of these as a formula (or as the start of
# one, once someone edits it): posted text is never the sheet's code.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cell: Any) -> None:
    """Keep text that looks like a formula as the text it is: string type, quote prefix."""
    if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def problem_ledger_rows(
    views: Views, campaign_id: UUID, **filters: Any
) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        rows, cursor = views.problem_ledger(campaign_id, after=cursor, limit=_PAGE, **filters)
        yield from rows
        if cursor is None:
            return


def _cell(row: dict[str, Any], number: int, key: str) -> Any:
    if key == "number":
        return number
    if key == "category":
        return (row.get("category_labels") or {}).get("zh", row["category"])
    if key == "status":
        return (row.get("status_labels") or {}).get("zh", row["status"])
    if key == "responsible":
        # The name as the reader's ``reveal`` opened it, else the pseudonymous id.
        return row.get("responsible_person_name") or row["responsible_person"]
    if key == "overdue":
        return "是" if row["overdue"] else "否"
    if key == "verification":
        if row.get("verification_passed") is None:
            return ""
        verdict = "通过" if row["verification_passed"] else "未通过"
        return f"{verdict} ({row.get('verifier') or ''} {row.get('verified_on') or ''})".strip()
    value = row.get(key)
    return "" if value is None else value


def _values(line: Iterable[Any]) -> list[Any]:
    """A row's values as the report's digest takes them: empty cells as "", trailing ones
    dropped (a workbook read back gives None for an empty cell, and no trailing cells)."""
    found = ["" if value is None else value for value in line]
    while found and found[-1] == "":
        found.pop()
    return found


def _lines(
    views: Views, campaign_id: UUID, title: str, day: date, reveal: Reveal, filters: Any
) -> list[list[Any]]:
    known = getattr(views, "known_at", None)
    known_line = f"; 截至记录时间 Known at: {known}" if known else ""
    lines = [
        [_printable(title)],
        [f"统计日期 As of: {day.isoformat()}{known_line}"],
        [header for header, _, _ in _COLUMNS],
    ]
    rows = reveal(list(problem_ledger_rows(views, campaign_id, as_of=day, **filters)))
    for number, row in enumerate(rows, start=1):
        lines.append([_printable(_cell(row, number, key)) for _, _, key in _COLUMNS])
    return [_values(line) for line in lines]


def _built(views: Views, build: Callable[[], list[list[Any]]]) -> tuple[int, list[list[Any]]]:
    """The lines and the projection position they were built from: built again when the
    worker moved on while they were read (a page at a time)."""
    for _ in range(_ATTEMPTS):
        before = views.positions().get("progress", 0)
        lines = build()
        if views.positions().get("progress", 0) == before:
            return before, lines
    raise ReportMoving("the views kept moving while the report was read; ask again")


def problem_ledger_workbook(
    views: Views,
    campaign_id: UUID,
    *,
    title: str,
    as_of: date | None = None,
    reveal: Reveal = list,
    stamp: Stamp | None = None,
    **filters: Any,
) -> bytes:
    """Every problem the filters select, one row each, as of ``as_of`` (default today);
    ``reveal`` opens the people's sealed names (the API's ``taizhang.api.person_names``); ``stamp``
    makes the evidence of the log position the rows were built from
    (``taizhang.evidence.report_evidence``), kept on a sheet of its own."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    day = as_of or business_today()
    position, lines = _built(views, lambda: _lines(views, campaign_id, title, day, reveal, filters))
    for line in lines:
        sheet.append(line)
    sheet["A1"].font = Font(bold=True, size=14)
    for index, (_, width, _) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=3, column=index).font = Font(bold=True)
    if stamp is not None:
        _evidence_sheet(book, stamp(position, lines))
    for line in sheet.iter_rows():
        for cell in line:
            _as_text(cell)
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A4"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _evidence_sheet(book: Workbook, evidence: dict[str, Any]) -> None:
    sheet = book.create_sheet(EVIDENCE_SHEET)
    for key in ("format", "position", "hash", "checkpoint", "digest"):
        value = evidence.get(key)
        if isinstance(value, dict):
            value = json.dumps(value, sort_keys=True)
        sheet.append([key, "" if value is None else value])
    sheet.column_dimensions["B"].width = 80


def workbook_evidence(data: bytes) -> tuple[dict[str, Any], list[list[Any]]]:
    """A problem ledger workbook's evidence and the content its digest is over."""
    book = load_workbook(BytesIO(data), read_only=True)
    if SHEET not in book.sheetnames or EVIDENCE_SHEET not in book.sheetnames:
        raise ValueError("not a problem ledger workbook with its evidence")
    lines = [_values(line) for line in book[SHEET].iter_rows(values_only=True)]
    found: dict[str, Any] = {}
    for key, value, *_ in book[EVIDENCE_SHEET].iter_rows(values_only=True):
        found[str(key)] = None if value in (None, "") else value
    if isinstance(found.get("checkpoint"), str):
        found["checkpoint"] = json.loads(found["checkpoint"])
    if found.get("position") is not None:
        found["position"] = int(found["position"])
    return found, lines

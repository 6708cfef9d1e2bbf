"""The grading results (分类定级结果) and the lagging list with its upgrading (后进党组织及其
晋位升级) as Excel workbooks, from what ``GradingViews`` answers."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from taizhang.domain.grading_criteria import Grade, UpgradingStatus
from taizhang.projections.export import _as_text, _printable

_STATUS_ZH = {"no_plan": "未定措施", **{s.value: s.zh for s in UpgradingStatus}}


def _grade_zh(value: str | None) -> str:
    return Grade(value).zh if value else ""


def _sheet(
    book: Workbook,
    title: str,
    heading: list[str],
    columns: tuple[tuple[str, int], ...],
    rows: list[list[Any]],
    first: bool = False,
) -> None:
    sheet = book.active if first else book.create_sheet()
    assert sheet is not None
    sheet.title = title
    for line in heading:
        sheet.append([_printable(line)])
    sheet["A1"].font = Font(bold=True, size=14)
    header_row = len(heading) + 1
    sheet.append([name for name, _ in columns])
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=header_row, column=index).font = Font(bold=True)
    for row in rows:
        sheet.append([_printable("" if value is None else value) for value in row])
    for line in sheet.iter_rows():
        for cell in line:
            _as_text(cell)
    for line in sheet.iter_rows(min_row=header_row + 1):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"A{header_row + 1}"


def _dates(view: dict[str, Any]) -> str:
    known = f"; 截至记录时间 Known at: {view['known_at']}" if view.get("known_at") else ""
    return f"统计日期 As of: {view['as_of']}{known}"


def _saved(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def results_workbook(results: dict[str, Any], distribution: dict[str, Any], title: str) -> bytes:
    """Two sheets: how many are advanced, average and lagging per committee (汇总), and
    every organization's grade (明细). ``results``: ``Views.grade_results``;
    ``distribution``: ``Views.grade_distribution`` for the same round, day and part."""
    book = Workbook()
    names = results["committee_names"]
    grades = [g.value for g in Grade]
    summary_rows = [
        [names.get(c["committee_id"], c["committee_id"]), c["graded"]]
        + [c["grades"][g] for g in grades]
        for c in distribution["committees"]
    ]
    summary_rows.append(
        ["合计 Total", distribution["graded"]] + [distribution["grades"][g] for g in grades]
    )
    _sheet(
        book,
        "汇总",
        [title, _dates(results)],
        (("党(工)委 Committee", 30), ("已定级 Graded", 12))
        + tuple((f"{g.zh} {g.en}", 12) for g in Grade),
        summary_rows,
        first=True,
    )
    _sheet(
        book,
        "明细",
        [title, _dates(results)],
        (
            ("序号 No.", 8),
            ("党组织 Organization", 36),
            ("党(工)委 Committee", 24),
            ("等次 Grade", 10),
            ("定级日期 Graded on", 14),
            ("定级人 Grader", 16),
            ("达到标准 Criteria met", 36),
            ("已更正 Corrected", 10),
            ("异议未决 Objection open", 12),
        ),
        [
            [
                number,
                item["name"],
                names.get(item["committee_id"], item["committee_id"]),
                _grade_zh(item["grade"]),
                item["graded_on"],
                item["grader"],
                ", ".join(item["criteria_met"]),
                "是" if item["corrected_by"] else "",
                "是" if item["objection_open"] else "",
            ]
            for number, item in enumerate(results["items"], start=1)
        ],
    )
    return _saved(book)


def lagging_workbook(upgrading: dict[str, Any], title: str) -> bytes:
    """The organizations of ``Views.upgrading`` (the lagging by default), each with its
    upgrading plan and where it stands."""
    book = Workbook()
    rows = []
    for number, item in enumerate(upgrading["items"], start=1):
        plan = item["plan"] or {}
        rows.append(
            [
                number,
                item["name"],
                _grade_zh(item["grade"]),
                item["graded_on"],
                _grade_zh(plan.get("target_grade")),
                plan.get("responsible_person"),
                plan.get("deadline"),
                _STATUS_ZH[item["upgrading_status"]],
                plan.get("percent_done"),
                "是" if plan.get("overdue") else "",
            ]
        )
    _sheet(
        book,
        "后进党组织",
        [title, _dates(upgrading)],
        (
            ("序号 No.", 8),
            ("党组织 Organization", 36),
            ("等次 Grade", 10),
            ("定级日期 Graded on", 14),
            ("目标等次 Target", 10),
            ("责任人 Responsible", 14),
            ("期限 Deadline", 14),
            ("晋位升级 Upgrading", 12),
            ("完成% Done", 10),
            ("逾期 Overdue", 10),
        ),
        rows,
        first=True,
    )
    return _saved(book)

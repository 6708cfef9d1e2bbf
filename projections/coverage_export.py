"""A gap list of the register (``taizhang.projections.coverage_views``) as an Excel workbook."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from taizhang.domain.vocabulary import (
    CoverageMode,
    HostCategory,
    LocationKind,
    MassOrganizationKind,
)
from taizhang.projections.export import _as_text, _printable

# (header, width, how to take the cell from a gap list's item)
_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("序号 No.", 8, "number"),
    ("组织名称 Organization", 36, "name"),
    ("类别 Category", 16, "category"),
    ("行业 Industry", 14, "industry"),
    ("从业人员 Employees", 12, "employees"),
    ("正式党员 Full members", 12, "full_members"),
    ("所在 Place", 24, "place"),
    ("党组织覆盖 Covered", 14, "mode"),
    ("指导员/联络员 Followers", 12, "followers"),
    ("群团组织 Mass organizations", 22, "mass_organizations"),
    ("存在缺口 Gaps", 40, "gaps"),
)


def _cell(item: dict[str, Any], number: int, key: str) -> Any:
    if key == "number":
        return number
    if key == "category":
        return HostCategory(item["category"]).zh
    if key == "place":
        kind = LocationKind(item["location_kind"])
        return "" if kind is LocationKind.NONE else f"{kind.zh} {item['location_name']}"
    if key == "mode":
        return CoverageMode(item["mode"]).zh if item["mode"] else "未覆盖"
    if key == "mass_organizations":
        return "、".join(MassOrganizationKind(k).zh for k in item["mass_organizations"])
    if key == "gaps":
        return ", ".join(item["gaps"])
    value = item.get(key)
    return "" if value is None else value


def gap_workbook(gaps: dict[str, Any], *, title: str) -> bytes:
    """``gaps``: what ``Views.coverage_gaps`` answers, one row per organization."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "缺口清单"
    rule = gaps["rule"]
    sheet.append([_printable(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    known = f"; 截至记录时间 Known at: {gaps['known_at']}" if gaps.get("known_at") else ""
    sheet.append([f"统计日期 As of: {gaps['as_of']}{known}"])
    sheet.append([f"{rule['key']} — {rule['seed']}: {rule['quote']}"])
    sheet.append([header for header, _, _ in _COLUMNS])
    for index, (_, width, _) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=4, column=index).font = Font(bold=True)
    for number, item in enumerate(gaps["items"], start=1):
        sheet.append([_printable(_cell(item, number, key)) for _, _, key in _COLUMNS])
    for line in sheet.iter_rows():
        for cell in line:
            _as_text(cell)
    for line in sheet.iter_rows(min_row=5):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A5"
    out = BytesIO()
    book.save(out)
    return out.getvalue()

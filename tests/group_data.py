"""A small group for tests of the organisation tree (issue 18): the sample company's seven
departments under three units under one group, stated the two ways a group states it.

- `layout="sheet"`: the definitions workbook carries a sheet 组织架构 (unit, parent unit;
  the group's own row has an empty parent); the monthly forms are the sample's, unchanged.
- `layout="column"`: every monthly form gains a column 上级单位 naming its department's unit
  on each KPI row; no hierarchy sheet, so the units sit at the top (no group node).

`hierarchy_workbook()` is the 组织架构 sheet alone, an upload of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook

from kpi_engine.ingest import aliases
from tests.paths import SAMPLE_DATA, SAMPLE_PATHS
from tests.workbooks import xlsx

GROUP = "华辰智造集团"
MANUFACTURING, MARKETING, SERVICES = "智能制造事业部", "市场营销事业部", "职能服务中心"
UNITS: dict[str, str] = {MANUFACTURING: GROUP, MARKETING: GROUP, SERVICES: GROUP}
DEPARTMENT_UNITS: dict[str, str] = {
    "生产部": MANUFACTURING,
    "技术部": MANUFACTURING,
    "采购物流部": MANUFACTURING,
    "市场部": MARKETING,
    "财务部": SERVICES,
    "人力资源部": SERVICES,
    "行政部": SERVICES,
}
# Every node and its parent, as the sheet layout states it (the group has none).
TREE: dict[str, str] = {**DEPARTMENT_UNITS, **UNITS}
HIERARCHY_SHEET = "组织架构"
HIERARCHY_FILE = "组织架构.xlsx"
PARENT_HEADER = "上级单位"


def _hierarchy_rows() -> list[list[object]]:
    """The 组织架构 sheet: the group first (empty parent), then units, then departments."""
    return [
        [f"{GROUP} 组织架构"],
        ["单位名称", PARENT_HEADER, "备注"],
        [GROUP, None, "集团"],
        *([unit, parent, "事业部/中心"] for unit, parent in UNITS.items()),
        *([department, unit, None] for department, unit in DEPARTMENT_UNITS.items()),
    ]


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def hierarchy_workbook() -> bytes:
    """A workbook holding only the 组织架构 sheet."""
    return xlsx(_hierarchy_rows(), sheet=HIERARCHY_SHEET)


def _with_hierarchy(data: bytes) -> bytes:
    """The definitions workbook with the 组织架构 sheet added after its own."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.create_sheet(HIERARCHY_SHEET)
    for row in _hierarchy_rows():
        sheet.append(row)
    return _save(book)


def _with_parent_column(data: bytes) -> bytes:
    """A monthly form with a parent column after its last one (上级单位, or 上級單位 on a
    form in traditional characters), filled on KPI rows (a row with a KPI name); totals
    and notes keep it empty."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(max_row=12, values_only=True))
        header = next(i for i, row in enumerate(rows) if "kpi_name" in map(aliases.column_for, row))
        name_column = [aliases.column_for(c) for c in rows[header]].index("kpi_name") + 1
        column = sheet.max_column + 1
        traditional = any("指標" in str(c) for c in rows[header])
        sheet.cell(header + 1, column, "上級單位" if traditional else PARENT_HEADER)
        department = next(d for d in DEPARTMENT_UNITS if d in str(rows[0][0]))
        for row in range(header + 2, sheet.max_row + 1):
            if sheet.cell(row, name_column).value not in (None, ""):
                sheet.cell(row, column, DEPARTMENT_UNITS[department])
    return _save(book)


def group_files(
    *, layout: str = "sheet", months: Iterable[str] | None = None
) -> list[tuple[str, bytes]]:
    """The group's uploads as (file name, bytes): definitions first, then the monthly forms
    of `months` ("YYYY-MM"; every month when None), in the sample's order."""
    if layout not in ("sheet", "column"):
        raise ValueError(f"layout is 'sheet' or 'column', not {layout!r}")
    wanted = None if months is None else set(months)
    definitions, *monthly = SAMPLE_PATHS
    forms = [p for p in monthly if wanted is None or p.parent.name in wanted]
    files = [
        (
            definitions.name,
            _with_hierarchy(definitions.read_bytes())
            if layout == "sheet"
            else definitions.read_bytes(),
        )
    ]
    for path in forms:
        data = path.read_bytes()
        files.append((path.name, _with_parent_column(data) if layout == "column" else data))
    return files


def write_group(
    directory: Path, *, layout: str = "sheet", months: Iterable[str] | None = None
) -> list[Path]:
    """Write `group_files(...)` into `directory` (monthly forms under monthly/YYYY-MM as in
    sample_data) and return the paths in upload order."""
    where = {p.name: p.relative_to(SAMPLE_DATA) for p in SAMPLE_PATHS}
    paths = []
    for name, data in group_files(layout=layout, months=months):
        target = directory / where[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        paths.append(target)
    return paths

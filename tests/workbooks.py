"""Build workbooks in code, as managers would send them, and load them through the engine."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook

from kpi_engine import Loaded, load_files

Rows = Sequence[Sequence[object]]


def xlsx(
    rows: Rows,
    *,
    sheet: str = "Sheet1",
    merges: Sequence[str] = (),
    formats: dict[str, str] | None = None,
    more: dict[str, Rows] | None = None,
    errors: Sequence[str] = (),
) -> bytes:
    """An .xlsx with `rows` from A1 (None leaves a cell empty), merged ranges such as
    'A3:A7', number formats per cell ('E3': '0%'), and further sheets in `more`. A text
    such as '#DIV/0!' is written as an Excel error cell (openpyxl knows the seven classic
    ones; `errors` names further cells of the first sheet to type so, e.g. '#SPILL!')."""
    book = Workbook()
    first = book.active
    first.title = sheet
    for name, sheet_rows in {sheet: rows, **(more or {})}.items():
        ws = first if name == sheet else book.create_sheet(name)
        for row in sheet_rows:
            ws.append(list(row))
    for ref in merges:
        first.merge_cells(ref)
    for ref, fmt in (formats or {}).items():
        first[ref].number_format = fmt
    for ref in errors:
        first[ref].data_type = "e"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_formulas(data: bytes, formulas: dict[str, str]) -> bytes:
    """Turn cells of the first sheet into formulas keeping their value as Excel's cached
    result, as a workbook saved by Excel has it (openpyxl alone writes no cached values)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for ref, formula in formulas.items():
                    text, found = re.subn(
                        rf'(<c r="{ref}"[^>]*>)(<v>)', rf"\1<f>{formula}</f>\2", text, count=1
                    )
                    assert found, f"no numeric cell {ref} to turn into a formula"
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def load(*files: tuple[str, bytes], **options: object) -> Loaded:
    return load_files(list(files), **options)  # type: ignore[arg-type]


def messages(loaded: Loaded, severity: str = "error") -> list[str]:
    issues = loaded.issues
    return list(issues.loc[issues["severity"] == severity, "message"])


HEADER = ["部门", "维度", "指标编号", "指标名称", "方向", "权重", "目标值", "实际值"]


def form(*kpi_rows: Sequence[object], title: str = "2026年10月 市场部 KPI 考核表") -> list[list]:
    """A one-sheet monthly form: title row, blank row, Chinese header, the KPI rows."""
    return [[title], [], list(HEADER), *[list(r) for r in kpi_rows]]

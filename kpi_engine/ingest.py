"""Workbooks in, one tidy KPI table and a list of issues out.

Two stages keep this fast on thousands of files. Each sheet is *planned* in plain Python
from its first rows only: where the header is, what each column means, which columns
are months (wide layout), and what the title, sheet name and file name say about the
department and period. Then the data rows of every sheet are stacked into one frame and
typed, filled from KPI definitions and validated with vectorised pandas (`validate`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from . import aliases, periods
from .issues import ERROR, WARNING, Issue, issues_frame
from .schema import KPI_COLUMNS
from .settings import Limits
from .validate import definitions_table, validate
from .workbook import Sheet, WorkbookError, read_workbook

HEADER_SCAN_ROWS = 30
# Columns read from the grid besides the canonical ones (see `_Block`).
RAW_COLUMNS = tuple(c for c in KPI_COLUMNS if c not in {"file", "sheet", "row", "extras"})


@dataclass(frozen=True)
class Loaded:
    """Result of loading a batch of files: accepted KPI rows, definitions, issues."""

    kpis: pd.DataFrame
    definitions: pd.DataFrame
    issues: pd.DataFrame
    rows_rejected: int

    @property
    def rows_accepted(self) -> int:
        return len(self.kpis)

    @property
    def errors(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == ERROR]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == WARNING]


@dataclass
class SheetPlan:
    """What one sheet's header and surroundings say; everything but the data rows."""

    file: str
    sheet: str
    header_row: int  # 0-based index into the grid
    columns: dict[str, int]  # canonical column -> grid column
    written: dict[str, str]  # canonical column -> header as written
    months: dict[int, str] = field(default_factory=dict)  # wide layout: column -> YYYY-MM
    month_headers: dict[int, str] = field(default_factory=dict)  # column -> header as written
    extras: dict[str, int] = field(default_factory=dict)  # unknown header -> column
    department: str | None = None  # from title rows, sheet name or file name
    period: str | None = None
    year: int | None = None

    @property
    def is_definitions(self) -> bool:
        """A sheet of KPI definitions only: no actual, no month anywhere in its columns."""
        return not self.months and "actual" not in self.columns and "period" not in self.columns


def load_files(
    files: Sequence[tuple[str, bytes]],
    *,
    limits: Limits | None = None,
    definitions: pd.DataFrame | None = None,
    departments: Iterable[str] = (),
) -> Loaded:
    """Parse and validate uploaded files. Never raises on bad input: it reports it.

    `definitions` are KPI definitions from earlier uploads; sheets that carry only
    actuals keyed by KPI id or name take their perspective, weight and targets from them.
    `departments` are departments stored from earlier uploads: a shared-with cell naming
    one of them, spaces and all, is one partner.
    `limits` default to `Limits.from_env()` (KPI_MAX_FILE_MB... see README).
    """
    limits = Limits.from_env() if limits is None else limits
    issues: list[Issue] = []
    plans: list[SheetPlan] = []
    grids: list[Sheet] = []
    for name, data in files:
        try:
            sheets = read_workbook(name, data, limits=limits)
        except WorkbookError as exc:
            issues.append(
                Issue.of(ERROR, name, exc.sheet, None, None, None, exc.code, **exc.params)
            )
            continue
        found = 0
        for sheet in sheets:
            plan = plan_sheet(name, sheet, issues)
            if plan is not None:
                plans.append(plan)
                grids.append(sheet)
                found += 1
        if not found:
            issues.append(Issue.of(ERROR, name, None, None, None, None, "no_kpi_table"))
    raw = stack_rows(plans, grids)
    kpis, defs, row_issues, rejected = validate(
        raw, plans, definitions=definitions, departments=departments
    )
    return Loaded(kpis, defs, issues_frame([*issues, *row_issues]), rejected)


def load_paths(paths: Sequence[str], **options: object) -> Loaded:
    """`load_files` for files on disk (the CLI and scripts)."""
    files = []
    for path in paths:
        with open(path, "rb") as handle:
            files.append((PurePath(path).name, handle.read()))
    return load_files(files, **options)  # type: ignore[arg-type]


# -- planning a sheet -------------------------------------------------------------------


def _fill_merged(sheet: Sheet) -> None:
    """A value written once over merged cells applies to every cell it covers."""
    cells = sheet.cells
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(cells) or c0 >= len(cells[r0]):
            continue
        value = cells[r0][c0]
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            row = cells[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value


def _header_score(row: list[object]) -> tuple[int, set[str]]:
    found = {aliases.column_for(c) for c in row if isinstance(c, str) and c.strip()}
    found.discard(None)
    return len(found), found  # type: ignore[return-value]


def find_header(cells: list[list[object]]) -> int | None:
    """Index of the header row: the first row naming the most known columns, KPI included."""
    best, best_score = None, 1
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        score, found = _header_score(row)
        if score > best_score and found & {"kpi_name", "kpi_id"}:
            best, best_score = index, score
        elif best is not None and score < 2:
            break  # the first data row under a header: no later row can be the header
    return best


_PERIOD_WORDS = re.compile(
    r"\d{2,4}\s*年\s*(\d{1,2}\s*月)?|\d{4}[-/.]\d{1,2}|\d{1,2}\s*月|[上下]半年|全年|年度|"
    r"第?[一二三四1-4]季度|Q[1-4]"
)
_DEPT_CJK = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:部门|部門|部|中心))(?![\u4e00-\u9fff])")
_DEPT_EN = re.compile(r"\b([A-Za-z][A-Za-z&]*(?:\s[A-Za-z&]+)?)\s+(?:department|dept)\b", re.I)
_NOT_DEPARTMENTS = {"全部", "各部", "内部", "內部", "外部", "本部", "局部"}
# English department names written without "Department" (`Marketing KPI October 2026`).
_DEPT_WORDS = re.compile(
    r"\b(?i:human resources|customer service|supply chain|r&d|marketing|sales|production|"
    r"manufacturing|technology|engineering|finance|accounting|procurement|purchasing|"
    r"logistics|administration|operations|quality|legal)\b|\b(?:HR|IT)\b"
)


def find_department(text: str) -> str | None:
    """A department named in a title, sheet name or file name (`2026年10月 市场部 KPI`)."""
    text = _PERIOD_WORDS.sub(" ", text.replace("_", " "))
    for match in _DEPT_CJK.finditer(text):
        if match.group(1) not in _NOT_DEPARTMENTS:
            return match.group(1)
    match = _DEPT_EN.search(text) or _DEPT_WORDS.search(text)
    return match.group(0 if match.re is _DEPT_WORDS else 1).strip() if match else None


def _context_lines(cells: list[list[object]], header_row: int) -> str:
    """Title text above the header, without the `填报人 / 填报日期` lines."""
    lines = []
    for row in cells[:header_row]:
        texts = [str(c).strip() for c in row if c not in ("", None)]
        if texts and not any(aliases.is_filler_line(t) for t in texts):
            lines.append(" ".join(dict.fromkeys(texts)))
    return " ".join(lines)


def _sources(file: str, sheet: str, title: str) -> tuple[str, str, str]:
    """Where a sheet's context is read, in order: title rows, sheet name, file name."""
    return title, sheet, PurePath(file).stem


def _when(sources: tuple[str, str, str]) -> tuple[str | None, int | None]:
    """The period and year the context names (a month-only sheet name takes the year)."""
    period = next((p for p in map(periods.find_period, sources) if p), None)
    if period is not None:
        return period, int(period[:4])
    year = next((y for y in map(periods.find_year, sources) if y), None)
    if year is not None:
        period = periods.parse_period(sources[1].strip(), year=year)
    return period, year


def plan_sheet(file: str, sheet: Sheet, issues: list[Issue]) -> SheetPlan | None:
    """Plan one sheet, or None (with a warning if it had content) when it has no KPI table."""
    _fill_merged(sheet)
    cells = sheet.cells
    header_row = find_header(cells)
    if header_row is None:
        if any(c not in ("", None) for row in cells[:HEADER_SCAN_ROWS] for c in row):
            issues.append(
                Issue.of(
                    WARNING,
                    file,
                    sheet.name,
                    None,
                    None,
                    None,
                    "sheet_skipped",
                    rows=HEADER_SCAN_ROWS,
                )
            )
        return None
    sources = _sources(file, sheet.name, _context_lines(cells, header_row))
    period, year = _when(sources)
    plan = SheetPlan(file, sheet.name, header_row, {}, {}, period=period, year=year)
    excel_row = header_row + 1
    for index, cell in enumerate(cells[header_row]):
        header = str(cell).strip() if cell is not None else ""
        if not header:
            continue
        canonical = aliases.column_for(header)
        if canonical is not None and canonical not in plan.columns:
            plan.columns[canonical] = index
            plan.written[canonical] = header
            continue
        month = periods.parse_period(cell, year=year)
        if month is not None:
            plan.months[index] = month
            plan.month_headers[index] = header
            continue
        if year is None and periods.parse_period(cell, year=2000) is not None:
            issues.append(
                Issue.of(ERROR, file, sheet.name, excel_row, header, header, "month_without_year")
            )
            continue
        plan.extras[header] = index
        code, params = (
            ("second_column", {"field": canonical}) if canonical else ("unknown_header", {})
        )
        issues.append(
            Issue.of(WARNING, file, sheet.name, excel_row, header, header, code, **params)
        )
    if "period" in plan.columns:
        plan.months.clear()
    column = plan.columns.get("department")
    if column is None or any(
        len(row) <= column or row[column] in ("", None) for row in cells[header_row + 1 :]
    ):  # read only when some row lacks a department: no such column, or a blank cell in it
        plan.department = next((d for d in map(find_department, sources) if d), None)
    return plan


# -- stacking the rows of every sheet ---------------------------------------------------


def _columns_of(rows: list[list[object]], width: int) -> list[tuple[object, ...]]:
    """Transpose rows to columns (ragged CSV rows padded with '')."""
    if not rows:
        return [() for _ in range(width)]
    padded = (
        rows
        if all(len(r) >= width for r in rows)
        else [[*r, *[""] * (width - len(r))] for r in rows]
    )
    return list(zip(*padded, strict=False))[:width] or [() for _ in range(width)]


def stack_rows(plans: Sequence[SheetPlan], grids: Sequence[Sheet]) -> pd.DataFrame:
    """The data rows of every sheet as one object frame, one row per KPI (and month).

    Columns: those of RAW_COLUMNS that some sheet has, as cells (None where a sheet lacks
    it), `_plan` (index into plans), `row` (Excel row), `_first` (the row's first cell, for
    total and note rows), `_month_column` (wide layout: the month header's grid column,
    else -1), and `extras`. Blocks are copied into preallocated arrays, never cell by cell.
    """
    blocks = []  # (plan index, columns, row count, month column, month)
    for index, (plan, sheet) in enumerate(zip(plans, grids, strict=True)):
        rows = sheet.cells[plan.header_row + 1 :]
        if rows:
            width = max(len(sheet.cells[plan.header_row]), max(len(r) for r in rows))
            columns = _columns_of(rows, width)
            for month_column, month in list(plan.months.items()) or [(-1, None)]:
                blocks.append((index, columns, len(rows), month_column, month))
    present = {c for plan in plans for c in plan.columns} | {"actual", "period"}
    names = [c for c in RAW_COLUMNS if c in present]
    total = sum(block[2] for block in blocks)
    data = {name: np.full(total, None, dtype=object) for name in (*names, "_first", "extras")}
    meta = {name: np.empty(total, dtype=np.int64) for name in ("_plan", "row", "_month_column")}
    start = 0
    for index, columns, n, month_column, month in blocks:
        plan = plans[index]
        end = start + n
        for name in names:
            if name == "actual" and month_column >= 0:
                data[name][start:end] = columns[month_column]
            elif name == "period" and month is not None:
                data[name][start:end] = month
            elif name in plan.columns:
                data[name][start:end] = columns[plan.columns[name]]
        data["_first"][start:end] = columns[0]
        if plan.extras:
            data["extras"][start:end] = _extras(plan, columns)
        meta["_plan"][start:end] = index
        meta["row"][start:end] = np.arange(plan.header_row + 2, plan.header_row + 2 + n)
        meta["_month_column"][start:end] = month_column
        start = end
    # Series(dtype=object): pandas would otherwise convert text columns to Arrow strings.
    columns = {name: pd.Series(cells, dtype=object, copy=False) for name, cells in data.items()}
    return pd.DataFrame({**columns, **meta}, copy=False)


def _extras(plan: SheetPlan, columns: list[tuple[object, ...]]) -> list[dict[str, object]]:
    """Unknown columns kept as a dict per row."""
    names = list(plan.extras)
    values = [columns[plan.extras[name]] for name in names]
    return [dict(zip(names, cells, strict=True)) for cells in zip(*values, strict=True)]


__all__ = ["Loaded", "SheetPlan", "definitions_table", "load_files", "load_paths", "plan_sheet"]

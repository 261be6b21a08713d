"""Workbooks in, one tidy KPI table and a list of issues out.

Two stages keep this fast on thousands of files. Each file is parsed on its own, where it
was read (`parse_file`, in a reader child; a large batch is shared by one child per
core): each sheet is *planned* in plain Python from its first rows only (where the header
is, what each column means, which columns are months, what the title, sheet name and file
name say about the department and period) and the columns its data rows need are cut
out. Then, in the parent, the rows of every sheet are stacked into one frame and typed,
filled from KPI definitions and validated with vectorised pandas (`validate`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import PurePath
from typing import Any, cast

import numpy as np
import pandas as pd

from kpi_engine.core import names, periods
from kpi_engine.core.names import unify
from kpi_engine.core.notes import NOTE_COLUMNS
from kpi_engine.core.rollup import department_wide_cells
from kpi_engine.core.schema import ERROR, KPI_COLUMNS, WARNING, Loaded, definitions_table
from kpi_engine.core.settings import Limits
from kpi_engine.ingest import aliases, cumulative, hierarchy
from kpi_engine.ingest.issues import Issue, issues_frame
from kpi_engine.ingest.reader import read_files
from kpi_engine.ingest.validate import validate
from kpi_engine.ingest.workbook import VISIBLE, Sheet, WorkbookError

HEADER_SCAN_ROWS = 30
# Columns read from the grid besides the canonical ones (see `_Block`).
RAW_COLUMNS = (
    *(c for c in KPI_COLUMNS if c not in {"file", "sheet", "row", "extras"}),
    *cumulative.COLUMNS,
    "frequency",  # read, then encoded in the row's period label (SPEC §5.1)
    "item_points",  # a bonus or penalty item's points (加分 / 扣分, SPEC §5.7)
    *NOTE_COLUMNS,  # a note on the KPI (说明 / 改进措施, issue 17): kept beside the row
    "parent",  # the unit the row's department sits under (上级单位, issue 18): `hierarchy`
)


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
    # Two-row header (SPEC §5.11): a period's actual column -> the target column beside it.
    month_targets: dict[int, int] = field(default_factory=dict)
    # The sheet's own results (SPEC §5.10): (month column, or -1 for every row; kind of
    # `aliases.RESULT_ALIASES`) -> grid column. Kept in extras too; checked, never scored.
    results: dict[tuple[int, str], int] = field(default_factory=dict)
    extras: dict[str, int] = field(default_factory=dict)  # unknown header -> column
    headers: list[str] = field(default_factory=list)  # the header row as written
    department: str | None = None  # from title rows, sheet name or file name
    period: str | None = None
    year: int | None = None
    cumulative: bool = False  # the actual column is year-to-date (SPEC §5.2: `累计完成`)
    cumulative_months: set[int] = field(default_factory=set)  # wide: `1月累计` columns

    @property
    def is_definitions(self) -> bool:
        """A sheet of KPI definitions only: no actual, no month anywhere in its columns."""
        return not self.months and "actual" not in self.columns and "period" not in self.columns


def load_files(
    files: Sequence[tuple[str, bytes]],
    *,
    limits: Limits | None = None,
    definitions: pd.DataFrame | None = None,
    known_departments: Iterable[str] = (),
    workers: int | None = None,
) -> Loaded:
    """Parse and validate uploaded files. Never raises on bad input: it reports it.

    `definitions` are KPI definitions from earlier uploads; sheets that carry only
    actuals keyed by KPI id or name take their perspective, weight and targets from them.
    `known_departments` are departments stored from earlier uploads: known partners, and
    a shared-with cell naming one of them, spaces and all, is one partner.
    `limits` default to `Limits.from_env()` (KPI_MAX_FILE_MB... see README). `workers`:
    reader children parsing the workbooks (`reader.read_files`; default one per core for
    a large batch), 0 to parse here, unisolated (tests and measurements only).
    """
    limits = Limits.from_env() if limits is None else limits
    known_departments = tuple(known_departments)  # read twice: partners, then the tree
    issues: list[Issue] = []
    plans: list[SheetPlan] = []
    blocks: list[SheetRows] = []
    trees: list[pd.DataFrame] = []  # hierarchy sheets' edges
    orders: list[int] = []  # each plan's sheet's place in the batch
    for (name, _), parsed in zip(
        files, read_files(files, limits, parse_file, workers=workers), strict=True
    ):
        if isinstance(parsed, WorkbookError):
            issues.append(
                Issue.of(ERROR, name, parsed.sheet, None, None, None, parsed.code, **parsed.params)
            )
            continue
        found, sheets = cast(FileParsed, parsed)
        issues.extend(Issue(*issue) for issue in found)
        for plan, rows in sheets:
            order = len(orders) + len(trees)
            if plan is None:  # a hierarchy sheet: its edges
                trees.append(hierarchy.edges_frame(rows, order=order))
            else:
                plans.append(SheetPlan(*plan))
                blocks.append(rows)
                orders.append(order)
    raw = stack_rows(plans, blocks)
    kpis, defs, row_issues, rejected = validate(
        raw,
        plans,
        definitions=definitions,
        known_departments=known_departments,
        limits=limits,
    )
    kpis = unify(kpis, preferred=defs["department"])
    issues.extend(_department_wide_weights(kpis))
    stated = hierarchy.column_edges(
        raw,
        [p.file for p in plans],
        [p.sheet for p in plans],
        [p.department for p in plans],
        [p.written.get("parent") for p in plans],
        orders,
    )
    org, org_issues = hierarchy.checked(
        [*trees, stated], [*kpis["department"].dropna().unique(), *known_departments]
    )
    issues.extend(org_issues)
    return Loaded(kpis, defs, issues_frame([*issues, *row_issues]), rejected, org=org)


def _hierarchy(file: str, sheet: Sheet) -> pd.DataFrame | None:
    """The edges of a hierarchy sheet (`hierarchy.sheet_edges`), or None for any other
    sheet. Fills the sheet's merged cells first (a parent written once over its
    children's rows), for this and for `plan_sheet`."""
    _fill_merged(sheet)
    return hierarchy.sheet_edges(file, sheet.name, sheet.cells, scan=HEADER_SCAN_ROWS)


def _department_wide_weights(kpis: pd.DataFrame) -> list[Issue]:
    """A warning per department and period whose weights SPEC §5.3 reads as department-wide
    (`rollup.department_wide_cells`), on the file and sheet of its first row: the manager
    sees the rule before importing, and where to choose another."""
    cells = department_wide_cells(kpis)
    if cells.empty:
        return []
    first = kpis.drop_duplicates(["department", "period"]).set_index(["department", "period"])
    found = []
    for department, period, total in cells.itertuples(index=False, name=None):
        where = first.loc[(department, period)]
        found.append(
            Issue.of(
                WARNING,
                where["file"],
                where["sheet"],
                None,
                "weight",
                f"{total:g}",
                "department_wide_weights",
                department=department,
                period=period,
                total=f"{total:g}",
            )
        )
    return found


# One sheet's data rows, cut out where the file was parsed: the row count, the grid
# columns the plan reads (column -> its cells), each row's first non-empty cell and its
# grid column (`_first_cells`), and the unknown columns as a dict per row (or None).
SheetRows = tuple[
    int, dict[int, Sequence[object]], list[object], list[int], list[dict[str, object]] | None
]
# One file parsed: its issues' fields, and each KPI sheet's plan fields and data rows.
# per sheet: a KPI sheet's plan fields and rows, or None and a hierarchy sheet's edges
FileParsed = tuple[list[tuple[Any, ...]], list[tuple[tuple[Any, ...] | None, Any]]]


def parse_file(name: str, sheets: list[Sheet]) -> FileParsed:
    """All the work one file needs on its own, done where it was read (a reader child):
    the issues of its sheets and, per sheet in order, a KPI sheet's plan and data rows or
    a hierarchy sheet's edges (plan None), as plain tuples (`SheetPlan`'s, `Issue`'s and
    `hierarchy.EDGE_COLUMNS`' fields) that the parent unpickles safely."""
    issues: list[Issue] = []
    found: list[tuple[tuple[Any, ...] | None, Any]] = []
    for sheet in sheets:
        tree = _hierarchy(name, sheet)
        plan = None if tree is not None else plan_sheet(name, sheet, issues)
        if tree is not None:
            found.append((None, hierarchy.edge_rows(tree)))
        elif plan is not None:
            found.append((_fields(plan), _sheet_rows(plan, sheet)))
        _note_sheet(name, sheet, tree is not None or plan is not None, issues)
    if not found and not any(i.severity == ERROR for i in issues):
        # (a sheet refused with its own cause, e.g. a two-row header, says why already)
        issues.append(Issue.of(ERROR, name, None, None, None, None, "no_kpi_table"))
    as_fields: list[tuple[Any, ...]] = [
        (i.severity, i.file, i.sheet, i.row, i.column, i.value, i.message, i.code, dict(i.params))
        for i in issues
    ]
    return as_fields, found


def _fields(plan: SheetPlan) -> tuple[Any, ...]:
    """A plan's fields in order, as `SheetPlan(*fields)` takes them back."""
    return tuple(getattr(plan, f.name) for f in fields(plan))


def _note_sheet(file: str, sheet: Sheet, imported: bool, issues: list[Issue]) -> None:
    """Warn about what a sheet hides: imported while hidden (its rows count although
    Excel does not show them), texts cut to Excel's length."""
    if imported and sheet.visibility != VISIBLE:
        code = "hidden_sheet" if sheet.visibility == "hidden" else "very_hidden_sheet"
        issues.append(Issue.of(WARNING, file, sheet.name, None, None, None, code))
    if sheet.cut:
        issues.append(
            Issue.of(WARNING, file, sheet.name, None, None, None, "text_cut", count=sheet.cut)
        )


def load_paths(paths: Sequence[str], **options: object) -> Loaded:
    """`load_files` for files on disk (the CLI and scripts)."""
    files = []
    for path in paths:
        with open(path, "rb") as handle:
            files.append((PurePath(path).name, handle.read()))
    return load_files(files, **options)  # type: ignore[arg-type]


# -- planning a sheet -------------------------------------------------------------------


def _fill_merged(sheet: Sheet) -> None:
    """A value written once over merged cells applies to every cell it covers. The reader
    clipped the ranges to the grid and refused overlapping ones, so this is one slice
    assignment per row of a range, at most one write per cell in all."""
    cells = sheet.cells
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(cells) or c0 >= len(cells[r0]):
            continue
        value = cells[r0][c0]
        for row in cells[r0 : r1 + 1]:
            end = min(c1 + 1, len(row))
            row[c0:end] = [value] * (end - c0)


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


# Months, quarters and years in a title or name, blanked before a department is read.
_PERIOD_TEXT = re.compile(
    r"(?:fy\s*)?\d{2,4}\s*(?:年度?|财年)"  # 2026年, 2026年度
    r"|\d{4}\s*[-/._]\s*\d{1,2}(?:\s*[-/._]\s*\d{1,2})?"  # 2026-10, 2026-10-05
    r"|(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])?(?!\d)"  # 2026, 202610
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3}|元)\s*月份?"  # 10月, 十月份
    r"|第?\s*[一二三四1-4]\s*季度?"  # 第一季度, 1季度
    r"|上半年|下半年|半年度|全年|年度|月度|季度|年终|年中|本月|本期|本年|当月|上月"
    r"|(?<![a-z])(?:q[1-4]|h[12]|fy\s*\d{2,4}|ytd|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?"
    r"|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?"
    r"|dec(?:ember)?)(?![a-z])\.?",
    re.IGNORECASE,
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_COMPANY = re.compile(r".*(?<!分)(?:公司|集团)")  # `XX集团有限公司市场部`: the name after it
_SUFFIXES = tuple(map(names.simplified, aliases.DEPARTMENT_SUFFIXES))
_TITLE_WORDS = sorted(map(names.simplified, aliases.TITLE_WORDS), key=len, reverse=True)
_NOT_DEPARTMENTS = frozenset(map(names.simplified, aliases.NOT_DEPARTMENTS))
_EN_TITLE_WORDS = re.compile(
    rf"\b(?:{'|'.join(map(re.escape, aliases.EN_TITLE_WORDS))})\b|[^A-Za-z&' .]", re.I
)
# English department names written without "Department" (`Marketing KPI October 2026`).
_DEPT_WORDS = re.compile(
    r"\b(?i:human resources|customer service|supply chain|r&d|marketing|sales|production|"
    r"manufacturing|technology|engineering|finance|accounting|procurement|purchasing|"
    r"logistics|administration|operations|quality|legal)\b|\b(?:HR|IT)\b"
)


def find_department(text: str) -> str | None:
    """A department named in a title, sheet name or file name, as written there:
    `2026年10月份财务部KPI考核表` -> 财务部, `採購物流部績效考核表` -> 採購物流部,
    `Monthly KPI sheet - Marketing Department` -> Marketing.

    Months, quarters and years are blanked out; then a run of Chinese characters names a
    department when, once the form words at its end are read off (绩效考核表, 月度...),
    it ends in a department suffix (部, 中心, 处, 办公室... see `aliases`).
    """
    original = unicodedata.normalize("NFKC", text).replace("_", " ")
    simple = _PERIOD_TEXT.sub(lambda m: " " * len(m.group()), names.simplified(original))
    for run in _CJK_RUN.finditer(simple):
        name = run.group()
        company = _COMPANY.match(name)
        skip = company.end() if company and company.end() < len(name) else 0
        name = name[skip:]
        while name and not name.endswith(_SUFFIXES):
            word = next((w for w in _TITLE_WORDS if name.endswith(w)), None)
            if word is None:
                break
            name = name[: -len(word)]
        suffix = next((x for x in _SUFFIXES if name.endswith(x)), "")
        if suffix and len(name) > len(suffix) and name not in _NOT_DEPARTMENTS:
            start = run.start() + skip
            return original[start : start + len(name)]
    return _english_department(simple)


def _english_department(text: str) -> str | None:
    """`Marketing Department KPI` / `Department of Marketing` -> Marketing; `Customer
    Service Center` as written; else a well-known department word (`HR KPI Oct 2026`)."""
    for phrase in _EN_TITLE_WORDS.sub("|", text).split("|"):
        words = phrase.split()
        if len(words) < 2:
            continue
        first, last = words[0].casefold(), words[-1].casefold()
        if first in aliases.EN_DEPARTMENT_SUFFIXES and words[1].casefold() == "of":
            return " ".join(words[2:5]) or None
        words = words[1:] if first == "of" else words
        if last in aliases.EN_DEPARTMENT_SUFFIXES and len(words) > 1:
            return " ".join(words[:-1][-3:])
        if last in aliases.EN_UNIT_SUFFIXES and len(words) > 1:
            return " ".join(words[-4:])
    match = _DEPT_WORDS.search(text)
    return match.group(0).strip() if match else None


def _context(cells: list[list[object]], header_row: int) -> tuple[str, str | None]:
    """The title text above the header, without its filled-in-by and sign-off parts
    (`填报日期：2026-11-05` is not the period), and the department a `填报部门：市场部`
    or `部门：市场部` part names. A label's value may sit in the next cell, and a bare
    value after a label in the same row (`填报人：` `张三` `2026-11-05`) is no title."""
    title: list[str] = []
    named: str | None = None
    for row in cells[:header_row]:
        pending = None  # the kind of a label whose value is in the next cell
        labelled = False  # a label was seen earlier in this row
        for cell in dict.fromkeys(str(c).strip() for c in row if c not in ("", None)):
            parts = aliases.form_parts(cell)
            for index, (kind, value) in enumerate(parts):
                if kind is None and index == 0 and labelled:
                    kind = pending or (None if re.search("[:：]", value) else "filler")
                if kind is None:
                    title.append(value)
                elif kind == "department" and value and named is None:
                    named = re.split(r"\s{2,}", value)[0]  # as written: `部门：质量保证部`
                elif kind == "unit" and value and named is None:
                    named = find_department(value)  # `填报单位：市场部`, not `单位：万元`
                labelled = labelled or kind is not None
            last_kind, last_value = parts[-1] if parts else (None, "")
            pending = last_kind if last_kind and not last_value else None
    return " ".join(title), named


def _sources(file: str, sheet: str, title: str) -> tuple[str, str, str]:
    """Where a sheet's context is read, in order: title rows, sheet name, file name."""
    return title, sheet, PurePath(file).stem


def _when(sources: tuple[str, str, str]) -> tuple[str | None, int | None]:
    """The period and year the context names: a month, quarter, half-year or year (SPEC
    §5.1), from the first source naming one, made finer by a later source naming a period
    inside it (`2026年` in the title, `2026年10月` in the file name: October; the sheets
    `1月`, `2月` of `2026年KPI.xlsx`: its months). Else the year alone, which a month-only
    sheet name and month headers (`1月`) take."""
    found = [p for p in map(periods.find_label, sources) if p]
    year = int(found[0][:4]) if found else None
    year = year or next((y for y in map(periods.find_year, sources) if y), None)
    month_sheet = periods.parse_period(sources[1].strip(), year=year) if year else None
    period = None
    for label in [*found, *([month_sheet] if month_sheet else [])]:
        if period is None or periods.within(label, period):
            period = label
    return period, year


def plan_sheet(file: str, sheet: Sheet, issues: list[Issue]) -> SheetPlan | None:
    """Plan one sheet, or None (with a warning if it had content) when it has no KPI table.
    Its merged cells are filled already (`_fill_merged`, done by `load_files`)."""
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
    two_rows = _two_row_header(cells, header_row)
    top, header_row = two_rows or (header_row, header_row)
    title, named = _context(cells, top)
    sources = _sources(file, sheet.name, title)
    period, year = _when(sources)
    plan = SheetPlan(file, sheet.name, header_row, {}, {}, period=period, year=year)
    groups = _period_groups(cells[top], cells[header_row]) if two_rows else {}
    raw = _header_cells(cells[top], cells[header_row]) if two_rows else cells[header_row]
    plan.headers = [
        " ".join(groups[i]).strip() if i in groups else _text(cell) for i, cell in enumerate(raw)
    ]
    excel_row = header_row + 1
    for index, cell in enumerate(raw):
        header = plan.headers[index]
        if not header or index in groups:
            continue
        canonical = aliases.column_for(header)
        if canonical is not None and canonical not in plan.columns:
            plan.columns[canonical] = index
            plan.written[canonical] = header
            continue
        month = periods.parse_label(cell, year=year)
        if month is None and (month := cumulative.month_header(header, year=year)):
            plan.cumulative_months.add(index)  # `1月累计`: a year-to-date month column
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
        kind = aliases.result_for(header)
        if kind is not None:
            plan.results.setdefault((-1, kind), index)
        if canonical is None and aliases.is_known_extra(header):
            continue  # `序号`, `备注`...: kept, and no surprise to warn about
        code, params = (
            ("second_column", {"field": canonical}) if canonical else ("unknown_header", {})
        )
        issues.append(
            Issue.of(WARNING, file, sheet.name, excel_row, header, header, code, **params)
        )
    if groups and not _plan_periods(plan, groups, top, issues):
        return None
    if "period" in plan.columns:
        plan.months.clear()
        plan.cumulative_months.clear()
    if plan.months and not periods.is_month(plan.period):
        plan.period = None  # `2026年` over 1月 … 12月 is the months' year (SPEC §5.1)
    _read_cumulative(plan)
    column = plan.columns.get("department")
    if column is None or any(
        len(row) <= column or row[column] in ("", None) for row in cells[header_row + 1 :]
    ):  # read only when some row lacks a department: no such column, or a blank cell in it
        plan.department = named or next((d for d in map(find_department, sources) if d), None)
    return plan


def _read_cumulative(plan: SheetPlan) -> None:
    """SPEC §5.2: a cumulative actual column is the actual where the sheet has no period
    actual (no actual column, no month columns); the other §5.2 columns it has (a
    cumulative actual beside a period one, annual and cumulative targets) are also kept in
    `extras` as written, to be shown; so is a 加分 / 扣分 column (SPEC §5.7), which only
    bonus and penalty rows read."""
    if "actual_ytd" in plan.columns and "actual" not in plan.columns and not plan.months:
        plan.columns["actual"] = plan.columns.pop("actual_ytd")
        plan.written["actual"] = plan.written.pop("actual_ytd")
        plan.cumulative = True
    for column in (*cumulative.COLUMNS, "item_points"):  # item_points: read on items only
        if column in plan.columns:
            plan.extras.setdefault(plan.written[column], plan.columns[column])


# -- two-row headers: periods over target / actual pairs (SPEC §5.11) -------------------


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _two_row_header(cells: list[list[object]], header_row: int) -> tuple[int, int] | None:
    """(period row, label row) when the header found is one of two rows: periods over
    target / actual pairs, the definition columns written in either row or merged over
    both. The label row is the header when the definitions are merged down (it names the
    most columns), the row below it when they are written in the period row only."""
    for top, bottom in ((header_row - 1, header_row), (header_row, header_row + 1)):
        if top >= 0 and bottom < len(cells) and _period_groups(cells[top], cells[bottom]):
            return top, bottom
    return None


def _period_groups(top: list[object], bottom: list[object]) -> dict[int, tuple[str, str]]:
    """The columns under a period of a two-row header: column -> (the text over it, its
    label), or {} when the two rows are no such header.

    A period is written over each of its columns (merged or repeated) or once, over the
    first: a blank over a label takes the text to its left. A text over a target or an
    actual label is a period's (`2026年1月`; one that is no period is still taken, so that
    its message can say so) unless it also stands over a definition column (a title
    merged across the table); the two rows are a header when one of these texts reads as
    a period, or a label repeats under them (`目标 实际 目标 实际`).
    """
    width = max(len(top), len(bottom))
    over = [_text(top[i]) if i < len(top) else "" for i in range(width)]
    under = [_text(bottom[i]) if i < len(bottom) else "" for i in range(width)]
    for i in range(1, width):
        if not over[i] and (aliases.pair_label(under[i]) or aliases.result_for(under[i])):
            over[i] = over[i - 1]
    pairs = [i for i in range(width) if aliases.pair_label(under[i]) and over[i]]
    texts = {
        over[i] for i in pairs if not aliases.column_for(over[i]) or aliases.is_aside_pair(over[i])
    }
    for i in range(width):  # a definition column under the same text: a title, no period
        if over[i] in texts and aliases.column_for(under[i]) not in (None, "target", "actual"):
            texts.discard(over[i])
    labels = [aliases.pair_label(under[i]) for i in pairs if over[i] in texts]
    periodic = any(periods.parse_label(t, year=2000) for t in texts)
    if not texts or not (periodic or len(labels) > len(set(labels))):
        return {}
    return {i: (over[i], under[i]) for i in range(width) if over[i] in texts}


def _header_cells(top: list[object], bottom: list[object]) -> list[object]:
    """The header of each definition column of a two-row header: the label row's cell,
    else the period row's (merged down over both rows, the two are the same)."""
    width = max(len(top), len(bottom))
    return [
        bottom[i] if i < len(bottom) and _text(bottom[i]) else (top[i] if i < len(top) else "")
        for i in range(width)
    ]


def _plan_periods(
    plan: SheetPlan, groups: dict[int, tuple[str, str]], top: int, issues: list[Issue]
) -> bool:
    """Read each period of a two-row header into `plan`: its actual column is a month
    column of the wide layout, its target column that month's target, a result column
    (得分, 完成率) the sheet's own result for it. `本月` stands for the sheet's own period
    (from its title or name); a cumulative or whole-year pair (`累计`, `全年`) is kept as
    extra fields, with the warning a second target or actual column has. A period that
    cannot be read, or has no actual under it, is named with its cause and its columns
    are kept as extra fields: a warning while other periods load, an error when none
    does. False when no period could be read (the sheet is then not loaded)."""
    by_text: dict[str, list[int]] = {}
    for column, (text, _) in groups.items():
        by_text.setdefault(text, []).append(column)
    problems: list[tuple[str, str]] = []  # (period text, message code)
    for text, columns in by_text.items():
        period = periods.parse_label(text, year=plan.year)
        if period is None and aliases.is_current_period(text):
            period = plan.period
        aside = period is None and aliases.is_aside_pair(text)
        headers = {c: " ".join(groups[c]).strip() for c in columns}
        taken: dict[str, int] = {}
        for column in columns:
            label = groups[column][1]
            if not label:  # a period merged over a column with no label: nothing to read
                continue
            kind = aliases.pair_label(label) if period or aside else None
            if kind is not None and kind not in taken and not aside:
                taken[kind] = column
                continue
            cumulative_column = _aside_column(text, kind) if aside else None
            if cumulative_column is not None and cumulative_column not in plan.columns:
                plan.columns[cumulative_column] = column  # §5.2 reads it (_read_cumulative)
                plan.written[cumulative_column] = headers[column]
                continue
            plan.extras[headers[column]] = column
            result = aliases.result_for(label)
            if kind is not None:  # a second target or actual, or a cumulative one
                _warn(plan, issues, top + 1, headers[column], "second_column", field=kind)
            elif period is None:
                continue
            elif result is not None:
                taken.setdefault(result, column)
            elif not aliases.is_known_extra(label):
                _warn(plan, issues, top + 1, headers[column], "period_label_unknown", period=text)
        if aside:
            continue
        if period is None:
            no_year = plan.year is None and periods.parse_period(text, year=2000)
            problems.append((text, "month_without_year" if no_year else "period_header_unread"))
            continue
        actual = taken.pop("actual", None)
        target = taken.pop("target", None)
        if actual is None:
            if target is not None:
                plan.extras[headers[target]] = target
            problems.append((text, "period_no_actual"))
            continue
        plan.months[actual] = period
        plan.month_headers[actual] = headers[actual]
        if target is not None:
            plan.month_targets[actual] = target
        for kind, column in taken.items():
            plan.results[(actual, kind)] = column
    severity = WARNING if plan.months else ERROR
    for text, code in problems:
        issues.append(Issue.of(severity, plan.file, plan.sheet, top + 1, text, text, code))
    return bool(plan.months)


def _aside_column(text: str, kind: str | None) -> str | None:
    """The SPEC §5.2 column a pair beside the periods feeds: `本年累计` / `YTD` over
    目标 / 实际 the cumulative target and actual, `全年` / `年度` over 目标 the annual
    target; None for anything else (kept as extra fields)."""
    if kind is None:
        return None
    if aliases.column_for(text) == "actual_ytd":
        return {"target": "target_ytd", "actual": "actual_ytd"}[kind]
    return "target_annual" if kind == "target" and aliases.is_annual(text) else None


def _warn(
    plan: SheetPlan, issues: list[Issue], row: int, header: str, code: str, **params: object
) -> None:
    """A warning about a header cell (`row` 0-based) of a two-row header."""
    issues.append(Issue.of(WARNING, plan.file, plan.sheet, row + 1, header, header, code, **params))


# -- stacking the rows of every sheet ---------------------------------------------------


def _columns_of(rows: list[list[object]], width: int) -> list[tuple[object, ...]]:
    """Transpose rows to columns (ragged CSV rows padded with '')."""
    if not rows:
        return [() for _ in range(width)]
    padded = (
        rows if min(map(len, rows)) >= width else [[*r, *[""] * (width - len(r))] for r in rows]
    )
    return list(zip(*padded, strict=False))[:width] or [() for _ in range(width)]


def _sheet_rows(plan: SheetPlan, sheet: Sheet) -> SheetRows:
    """The data rows under a plan's header, cut out as `stack_rows` takes them: only the
    grid columns the plan reads travel to the parent."""
    rows = sheet.cells[plan.header_row + 1 :]
    if not rows:
        return 0, {}, [], [], None
    width = max(len(sheet.cells[plan.header_row]), max(map(len, rows)))
    columns = _columns_of(rows, width)
    first, first_column = _first_cells(columns, len(rows))
    used = {
        *plan.columns.values(),
        *plan.months,
        *plan.month_targets.values(),
        *plan.results.values(),
    }
    extras = _extras(plan, columns) if plan.extras else None
    read: dict[int, Sequence[object]] = {c: columns[c] for c in sorted(used) if c < len(columns)}
    return len(rows), read, first.tolist(), first_column.tolist(), extras


def stack_rows(plans: Sequence[SheetPlan], sheets: Sequence[SheetRows]) -> pd.DataFrame:
    """The data rows of every sheet as one object frame, one row per KPI (and month).

    Columns: those of RAW_COLUMNS that some sheet has, as cells (None where a sheet lacks
    it), `_plan` (index into plans), `row` (Excel row), `_first` and `_first_column` (the
    row's first non-empty cell and its grid column, for total, note, section and signature
    rows wherever they start), `_month_column` (wide layout: the month header's grid
    column, else -1), `_cumulative` (the actual is year-to-date, SPEC §5.2), `extras`,
    and `_own_<kind>` for the sheet's own results (`SheetPlan.results`: a long or form
    sheet's for every row, a wide sheet's per month). `sheets` are `_sheet_rows` of each
    plan. Blocks are copied into preallocated arrays, never cell by cell.
    """
    blocks = []  # (plan index, month column, month)
    for index, plan in enumerate(plans):
        if sheets[index][0]:
            for month_column, month in list(plan.months.items()) or [(-1, None)]:
                blocks.append((index, month_column, month))
    present = {c for plan in plans for c in plan.columns} | {"actual", "period"}
    present |= {"target"} if any(plan.month_targets for plan in plans) else set()
    names = [c for c in RAW_COLUMNS if c in present]
    own = sorted({kind for plan in plans for _, kind in plan.results})
    total = sum(sheets[index][0] for index, _, _ in blocks)
    data = {
        name: np.full(total, None, dtype=object)
        for name in (*names, "_first", "extras", *(f"_own_{kind}" for kind in own))
    }
    meta = {
        name: np.empty(total, dtype=np.int64)
        for name in ("_plan", "row", "_month_column", "_first_column")
    }
    meta["_cumulative"] = np.zeros(total, dtype=bool)
    start = 0
    for index, month_column, month in blocks:
        plan = plans[index]
        n, grid, first, first_column, extras = sheets[index]
        end = start + n
        for name in names:
            if name == "actual" and month_column >= 0:
                data[name][start:end] = grid[month_column]
            elif name == "period" and month is not None:
                data[name][start:end] = month
            elif name == "target" and month_column in plan.month_targets:
                data[name][start:end] = grid[plan.month_targets[month_column]]
            elif name in plan.columns:
                data[name][start:end] = grid[plan.columns[name]]
        for kind in own:
            result = plan.results.get((month_column, kind))
            if result is not None:
                data[f"_own_{kind}"][start:end] = grid[result]
        data["_first"][start:end] = first
        meta["_first_column"][start:end] = first_column
        if extras is not None:
            data["extras"][start:end] = extras
        meta["_plan"][start:end] = index
        meta["row"][start:end] = np.arange(plan.header_row + 2, plan.header_row + 2 + n)
        meta["_month_column"][start:end] = month_column
        meta["_cumulative"][start:end] = plan.cumulative or month_column in plan.cumulative_months
        start = end
    # Series(dtype=object): pandas would otherwise convert text columns to Arrow strings.
    columns = {name: pd.Series(cells, dtype=object, copy=False) for name, cells in data.items()}
    return pd.DataFrame({**columns, **meta}, copy=False)


def _first_cells(columns: list[tuple[object, ...]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first non-empty cell (None for a blank row) and its grid column (0)."""
    first = np.full(n, None, dtype=object)
    at = np.full(n, -1, dtype=np.int64)
    for index, column in enumerate(columns):
        cells = np.array(column, dtype=object)
        new = (at < 0) & ~(np.equal(cells, "") | np.equal(cells, None))
        first[new], at[new] = cells[new], index
        if (at >= 0).all():
            break
    return first, np.maximum(at, 0)


def _extras(plan: SheetPlan, columns: list[tuple[object, ...]]) -> list[dict[str, object]]:
    """Unknown columns kept as a dict per row."""
    names = list(plan.extras)
    values = [columns[plan.extras[name]] for name in names]
    return [dict(zip(names, cells, strict=True)) for cells in zip(*values, strict=True)]


__all__ = ["Loaded", "SheetPlan", "definitions_table", "load_files", "load_paths", "plan_sheet"]

"""Stacked cells to typed, checked KPI rows: every rejection names its cell and a fix.

A row is accepted whole or reported with every problem it has; rows that are not KPIs
(totals, notes, blank lines) are passed over with a warning where they held anything.
All checks are masks over the whole stacked frame; Python runs only per distinct value
(alias look-ups, number texts) and per reported problem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpi_engine.core import adjust, periods, rules
from kpi_engine.core.names import (
    department_key,
    department_keys,
    first_unsafe,
    kpi_keys,
    kpi_parts,
    per_distinct,
)
from kpi_engine.core.notes import NOTE_COLUMNS, note_text
from kpi_engine.core.notes import problem as note_problem
from kpi_engine.core.schema import (
    ANCHORS,
    DEFINED_COLUMNS,
    ERROR,
    GATE,
    KPI_COLUMNS,
    SECTIONS,
    WARNING,
    definitions_table,
)
from kpi_engine.core.scoring import ZERO_COUNT, anchor_problems, methods
from kpi_engine.core.settings import DEFAULT_LIMITS, Limits
from kpi_engine.ingest import aliases, cumulative, messages, reconcile, values
from kpi_engine.ingest.issues import Issue, column_letter

if TYPE_CHECKING:
    from kpi_engine.ingest.load import SheetPlan

TEXT_COLUMNS = ("department", "kpi_id", "kpi_name", "unit", "owner")
NUMBER_COLUMNS = ("weight", "actual", *ANCHORS, "full_points", *cumulative.COLUMNS)
# Columns read with a unit after the number (SPEC §5.4); the target also with an operator.
WRITTEN_COLUMNS = ("actual", *ANCHORS, *cumulative.COLUMNS)
# Directions as the messages about written targets name them.
_DIRECTION_NAMES = {
    "higher": "越高越好 / higher is better",
    "lower": "越低越好 / lower is better",
    "range": "区间 / range",
}
LABELS = {
    "department": "部门 / department",
    "kpi_id": "指标编号 / KPI ID",
    "kpi_name": "指标名称 / KPI name",
    "perspective": "维度 / perspective",
    "direction": "方向 / direction",
    "weight": "权重 / weight",
    "period": "期间 / period",
    "actual": "实际值 / actual",
    "target": "目标值 / target",
    "floor": "红线值 / floor",
    "threshold": "门槛值 / threshold",
    "stretch": "挑战值 / stretch",
    "target_low": "目标下限 / target low",
    "target_high": "目标上限 / target high",
    "aggregation": "汇总方式 / aggregation",
    "shared_with": "协同部门 / shared with",
    "unit": "单位 / unit",
    "owner": "负责人 / owner",
    "actual_ytd": "累计完成 / cumulative actual",
    "target_annual": "年度目标 / annual target",
    "target_ytd": "累计目标 / cumulative target",
    "frequency": "考核频率 / frequency",
    "veto": "一票否决 / veto",
    "rule": "评分标准 / scoring rule",
    "full_points": "分值 / points",
    "item_points": "加分 / 扣分 / points",
}
# The column holding the value at fault for each anchor problem (`scoring.anchor_problems`);
# any other names the target. A range missing its low bound names target_low instead.
ANCHOR_COLUMNS = {
    "direction_invalid": "direction",
    "higher_floor": "floor",
    "lower_floor": "floor",
    "range_floor": "floor",
    "higher_threshold": "threshold",
    "lower_threshold": "threshold",
    "higher_stretch": "stretch",
    "lower_stretch": "stretch",
    "range_missing": "target_high",
    "range_order": "target_low",
    "range_point": "target_low",
}
_SECTION_NUMBERING = re.compile(r"^\s*[(（]?[一二三四五六七八九十\d]+[)）、.．:：]?\s*")


def _distinct_and_errors(
    series: pd.Series, func: Callable[[object], object] | None
) -> tuple[pd.Series | None, pd.Series | None]:
    """`names.per_distinct(series, func)` (when `func` is given) and the Excel error each
    cell shows, from one factorisation (two `per_distinct` calls would factorise each
    column of 180,000 cells twice); the errors are None when no cell shows one (the usual
    case)."""
    codes, found = pd.factorize(series)
    # A missing cell (None, NaN) is coded -1: it reads as NaN, the last value. (Factorising
    # with NaN as a value would first rewrite the column, two more passes over it.)
    uniques = [*found, np.nan] if (codes < 0).any() else list(found)

    def spread(per_value: list[object]) -> pd.Series:
        mapped = np.empty(len(per_value), dtype=object)
        mapped[:] = per_value
        return pd.Series(mapped[codes], index=series.index, dtype=object)

    errors = [values.excel_error(u) for u in uniques]
    return (
        spread([func(u) for u in uniques]) if func else None,
        spread(errors) if any(errors) else None,
    )


_LINE_BREAKS = re.compile(r"[\t\r\n]+")


def _clean_text(cell: object) -> str | None:
    """A text cell stripped; numbers as written (`1.0` -> `1`); None for missing tokens."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = _LINE_BREAKS.sub(" ", str(cell)).strip()
    if unicodedata.normalize("NFKC", text).strip().casefold() in values.MISSING_TOKENS:
        return None
    return text


def _lookup(table: dict[str, str]) -> Callable[[object], object]:
    """Cell -> canonical value, None for blank, or `...` (Ellipsis) for unknown text."""

    def convert(cell: object) -> object:
        text = _clean_text(cell)
        if text is None:
            return None
        return aliases.lookup(table, text) or ...

    return convert


def _is_section(cell: object) -> object:
    """A row like `一、财务维度` that names the perspective of the rows below it (or a
    section of rows that are not KPIs of a perspective, such as `三、加分项`)."""
    text = _clean_text(cell)
    if text is None:
        return None
    bare = _SECTION_NUMBERING.sub("", text)
    return aliases.lookup(aliases.PERSPECTIVES, bare) or _section(bare)


def _section(cell: object) -> str | None:
    """`schema.SECTIONS`' value for a perspective cell such as 加分项 / 扣分项 / 否决指标."""
    text = _clean_text(cell)
    return None if text is None else aliases.lookup(aliases.SECTIONS, text)


class _Report:
    """Collects issues for rows of the stacked frame, naming their cells."""

    def __init__(self, frame: pd.DataFrame, plans: Sequence[SheetPlan]) -> None:
        self.frame = frame
        self.plans = plans
        self.issues: list[Issue] = []
        self.rejected = pd.Series(False, index=frame.index)

    def column_label(
        self, plan: SheetPlan, column: str, month_column: int, first_column: int
    ) -> str:
        """The header as written in the sheet for `column`, else a bilingual name (a value
        filled in from a definition has no column in the sheet)."""
        if column == "actual" and month_column >= 0:
            return plan.month_headers.get(month_column, LABELS["actual"])
        if column == "target" and month_column in plan.month_targets:
            return plan.headers[plan.month_targets[month_column]]
        if column == "_first":  # the row's first non-empty cell, whatever column holds it
            header = plan.headers[first_column] if first_column < len(plan.headers) else ""
            return header or column_letter(first_column)
        return plan.written.get(column, LABELS.get(column, column))

    def add(
        self,
        mask: pd.Series,
        column: str,
        code: str,
        *,
        severity: str = ERROR,
        codes: pd.Series | None = None,
        **params: object,
    ) -> None:
        """Report the message `code` (or the row's own in `codes`) for every row in `mask`.

        A cell showing an Excel error is reported once, as that error (`excel_error`), not
        again as a bad number or unknown value. The value shown is the cell as written, or
        the value filled in from a definition where the cell was empty.
        """
        error = f"_error_{column}"
        if code != "excel_error" and error in self.frame:
            mask = mask & self.frame[error].isna()
        if not mask.any():
            return
        rows = self.frame.loc[mask]
        raw = rows[f"_raw_{column}"] if f"_raw_{column}" in rows else rows.get(column)
        typed = rows.get(column)
        own = codes[mask] if codes is not None else None
        for i, index in enumerate(rows.index):
            plan = self.plans[rows.at[index, "_plan"]]
            value = None if raw is None else _plain(raw.at[index])
            if value is None and typed is not None:
                value = _plain(typed.at[index])
            self.issues.append(
                Issue.of(
                    severity,
                    plan.file,
                    plan.sheet,
                    int(rows.at[index, "row"]),
                    self.column_label(
                        plan,
                        column,
                        int(rows.at[index, "_month_column"]),
                        int(rows.at[index, "_first_column"]),
                    ),
                    value,
                    own.iloc[i] if own is not None else code,
                    **params,
                )
            )
        if severity == ERROR:
            self.rejected |= mask

    def per_sheet(self, mask: pd.Series, column: str, code: str) -> None:
        """One warning per sheet (with the number of rows) instead of one per row."""
        if not mask.any():
            return
        counts = self.frame.loc[mask].groupby("_plan").size()
        for plan_index, count in counts.items():
            plan = self.plans[int(plan_index)]
            label = self.column_label(plan, column, -1, 0)
            self.issues.append(
                Issue.of(WARNING, plan.file, plan.sheet, None, label, None, code, count=count)
            )


_SHOWN_TEXT = 200  # characters of a cell shown in an issue (a longer one is cut, with …)


def _plain(value: object) -> object:
    """A JSON-friendly cell value for reports; an empty cell is None."""
    if value is ... or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, str) and len(value) > _SHOWN_TEXT:
        return value[:_SHOWN_TEXT] + "…"
    if value is None or isinstance(value, (str, int, float, bool)):
        return None if isinstance(value, float) and np.isnan(value) else value
    return str(value)


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A stacked column, or all-None when no sheet of the batch has it."""
    if column in frame.columns:
        return frame[column]
    return pd.Series(None, index=frame.index, dtype=object)


def _type_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical, typed values beside the raw cells (kept as `_raw_<column>`)."""
    typed = pd.DataFrame(index=frame.index)
    # `_error_<column>`: the Excel error a cell shows, for the columns where one does.
    errors: dict[str, pd.Series | None] = {}
    for column in TEXT_COLUMNS:
        typed[column], errors[column] = _distinct_and_errors(_column(frame, column), _clean_text)
    for column, table in (
        ("perspective", aliases.PERSPECTIVES),
        ("direction", aliases.DIRECTIONS),
        ("aggregation", aliases.AGGREGATIONS),
        ("frequency", aliases.FREQUENCIES),
    ):
        looked, errors[column] = _distinct_and_errors(_column(frame, column), _lookup(table))
        typed[column] = looked
        typed[f"_unknown_{column}"] = per_distinct(looked, lambda v: v is ...).astype(bool)
    # a section word (加分项, 否决指标) stands in the perspective until `_sections` reads it
    section = per_distinct(_column(frame, "perspective"), _section)
    typed["perspective"] = typed["perspective"].where(section.isna(), section)
    typed["_unknown_perspective"] &= section.isna()
    for column in NUMBER_COLUMNS:
        cells = _column(frame, column)
        if column in frame.columns:
            written = column in WRITTEN_COLUMNS
            parsed = values.parse_written(cells) if written else values.parse_numbers(cells)
            typed[column] = parsed["value"].to_numpy()
            typed[f"_bad_{column}"] = bad = parsed["bad"]
            if written:
                _type_written(typed, column, parsed, cells)
            if bad.any():  # an error is never a number: look at the bad cells only
                seen = _distinct_and_errors(cells[bad], None)[1]
                errors[column] = None if seen is None else seen.reindex(frame.index)
        else:
            typed[column] = np.nan
            typed[f"_bad_{column}"] = False
            if column in WRITTEN_COLUMNS:
                _type_written(typed, column, None, None)
    typed["shared_with"] = per_distinct(_column(frame, "shared_with"), _clean_text)  # split later
    # SPEC §5.6-§5.8. None until read, so that a definition can fill them in (`_finish`
    # makes a veto still unknown False).
    veto_cells = _column(frame, "veto")
    said = ~values.is_missing(veto_cells)
    flag = per_distinct(veto_cells, aliases.veto_flag)
    typed["veto"] = flag.where(said, None)
    typed["_unknown_veto"] = (said & flag.isna()).to_numpy(dtype=bool)
    typed["_raw_veto"] = veto_cells
    typed["section"] = None
    typed["rule"] = per_distinct(_column(frame, "rule"), _clean_text)
    points = values.parse_numbers(_column(frame, "item_points"))
    typed["item_points"] = points["value"].to_numpy()
    typed["_raw_item_points"] = _column(frame, "item_points")
    typed["_bad_item_points"] = points["bad"].to_numpy(dtype=bool)
    for column in (
        "perspective",
        "direction",
        "aggregation",
        "frequency",
        *NUMBER_COLUMNS,
        "period",
        "shared_with",
    ):
        typed[f"_raw_{column}"] = _column(frame, column)
    for column in ("shared_with", "period"):
        errors[column] = _distinct_and_errors(_column(frame, column), None)[1]
    for column, seen in errors.items():
        if seen is not None:
            typed[f"_error_{column}"] = seen
    for column in ("_plan", "row", "_month_column", "_first_column", "_cumulative", "extras"):
        typed[column] = frame[column]
    _apply_written_target(typed)
    return typed


def _type_written(
    typed: pd.DataFrame, column: str, parsed: pd.DataFrame | None, cells: pd.Series | None
) -> None:
    """Keep what a target or actual cell says beside its number (SPEC §5.4): the unit
    written after it (`_unit_<column>`); for the target, the direction its operator or
    `±` sets and the range bounds of a `±`. Elsewhere an operator is no number: the cell
    is bad, flagged `_operator_<column>` so the message names the cause; a bad target
    that carries an operator is flagged `_unread_target` for the same reason."""
    none = pd.Series(None, index=typed.index, dtype=object)
    unit = none if parsed is None else parsed["unit"]
    direction = none if parsed is None else parsed["direction"]
    typed[f"_unit_{column}"] = unit
    if column == "target":
        typed["_written_direction"] = direction
        typed["_written_low"] = np.nan if parsed is None else parsed["low"].to_numpy()
        typed["_written_high"] = np.nan if parsed is None else parsed["high"].to_numpy()
        bad = typed["_bad_target"]
        unread = pd.Series(False, index=typed.index)
        if cells is not None and bad.any():
            unread[bad] = per_distinct(cells[bad], values.looks_written).astype(bool)
        typed["_unread_target"] = unread
        return
    operator = direction.notna()
    typed.loc[operator, column] = np.nan
    typed[f"_bad_{column}"] = typed[f"_bad_{column}"] | operator
    typed[f"_operator_{column}"] = operator


def _apply_written_target(typed: pd.DataFrame) -> None:
    """What a written target sets where its row's own columns are empty (SPEC §5.4): the
    direction from its operator (or range from `±`), the range bounds from `25±2`, the
    unit from `100万元`; each flagged for the warning that names it. A direction column
    that says otherwise, or bounds that differ from the `±`, are flagged as conflicts.
    Each part runs only where some target is so written (most sheets: none)."""
    for flag in (
        "_direction_conflict",
        "_direction_from_target",
        "_range_conflict",
        "_unit_from_target",
        "_unit_differs",
    ):
        typed[flag] = False
    written = typed["_written_direction"]
    has_written = written.notna()
    if has_written.any():
        direction = typed["direction"]
        stated = direction.notna() & ~typed["_unknown_direction"]
        # compared as objects: an unknown direction holds the `...` marker, which a
        # string array cannot take (it is no conflict: `stated` leaves it out)
        typed["_direction_conflict"] = (
            has_written & stated & direction.astype(object).ne(written.astype(object))
        )
        from_target = has_written & direction.isna()
        typed["direction"] = direction.where(~from_target, written)
        typed["_direction_from_target"] = from_target

    low, high = typed["_written_low"], typed["_written_high"]
    ranged = low.notna()
    if ranged.any():
        no_bounds = typed[["target_low", "target_high"]].isna().all(axis=1)
        no_bounds &= ~typed["_bad_target_low"] & ~typed["_bad_target_high"]
        fill = ranged & no_bounds
        typed["target_low"] = typed["target_low"].where(~fill, low)
        typed["target_high"] = typed["target_high"].where(~fill, high)
        differs = typed["target_low"].ne(low) | typed["target_high"].ne(high)
        typed["_range_conflict"] = ranged & ~no_bounds & differs

    unit = typed["_unit_target"]
    if unit.notna().any():
        column_unit = typed["unit"]
        fill_unit = unit.notna() & column_unit.isna()
        typed["unit"] = column_unit.where(~fill_unit, unit)
        typed["_unit_from_target"] = fill_unit
        keys = per_distinct(unit, values.unit_key)
        column_keys = per_distinct(column_unit, values.unit_key)
        typed["_unit_differs"] = unit.notna() & column_unit.notna() & keys.ne(column_keys)


def _fill_from_definitions(
    typed: pd.DataFrame, defs: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Blank definition cells of data rows take the matching definition's values (SPEC §2).

    A row matches on department and KPI id, else department and KPI name; a row that names
    no department matches on the KPI id alone when only one department defines it, and
    takes that department. A row that gives its own target (or range) is scored from its
    own columns only: no anchor is filled into it. Returns the rows and, per column, which
    rows took a value from a definition (for the warning that names them).
    """
    if defs.empty or typed.empty:
        return typed, {}
    def_keys = _keys(defs).assign(_pos=np.arange(len(defs)))
    row_keys = _keys(typed)
    matched = np.full(len(typed), -1)
    ids_once = def_keys["_ki"].notna() & ~def_keys["_ki"].duplicated(keep=False)
    no_department = row_keys["_kd"].isna().to_numpy()
    for keys, pool, allowed in (
        (["_kd", "_ki"], def_keys, ~no_department),
        (["_kd", "_kn"], def_keys, ~no_department),
        (["_ki"], def_keys[ids_once], no_department),
    ):
        pool = pool.dropna(subset=keys).drop_duplicates(subset=keys, keep="last")
        todo = (matched < 0) & allowed & row_keys[keys].notna().all(axis=1).to_numpy()
        if todo.any() and not pool.empty:
            found = row_keys.loc[todo, keys].merge(pool[[*keys, "_pos"]], on=keys, how="left")
            matched[todo] = found["_pos"].fillna(-1).to_numpy(dtype=int)
    hit = pd.Series(matched >= 0, index=typed.index)
    if not hit.any():
        return typed, {}
    source = defs.iloc[matched[hit.to_numpy()]].set_axis(typed.index[hit])
    filled = typed.copy()
    own = ["target", "target_low", "target_high", *cumulative.TARGETS]
    own_target = typed[own].notna().any(axis=1)
    own_target |= typed[[f"_bad_{c}" for c in own]].any(axis=1)
    taken: dict[str, pd.Series] = {}
    for column in ("department", *DEFINED_COLUMNS):
        bad = filled.get(f"_bad_{column}", pd.Series(False, index=filled.index))
        take = hit & filled[column].isna() & ~bad & source[column].reindex(filled.index).notna()
        if column in ANCHORS:
            take &= ~own_target
        if column == "veto":  # a definition's "not a veto KPI" fills nothing worth a word
            take &= source["veto"].reindex(filled.index).eq(True)
        if column in ("perspective", "section"):  # a row's own perspective or section
            # (加分项, 否决指标, 财务) decides what it is; a definition only names it for a
            # row that says neither
            take &= typed["perspective"].isna() & typed["section"].isna()
        if take.any():
            filled.loc[take, column] = source.loc[take[take].index, column]
            taken[column] = take
    return filled, taken


def _report_filled(taken: dict[str, pd.Series], rows: pd.DataFrame, report: _Report) -> None:
    """One warning per sheet naming every column filled in from the KPI definitions and how
    many rows took each (SPEC §2: no value is filled in without a word)."""
    if not taken:
        return
    counts = pd.DataFrame(taken).reindex(rows.index, fill_value=False).groupby(rows["_plan"]).sum()
    for plan_index, per_column in counts.iterrows():
        used = per_column[per_column > 0]
        if used.empty:
            continue
        plan = report.plans[int(plan_index)]
        columns = ", ".join(
            f"{report.column_label(plan, c, -1, 0)} ({int(n)})" for c, n in used.items()
        )
        report.issues.append(
            Issue.of(
                WARNING,
                plan.file,
                plan.sheet,
                None,
                None,
                None,
                "filled_from_definitions",
                count=int(used.sum()),
                columns=columns,
            )
        )


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Folded department, KPI id and KPI name for matching rows to definitions.

    The pieces of a KPI's identity (`names.kpi_parts`, folded as `names.kpi_keys` folds
    them), but matched by another rule: an actual-only row finds its definition by
    department and id, else department and name, else id alone (see
    `_fill_from_definitions`), since such a row may carry only one of them.
    """
    parts = kpi_parts(frame)
    return pd.DataFrame(
        {"_kd": parts["department"], "_ki": parts["kpi_id"], "_kn": parts["kpi_name"]},
        index=frame.index,
    )


def _check_definitions(frame: pd.DataFrame, report: _Report, limits: Limits) -> None:
    """Checks every row needs, with or without actuals."""
    typed = frame
    _check_lengths(typed, report, limits.max_text)
    for column in (*TEXT_COLUMNS, "shared_with"):
        unsafe = per_distinct(typed[column], _unsafe_character)
        for char in unsafe.dropna().unique():
            report.add(unsafe.eq(char), column, "unsafe_character", char=char)
    for name in [c for c in typed.columns if c.startswith("_error_")]:
        seen = typed[name]
        for error in seen.dropna().unique():
            report.add(seen.eq(error), name.removeprefix("_error_"), "excel_error", error=error)
    report.add(
        typed["_unknown_perspective"],
        "perspective",
        "unknown_perspective",
    )
    report.add(typed["_unknown_veto"], "veto", "unknown_veto", severity=WARNING)
    report.add(
        typed["_unknown_direction"],
        "direction",
        "unknown_direction",
    )
    misread = _check_written(typed, report)
    for column in NUMBER_COLUMNS:
        bad = typed[f"_bad_{column}"]
        report.add(bad & ~misread[column] if column in misread else bad, column, "not_a_number")
    report.add(
        typed["weight"].lt(0),
        "weight",
        "negative_weight",
    )
    report.add(
        typed["weight"].gt(limits.max_weight),
        "weight",
        "weight_too_large",
        limit=f"{limits.max_weight:g}",
    )
    for column in NUMBER_COLUMNS:
        report.add(np.isinf(typed[column].astype(float)), column, "not_finite")
    report.add(
        typed["_unknown_aggregation"],
        "aggregation",
        "unknown_aggregation",
        severity=WARNING,
    )


def _pairs(mask: pd.Series, *columns: pd.Series) -> Iterator[tuple[tuple[str, ...], pd.Series]]:
    """Each distinct combination of `columns` among the rows in `mask`, with a mask of its
    rows, so that one message can name the values it is about (`98万元` against `元`)."""
    if not mask.any():
        return
    keys = pd.Series("", index=mask.index[mask], dtype=object)
    for i, column in enumerate(columns):
        keys = keys + ("\x00" if i else "") + column[mask].astype(str)
    codes, uniques = pd.factorize(keys)
    for code, key in enumerate(uniques):
        rows = pd.Series(False, index=mask.index)
        rows[mask] = codes == code
        yield tuple(str(key).split("\x00")), rows


def _check_written(typed: pd.DataFrame, report: _Report) -> dict[str, pd.Series]:
    """Report what written targets and actuals set or contradict (SPEC §5.4), and return,
    per column, the bad cells already reported here with their real cause."""
    once = ~typed.duplicated(subset=["_plan", "row"])  # a wide sheet's target: one warning
    if typed["_direction_from_target"].any() or typed["_direction_conflict"].any():
        named = typed["direction"].map(_DIRECTION_NAMES)
        written = typed["_written_direction"].map(_DIRECTION_NAMES)
        for (direction,), rows in _pairs(typed["_direction_from_target"] & once, named):
            report.add(
                rows, "target", "direction_from_target", severity=WARNING, direction=direction
            )
        for (said, stated), rows in _pairs(typed["_direction_conflict"], written, named):
            report.add(rows, "target", "direction_conflict", written=said, direction=stated)
    report.add(typed["_range_conflict"], "target", "range_conflict")
    for (unit,), rows in _pairs(typed["_unit_from_target"] & once, typed["unit"]):
        report.add(rows, "target", "unit_from_target", severity=WARNING, unit=unit)
    differs = typed["_unit_differs"] & once
    for (unit, column_unit), rows in _pairs(differs, typed["_unit_target"], typed["unit"]):
        report.add(
            rows, "target", "unit_differs", severity=WARNING, unit=unit, column_unit=column_unit
        )
    misread: dict[str, pd.Series] = {"target": typed["_unread_target"]}
    report.add(typed["_unread_target"], "target", "written_target_unread")
    # a number in another unit is not the same number (98万元 is not 98 元): the target's
    # written unit, else the unit column, is the one every other number must be in
    expected = typed["_unit_target"].where(typed["_unit_target"].notna(), typed["unit"])
    expected_key: pd.Series | None = None
    for column in WRITTEN_COLUMNS:
        if column == "target":
            continue
        misread[column] = typed[f"_operator_{column}"]
        report.add(misread[column], column, "operator_not_target")
        units = typed[f"_unit_{column}"]
        if not units.notna().any():
            continue
        if expected_key is None:
            expected_key = per_distinct(expected, values.unit_key)
        key = per_distinct(units, values.unit_key)
        wrong = units.notna() & expected_key.notna() & key.ne(expected_key)
        for (seen, wanted), rows in _pairs(wrong, units, expected):
            report.add(rows, column, "unit_mismatch", unit=seen, expected=wanted)
    return misread


def _check_lengths(typed: pd.DataFrame, report: _Report, max_text: int) -> None:
    """Names (department, KPI id and name, unit, owner, each partner) longer than
    `max_text` characters are a row error naming the cell: a name is shown on every page,
    chart and report, so a pasted paragraph (or a crafted megabyte) must not become one."""

    def too_long(value: object) -> bool:
        names = value if isinstance(value, tuple) else (value,)
        return any(isinstance(n, str) and len(n) > max_text for n in names)

    for column in (*TEXT_COLUMNS, "shared_with"):
        long = per_distinct(typed[column], too_long).astype(bool)
        report.add(long, column, "text_too_long", limit=max_text)


def validate(
    raw: pd.DataFrame,
    plans: Sequence[SheetPlan],
    *,
    definitions: pd.DataFrame | None = None,
    known_departments: Iterable[str] = (),
    limits: Limits = DEFAULT_LIMITS,
    today: date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Issue], int]:
    """Type, fill and check stacked rows: (kpis, definitions, issues, rows rejected).

    `limits.max_weight` bounds weights; a period after the month following `today`
    (default: the clock's) is an error, so no upload moves everyone's default period.

    `known_departments` are departments known besides the rows and `definitions` (those
    of earlier uploads): a shared-with cell that names one of them is one partner, and a
    partner named nowhere is warned about.
    """
    if raw.empty:
        return empty_kpis(), definitions_table(definitions), [], 0
    typed, skipped = _kpi_rows(_type_cells(raw), raw["_first"], plans)
    _sections(typed)
    plan_of = typed["_plan"].to_numpy()
    context_department = np.array([p.department for p in plans], dtype=object)[plan_of]
    typed["department"] = typed["department"].where(typed["department"].notna(), context_department)
    known = [typed["department"], pd.Series(list(known_departments), dtype=object)]
    if definitions is not None and "department" in definitions.columns:
        known.append(definitions["department"])
    # Every department the definitions table below will name is among these already.
    keys = frozenset(department_keys(pd.concat(known, ignore_index=True)).dropna())
    typed["shared_with"] = _split_partners(typed["shared_with"], keys)
    is_definition = np.array([p.is_definitions for p in plans])[plan_of]

    defs_rows = _gates(typed[is_definition])
    defs_report = _Report(defs_rows, plans)
    _check_definitions(defs_rows, defs_report, limits)
    defs_report.add(
        defs_rows["perspective"].isna() & defs_rows["section"].isna(),
        "perspective",
        "definition_no_perspective",
    )
    defs_report.per_sheet(
        defs_rows[list(cumulative.TARGETS)].notna().any(axis=1),
        "target_annual",
        "definition_annual_target",
    )
    _check_rules(defs_rows, defs_report)
    new_defs = defs_rows[~defs_report.rejected]
    table = definitions_table(definitions, new_defs)

    rows, taken = _fill_from_definitions(typed[~is_definition], table)
    rows = _gates(rows)
    report = _Report(rows, plans)
    _report_filled(taken, rows, report)
    _check_rules(rows, report, filled=taken.get("rule", pd.Series(False, index=rows.index)))
    _check_definitions(rows, report, limits)
    _check_rows(rows, plans, report, latest=periods.month_after(today or date.today()))
    accepted = rows[~report.rejected]
    _check_partners(accepted, keys, report)
    cumulative.check_sums(accepted, report)
    reconcile.mixed_weights(typed, plans, report.issues)
    reconcile.check(accepted, raw, plans, report)
    kpis = _finish(accepted, plans, report, notes=_check_notes(accepted, raw, report))
    issues = [*skipped, *defs_report.issues, *report.issues]
    rejected = int(report.rejected.sum()) + int(defs_report.rejected.sum())
    return kpis, table, issues, rejected


def _note_cell(cell: object) -> str:
    """A 说明 / 改进措施 cell as note text: "" for a missing token (`无`, `-`, `N/A`)."""
    text = note_text(cell)
    missing = unicodedata.normalize("NFKC", text).strip().casefold() in values.MISSING_TOKENS
    return "" if missing else text


def _check_notes(rows: pd.DataFrame, raw: pd.DataFrame, report: _Report) -> pd.DataFrame:
    """The accepted rows' notes (`raw`'s 说明 / 改进措施 cells, issue 17) by row, where a
    sheet of the batch has such a column (no columns otherwise). Notes the store cannot keep (too long, an
    invisible character) are left out with a warning naming the cell; the KPI row stays.
    A wide sheet's note is its latest month's: one cell beside twelve months explains
    where the KPI stands now."""
    present = [c for c in NOTE_COLUMNS if c in raw.columns]
    notes = pd.DataFrame(index=rows.index)
    if not present or rows.empty:
        return notes
    latest = rows.groupby(["_plan", "row"])["period"].transform("max").eq(rows["period"])
    for column in present:
        cells = per_distinct(raw[column].reindex(rows.index), _note_cell)
        text = cells.where(latest.to_numpy(dtype=bool), "")
        found = per_distinct(text, note_problem).map(
            lambda p: None if p is None else (p[0], tuple(sorted(p[1].items())))
        )
        for seen in found.dropna().unique():
            code, params = seen
            mask = found.map(lambda p, seen=seen: p == seen).astype(bool)
            report.add(mask, column, code, severity=WARNING, **dict(params))
        notes[column] = text.where(found.isna(), "")
    return notes


def _check_rules(rows: pd.DataFrame, report: _Report, *, filled: pd.Series | None = None) -> None:
    """A 评分标准 cell the grammar does not read (`core.rules`) is a warning naming the cell
    and the part not understood; the KPI is then scored by its target line (SPEC §5.8). Once
    per cell (a wide sheet's months share it); a rule filled in from a definition was named
    where the definition was read. Rows with actuals (`filled` given: which took their rule
    from a definition) also hear, once per sheet, how many are scored by their rule."""
    part = per_distinct(rows["rule"], rules.unread_part)
    unread = part.notna() & ~rows.duplicated(subset=["_plan", "row"])
    if filled is not None:
        unread &= ~filled.reindex(rows.index, fill_value=False)
        # SPEC §5: a rule applied is named (once per sheet, with the rows it scores)
        items = rows["perspective"].isin(("bonus", "penalty"))  # their points are their own
        report.per_sheet(rows["rule"].notna() & part.isna() & ~items, "rule", "rule_scored")
    for seen in part[unread].unique():
        report.add(unread & part.eq(seen), "rule", "rule_unread", severity=WARNING, part=seen)


def _check_partners(rows: pd.DataFrame, keys: Collection[str], report: _Report) -> None:
    """Warn about partners that name no known department (`keys`, their `department_key`;
    SPEC §3: `市埸部` is a typo, not a new department). The KPI still counts for them; the
    warning names the cell."""

    def unknown(cell: object) -> str | None:
        if not isinstance(cell, tuple):
            return None
        names = [p for p in cell if department_key(p) not in keys]
        return "、".join(names) or None

    # `rows` are the accepted ones; the report's masks cover every row (rejected included)
    strange = per_distinct(rows["shared_with"], unknown).reindex(report.frame.index)
    for names in strange.dropna().unique():
        report.add(
            strange == names, "shared_with", "unknown_partner", severity=WARNING, names=names
        )


def _split_partners(cells: pd.Series, keys: Collection[str]) -> pd.Series:
    """Shared-with cells as tuples of partners. Whether spaces separate partners depends
    on the departments known (`keys`, SPEC §3): those of the rows, of the definitions and
    of earlier uploads, so this runs once every row has its department.
    """
    return per_distinct(
        cells, lambda c: aliases.split_departments(c, keys) if isinstance(c, str) else None
    )


def _kpi_rows(
    typed: pd.DataFrame, first: pd.Series, plans: Sequence[SheetPlan]
) -> tuple[pd.DataFrame, list[Issue]]:
    """Keep the KPI rows: drop blank, total, note, signature and section rows (warning
    about all but blank and section rows) and the months of a wide sheet that no row
    reported (warning about each), and report rows that hold values but name no KPI."""
    label = pd.Series(None, index=typed.index, dtype=object)  # see aliases.row_label
    found_in = pd.Series(None, index=typed.index, dtype=object)  # the cell that says so
    for name, column in (
        ("department", typed["department"]),
        ("kpi_name", typed["kpi_name"]),
        ("_first", first),
    ):
        found = per_distinct(column, aliases.row_label)
        new = label.isna() & found.notna()
        label, found_in = label.where(~new, found), found_in.where(~new, name)
    is_total, is_note, is_signature = label.eq("total"), label.eq("note"), label.eq("signature")
    not_kpi = is_total | is_note | is_signature
    valued = pd.Series(False, index=typed.index)
    for column in NUMBER_COLUMNS:
        valued |= typed[column].notna() | typed[f"_bad_{column}"]
    valued |= typed["direction"].notna()
    section = per_distinct(first, _is_section)
    is_section = section.notna() & ~valued & typed["kpi_name"].isna()
    has_identity = (typed["kpi_id"].notna() | typed["kpi_name"].notna()) & ~is_section
    month = typed["_month_column"]
    no_actual = (typed["actual"].isna() & ~typed["_bad_actual"]) | not_kpi
    empty_month = (month >= 0) & no_actual.groupby([typed["_plan"], month]).transform("all")
    skip = not_kpi | empty_month
    report = _Report(typed.assign(_first=first), plans)
    first_of_row = ~typed.duplicated(subset=["_plan", "row"])
    for name in ("department", "kpi_name", "_first"):
        where = first_of_row & found_in.eq(name)
        report.add(is_total & where, name, "total_row", severity=WARNING)
        report.add(is_note & where, name, "note_row", severity=WARNING)
        report.add(is_signature & where, name, "signature_row", severity=WARNING)
    _empty_months(typed[empty_month & has_identity], plans, report)
    report.add(
        ~skip & ~has_identity & valued,
        "kpi_name",
        "no_kpi_name",
    )
    carried = section.where(is_section).groupby([typed["_plan"], month]).ffill()
    keep = has_identity & ~skip
    kept = typed[keep]
    kept["perspective"] = kept["perspective"].where(kept["perspective"].notna(), carried[keep])
    return kept, report.issues


def _empty_months(rows: pd.DataFrame, plans: Sequence[SheetPlan], report: _Report) -> None:
    """One warning per month column of a wide sheet that no KPI row filled in, wherever
    it stands, naming its header (a month not reported yet, so not loaded)."""
    counts = rows.groupby(["_plan", "_month_column"]).size()
    for (plan_index, month_column), count in counts.items():
        plan = plans[int(plan_index)]
        header = plan.month_headers[int(month_column)]
        report.issues.append(
            Issue.of(
                WARNING,
                plan.file,
                plan.sheet,
                plan.header_row + 1,
                header,
                None,
                "empty_month",
                count=int(count),
                month=plan.months[int(month_column)],
            )
        )


def _check_rows(
    rows: pd.DataFrame, plans: Sequence[SheetPlan], report: _Report, *, latest: str
) -> None:
    """Checks for rows that carry actuals: where, when, and whether they can be scored."""
    report.add(
        rows["department"].isna(),
        "department",
        "no_department",
    )
    item = pd.Series(adjust.items(rows), index=rows.index)
    sectioned = rows["section"].notna()
    report.add(
        rows["perspective"].isna() & ~sectioned,
        "perspective",
        "no_perspective",
    )
    _check_items(rows, item, report)
    has_range = rows["target_low"].notna() & rows["target_high"].notna()
    no_direction = rows["direction"].isna() & ~item  # an item needs no direction
    rows.loc[no_direction & has_range, "direction"] = "range"
    defaulted = no_direction & ~has_range
    rows.loc[defaulted, "direction"] = "higher"
    report.per_sheet(defaulted, "direction", "default_direction")
    sheet_has_weights = rows["weight"].notna().groupby(rows["_plan"]).transform("any")
    # items and veto gates weigh nothing: no weight is no error, and no default
    no_weight = rows["weight"].isna() & ~rows["_bad_weight"] & ~sectioned
    report.add(
        no_weight & sheet_has_weights,
        "weight",
        "weight_missing",
    )
    equal = no_weight & ~sheet_has_weights
    rows.loc[equal, "weight"] = 1.0
    report.per_sheet(equal, "weight", "default_weight")
    aggregation = rows["aggregation"]
    rows["aggregation"] = aggregation.where(
        aggregation.notna() & ~rows["_unknown_aggregation"], "avg"
    )
    _check_periods(rows, plans, report, latest=latest)
    cumulative.derive(rows, report)
    problems = _veto_bounds(rows, anchor_problems(rows), report).where(~item)
    codes = problems.map(messages.ANCHOR_CODES)
    faulty = problems.notna() & ~report.rejected
    at_fault = codes.map(ANCHOR_COLUMNS).fillna("target")
    at_fault = at_fault.mask(codes.eq("range_missing") & rows["target_low"].isna(), "target_low")
    for column in at_fault[faulty].unique():
        report.add(faulty & at_fault.eq(column), column, "", codes=codes)
    zero_count = pd.Series(methods(rows) == ZERO_COUNT, index=rows.index) & ~report.rejected
    zero_count &= ~rows["veto"].eq(True) & ~item  # a gate needs no partial credit
    once = ~rows.duplicated(subset=["_plan", "row"])
    report.add(zero_count & once, "target", "zero_target_count", severity=WARNING)


def _sections(typed: pd.DataFrame) -> None:
    """Read what the perspective cell (or the section row above) says about rows that are
    not KPIs of a perspective (SPEC §5.6, §5.7): 否决指标 -> a veto gate, 加分项 -> a bonus
    item, 扣分项 -> a penalty item. Such a row's `section` is set and its perspective None,
    so it never enters a perspective's roll-up; a gate is a veto KPI."""
    section = typed["perspective"].where(typed["perspective"].isin(SECTIONS))
    found = section.notna()
    typed["section"] = section.where(found, None)
    typed["perspective"] = typed["perspective"].where(~found, None)
    typed["veto"] = typed["veto"].where(~section.eq(GATE), True)


def _gates(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows once their definitions are filled in: a veto KPI of a perspective with weight 0
    or no weight is a gate only (SPEC §5.6: section GATE, no perspective), and a bonus or
    penalty item without a 分值 / points cell takes its 加分 / 扣分 cell's points."""
    weight = rows["weight"]
    gate = rows["veto"].eq(True) & rows["section"].isna()
    gate &= (weight.isna() & ~rows["_bad_weight"]) | weight.eq(0)
    item = pd.Series(adjust.items(rows), index=rows.index)
    if not (gate.any() or (item & rows["item_points"].notna()).any()):
        return rows
    rows = rows.copy()
    rows.loc[gate, "section"] = GATE
    rows.loc[gate, "perspective"] = None
    rows["full_points"] = rows["full_points"].where(
        ~item | rows["full_points"].notna(), rows["item_points"]
    )
    return rows


def _check_items(rows: pd.DataFrame, item: pd.Series, report: _Report) -> None:
    """A bonus or penalty item needs its points: a 分值 / 加分 / 扣分 / points cell, else an
    actual (SPEC §5.7). Target, direction and weight it needs none."""
    report.add(item & rows["_bad_item_points"], "item_points", "not_a_number")
    no_points = item & rows["full_points"].isna() & rows["actual"].isna()
    report.add(
        no_points & ~rows["_bad_actual"] & ~rows["_bad_full_points"], "actual", "item_no_points"
    )


def _veto_bounds(rows: pd.DataFrame, problems: pd.Series, report: _Report) -> pd.Series:
    """A veto KPI fails against its floor, else its target, else its range (SPEC §5.6):
    without any of them it is an error. Given only a floor it is no error, though §3 cannot
    score it (its line has no target): the anchor problem is dropped, the row kept."""
    veto = rows["veto"].eq(True)
    has_range = rows["target_low"].notna() & rows["target_high"].notna()
    bounded = rows["target"].notna() | rows["floor"].notna() | has_range
    unbounded = veto & ~bounded & ~rows["_bad_target"] & ~rows["_bad_floor"]
    report.add(unbounded, "target", "veto_no_bound")
    floor_only = veto & rows["target"].isna() & rows["floor"].notna() & ~has_range
    return problems.where(~(floor_only | unbounded))


def _check_periods(
    rows: pd.DataFrame, plans: Sequence[SheetPlan], report: _Report, *, latest: str
) -> None:
    """Period from the row's period cell (or month column), else from the sheet's context,
    as a month, quarter, half-year or year label; a frequency coarser than that period
    moves the row to the period holding it (a 季度 KPI on a March sheet: 2026-Q1), a finer
    one is an error; none starting later than `latest` (the month after this one)."""
    plan_of = rows["_plan"].to_numpy()
    blank = values.is_missing(rows["_raw_period"])
    written = rows.loc[~blank, "_raw_period"]
    years = np.array([p.year for p in plans], dtype=object)[plan_of[~blank.to_numpy()]]
    pairs = pd.Series(list(zip(written, years, strict=True)), index=written.index, dtype=object)
    parsed = per_distinct(pairs, lambda pair: _period_cell(*pair)).reindex(rows.index)
    context = np.array([p.period for p in plans], dtype=object)[plan_of]
    period = parsed.where(~blank, context)
    report.add(
        ~blank & parsed.isna(),
        "period",
        "bad_period",
    )
    report.add(
        blank & pd.Series(context, index=rows.index).isna(),
        "period",
        "no_period",
    )
    period = _assessed_period(rows, period, report)
    first_month = per_distinct(period, lambda p: periods.months_of(p)[0] if p else None)
    report.add(
        period.notna() & (first_month.astype(str) > latest) & ~report.rejected,
        "period",
        "future_period",
        latest=latest,
    )
    rows["period"] = period


def _assessed_period(rows: pd.DataFrame, period: pd.Series, report: _Report) -> pd.Series:
    """The period each row is assessed for, by its frequency cell (SPEC §5.1): the period
    of that grain holding the one it was found in; an unknown or finer frequency is an
    error naming the cell. Without a frequency, the period as found."""
    report.add(rows["_unknown_frequency"], "frequency", "unknown_frequency")
    frequency = rows["frequency"].where(~rows["_unknown_frequency"])
    given = period.notna() & frequency.notna()
    pairs = pd.Series(
        list(zip(period[given], frequency[given], strict=True)), index=period.index[given]
    )

    def assessed(pair: tuple[str, str]) -> str | None:
        label, grain = pair
        finer = periods.finer(grain, periods.grain_of(label))
        return None if finer else periods.containing(label, grain)

    moved = per_distinct(pairs, assessed).reindex(period.index)
    report.add(given & moved.isna(), "frequency", "frequency_finer")
    return period.where(~given, moved)


def _unsafe_character(cell: object) -> str | None:
    """The first unsafe character of a name (or of any partner), as `U+XXXX`, or None."""
    texts = cell if isinstance(cell, tuple) else (cell,)
    return next((u for x in texts if isinstance(x, str) and (u := first_unsafe(x))), None)


def _period_cell(cell: object, year: int | None) -> str | None:
    text = cell.strip() if isinstance(cell, str) else cell
    return periods.parse_label(text, year=year)


def _finish(
    rows: pd.DataFrame,
    plans: Sequence[SheetPlan],
    report: _Report,
    *,
    notes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Accepted rows in KPI_COLUMNS order, and `notes`' columns (`cause`, `measure`) where
    given; a KPI-month given twice keeps the later one."""
    if rows.empty:
        return empty_kpis()
    plan_of = rows["_plan"].to_numpy()
    out = rows.assign(
        file=np.array([p.file for p in plans], dtype=object)[plan_of],
        sheet=np.array([p.sheet for p in plans], dtype=object)[plan_of],
        kpi_name=rows["kpi_name"].where(rows["kpi_name"].notna(), rows["kpi_id"]),
        veto=rows["veto"].eq(True).to_numpy(dtype=bool),
        # "" for a missing cell, which per_distinct would leave None: no partners is ()
        shared_with=per_distinct(
            rows["shared_with"].fillna(""), lambda v: v if isinstance(v, tuple) else ()
        ),
    )
    superseded = kpi_month_keys(out).duplicated(keep="last")
    report.add(
        superseded.reindex(report.frame.index, fill_value=False),
        "kpi_name",
        "superseded",
        severity=WARNING,
    )
    out = out[~superseded]
    kpis = out[list(KPI_COLUMNS)]
    if notes is not None and len(notes.columns):  # on the copy: `out` is fragmented
        kpis = kpis.assign(**{c: notes[c].reindex(kpis.index) for c in notes.columns})
    kpis = kpis.reset_index(drop=True)
    return kpis.astype(
        {
            "row": "int64",
            "weight": float,
            "actual": float,
            "full_points": float,
            **dict.fromkeys(ANCHORS, float),
        }
    )


def kpi_month_keys(kpis: pd.DataFrame) -> pd.DataFrame:
    """What makes a KPI row unique: its KPI (`names.kpi_keys`) and period."""
    return pd.DataFrame({"k": kpi_keys(kpis), "p": kpis["period"]})


def empty_kpis() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in KPI_COLUMNS})

"""The What-if export: a scenario beside the baseline as a workbook.

Departments, organisation, weights, KPI edits, rank ranges and what the scenario is, one
sheet each, formatted as the leadership workbook is (`reports.xlsx`'s cells and formats):
headers in the reader's language, bold and frozen with a filter, columns sized, numbers
kept unrounded as numbers and shown rounded (scores `0.0`, changes signed, shares and
percent targets as percents); every cell through `plain.safe_cell` (a scenario or
department name that looks like a formula stays text).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from kpi_engine.core.names import department_weights, kpi_labels
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.settings import Settings
from kpi_engine.core.whatif import (
    COMPARED_GRADES,
    RANK_RANGE_COLUMNS,
    Comparison,
    Scenario,
    percentages,
)
from kpi_engine.i18n import MISSING, perspective_label, t, veto_text
from kpi_engine.reports.xlsx import (
    CHANGE_FORMAT,
    COVERAGE_FORMAT,
    SCORE_FORMAT,
    SHARE_FORMAT,
    header_cells,
    set_widths,
    styled_cell,
    value_formats,
)

DEPARTMENT_COLUMNS = (
    "period",
    "department",
    "baseline",
    "scenario",
    "change",
    "baseline_rank",
    "scenario_rank",
    "rank_change",
    *COMPARED_GRADES,
)
RANK_FORMAT = "0"
RANK_CHANGE_FORMAT = "+0;-0;0"
WEIGHT_FORMAT = "0.0###"
TEXT, WIDE, NAME = 10.0, 14.0, 22.0  # column widths (characters; CJK counts about double)


Format = str | Sequence[str] | None  # one number format for a column, or one per row


class Column(NamedTuple):
    label: str
    fmt: Format = None
    width: float = TEXT


def _sheet(book: Workbook, title: str, columns: Sequence[Column], rows: Sequence) -> None:
    """One table on its own sheet: a bold header row frozen above a filter, the columns'
    widths, and each column's number format."""
    sheet = book.create_sheet(title[:31])
    set_widths(sheet, [c.width for c in columns])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows), 1) + 1}"
    sheet.append(header_cells(sheet, [c.label for c in columns]))
    for i, row in enumerate(rows):
        sheet.append(
            [
                styled_cell(sheet, value, fmt=c.fmt if isinstance(c.fmt, str | None) else c.fmt[i])
                for value, c in zip(row, columns, strict=True)
            ]
        )


def veto_reasons(comparison: Comparison, rows: pd.DataFrame, lang: str) -> list[str]:
    """Per row (`period`, `department`) of a comparison frame, the scenario's veto reason
    ('—' when none): a vetoed department stays vetoed under any weights (SPEC §5.6)."""
    own = comparison.scenario.departments[["period", "department", "veto"]]
    found = rows[["period", "department"]].merge(own, on=["period", "department"], how="left")
    return [veto_text(v, lang) or MISSING for v in found["veto"]]


def _weight_rows(
    comparison: Comparison, scenario: Scenario, settings: Settings, lang: str
) -> tuple[list[list[object]], list[str]]:
    """Perspective shares (0-1, shown as percents) and department weights (relative
    numbers), baseline beside scenario; and each row's number format."""
    chosen = scenario.settings(settings)
    before, after = (
        percentages(settings.perspective_weights),
        percentages(chosen.perspective_weights),
    )
    rows: list[list[object]] = [
        [t("common.perspective", lang), perspective_label(p, lang), before[p] / 100, after[p] / 100]
        for p in PERSPECTIVES
    ]
    departments = sorted(set(comparison.departments["department"].astype(str)))
    rows += [
        [t("common.department", lang), d, float(old), float(new)]
        for d, old, new in zip(
            departments,
            department_weights(departments, settings.department_weights),
            department_weights(departments, chosen.department_weights),
            strict=True,
        )
    ]
    formats = [SHARE_FORMAT] * len(PERSPECTIVES) + [WEIGHT_FORMAT] * len(departments)
    return rows, formats


def _kpi_edits(comparison: Comparison, scenario: Scenario) -> pd.DataFrame:
    """The scenario's KPI edits: department, KPI key, unit (from the scenario's rows),
    weight and target (None where not edited)."""
    edits = sorted(set(scenario.kpi_weights) | set(scenario.kpi_targets))
    rows = comparison.scenario.kpis
    keys = [rows["department"].astype(object).to_numpy(), kpi_labels(rows).to_numpy()]
    units = pd.Series(rows["unit"].to_numpy(dtype=object), index=pd.MultiIndex.from_arrays(keys))
    units = units[~units.index.duplicated(keep="last")]
    return pd.DataFrame(
        {
            "department": [d for d, _ in edits],
            "kpi": [k for _, k in edits],
            "unit": [units.get(key) for key in edits],
            "weight": [scenario.kpi_weights.get(key) for key in edits],
            "target": [scenario.kpi_targets.get(key) for key in edits],
        },
        columns=["department", "kpi", "unit", "weight", "target"],
    )


def whatif_xlsx(
    comparison: Comparison,
    scenario: Scenario,
    settings: Settings,
    *,
    lang: str,
    period: str | None,
    ranges: pd.DataFrame | None = None,
) -> bytes:
    """The comparison as a workbook: departments, organisation, weights, KPI edits and rank
    ranges (`whatif.rank_ranges`, when given), then the scenario's name, period and method."""
    book = Workbook(write_only=True)
    score, change = Column("", SCORE_FORMAT), Column("", CHANGE_FORMAT)
    rank, grade = Column("", RANK_FORMAT), Column("", None, WIDE)

    def named(column: Column, key: str) -> Column:
        return column._replace(label=t(key, lang))

    _sheet(
        book,
        t("whatif.sheet_departments", lang),
        [
            Column(t("common.period", lang)),
            Column(t("common.department", lang), width=NAME),
            named(score, "whatif.baseline"),
            named(score, "whatif.scenario"),
            named(change, "whatif.difference"),
            named(rank, "whatif.baseline_rank"),
            named(rank, "whatif.scenario_rank"),
            Column(t("whatif.rank_change", lang), RANK_CHANGE_FORMAT),
            *(named(grade, f"whatif.{c}") for c in COMPARED_GRADES),
            Column(t("veto.column", lang), width=40),
        ],
        [
            [*row, reason]
            for row, reason in zip(
                comparison.departments[list(DEPARTMENT_COLUMNS)].values.tolist(),
                veto_reasons(comparison, comparison.departments, lang),
                strict=True,
            )
        ],
    )
    _sheet(
        book,
        t("whatif.sheet_organization", lang),
        [
            Column(t("common.period", lang)),
            named(score, "whatif.baseline"),
            named(score, "whatif.scenario"),
            named(change, "whatif.difference"),
            named(grade, "whatif.baseline_grade"),
            named(grade, "whatif.scenario_grade"),
        ],
        comparison.organization[
            ["period", "baseline", "scenario", "change", "baseline_grade", "scenario_grade"]
        ].values.tolist(),
    )
    weights, weight_formats = _weight_rows(comparison, scenario, settings, lang)
    _sheet(
        book,
        t("whatif.sheet_weights", lang),
        [
            Column(t("whatif.level", lang)),
            Column(t("whatif.item", lang), width=NAME),
            Column(t("whatif.baseline", lang), weight_formats, WIDE),
            Column(t("whatif.scenario", lang), weight_formats, WIDE),
        ],
        weights,
    )
    edits = _kpi_edits(comparison, scenario)
    _sheet(
        book,
        t("whatif.sheet_kpis", lang),
        [
            Column(t("common.department", lang), width=NAME),
            Column(t("common.kpi", lang), width=NAME),
            Column(t("common.unit", lang)),
            Column(t("common.weight", lang), WEIGHT_FORMAT),
            Column(t("common.target", lang), list(value_formats(edits["target"], edits["unit"]))),
        ],
        edits.values.tolist(),
    )
    if ranges is not None and not ranges.empty:
        _sheet(
            book,
            t("whatif.sheet_ranks", lang),
            [
                Column(t("common.period", lang)),
                Column(t("common.department", lang), width=NAME),
                named(rank, "whatif.rank_current"),
                named(rank, "whatif.min_rank"),
                named(rank, "whatif.max_rank"),
                Column(t("whatif.depends_yes", lang), width=WIDE),
                Column(t("whatif.stable_share", lang), COVERAGE_FORMAT, WIDE),
                named(score, "whatif.min_score"),
                named(score, "whatif.max_score"),
                named(grade, "whatif.best_grade"),
                named(grade, "whatif.worst_grade"),
            ],
            ranges[list(RANK_RANGE_COLUMNS)].values.tolist(),
        )
    _sheet(
        book,
        t("whatif.sheet_about", lang),
        [
            Column(t("whatif.scenario_name", lang), width=NAME),
            Column(t("common.period", lang)),
            Column(t("whatif.method_column", lang), width=WIDE),
        ],
        [[scenario.name, period or "", t(f"whatif.method_{scenario.method}", lang)]],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

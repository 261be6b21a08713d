"""The What-if export: a scenario beside the baseline as a workbook.

Departments, organisation, weights, KPI edits, rank ranges and what the scenario is, one
sheet each; headers in the reader's language, scores unrounded, every cell through
`plain.safe_cell` (a scenario or department name that looks like a formula stays text).
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kpi_engine.core.names import department_weights
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
from kpi_engine.reports.plain import safe_cell

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


def _cell(sheet: object, value: object, *, bold: bool = False) -> WriteOnlyCell:
    """`plain.safe_cell`, bold for headings."""
    cell = safe_cell(sheet, value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append([_cell(sheet, h, bold=True) for h in header])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])


def veto_reasons(comparison: Comparison, rows: pd.DataFrame, lang: str) -> list[str]:
    """Per row (`period`, `department`) of a comparison frame, the scenario's veto reason
    ('—' when none): a vetoed department stays vetoed under any weights (SPEC §5.6)."""
    own = comparison.scenario.departments[["period", "department", "veto"]]
    found = rows[["period", "department"]].merge(own, on=["period", "department"], how="left")
    return [veto_text(v, lang) or MISSING for v in found["veto"]]


def _weight_rows(
    comparison: Comparison, scenario: Scenario, settings: Settings, lang: str
) -> list[list[object]]:
    """Perspective shares (0-1) and department weights, baseline beside scenario."""
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
    return rows


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
    _sheet(
        book,
        t("whatif.sheet_departments", lang),
        [
            t("common.period", lang),
            t("common.department", lang),
            t("whatif.baseline", lang),
            t("whatif.scenario", lang),
            t("whatif.difference", lang),
            t("whatif.baseline_rank", lang),
            t("whatif.scenario_rank", lang),
            t("whatif.rank_change", lang),
            *(t(f"whatif.{c}", lang) for c in COMPARED_GRADES),
            t("veto.column", lang),
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
            t("common.period", lang),
            t("whatif.baseline", lang),
            t("whatif.scenario", lang),
            t("whatif.difference", lang),
            t("whatif.baseline_grade", lang),
            t("whatif.scenario_grade", lang),
        ],
        comparison.organization[
            ["period", "baseline", "scenario", "change", "baseline_grade", "scenario_grade"]
        ].values.tolist(),
    )
    _sheet(
        book,
        t("whatif.sheet_weights", lang),
        [
            t("whatif.level", lang),
            t("whatif.item", lang),
            t("whatif.baseline", lang),
            t("whatif.scenario", lang),
        ],
        _weight_rows(comparison, scenario, settings, lang),
    )
    edits = sorted(set(scenario.kpi_weights) | set(scenario.kpi_targets))
    _sheet(
        book,
        t("whatif.sheet_kpis", lang),
        [
            t("common.department", lang),
            t("common.kpi", lang),
            t("common.weight", lang),
            t("common.target", lang),
        ],
        [
            [d, k, scenario.kpi_weights.get((d, k)), scenario.kpi_targets.get((d, k))]
            for d, k in edits
        ],
    )
    if ranges is not None and not ranges.empty:
        _sheet(
            book,
            t("whatif.sheet_ranks", lang),
            [
                t("common.period", lang),
                t("common.department", lang),
                t("whatif.rank_current", lang),
                t("whatif.min_rank", lang),
                t("whatif.max_rank", lang),
                t("whatif.depends_yes", lang),
                t("whatif.stable_share", lang),
                t("whatif.min_score", lang),
                t("whatif.max_score", lang),
                t("whatif.best_grade", lang),
                t("whatif.worst_grade", lang),
            ],
            ranges[list(RANK_RANGE_COLUMNS)].values.tolist(),
        )
    _sheet(
        book,
        t("whatif.sheet_about", lang),
        [
            t("whatif.scenario_name", lang),
            t("common.period", lang),
            t("whatif.method_column", lang),
        ],
        [[scenario.name, period or "", t(f"whatif.method_{scenario.method}", lang)]],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

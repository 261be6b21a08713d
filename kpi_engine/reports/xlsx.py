"""The leadership workbook: an organisation summary sheet and one sheet per department.

Numbers are stored as numbers with number formats (scores `0.0`, shares `0.0%`), so a
reader can sort, filter and chart them in Excel; status colours are cell fills in the
dashboard's colours (`charts.palette`); every label is in the reader's language. Text that looks
like a formula stays text (`report.safe_cell`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from kpi_engine.charts.palette import BAND_TINTS, MISSING_COLOR, STATUS_COLORS
from kpi_engine.core import insights
from kpi_engine.core.actions import OUTCOME_STATUS
from kpi_engine.core.grades import COEFFICIENT, DISTRIBUTION_GRADE
from kpi_engine.core.schema import BONUS, GATE, PERSPECTIVES
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, DEPARTMENT, Settings
from kpi_engine.i18n import (
    DEFAULT_LANG,
    adjustment_text,
    perspective_label,
    status_label,
    t,
    veto_text,
)
from kpi_engine.reports.actions import action_table, for_report
from kpi_engine.reports.plain import safe_cell
from kpi_engine.reports.tables import (
    GRADE_LABELS,
    RULE_LABELS,
    department_summary,
    grade_columns,
    kpi_rows,
    note_cells,
    noted,
    perspective_summary,
    printable_history,
    section_rows,
)

SCORE_FORMAT = "0.0"
CHANGE_FORMAT = "+0.0;-0.0;0.0"
COVERAGE_FORMAT = "0%"
SHARE_FORMAT = "0.0%"
COEFFICIENT_FORMAT = "0.00"
PERCENT_UNITS = ("%", "％")


def _fill(color: str) -> PatternFill:
    return PatternFill("solid", start_color=color[1:], end_color=color[1:])


# Status cells are filled with the status colour; score cells with its lighter tint.
STATUS_FILLS = {status: _fill(color) for status, color in STATUS_COLORS.items()}
TINT_FILLS = {status: _fill(color) for status, color in BAND_TINTS.items()}
MISSING_FILL = _fill(MISSING_COLOR)
STATUS_FONTS = {"green": Font(bold=True, color="FFFFFF"), "red": Font(bold=True, color="FFFFFF")}
BOLD = Font(bold=True)
VETO_FONT = Font(bold=True, color=STATUS_COLORS["red"][1:])
TITLE = Font(bold=True, size=14)

MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: Iterable[str], *, taken: Iterable[str] = ()) -> list[str]:
    """Valid, unique sheet names for `names`, in order: characters Excel refuses
    (`[]:*?/\\`) become `_`, at most 31 characters, no leading or trailing apostrophe,
    and a ` (2)`-style suffix where two names (compared case-insensitively, as Excel does)
    would clash with each other or with `taken`."""
    used = {n.casefold() for n in taken}
    out = []
    for name in names:
        base = _BAD_SHEET_CHARS.sub("_", str(name)).strip().strip("'")[:MAX_SHEET_NAME] or "_"
        candidate, n = base, 1
        while candidate.casefold() in used:
            n += 1
            suffix = f" ({n})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def styled_cell(
    sheet: WriteOnlyWorksheet,
    value: object,
    *,
    fmt: str | None = None,
    fill: PatternFill | None = None,
    font: Font | None = None,
) -> object:
    """A write-only cell (formula-like text kept as text) with optional style."""
    cell = safe_cell(sheet, value)
    if fmt is not None and cell.value is not None:
        cell.number_format = fmt
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    return cell


def _tint(status: object) -> PatternFill:
    return TINT_FILLS.get(status, MISSING_FILL) if isinstance(status, str) else MISSING_FILL


def _status_cell(sheet: WriteOnlyWorksheet, status: object, lang: str) -> object:
    key = status if isinstance(status, str) else None
    return styled_cell(
        sheet,
        status_label(key, lang),
        fill=STATUS_FILLS.get(key, MISSING_FILL),
        font=STATUS_FONTS.get(key),
    )


def _score_cells(
    sheet: WriteOnlyWorksheet, row: pd.Series, lang: str, *, label_font: Font | None = None
) -> list[object]:
    """Score, status, coverage and change of one summary row (`row.label` first)."""
    return [
        styled_cell(sheet, row["label"], font=label_font),
        styled_cell(sheet, row["score"], fmt=SCORE_FORMAT, fill=_tint(row["status"])),
        _status_cell(sheet, row["status"], lang),
        styled_cell(sheet, row["coverage"], fmt=COVERAGE_FORMAT),
        styled_cell(sheet, row["change"], fmt=CHANGE_FORMAT),
    ]


def _grade_cells(sheet: WriteOnlyWorksheet, row: object, columns: Sequence[str]) -> list[object]:
    """A department's or the organisation's grade columns (`grade_columns`): names as
    text, the coefficient as a number (empty where the grade has none)."""
    return [
        styled_cell(sheet, row[c], fmt=COEFFICIENT_FORMAT if c == COEFFICIENT else None)  # type: ignore[index]
        for c in columns
    ]


def header_cells(sheet: WriteOnlyWorksheet, labels: Sequence[str]) -> list[object]:
    return [styled_cell(sheet, label, font=BOLD) for label in labels]


def set_widths(sheet: WriteOnlyWorksheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _score_labels(first: str, lang: str) -> list[str]:
    keys = ("common.score", "common.status", "common.coverage", "overview.change_vs_previous")
    return [first, *(t(k, lang) for k in keys)]


def _summary_sheet(
    sheet: WriteOnlyWorksheet,
    history: Scorecard,
    period: str,
    departments: pd.DataFrame,
    lang: str,
    settings: Settings,
) -> None:
    """Title, the organisation's row, then one row per department (`department_summary`,
    ending with the weighting rule that scored it) under a filter."""
    view = insights.overview(history, period, settings=settings)
    organization = t("common.organization", lang)
    labels = [perspective_label(p, lang) for p in PERSPECTIVES]
    grades = grade_columns(settings)
    grade_labels = [t(GRADE_LABELS[c], lang) for c in grades]
    widths = [22, 10, 10, 10, 14, *[12] * len(PERSPECTIVES), 16, *ADJUSTMENT_WIDTHS]
    set_widths(sheet, [*widths, *[12] * len(grades)])
    first_data = 6
    sheet.freeze_panes = f"A{first_data}"
    last = first_data + len(departments) - 1
    width = 6 + len(PERSPECTIVES) + len(grades)
    sheet.auto_filter.ref = f"A{first_data - 1}:{get_column_letter(width)}{last}"

    title = t("report.title", lang, scope=organization, period=period)
    sheet.append([styled_cell(sheet, title, font=TITLE)])
    org_grades = [c for c in grades if c != DISTRIBUTION_GRADE]  # no ranking of one
    sheet.append(
        header_cells(
            sheet,
            [*_score_labels(organization, lang), *labels, *grade_labels[: len(org_grades)]],
        )
    )
    org_scores = view.perspectives.set_index("perspective")["score"].reindex(list(PERSPECTIVES))
    org = pd.Series(
        {
            "label": organization,
            "score": view.score,
            "status": _one_status(view.score, settings),
            "coverage": view.coverage,
            "change": view.change,
        }
    )
    sheet.append(
        [
            *_score_cells(sheet, org, lang, label_font=BOLD),
            *_perspective_cells(sheet, org_scores.to_numpy(float), settings),
            *_grade_cells(
                sheet, {"grade": view.grade, "coefficient": view.coefficient}, org_grades
            ),
        ]
    )
    sheet.append([])
    sheet.append(
        header_cells(
            sheet,
            [
                *_score_labels(t("common.department", lang), lang),
                *labels,
                t("weighting.column", lang),
                *_adjustment_labels(lang),
                *grade_labels,
            ],
        )
    )
    for _, row in departments.rename(columns={"department": "label"}).iterrows():
        scores = row[list(PERSPECTIVES)].to_numpy(float)
        sheet.append(
            [
                *_score_cells(sheet, row, lang),
                *_perspective_cells(sheet, scores, settings),
                styled_cell(sheet, t(f"weighting.rule_{row['weighting']}", lang)),
                *_adjustment_cells(sheet, row, lang),
                *_grade_cells(sheet, row, grades),
            ]
        )


# Beside a department's score: its weighted score before bonus, penalty and veto, the
# points, and the veto's reason (SPEC §5.6, §5.7).
ADJUSTMENT_WIDTHS = (12, 8, 8, 48)


def _adjustment_labels(lang: str) -> list[str]:
    keys = ("common.score_before", "common.bonus", "common.penalty", "veto.column")
    return [t(k, lang) for k in keys]


def _adjustment_cells(sheet: WriteOnlyWorksheet, row: pd.Series, lang: str) -> list[object]:
    return [
        styled_cell(sheet, row["score_before"], fmt=SCORE_FORMAT),
        styled_cell(sheet, row["bonus"], fmt=SCORE_FORMAT),
        styled_cell(sheet, row["penalty"], fmt=SCORE_FORMAT),
        styled_cell(sheet, veto_text(row["veto"], lang) or None, font=VETO_FONT),
    ]


def _one_status(score: float | None, settings: Settings) -> object:
    return statuses(np.array([np.nan if score is None else score]), settings=settings)[0]


def _perspective_cells(
    sheet: WriteOnlyWorksheet, scores: np.ndarray, settings: Settings
) -> list[object]:
    """Perspective scores tinted by their status, as the heatmap colours them."""
    return [
        styled_cell(sheet, score, fmt=SCORE_FORMAT, fill=_tint(status))
        for score, status in zip(scores, statuses(scores, settings=settings), strict=True)
    ]


def value_formats(values: pd.Series, units: pd.Series) -> np.ndarray:
    """Number formats for actuals and targets: percent units as percents (the engine
    holds 85% as 0.85), whole numbers with thousands separators, others with 2 decimals."""
    numbers = values.to_numpy(float)
    whole = np.isfinite(numbers) & (numbers == np.round(numbers))
    percent = units.astype(object).isin(PERCENT_UNITS).to_numpy()
    return np.where(percent, SHARE_FORMAT, np.where(whole, "#,##0", "#,##0.00"))


def _department_sheet(
    sheet: WriteOnlyWorksheet,
    history: Scorecard,
    period: str,
    overall: pd.Series,
    lang: str,
    settings: Settings,
) -> None:
    """Title, the department's overall score (its `department_summary` row, with the
    weighting rule that scored it under the perspective weights' header) and its four
    perspectives, then its KPI rows (grouped by perspective) under a frozen header with a
    filter."""
    department = overall["department"]
    perspectives = perspective_summary(history, period, department, settings=settings)
    kpis = kpi_rows(history, period, department)

    kpi_labels = [
        t(key, lang)
        for key in (
            "common.perspective",
            "common.kpi_id",
            "common.kpi",
            "common.actual",
            "common.target",
            "report.target_low",
            "report.target_high",
            "common.unit",
            "common.score",
            "common.status",
            # a KPI's share of its perspective's weights, or of the department's (SPEC §5.3)
            "report.weight_share_department"
            if overall["weighting"] == DEPARTMENT
            else "report.weight_share",
            "scorecard.owner_department",
        )
    ]
    ruled = (kpis["method"] == "rule").to_numpy(dtype=bool)
    if ruled.any():  # SPEC §5.8: the rule, its points and full points beside the score
        kpi_labels += [t(k, lang) for k in RULE_LABELS]
    notes = note_cells(kpis, lang)  # issue 17: 原因分析 / 改进措施, when any KPI has one
    if notes is not None:
        kpi_labels.append(t("notes.column", lang))
    set_widths(sheet, [14, 12, 30, 12, 12, 12, 12, 8, 10, 10, 12, 14, 36, 10, 10, 48])
    header_row = 4 + len(PERSPECTIVES) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    last = header_row + max(len(kpis), 1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(kpi_labels))}{last}"

    sheet.append(
        [styled_cell(sheet, t("report.title", lang, scope=department, period=period), font=TITLE)]
    )
    grades = grade_columns(settings)
    sheet.append(
        header_cells(
            sheet,
            [
                *_score_labels(t("common.perspective", lang), lang),
                t("report.perspective_weight", lang),
                t("adjust.column", lang),
                t("veto.column", lang),
                *(t(GRADE_LABELS[c], lang) for c in grades),
            ],
        )
    )
    row = overall.rename({"department": "label"})
    row["label"] = t("scorecard.department_score", lang)
    rule = styled_cell(sheet, t(f"weighting.rule_{overall['weighting']}", lang))
    adjusted = adjustment_text(overall["score_before"], overall["bonus"], overall["penalty"], lang)
    sheet.append(
        [
            *_score_cells(sheet, row, lang, label_font=BOLD),
            rule,
            styled_cell(sheet, adjusted or None),
            styled_cell(sheet, veto_text(overall["veto"], lang) or None, font=VETO_FONT),
            *_grade_cells(sheet, row, grades),
        ]
    )
    for _, row in perspectives.iterrows():
        row["label"] = perspective_label(row["perspective"], lang)
        sheet.append(
            [
                *_score_cells(sheet, row, lang),
                styled_cell(sheet, row["weight_share"], fmt=SHARE_FORMAT),
            ]
        )
    sheet.append([])
    sheet.append(header_cells(sheet, kpi_labels))
    actual_formats = value_formats(kpis["actual"], kpis["unit"])
    target_formats = {
        column: value_formats(kpis[column], kpis["unit"])
        for column in ("target", "target_low", "target_high")
    }
    for i, row in enumerate(kpis.itertuples(index=False)):
        sheet.append(
            [
                styled_cell(sheet, perspective_label(row.perspective, lang)),
                styled_cell(sheet, row.kpi_id),
                styled_cell(sheet, row.kpi_name),
                styled_cell(sheet, row.actual, fmt=actual_formats[i]),
                *(
                    styled_cell(sheet, getattr(row, column), fmt=formats[i])
                    for column, formats in target_formats.items()
                ),
                styled_cell(sheet, row.unit),
                styled_cell(sheet, row.score, fmt=SCORE_FORMAT, fill=_tint(row.status)),
                _status_cell(sheet, row.status, lang),
                styled_cell(sheet, row.weight_share, fmt=SHARE_FORMAT),
                styled_cell(sheet, row.owner_department),
                *(_rule_cells(sheet, row) if ruled.any() else ()),
                *(() if notes is None else (styled_cell(sheet, notes[i] or None),)),
            ]
        )
    _section_tables(sheet, section_rows(history, period, department), lang)


def _rule_cells(sheet: WriteOnlyWorksheet, row: Any) -> list[object]:
    """A KPI row's rule, points and full points; empty cells for a KPI not scored by rule."""
    if row.method != "rule":
        return [styled_cell(sheet, None)] * 3
    return [
        styled_cell(sheet, row.rule),
        styled_cell(sheet, row.points, fmt=SCORE_FORMAT),
        styled_cell(sheet, row.full_points, fmt=SCORE_FORMAT),
    ]


def _section_tables(sheet: WriteOnlyWorksheet, rows: pd.DataFrame, lang: str) -> None:
    """Below the KPI table, each under its own heading: the veto KPIs (actual, target,
    floor, and which one vetoed the department) and the bonus and penalty items with
    their points (a penalty as a negative number), when the department has any."""
    gates = rows[(rows["section"] == GATE).to_numpy(bool)]
    items = rows[(rows["section"] != GATE).to_numpy(bool)]
    if not gates.empty:
        sheet.append([])
        sheet.append([styled_cell(sheet, t("section.veto", lang), font=BOLD)])
        keys = ("common.kpi_id", "common.kpi", "common.actual", "common.target")
        gate_keys = (*keys, "common.floor", "common.unit", "veto.result")
        sheet.append(header_cells(sheet, [t(k, lang) for k in gate_keys]))
        formats = {c: value_formats(gates[c], gates["unit"]) for c in ("actual", "target", "floor")}
        for i, row in enumerate(gates.itertuples(index=False)):
            sheet.append(
                [
                    styled_cell(sheet, row.kpi_id),
                    styled_cell(sheet, row.kpi_name),
                    *(styled_cell(sheet, getattr(row, c), fmt=f[i]) for c, f in formats.items()),
                    styled_cell(sheet, row.unit),
                    styled_cell(
                        sheet, t("veto.failed", lang) if row.failed else None, font=VETO_FONT
                    ),
                ]
            )
    if not items.empty:
        sheet.append([])
        sheet.append([styled_cell(sheet, t("section.items", lang), font=BOLD)])
        item_keys = ("section.kind", "common.kpi_id", "section.item", "common.actual")
        sheet.append(header_cells(sheet, [t(k, lang) for k in (*item_keys, "common.points")]))
        actual_formats = value_formats(items["actual"], items["unit"])
        signed = np.where(items["section"] == BONUS, 1.0, -1.0) * items["points"].to_numpy(float)
        for i, row in enumerate(items.itertuples(index=False)):
            sheet.append(
                [
                    styled_cell(sheet, t(f"section.{row.section}", lang)),
                    styled_cell(sheet, row.kpi_id),
                    styled_cell(sheet, row.kpi_name),
                    styled_cell(sheet, row.actual, fmt=actual_formats[i]),
                    styled_cell(sheet, signed[i], fmt=CHANGE_FORMAT),
                ]
            )


def report_xlsx(
    history: Scorecard,
    period: str,
    *,
    department: str | None = None,
    lang: str = DEFAULT_LANG,
    settings: Settings = DEFAULTS,
    actions: pd.DataFrame | None = None,
    notes: pd.DataFrame | None = None,
) -> bytes:
    """The leadership workbook for `period` as .xlsx bytes.

    `history` is an `insights.history` that holds `period` and the period before it (the
    changes); the app's `ui.data.history(grain)` does. One summary sheet (organisation,
    then every department with a score row in `period`), then one sheet per department,
    or only `department`'s sheet when one is given; with `actions` (`store.actions`), an
    Actions sheet last: the period's meeting actions and the previous meeting's with their
    outcome (`reports.actions.for_report`), the department's only for a department. With
    `notes` (`store.notes`), each department's KPI rows carry their note (原因分析；改进措施)
    in a last column.
    """
    history, department = printable_history(noted(history, notes), lang, settings, department)
    departments = department_summary(history, period, settings=settings)
    summary = t("report.summary_sheet", lang)
    book = Workbook(write_only=True)
    _summary_sheet(book.create_sheet(summary), history, period, departments, lang, settings)
    if department is not None:
        departments = departments[(departments["department"] == department).to_numpy(bool)]
    names = sheet_names(departments["department"], taken=[summary])
    for name, (_, overall) in zip(names, departments.iterrows(), strict=True):
        _department_sheet(book.create_sheet(name), history, period, overall, lang, settings)
    listed = (
        actions
        if actions is None
        else for_report(actions, history, period, settings=settings, department=department)
    )
    if listed is not None and len(listed):  # no sheet when there is nothing to list
        taken = [summary, *names]
        sheet = book.create_sheet(sheet_names([t("actions.sheet", lang)], taken=taken)[0])
        actions_sheet(sheet, listed, lang, settings)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def actions_sheet(
    sheet: WriteOnlyWorksheet,
    actions: pd.DataFrame,
    lang: str,
    settings: Settings,
    *,
    on: date | None = None,
) -> None:
    """Meeting actions as `reports.actions.action_table` words them, one row each, the
    outcome (where there is one) in its status tint (`core.actions.OUTCOME_STATUS`)."""
    table = action_table(actions, lang, script=settings.script, zone=settings.time_zone, on=on)
    set_widths(sheet, [12, 16, 22, 40, 12, 12, 10, 12, 12, 12, 24, 12][: len(table.columns)])
    sheet.append(header_cells(sheet, list(table.columns)))
    found = actions["outcome"] if "outcome" in actions else [None] * len(actions)
    for row, outcome in zip(table.itertuples(index=False), found, strict=True):
        cells = [styled_cell(sheet, value) for value in row[:-1]]
        tint = _tint(OUTCOME_STATUS[outcome]) if isinstance(outcome, str) else None
        sheet.append([*cells, styled_cell(sheet, row[-1], fill=tint)])


def actions_xlsx(
    actions: pd.DataFrame, lang: str, settings: Settings, *, on: date | None = None
) -> bytes:
    """The Actions page's list as a workbook of one sheet (`actions_sheet`)."""
    book = Workbook(write_only=True)
    actions_sheet(book.create_sheet(t("actions.sheet", lang)), actions, lang, settings, on=on)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""What the leadership reports (Excel and PDF) show for one period, as plain frames.

The numbers come from `insights` and the history's roll-ups unchanged, so a report says
what the Overview and Scorecard pages say. Labels are translated by the writers
(`xlsx_report`, `pdf_report`); only the early-warning sentences are made here, because
both reports print them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from kpi_engine.core import adjust, insights, periods
from kpi_engine.core.adjust import is_veto
from kpi_engine.core.grades import (
    COEFFICIENT,
    DISTRIBUTION_GRADE,
    GRADE,
    changed_by_quota,
    has_coefficients,
)
from kpi_engine.core.names import in_department_order, printable
from kpi_engine.core.notes import NOTE_COLUMNS, has_note, with_notes
from kpi_engine.core.rollup import perspective_weights
from kpi_engine.core.schema import BONUS, GATE, PENALTY, PERSPECTIVES, SECTIONS, owner_rows
from kpi_engine.core.scorecard import Scorecard, department_statuses, with_texts
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, DEPARTMENT, Settings
from kpi_engine.core.whatif import ranks
from kpi_engine.i18n import (
    change_text,
    coefficient_text,
    is_adjusted,
    number_text,
    percent_text,
    perspective_label,
    score_text,
    status_label,
    t,
    target_text,
    text_or_missing,
    warning_kind_label,
)
from kpi_engine.i18n.script import shown_name, shown_scorecard

# The KPI columns a department's sheet and table show, in order.
KPI_REPORT_COLUMNS: tuple[str, ...] = (
    "perspective",
    "kpi_id",
    "kpi_name",
    "actual",
    "target",
    "target_low",
    "target_high",
    "unit",
    "score",
    "status",
    "weight_share",
    "owner_department",
    "method",  # `rule`: scored by its own rule (SPEC §5.8), whose text, points and full
    "rule",  # points the workbook shows so a manager can check the arithmetic by hand
    "points",
    "full_points",
)


# The headers (catalog keys) of a rule-scored KPI's rule, points and full points, beside
# its score on the Scorecard and in the workbook (SPEC §5.8).
RULE_LABELS = ("scorecard.rule", "scorecard.points", "scorecard.full_points")

# A department's grade, its coefficient and its grade by the forced distribution (None
# when the distribution is off), as `core.grades.with_grades` adds them.
GRADE_COLUMNS: tuple[str, ...] = (GRADE, COEFFICIENT, DISTRIBUTION_GRADE)

# Their column headers' catalog keys.
GRADE_LABELS: dict[str, str] = {
    GRADE: "common.grade",
    COEFFICIENT: "common.coefficient",
    DISTRIBUTION_GRADE: "grades.distribution_grade",
}


def grade_columns(settings: Settings) -> tuple[str, ...]:
    """The grade columns a table shows under `settings`: the grade; its coefficient when
    any grade has one; the grade by the forced distribution when that is on (beside the
    grade by score, never in its place)."""
    return (
        GRADE,
        *((COEFFICIENT,) if has_coefficients(settings) else ()),
        *((DISTRIBUTION_GRADE,) if settings.forced_distribution else ()),
    )


def quota_sentence(departments: pd.DataFrame, period: str, lang: str) -> str:
    """One sentence naming the departments of `period` whose grade the forced
    distribution changes, each with both grades (`Scorecard.departments`)."""
    changed = changed_by_quota(departments, period).sort_values("score", ascending=False)
    if changed.empty:
        return t("grades.quota_no_change", lang)
    each = [
        t("grades.quota_change_item", lang, department=d, grade=g, distribution=text_or_missing(q))
        for d, g, q in zip(
            changed["department"], changed[GRADE], changed[DISTRIBUTION_GRADE], strict=True
        )
    ]
    return t("grades.quota_changes", lang, changes=t("common.list_sep", lang).join(each))


def _at(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    return frame[(frame["period"] == period).to_numpy(bool)]


def printable_history(
    history: Scorecard, lang: str, settings: Settings, department: str | None = None
) -> tuple[Scorecard, str | None]:
    """What every report writer prints (workbook, PDF, deck): the history with every text
    made printable (`names.printable`, so a name stored before ingest refused control
    characters cannot abort a PDF or make a workbook Excel cannot open) and its names in
    the report's script (`i18n.script`, as the pages show them); `department` as the
    returned history names it."""
    shown = shown_scorecard(with_texts(history, printable), lang, settings.script)
    if department is not None:
        department = shown_name(department, lang, settings.script)
    return shown, department


def scoped(history: Scorecard, department: str | None) -> Scorecard:
    """The history seen from one department: its rows only, with its own overall scores
    in place of the organisation's, so `insights.overview` and `insights.warnings`
    describe that department. The whole history when `department` is None.
    """
    if department is None:
        return history

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["department"] == department).to_numpy(bool)]

    own = mine(history.departments)
    return Scorecard(
        kpis=mine(history.kpis),
        perspectives=mine(history.perspectives),
        departments=own,
        organization=own.drop(columns=["department", "weighting"]).reset_index(drop=True),
        collaboration=mine(history.collaboration),
        organization_perspectives=mine(history.perspectives)
        .drop(columns="department")
        .reset_index(drop=True),
    )


def _with_change(now: pd.DataFrame, before: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`now` with `change`: its score minus `before`'s score on the same keys (NaN when
    either is missing)."""
    earlier = before[[*keys, "score"]].drop_duplicates(keys).rename(columns={"score": "_before"})
    merged = now.merge(earlier, on=keys, how="left")
    return merged.assign(change=merged["score"] - merged["_before"]).drop(columns="_before")


def department_summary(
    history: Scorecard, period: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """One row per department with a score row in `period`, in the data's order:
    department, score, status (red when vetoed), coverage, change (against
    `periods.previous_period`), then one column per perspective (its score), the weighting
    rule, the adjustments (`ADJUSTMENT_COLUMNS`: the weighted score before them, the
    bonus and penalty points, the veto or None; SPEC §5.6, §5.7), and the grade, its
    coefficient and the grade by the forced distribution (`GRADE_COLUMNS`, SPEC §5.9)."""
    previous = periods.previous_period(period)
    rows = _with_change(
        _at(history.departments, period), _at(history.departments, previous), ["department"]
    )
    rows = rows.assign(status=department_statuses(rows, settings=settings))
    wide = (
        _at(history.perspectives, period)
        .pivot_table(index="department", columns="perspective", values="score", dropna=False)
        .reindex(columns=list(PERSPECTIVES))
    )
    wide.columns = list(PERSPECTIVES)
    rows = rows.merge(wide, left_on="department", right_index=True, how="left")
    columns = ["department", "score", "status", "coverage", "change", *PERSPECTIVES, "weighting"]
    return rows.loc[:, [*columns, *ADJUSTMENT_COLUMNS, *GRADE_COLUMNS]].reset_index(drop=True)


# What a department's score was before bonus, penalty and veto, and what changed it.
ADJUSTMENT_COLUMNS: tuple[str, ...] = ("score_before", "bonus", "penalty", "veto")


def adjusted_rows(departments: pd.DataFrame) -> np.ndarray:
    """Per row of a department table (`score_before`, `bonus`, `penalty`, `veto`), whether
    its score is not its weighted score (`i18n.is_adjusted`)."""
    return np.fromiter(
        map(is_adjusted, departments["bonus"], departments["penalty"], departments["veto"]),
        dtype=bool,
        count=len(departments),
    )


def adjusted_departments(
    history: Scorecard, period: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """The departments of `department_summary` whose score is not their weighted score
    (bonus or penalty points, or a veto; `i18n.is_adjusted`), vetoed ones first:
    department, score_before, bonus, penalty, score, status, veto. What the Overview and
    both reports list beside the ranking."""
    rows = department_summary(history, period, settings=settings)
    rows = rows[adjusted_rows(rows)]
    rows = rows.assign(_vetoed=[not is_veto(v) for v in rows["veto"]])
    rows = rows.sort_values("_vetoed", kind="stable")
    columns = ["department", "score_before", "bonus", "penalty", "score", "status", "veto"]
    return rows.loc[:, columns].reset_index(drop=True)


def department_ranking(
    history: Scorecard, period: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """Every department of `period`, best first: rank (ties share the better rank, no
    score no rank, as on the What-if page), department, score, status, change, the
    weighting rule that scored it, its grades (`GRADE_COLUMNS`) and its coverage."""
    rows = department_summary(history, period, settings=settings)
    rows = rows.assign(rank=ranks(rows.assign(period=period)))
    rows = rows.sort_values(["rank", "department"], na_position="last", kind="stable")
    columns = ["rank", "department", "score", "status", "change", "weighting", *GRADE_COLUMNS]
    columns.append("coverage")
    return rows.loc[:, columns].reset_index(drop=True)


# The ranked table's columns (`ranking_table`) and their headers' catalog keys.
RANKING_LABELS: dict[str, str] = {
    "rank": "pdf.rank",
    "department": "common.department",
    "score": "common.score",
    **GRADE_LABELS,
    "status": "common.status",
    "change": "scorecard.change",
    "coverage": "common.coverage",
}


def ranking_table(
    history: Scorecard, period: str, lang: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """The ranked department table the Overview, the PDF and the deck all show: rank,
    department, score and change (one decimal), the grades (`grade_columns`: the
    coefficient and the grade by the forced distribution only where they apply), the
    status word and the coverage as a percent. Columns are the keys of `RANKING_LABELS`
    (`ranking_headers` translates them); listed as every list is (`in_department_order`):
    the settings' order first, else best first."""
    rows = department_ranking(history, period, settings=settings)
    listed = in_department_order(  # the settings' order first, else best first
        rows["department"],
        dict(zip(rows["department"].astype(str), rows["score"].astype(float), strict=True)),
        order=settings.department_order,
    )
    rows = rows.set_index(rows["department"].astype(str), drop=False).loc[listed]
    table = pd.DataFrame(
        {
            "rank": rows["rank"].astype(object).to_numpy(),
            "department": rows["department"].astype(object).to_numpy(),
            "score": rows["score"].astype(float).round(1).to_numpy(),
        }
    )
    for column in grade_columns(settings):
        shown = coefficient_text if column == COEFFICIENT else text_or_missing
        table[column] = [shown(v) for v in rows[column]]
    table["status"] = [status_label(v, lang) for v in rows["status"]]
    table["change"] = rows["change"].astype(float).round(1).to_numpy() + 0.0  # no -0.0
    table["coverage"] = [percent_text(v) for v in rows["coverage"]]
    return table


def ranking_headers(columns: Iterable[str], lang: str) -> list[str]:
    """The headers of `ranking_table`'s `columns` in `lang`."""
    return [t(RANKING_LABELS[c], lang) for c in columns]


def _department_wide(history: Scorecard, period: str, department: str) -> bool:
    """Whether `department` was scored department-wide in `period` (SPEC §5.3)."""
    own = _at(history.departments, period)
    rule = own.loc[(own["department"] == department).to_numpy(bool), "weighting"]
    return bool((rule == DEPARTMENT).any())


def perspective_summary(
    history: Scorecard, period: str, department: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """A department's four perspectives in scorecard order: perspective, score, status,
    coverage, change, and the perspective's share of the perspective weights: the
    settings', or for a department scored department-wide, the sums of its KPI weights
    in each perspective (SPEC §5.3)."""
    previous = periods.previous_period(period)
    mine = scoped(history, department).perspectives
    rows = pd.DataFrame({"perspective": list(PERSPECTIVES)}, dtype=object)
    now = _at(mine, period)[["perspective", "score", "coverage"]]
    rows = _with_change(
        rows.merge(now, on="perspective", how="left"), _at(mine, previous), ["perspective"]
    )
    if _department_wide(history, period, department):
        kpis = _at(scoped(history, department).kpis, period)
        sums = pd.to_numeric(kpis["weight"], errors="coerce").groupby(kpis["perspective"]).sum()
        weights = sums.reindex(list(PERSPECTIVES), fill_value=0.0).to_numpy(dtype=float)
    else:
        weights = perspective_weights(PERSPECTIVES, settings)
    total = weights.sum()
    return rows.assign(
        status=statuses(rows["score"], settings=settings),
        weight_share=weights / total if total > 0 else np.nan,
    ).loc[:, ["perspective", "score", "status", "coverage", "change", "weight_share"]]


def of_perspective(rows: pd.DataFrame) -> np.ndarray:
    """Which rows are KPIs of a perspective: not a veto gate nor a bonus or penalty item
    (a `section`, SPEC §5.6, §5.7), which have sections of their own on pages and reports."""
    own = rows["perspective"].notna().to_numpy(bool)
    if "section" not in rows.columns:
        return own
    return own & ~rows["section"].isin(SECTIONS).to_numpy(bool)


def kpi_rows(history: Scorecard, period: str, department: str) -> pd.DataFrame:
    """A department's KPI rows in `period` (shared KPIs it counts included), grouped by
    perspective in scorecard order: `KPI_REPORT_COLUMNS`, where `weight_share` is the
    KPI's weight over the weights of its perspective (what the roll-up renormalises), or
    of the whole department for one scored department-wide (SPEC §5.3)."""
    rows = _at(scoped(history, department).kpis, period)
    rows = rows[of_perspective(rows)]  # veto gates and items: `section_rows`
    if _department_wide(history, period, department):
        totals = pd.Series(rows["weight"].astype(float).sum(), index=rows.index)
    else:
        totals = rows.groupby("perspective", observed=True)["weight"].transform("sum")
    share = rows["weight"].astype(float) / totals.where(totals > 0)
    order = rows["perspective"].map({p: i for i, p in enumerate(PERSPECTIVES)})
    rows = rows.assign(weight_share=share, _order=order)
    rows = rows.sort_values(["_order", "kpi_id", "kpi_name"], kind="stable", na_position="last")
    notes = [c for c in NOTE_COLUMNS if c in rows.columns]  # a history `noted` carries them
    return rows.loc[:, [*KPI_REPORT_COLUMNS, *notes]].reset_index(drop=True)


def noted(history: Scorecard, notes: pd.DataFrame | None) -> Scorecard:
    """`history` with each KPI row's note (`core.notes.with_notes`: cause, measure, author,
    time) when the writer was given the stored notes; unchanged without."""
    if notes is None:
        return history
    return replace(history, kpis=with_notes(history.kpis, notes))


def note_cell(cause: object, measure: object, lang: str) -> str:
    """A KPI's note in one cell: `原因：…；措施：…`, either part alone, or "" without a note.
    Line breaks become spaces (a cell is one line in the PDF)."""
    parts = [  # a part's own closing stop would stand beside the separator: "。；"
        t(key, lang, text=" ".join(str(text).split()).rstrip("。.；;，,"))
        for key, text in (("notes.cell_cause", cause), ("notes.cell_measure", measure))
        if isinstance(text, str) and text.strip()
    ]
    return t("notes.cell_sep", lang).join(parts)


def note_cells(rows: pd.DataFrame, lang: str) -> list[str] | None:
    """Each row's `note_cell`, or None when no row has a note (no column is added)."""
    if not set(NOTE_COLUMNS) <= set(rows.columns) or not has_note(rows).any():
        return None
    return [note_cell(c, m, lang) for c, m in zip(rows["cause"], rows["measure"], strict=True)]


def note_rows(history: Scorecard, period: str, department: str | None) -> pd.DataFrame:
    """The KPIs of `period` with a note, owners' rows (a shared KPI's note is its owner's),
    `department`'s only when given, in scorecard order: department, kpi_name, status,
    cause, measure, note_author. Empty without notes."""
    rows = owner_rows(_at(history.kpis, period))
    if department is not None:
        rows = rows[(rows["department"] == department).to_numpy(bool)]
    if not set(NOTE_COLUMNS) <= set(rows.columns):
        return pd.DataFrame(columns=["department", "kpi_name", "status", *NOTE_COLUMNS])
    rows = rows[has_note(rows).to_numpy(bool)]
    order = rows["perspective"].map({p: i for i, p in enumerate(PERSPECTIVES)})
    rows = rows.assign(_order=order).sort_values(["department", "_order"], kind="stable")
    columns = ["department", "kpi_name", "status", *NOTE_COLUMNS, "note_author"]
    return rows.loc[:, columns].reset_index(drop=True)


def department_shares(
    history: Scorecard, period: str, department: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """`kpi_rows` with `department_share`: each KPI's share of the department's score, its
    share within its perspective times the perspective's share (`perspective_summary`), or
    for a department scored department-wide its weight over the department's (SPEC §5.3).
    What "the department's most weighted KPI" means."""
    rows = kpi_rows(history, period, department)
    if _department_wide(history, period, department):
        return rows.assign(department_share=rows["weight_share"])
    perspectives = perspective_summary(history, period, department, settings=settings)
    of = rows["perspective"].map(
        dict(zip(perspectives["perspective"], perspectives["weight_share"], strict=True))
    )
    return rows.assign(department_share=rows["weight_share"] * of.astype(float))


# A department's KPI table in the reports (`kpi_table`): its headers' catalog keys.
KPI_TABLE_LABELS = (
    "common.perspective",
    "common.kpi",
    "common.actual",
    "common.target",
    "common.unit",
    "common.score",
    "common.status",
    "scorecard.change",
)


def kpi_table(
    history: Scorecard, period: str, department: str, lang: str, *, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """A department's KPIs of `period` as its PDF page and deck slide print them, grouped
    by perspective in scorecard order: perspective, KPI, actual, target (a range as
    `low – high`), unit, score, status word, change against the previous period, and the
    KPI's note where a `noted` history has any; every cell text (`KPI_TABLE_LABELS`
    translated are the headers)."""
    changes = insights.kpi_changes(history, period)
    rows = changes[(changes["department"] == department).to_numpy(bool) & of_perspective(changes)]
    order = rows["perspective"].map({p: i for i, p in enumerate(PERSPECTIVES)})
    rows = rows.assign(_order=order).sort_values(
        ["_order", "kpi_id", "kpi_name"], kind="stable", na_position="last"
    )
    units = rows["unit"]
    cells = {
        "common.perspective": [perspective_label(p, lang) for p in rows["perspective"]],
        "common.kpi": [text_or_missing(n) for n in rows["kpi_name"]],
        "common.actual": [number_text(v, u) for v, u in zip(rows["actual"], units, strict=True)],
        "common.target": [
            target_text(d, v, lo, hi, u)
            for d, v, lo, hi, u in zip(
                rows["direction"],
                rows["target"],
                rows["target_low"],
                rows["target_high"],
                units,
                strict=True,
            )
        ],
        "common.unit": [text_or_missing(u) for u in units],
        "common.score": [score_text(v) for v in rows["score"]],
        "common.status": [status_label(v, lang) for v in rows["status"]],
        "scorecard.change": [change_text(v) for v in rows["change"]],
    }
    table = pd.DataFrame({t(k, lang): cells[k] for k in KPI_TABLE_LABELS})
    notes = note_cells(rows, lang)  # a `noted` history's notes, where a KPI has one
    return table if notes is None else table.assign(**{t("notes.column", lang): notes})


# The columns of a department's veto KPIs and bonus and penalty items (`section_rows`).
SECTION_COLUMNS: tuple[str, ...] = (
    "section",
    "kpi_id",
    "kpi_name",
    "actual",
    "target",
    "floor",
    "unit",
    "points",
    "failed",
)


def section_rows(history: Scorecard, period: str, department: str) -> pd.DataFrame:
    """A department's own rows in `period` that are not only KPIs of a perspective: its
    veto KPIs (`section` GATE, whether a gate only or also a KPI of a perspective, SPEC
    §5.6) first, then its bonus and penalty items (§5.7) with the points counted.
    `SECTION_COLUMNS`; `failed` is True for each veto KPI that fails (`adjust.failing`)."""
    rows = owner_rows(_at(scoped(history, department).kpis, period))
    veto_kpi = rows["veto"].eq(True).to_numpy(bool)
    section = np.where(veto_kpi, GATE, rows["section"].astype(object).to_numpy())
    rows = rows.assign(section=section, failed=adjust.failing(rows))
    rows = rows[np.isin(section, (GATE, BONUS, PENALTY))]
    rows = rows.assign(_order=rows["section"].map({GATE: 0, BONUS: 1, PENALTY: 2}))
    rows = rows.sort_values(["_order", "kpi_id", "kpi_name"], kind="stable", na_position="last")
    return rows.loc[:, list(SECTION_COLUMNS)].reset_index(drop=True)


def warning_sentences(found: pd.DataFrame, period: str, lang: str) -> list[tuple[str, str]]:
    """Early warnings (`insights.warnings`) in the user's language: (kind label,
    sentence) per row, as the Overview page words them."""
    threshold = f"{insights.MIN_COVERAGE:.0%}"
    out = []
    for row in found.itertuples(index=False):  # a handful of warnings
        if row.kind == "red_streak":
            text = t(
                "warning.red_streak_detail",
                lang,
                kpi=row.kpi_name,
                department=row.department,
                n=int(row.periods),
            )
        elif row.kind == "low_coverage":
            text = t(
                "warning.low_coverage_detail",
                lang,
                department=row.department,
                coverage=f"{row.coverage:.0%}",
                threshold=threshold,
            )
        else:
            text = t("warning.no_upload_detail", lang, department=row.department, period=period)
        out.append((warning_kind_label(row.kind, lang), text))
    return out

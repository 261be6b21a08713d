"""Engine frames as the tables and figures a page shows: translated, rounded, badged.

Only presentation lives here (labels, rounding, column order); every number comes from
the engine (`kpi_engine.scorecard`, `kpi_engine.insights`) unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit import dataframe_util
from streamlit.elements import arrow
from streamlit.proto.ArrowData_pb2 import ArrowData

from kpi_engine import DEFAULTS, PERSPECTIVES, Scorecard, Settings
from kpi_engine.charts import sparklines
from kpi_engine.charts.palette import BAND_TINTS, MISSING_COLOR
from kpi_engine.core import adjust, insights
from kpi_engine.core.adjust import is_veto
from kpi_engine.core.names import (
    department_key,
    department_keys,
    in_department_order,
    kpi_labels,
    kpi_text_keys,
)
from kpi_engine.core.notes import unexplained, with_notes
from kpi_engine.core.periods import in_order
from kpi_engine.core.schema import (
    ANONYMOUS,
    BONUS,
    GATE,
    PUBLISHED,
    SAMPLE_UPLOADER,
    owner_mask,
    owner_rows,
)
from kpi_engine.core.settings import DEFAULT_TIME_ZONE
from kpi_engine.i18n import (
    LANGUAGES,
    MISSING,
    adjustment_text,
    catalog,
    change_text,
    grade_text,
    is_adjusted,
    is_missing,
    number_text,
    percent_text,
    period_label,
    perspective_label,
    points_change_text,
    score_text,
    status_label,
    t,
    target_text,
    text_or_missing,
    unit_text,
    veto_text,
)
from kpi_engine.reports.tables import (
    ADJUSTMENT_COLUMNS,
    RULE_LABELS,
    adjusted_rows,
    department_shares,
    note_cell,
    of_perspective,
    perspective_summary,
    ranking_headers,
    ranking_table,
    section_rows,
    warning_sentences,
)
from kpi_engine.reports.tables import kpi_rows as report_kpi_rows
from ui import runs
from ui.text import md

# Streamlit's markdown colours (named, not hex) for a status dot in metric labels; cell
# backgrounds in the status tints every chart and report uses (`charts.palette`).
STATUS_MARKDOWN = {"green": "green", "amber": "orange", "red": "red", "missing": "gray"}
STATUS_BACKGROUND = {**BAND_TINTS, "missing": MISSING_COLOR}


def delta_text(value: object) -> str | None:
    """A metric's delta: None (no arrow) when there is no change to show."""
    return None if is_missing(value) else change_text(value)


def _status_key(status: object) -> str:
    return "missing" if is_missing(status) else str(status)


def status_badge(status: object, lang: str) -> str:
    """A status for a metric label: a coloured dot (markdown) and the word."""
    key = _status_key(status)
    return f":{STATUS_MARKDOWN.get(key, 'gray')}[●] {status_label(key, lang)}"


def styled(frame: pd.DataFrame, lang: str, *, uuid: str | None = None) -> Styler:
    """A KPI table whose status column is tinted green, amber or red; scores with one
    decimal and a missing score as '—' (a Styler's formats are what st.dataframe shows).
    With a `uuid`, `settled`: worked out once, for a table every session draws."""
    column = t("common.status", lang)
    background = {status_label(k, lang): c for k, c in STATUS_BACKGROUND.items()}
    formats: dict[str, str | Callable[[object], str] | None] = {
        t("common.score", lang): "{:.1f}",
        t("scorecard.change", lang): "{:+.1f}",
    }
    for key in ("scorecard.points", "scorecard.full_points"):  # a rule's (`_with_rules`)
        if t(key, lang) in frame.columns:
            formats[t(key, lang)] = number_text  # 10, 9.5: as written by hand
    made = Styler(frame, uuid=uuid)
    made = made.map(lambda v: f"background-color: {background.get(v, '')}", subset=[column])
    made = made.format(formats, na_rep=MISSING)
    return made if uuid is None else settled(made)


def settled(styler: Styler) -> Styler:
    """`styler` drawn by every session: what Streamlit sends of it (its styles and display
    text, its rows in Arrow) is made here once, by Streamlit's own functions, and copied
    into each draw (`_marshall`, `_to_arrow`), so no draw works a shared Styler out again
    in another thread. Marshalling it on every draw was a quarter of a Scorecard run.
    Still a `Styler` (Streamlit checks the exact type)."""
    made = ArrowData()
    _MARSHALL(made, styler, "")  # a settled Styler has its uuid: no default is used
    runs.keep(_MARSHALLED, styler, made.styler)
    runs.keep(_ROWS_SENT, styler.data, _TO_ARROW(styler.data))  # type: ignore[attr-defined]
    return styler


# What Streamlit sends of each settled Styler while it lives (`settled`): its styles and
# display text, and its rows in Arrow, by the id of the Styler and of its rows; and
# Streamlit's own functions, which st.dataframe now reaches through `_marshall` and
# `_to_arrow`.
_MARSHALLED: runs.Kept = {}
_ROWS_SENT: runs.Kept = {}
_MARSHALL = getattr(arrow.marshall_styler, "__wrapped__", arrow.marshall_styler)  # reloaded
_TO_ARROW = getattr(
    dataframe_util.convert_pandas_df_to_arrow_bytes,
    "__wrapped__",
    dataframe_util.convert_pandas_df_to_arrow_bytes,
)


def _marshall(proto: ArrowData, styler: Styler, default_uuid: str) -> None:
    """`st.dataframe`'s marshalling of a Styler: a settled one's, made once, copied."""
    found = runs.kept(_MARSHALLED, styler)
    if found is not None:
        proto.styler.CopyFrom(found)
    else:
        _MARSHALL(proto, styler, default_uuid)


def _to_arrow(df: pd.DataFrame, *, downcast_large_types: bool = False) -> bytes:
    """Streamlit's rows in Arrow: a settled Styler's, made once."""
    found = None if downcast_large_types else runs.kept(_ROWS_SENT, df)
    return found if found is not None else _TO_ARROW(df, downcast_large_types=downcast_large_types)


_marshall.__wrapped__ = _MARSHALL  # type: ignore[attr-defined]
_to_arrow.__wrapped__ = _TO_ARROW  # type: ignore[attr-defined]
arrow.marshall_styler = _marshall
dataframe_util.convert_pandas_df_to_arrow_bytes = _to_arrow


def styled_panels(
    history: Scorecard, department: str, period: str, lang: str, settings: Settings, **options: Any
) -> dict[str, Styler]:
    """The Scorecard's KPI table of each perspective that has KPIs (`of_one_perspective`
    of `kpi_rows` with its `options`), styled once for every session (`settled`,
    `ui.derived.shared_of_card`)."""
    kpis = kpi_rows(history, department, period, lang, settings, **options)
    found = {}
    for perspective in PERSPECTIVES:
        rows = of_one_perspective(kpis, perspective, lang, settings)
        if not rows.empty:
            named = repr((department, period, lang, perspective)).encode()
            uuid = hashlib.blake2b(named, digest_size=6).hexdigest()
            found[perspective] = styled(rows, lang, uuid=uuid)
    return found


def styled_ranking(
    history: Scorecard, period: str, lang: str, settings: Settings, names: Sequence[str]
) -> Styler:
    """`ranking` styled once for every session (`settled`, `ui.derived.shared_of_card`)."""
    named = repr(("ranking", period, lang, tuple(names))).encode()
    uuid = hashlib.blake2b(named, digest_size=6).hexdigest()
    return styled(ranking(history, period, lang, settings, names), lang, uuid=uuid)


def only(frame: pd.DataFrame, departments: Sequence[str]) -> pd.DataFrame:
    """Rows of the chosen departments (all when none is chosen), matched by identity
    (`department_key`): the filter holds stored names, the frames show them in the
    user's script (`ui.data.history`)."""
    if not departments or "department" not in frame.columns:
        return frame
    chosen = {department_key(d) for d in departments}
    return frame[department_keys(frame["department"]).isin(chosen).to_numpy(bool)]


def picked(event: object, name: str) -> dict[str, object] | None:
    """The first point of a named Altair selection in `st.altair_chart`'s event."""
    selection = getattr(event, "selection", None) or {}
    points = selection.get(name) if isinstance(selection, Mapping) else None
    return dict(points[0]) if points else None


@dataclass(frozen=True)
class DepartmentCard:
    score: float | None
    change: float | None
    coverage: float | None
    collaboration: float | None
    has_shared: bool
    perspectives: pd.DataFrame  # department, period, perspective, score, coverage
    weighting: str | None  # `perspective` or `department` (SPEC §5.3); None: no score row
    adjustment: str  # the weighted score and the points (SPEC §5.7); "" when unchanged
    veto: str  # why the score is the veto score (SPEC §5.6); "" when not vetoed
    grade: str | None = None  # SPEC §5.9
    coefficient: float | None = None
    distribution_grade: str | None = None  # by the forced distribution, when it is on


def _cell(frame: pd.DataFrame, column: str) -> float | None:
    return (
        None if frame.empty or is_missing(frame[column].iloc[0]) else float(frame[column].iloc[0])
    )


def for_department(
    history: Scorecard, department: str, period: str, lang: str = "zh-Hans"
) -> DepartmentCard:
    """The numbers at the top of a department's scorecard, read from the engine's tables."""

    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["department"] == department) & (frame["period"] == period)]

    overall = pick(history.departments)
    trend = insights.trend(history, level="department", keys=[department])
    now = trend[trend["period"] == period]
    collaboration = pick(history.collaboration)
    row = overall.iloc[0] if len(overall) else pd.Series(dict.fromkeys(ADJUSTMENT_COLUMNS))
    adjusted = is_adjusted(row["bonus"], row["penalty"], row["veto"])
    return DepartmentCard(
        score=_cell(overall, "score"),
        change=_cell(now, "mom_change"),
        coverage=_cell(overall, "coverage"),
        collaboration=_cell(collaboration, "score"),
        has_shared=not collaboration.empty,
        perspectives=pick(history.perspectives),
        weighting=None if overall.empty else str(overall["weighting"].iloc[0]),
        adjustment=adjustment_text(row["score_before"], row["bonus"], row["penalty"], lang)
        if adjusted
        else "",
        veto=veto_text(row["veto"], lang),
        grade=_text(overall, "grade"),
        coefficient=_cell(overall, "coefficient"),
        distribution_grade=_text(overall, "distribution_grade"),
    )


def _text(frame: pd.DataFrame, column: str) -> str | None:
    if frame.empty or column not in frame.columns or is_missing(frame[column].iloc[0]):
        return None
    return str(frame[column].iloc[0])


def grade_value(grade: object, coefficient: object, distribution: object, lang: str) -> str:
    """A grade metric's value: the grade with its coefficient, and the grade by the forced
    distribution beside it where that differs (never in its place)."""
    shown = grade_text(grade, coefficient)
    if is_missing(distribution) or distribution == grade:
        return shown
    return t("grades.with_distribution", lang, grade=shown, distribution=distribution)


def ranking(
    history: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    departments: Sequence[str] = (),
) -> pd.DataFrame:
    """The departments of `period` best first (the chosen ones, ranked among all): the
    ranked table the PDF and the deck print (`reports.tables.ranking_table`)."""
    rows = only(ranking_table(history, period, lang, settings=settings), departments)
    return rows.set_axis(ranking_headers(rows.columns, lang), axis="columns")


def no_rows_text(history: Scorecard, department: str, period: str | None, lang: str) -> str:
    """Why a department's scorecard is empty for `period`, and which periods it has."""
    periods = in_order(
        history.departments.loc[history.departments["department"] == department, "period"]
        .dropna()
        .astype(str)
    )
    ends = (
        [period_label(p, lang) for p in dict.fromkeys((periods[0], periods[-1]))] if periods else []
    )
    covered = " – ".join(ends) if ends else MISSING
    shown = period_label(period, lang)
    return md("scorecard.no_rows", lang, department=department, period=shown, periods=covered)


# Each KPI's direction as an arrow: its own narrow column, read with the column's help.
DIRECTION_ARROWS = {"higher": "↑", "lower": "↓", "range": "↔"}
# The anchors a KPI's method draws its line through (SPEC §3), beside its target: the
# floor for the floor line and the target range, threshold and stretch for three values.
ANCHOR_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "floor": ("floor",),
    "range": ("floor",),
    "three_value": ("threshold", "stretch"),
}
ANCHOR_ORDER = ("floor", "threshold", "stretch")


def anchor_label(anchor: str, settings: Settings, lang: str) -> str:
    """An anchor column's header with the score the line gives there (SPEC §3: 0 at the
    floor, the threshold score at the threshold, the cap at the stretch value), so a
    three-value KPI's score can be worked out by hand from the row."""
    scores = {"floor": 0.0, "threshold": settings.base_score, "stretch": settings.cap}
    return t(f"scorecard.anchor_{anchor}", lang, score=f"{scores[anchor]:g}")


def kpi_rows(
    history: Scorecard,
    department: str,
    period: str,
    lang: str,
    settings: Settings,
    *,
    notes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One department's KPIs for the period, each with what a manager needs to check its
    score by hand: direction, unit, actual and target in the unit, the anchors its method
    scored it through (`ANCHOR_COLUMNS`), its weight as the reports give it
    (`reports.tables.kpi_rows`' share), score, status, a 12-period trend line coloured by
    the latest status (`charts.sparklines`), the change, its owner and partners; with
    `notes` (`store.notes`), its note beside it (`ui.notes.note_column`)."""
    changes = insights.kpi_changes(history, period)
    rows = changes[(changes["department"] == department).to_numpy(bool) & of_perspective(changes)]
    recent = insights.kpi_history(history, period, last=12)
    recent = recent[recent["department"] == department]
    key = ["owner_department", "_kpi"]  # a shared copy's trail is its owner's KPI's
    trail = (
        recent.assign(_kpi=kpi_labels(recent))
        .groupby(key, sort=False)["score"]
        .agg(lambda s: [round(float(v), 1) for v in s if not is_missing(v)])
        .rename("trend")
        .reset_index()
    )
    rows = rows.assign(_kpi=kpi_labels(rows)).merge(trail, on=key, how="left")
    shares = report_kpi_rows(history, period, department)
    shares = shares.assign(_kpi=kpi_labels(shares)).drop_duplicates(key)[[*key, "weight_share"]]
    rows = rows.merge(shares, on=key, how="left")
    marker = t("scorecard.shared_marker", lang)
    # Comprehensions over the records, not `DataFrame.apply(axis=1)`: on a department with
    # no KPI in the period, apply returns an empty DataFrame instead of a Series.
    records = rows.to_dict("records")
    partners = [_partners(r, department) for r in records]
    methods = rows["method"].astype(object).to_numpy() if "method" in rows else [None] * len(rows)
    anchors = {
        anchor: [
            unit_text(r.get(anchor), r["unit"])
            if anchor in ANCHOR_COLUMNS.get(str(m), ()) and not is_missing(r.get(anchor))
            else ""
            for r, m in zip(records, methods, strict=True)
        ]
        for anchor in ANCHOR_ORDER
    }
    table = pd.DataFrame(
        {
            "_perspective": rows["perspective"].to_numpy(),
            t("common.kpi", lang): [
                f"{n}{marker}" if p else n for n, p in zip(rows["kpi_name"], partners, strict=True)
            ],
            t("scorecard.direction", lang): [
                DIRECTION_ARROWS.get(str(d), MISSING) for d in rows["direction"]
            ],
            t("common.unit", lang): [text_or_missing(r["unit"]) for r in records],
            t("common.actual", lang): [unit_text(r["actual"], r["unit"]) for r in records],
            t("common.target", lang): [_target_text(r) for r in records],
            **{anchor_label(a, settings, lang): v for a, v in anchors.items()},
            t("common.weight", lang): [percent_text(v) for v in rows["weight_share"]],
            t("common.score", lang): rows["score"].astype(float).round(1).to_numpy(),
            t("common.status", lang): [status_label(_status_key(v), lang) for v in rows["status"]],
            t("scorecard.trend", lang): [
                sparklines.data_url(trend if isinstance(trend, list) else [], status, settings)
                for trend, status in zip(rows["trend"], rows["status"], strict=True)
            ],
            t("scorecard.change", lang): rows["change"].astype(float).round(1).to_numpy(),
            t("common.owner", lang): [text_or_missing(r.get("owner")) for r in records],
            t("scorecard.shared_with", lang): partners,
        }
    )
    if notes is not None:  # beside the status it explains
        at = list(table.columns).index(t("common.status", lang)) + 1
        table.insert(at, t("notes.column", lang), note_column(rows, notes, lang, settings))
    return _with_rules(table, rows, lang)


def note_column(
    rows: pd.DataFrame, notes: pd.DataFrame, lang: str, settings: Settings
) -> list[str]:
    """Each KPI row's note in one cell (`reports.tables.note_cell`); a red KPI without one
    says a note is needed when the settings require one (`core.notes.unexplained`'s rule)."""
    noted = with_notes(rows, notes)
    needed = pd.Series(False, index=rows.index)
    if settings.notes_required and len(rows):
        missing = unexplained(rows, notes, settings)
        keys = set(zip(missing["period"], missing["kpi_key"], strict=True))
        owned = pd.Series(owner_mask(rows), index=rows.index)
        needed = owned & pd.Series(
            [(p, k) in keys for p, k in zip(rows["period"], kpi_text_keys(rows), strict=True)],
            index=rows.index,
        )
    marker = t("notes.needed", lang)
    return [
        marker if need else note_cell(c, m, lang)
        for c, m, need in zip(noted["cause"], noted["measure"], needed, strict=True)
    ]


def _with_rules(table: pd.DataFrame, rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """For a department with KPIs scored by their own rule (SPEC §5.8), each one's rule
    text, points and full points, so the arithmetic can be checked by hand (other KPIs:
    empty). No such columns where no KPI of the period has a rule."""
    ruled = (rows["method"] == "rule").to_numpy(dtype=bool) if "method" in rows else None
    if ruled is None or not ruled.any():
        return table
    return table.assign(
        **{
            t("scorecard.rule", lang): np.where(ruled, rows["rule"].to_numpy(dtype=object), ""),
            t("scorecard.points", lang): np.where(ruled, rows["points"].astype(float), np.nan),
            t("scorecard.full_points", lang): np.where(
                ruled, rows["full_points"].astype(float), np.nan
            ),
        }
    )


def of_one_perspective(
    kpis: pd.DataFrame, perspective: str, lang: str, settings: Settings
) -> pd.DataFrame:
    """The rows of `kpi_rows` in one perspective's panel; the rule columns, each anchor
    column and the note column only where one of its KPIs has them (a panel without stays
    narrow)."""
    rows = kpis[kpis["_perspective"] == perspective].drop(columns="_perspective")
    rule = t("scorecard.rule", lang)
    if rule in rows.columns and not rows[rule].astype(bool).any():
        rows = rows.drop(columns=[t(k, lang) for k in RULE_LABELS])
    optional = [anchor_label(a, settings, lang) for a in ANCHOR_ORDER]
    if t("notes.column", lang) in rows.columns:  # a panel whose KPIs have no note stays narrow
        optional.append(t("notes.column", lang))
    empty = [label for label in optional if not rows[label].astype(bool).any()]
    return rows.drop(columns=empty)


def perspective_weights(
    history: Scorecard, department: str, period: str, settings: Settings
) -> dict[str, float]:
    """Each perspective's share of the department's score, as the reports give it
    (`reports.tables.perspective_summary`: the settings' weights, or the sums of the KPI
    weights for a department scored department-wide, SPEC §5.3)."""
    summary = perspective_summary(history, period, department, settings=settings)
    return dict(zip(summary["perspective"], summary["weight_share"], strict=True))


def _partners(row: Mapping[str, object], department: str) -> str:
    """The other departments sharing a KPI: its owner and partners, minus this one."""
    if not row["is_shared"]:
        return ""
    here = department_key(department)
    names = [row["owner_department"], *row["shared_with"]]
    return "、".join(dict.fromkeys(n for n in names if department_key(n) != here))


def _target_text(row: Mapping[str, object]) -> str:
    return target_text(
        row["direction"],
        row["target"],
        row["target_low"],
        row["target_high"],
        row["unit"],
        with_unit=True,
    )


def kpi_columns(lang: str) -> dict[str, object]:
    """The Scorecard's columns: the trend as a picture (one colour per line, see
    `charts.sparklines`), the direction arrow with its words in the header's help."""
    return {
        t("scorecard.trend", lang): st.column_config.ImageColumn(
            t("scorecard.trend", lang), width="small", help=t("scorecard.trend_help", lang)
        ),
        t("scorecard.direction", lang): st.column_config.TextColumn(
            t("scorecard.direction", lang), help=t("scorecard.direction_help", lang)
        ),
        t("common.weight", lang): st.column_config.TextColumn(
            t("common.weight", lang), help=t("scorecard.weight_help", lang)
        ),
        t("notes.column", lang): st.column_config.TextColumn(
            t("notes.column", lang), width="large", help=t("notes.column_help", lang)
        ),
    }


def adjustments(adjusted: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`reports.tables.adjusted_departments` as shown: the weighted score, the points, the
    final score and the veto's reason (SPEC §5.6, §5.7), as both reports list them."""
    return pd.DataFrame(
        {
            t("common.department", lang): adjusted["department"].astype(object).to_numpy(),
            t("common.score_before", lang): [score_text(v) for v in adjusted["score_before"]],
            t("common.bonus", lang): [score_text(v) for v in adjusted["bonus"]],
            t("common.penalty", lang): [score_text(v) for v in adjusted["penalty"]],
            t("common.final_score", lang): [score_text(v) for v in adjusted["score"]],
            t("veto.column", lang): [veto_text(v, lang) or MISSING for v in adjusted["veto"]],
        }
    )


def veto_lines(frame: pd.DataFrame, lang: str) -> list[str]:
    """`部门：一票否决：…` for each vetoed row of a departments table (for `st.error`)."""
    return [
        t("veto.department", lang, department=d, reason=veto_text(v, lang))
        for d, v in zip(frame["department"], frame["veto"], strict=True)
        if is_veto(v)
    ]


def veto_kpis(history: Scorecard, department: str, period: str, lang: str) -> pd.DataFrame:
    """A department's veto KPIs (SPEC §5.6) as the Scorecard lists them in their own
    section: actual, target and floor in the KPI's unit, and the one that vetoed marked."""
    rows = section_rows(history, period, department)
    rows = rows[(rows["section"] == GATE).to_numpy(bool)]
    records = rows.to_dict("records")
    return pd.DataFrame(
        {
            t("common.kpi_id", lang): [text_or_missing(r["kpi_id"]) for r in records],
            t("common.kpi", lang): rows["kpi_name"].astype(object).to_numpy(),
            t("common.actual", lang): [number_text(r["actual"], r["unit"]) for r in records],
            t("common.target", lang): [number_text(r["target"], r["unit"]) for r in records],
            t("common.floor", lang): [number_text(r["floor"], r["unit"]) for r in records],
            t("veto.result", lang): [t("veto.failed", lang) if f else "" for f in rows["failed"]],
        }
    )


def items(history: Scorecard, department: str, period: str, lang: str) -> pd.DataFrame:
    """A department's bonus and penalty items (SPEC §5.7) in their own section: kind,
    item, actual, and the points counted, signed (+3.0 added, −2.0 subtracted)."""
    rows = section_rows(history, period, department)
    rows = rows[(rows["section"] != GATE).to_numpy(bool)]
    records = rows.to_dict("records")
    signs = np.where(rows["section"] == BONUS, 1.0, -1.0)
    return pd.DataFrame(
        {
            t("section.kind", lang): [t(f"section.{s}", lang) for s in rows["section"]],
            t("common.kpi_id", lang): [text_or_missing(r["kpi_id"]) for r in records],
            t("section.item", lang): rows["kpi_name"].astype(object).to_numpy(),
            t("common.actual", lang): [number_text(r["actual"], r["unit"]) for r in records],
            t("common.points", lang): [
                change_text(sign * p) for sign, p in zip(signs, rows["points"], strict=True)
            ],
        }
    )


def with_adjustments(series: pd.DataFrame, history: Scorecard) -> pd.DataFrame:
    """A department-level `insights.trend` frame with each department's adjustment
    columns in its periods (SPEC §5.6, §5.7), for the Trends chart and table; other
    levels (no department) get none."""
    own = history.departments[["department", "period", *ADJUSTMENT_COLUMNS]].astype(
        {"department": object, "period": object}
    )
    keys = series.astype({"department": object, "period": object})
    return keys.merge(own, on=["department", "period"], how="left")


def warnings(found: pd.DataFrame, lang: str, period: str) -> pd.DataFrame:
    """Early warnings in the user's language, one sentence each (worded as in the PDF)."""
    pairs = warning_sentences(found, period, lang)
    return pd.DataFrame(
        {
            t("overview.early_warnings", lang): [kind for kind, _ in pairs],
            t("common.detail", lang): [text for _, text in pairs],
        }
    )


def movers(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("common.department", lang): frame["department"],
            t("common.kpi", lang): frame["kpi_name"],
            t("common.perspective", lang): frame["perspective"].map(
                lambda p: perspective_label(p, lang)
            ),
            t("common.score", lang): frame["score"].astype(float).round(1),
            t("scorecard.change", lang): frame["change"].astype(float).round(1),
        }
    )


def trend_options(
    history: Scorecard,
    level: str,
    departments: Sequence[str],
    *,
    period: str | None = None,
    settings: Settings = DEFAULTS,
) -> dict:
    """What the Trends page lets the user pick at a level: key -> label, departments in
    the order every list shows them (`in_department_order`, by `period`'s scores)."""
    at = history.departments[(history.departments["period"] == _latest(history, period))]
    listed = in_department_order(
        only(history.departments, departments)["department"].unique(),
        dict(zip(at["department"].astype(str), at["score"].astype(float), strict=True)),
        order=settings.department_order,
    )
    if level == "department":
        return {name: name for name in listed}
    if level == "kpi":
        owners = owner_rows(only(history.kpis, departments))
        owners = owners[~adjust.items(owners)]  # points, not KPIs with a trend
        keys = owners.assign(
            key=kpi_labels(owners),
            _at=owners["department"].astype(str).map({d: i for i, d in enumerate(listed)}),
        )
        keys = keys.drop_duplicates(["department", "key"]).sort_values(
            ["_at", "department", "key"], na_position="last"
        )
        return {
            (d, k): f"{d} · {n}"
            for d, k, n in zip(keys["department"], keys["key"], keys["kpi_name"], strict=True)
        }
    return {}


TREND_DEFAULTS = 2  # series a Trends level shows before the user picks


def _latest(history: Scorecard, period: str | None) -> str | None:
    """`period` when the history scores it, else the history's latest period."""
    scored = in_order(pd.unique(history.departments["period"].astype(object)))
    return period if period in scored else (scored[-1] if scored else None)


def trend_departments(
    history: Scorecard, departments: Sequence[str], period: str | None
) -> list[str]:
    """The departments the Trends page shows first: the ones the sidebar chose, else the
    `TREND_DEFAULTS` lowest-scoring departments of the period (those a review discusses;
    a department without a score last, ties by name)."""
    if departments:
        return list(departments)
    at = _latest(history, period)
    rows = history.departments[(history.departments["period"] == at).to_numpy(bool)]
    rows = rows.sort_values(["score", "department"], na_position="last", kind="stable")
    return [str(d) for d in rows["department"].head(TREND_DEFAULTS)]


def heaviest_kpi(
    history: Scorecard, period: str | None, department: str, settings: Settings
) -> tuple[str, str] | None:
    """A department's most weighted KPI of its own in the period, as a Trends key
    (department, KPI id or name): the largest share of the department's score
    (`reports.tables.department_shares`), the first in scorecard order on a tie."""
    at = _latest(history, period)
    if at is None:
        return None
    rows = department_shares(history, at, department, settings=settings)
    rows = rows[(rows["owner_department"] == department).to_numpy(bool)]
    rows = rows[rows["department_share"].notna().to_numpy(bool)]
    if rows.empty:
        return None
    best = int(np.argmax(rows["department_share"].to_numpy(float)))  # the first on a tie
    return department, str(kpi_labels(rows).iloc[best])


def trend_defaults(
    history: Scorecard,
    level: str,
    options: Mapping,
    *,
    departments: Sequence[str],
    period: str | None,
    settings: Settings,
) -> list:
    """What a Trends level shows before the user picks (keys of `options`): at department
    level `trend_departments`; at KPI level each of those departments' most weighted KPI
    (`heaviest_kpi`); nothing at organisation level."""
    shown = trend_departments(history, departments, period)
    keys: list[object] = []
    if level == "department":
        keys = list(shown)
    elif level == "kpi":
        keys = [heaviest_kpi(history, period, d, settings) for d in shown]
    return [k for k in keys if k in options]


class TrendFrames(NamedTuple):
    """What the Trends page draws: the series (`insights.trend`, with a department's
    veto and points), the series with its projection (the charts), and the table."""

    series: pd.DataFrame
    frame: pd.DataFrame
    table: pd.DataFrame


def trend_frames(
    history: Scorecard, level: str, keys: Sequence[str], settings: Settings, lang: str
) -> TrendFrames:
    """The Trends page's frames, worked out once for every session asking the same
    (`ui.derived.of_card`)."""
    series = insights.trend(history, level=level, keys=keys, settings=settings)
    projected = insights.projection(series, settings=settings)
    if level == "department":  # a vetoed month marked, the points in the tooltip (SPEC §5.6)
        series = with_adjustments(series, history)
    return TrendFrames(series, with_projection(series, projected), trend_table(series, lang))


def with_projection(series: pd.DataFrame, projected: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [series.assign(projected=False), projected.assign(projected=True)], ignore_index=True
    )


def trend_table(series: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Newest periods first, each series' score with its month-on-month and year-on-year change."""
    newest = series.sort_values(["period", "series"], ascending=[False, True])
    table = pd.DataFrame(
        {
            t("common.series", lang): newest["series"],
            t("common.period", lang): newest["period"],
            t("common.score", lang): newest["score"].astype(float).round(1),
            # score changes, named as points (`+2.3 分`) so no one reads them as rates
            t("trends.mom", lang): [points_change_text(v, lang) for v in newest["mom_change"]],
            t("trends.yoy", lang): [points_change_text(v, lang) for v in newest["yoy_change"]],
            # a department's or the organisation's grade (SPEC §5.9); a KPI has none
            **(
                {t("common.grade", lang): [text_or_missing(v) for v in newest["grade"]]}
                if newest["grade"].notna().any()
                else {}
            ),
        }
    )
    if "veto" not in newest.columns:
        return table
    adjusted = adjusted_rows(newest)
    if not adjusted.any():  # a department's points and veto reason, where it has any
        return table
    return table.assign(
        **{
            t("adjust.column", lang): [
                adjustment_text(s, b, p, lang) if a else MISSING
                for s, b, p, a in zip(
                    newest["score_before"],
                    newest["bonus"],
                    newest["penalty"],
                    adjusted,
                    strict=True,
                )
            ],
            t("veto.column", lang): [veto_text(v, lang) or MISSING for v in newest["veto"]],
        }
    )


ISSUE_COLUMNS = ("severity", "file", "sheet", "row", "column", "value", "message")


def issue_message(code: str, params: Mapping[str, object], english: str, lang: str) -> str:
    """An engine issue in the user's language: the catalog's `issue.<code>`, else the
    engine's English text (the `en` catalog has no `issue.*`: `messages` is the English)."""
    key = f"issue.{code}"
    return t(key, lang, **params) if code and key in catalog(lang) else english


def issue_columns(lang: str) -> dict[str, object]:
    """The message is what the user acts on: give it the room."""
    return {
        t("report.message", lang): st.column_config.TextColumn(width="large"),
        t("report.file", lang): st.column_config.TextColumn(width="small"),
    }


def issues(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    messages = [
        issue_message(c, p, m, lang)
        for c, p, m in zip(frame["code"], frame["params"], frame["message"], strict=True)
    ]
    shown = frame[list(ISSUE_COLUMNS)].assign(
        severity=frame["severity"].map(lambda s: t(f"severity.{s}", lang)),
        value=frame["value"].map(lambda v: "" if is_missing(v) else str(v)),
        message=messages,
    )
    return shown.rename(columns={c: t(f"report.{c}", lang) for c in ISSUE_COLUMNS})


def issue_cards(frame: pd.DataFrame, lang: str) -> dict[str, pd.DataFrame]:
    """The validation report as the Data page shows it, one card per issue grouped by
    file: `severity` (the engine's), `message` (what to do, translated) and `place`
    (sheet, row, column and value, labelled, the ones known), in the order found."""
    messages = [
        issue_message(c, p, m, lang)
        for c, p, m in zip(frame["code"], frame["params"], frame["message"], strict=True)
    ]
    field = "data.issue_field"
    sep = " · "

    def place(sheet: object, row: object, column: object, value: object) -> str:
        parts = []
        if not is_missing(sheet) and str(sheet):
            parts.append(t(field, lang, label=t("report.sheet", lang), value=sheet))
        if not is_missing(row):
            parts.append(t("data.issue_row", lang, row=row))
        if not is_missing(column) and str(column):
            parts.append(t(field, lang, label=t("report.column", lang), value=column))
        if not is_missing(value) and str(value):
            parts.append(t(field, lang, label=t("report.value", lang), value=value))
        return sep.join(parts)

    cards = pd.DataFrame(
        {
            "file": frame["file"].map(text_or_missing).to_numpy(object),
            "severity": frame["severity"].to_numpy(object),
            "message": messages,
            "place": [
                place(*cells)
                for cells in zip(
                    frame["sheet"], frame["row"], frame["column"], frame["value"], strict=True
                )
            ],
        }
    )
    return {str(f): group.drop(columns="file") for f, group in cards.groupby("file", sort=False)}


def preview(kpis: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows a file gives, as they will be stored: percents as percents (`number_text`
    with the KPI's unit), the unit beside them."""
    columns = {
        "department": "common.department",
        "kpi_id": "common.kpi_id",
        "kpi_name": "common.kpi",
        "period": "common.period",
        "actual": "common.actual",
        "target": "common.target",
        "unit": "common.unit",
        "weight": "common.weight",
    }
    units = kpis["unit"]
    shown = kpis[list(columns)].assign(
        actual=[number_text(v, u) for v, u in zip(kpis["actual"], units, strict=True)],
        target=[number_text(v, u) for v, u in zip(kpis["target"], units, strict=True)],
        unit=units.map(text_or_missing),
        perspective=place_labels(kpis, lang),
    )
    return shown.rename(
        columns={c: t(k, lang) for c, k in columns.items()}
        | {"perspective": t("common.perspective", lang)}
    )


def place_labels(kpis: pd.DataFrame, lang: str) -> list[str]:
    """Where each row counts: its perspective, or its section (否决指标, 加分项, 扣分项) for
    a veto gate or a bonus or penalty item, which belong to no perspective."""
    sections = kpis["section"] if "section" in kpis.columns else [None] * len(kpis)
    return [
        t(f"section.{s}", lang) if isinstance(s, str) else perspective_label(p, lang)
        for p, s in zip(kpis["perspective"], sections, strict=True)
    ]


def uploads(names: list[str], lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("report.file", lang): names})


HISTORY_COLUMNS = {
    "name": "report.file",
    "uploader": "data.uploader",
    "uploaded_at": "data.uploaded_at",
    "departments": "common.department",
    "periods": "common.period",
    "rows_accepted": "data.accepted_rows",
    "rows_rejected": "data.rejected_rows",
    "current": "data.current_version",
}


def upload_history(history: pd.DataFrame, lang: str, zone: str = DEFAULT_TIME_ZONE) -> pd.DataFrame:
    """The store's upload history with translated headers (deleted uploads left out),
    times in the organisation's time zone."""
    shown = history.loc[~history["deleted"].astype(bool), list(HISTORY_COLUMNS)]
    shown = shown.assign(
        uploaded_at=times(shown["uploaded_at"], zone),
        uploader=uploader_names(shown["uploader"], lang),
    )
    return shown.rename(columns={c: t(k, lang) for c, k in HISTORY_COLUMNS.items()})


def uploader_names(names: pd.Series, lang: str) -> pd.Series:
    """Who uploaded, as plain names; the bundled sample company's uploader, and anyone in
    open mode (no users set up), in words."""
    words = {
        SAMPLE_UPLOADER: t("data.sample_uploader", lang),
        ANONYMOUS: t("data.anonymous_uploader", lang),
    }
    return names.map(lambda name: words.get(name, name))


def version_state(deleted: bool, current: bool, lang: str, state: str = PUBLISHED) -> str:
    """Shown now, an earlier version, deleted, pending or sent back: one word per version."""
    if deleted:
        return t("data.state_deleted", lang)
    if state != PUBLISHED:
        return t(f"data.state_{state}", lang)
    return t("data.state_current" if current else "data.state_earlier", lang)


def when(value: object, zone: str = DEFAULT_TIME_ZONE) -> str:
    """A stored time (UTC) on the organisation's clock (`Settings.time_zone`), its offset
    written out so that nobody guesses the zone: `2026-11-23 22:05 UTC+8`."""
    return str(times(pd.Series([value], dtype=object), zone).iloc[0])


def times(values: pd.Series, zone: str = DEFAULT_TIME_ZONE) -> pd.Series:
    """`when` for a whole column at once (the submission board has a cell per department and
    period): naive times are UTC, missing ones `MISSING`; the offset is each time's own,
    so a change to summer time shows."""
    stamps = pd.to_datetime(values, utc=True, errors="coerce")
    local = stamps.dt.tz_convert(zone)
    minutes = (local.dt.tz_localize(None) - stamps.dt.tz_localize(None)).dt.total_seconds() // 60
    whole = minutes.abs().fillna(0).astype(int)
    rest = whole % 60
    offset = (
        np.where(minutes >= 0, "UTC+", "UTC-")
        + (whole // 60).astype(str)
        + np.where(rest > 0, ":" + rest.astype(str).str.zfill(2), "")
    )
    shown = local.dt.strftime("%Y-%m-%d %H:%M") + " " + offset
    return shown.where(stamps.notna().to_numpy(), MISSING).astype(object)


def versions(frame: pd.DataFrame, lang: str, zone: str = DEFAULT_TIME_ZONE) -> pd.DataFrame:
    """A department-month's versions, oldest first, with what each one is now."""
    return pd.DataFrame(
        {
            t("data.version", lang): [f"v{n}" for n in frame["version"]],
            t("report.file", lang): frame["name"],
            t("data.uploader", lang): uploader_names(frame["uploader"], lang),
            t("data.uploaded_at", lang): times(frame["uploaded_at"], zone),
            t("data.rows", lang): frame["rows"],
            t("data.state", lang): [
                version_state(d, c, lang, s)
                for d, c, s in zip(frame["deleted"], frame["current"], frame["state"], strict=True)
            ],
        }
    )


class VersionView(NamedTuple):
    """What the Data page shows of a department-month's versions: the table, each upload's
    label for the picker and the facts its buttons need (`current`, `deleted`, `state`)."""

    table: pd.DataFrame
    labels: dict[int, str]
    facts: dict[int, dict[str, object]]


def version_view(frame: pd.DataFrame, lang: str, zone: str = DEFAULT_TIME_ZONE) -> VersionView:
    """`versions`, each version's label for the picker (`v2 · 财务部_2026-10.xlsx ·
    2026-11-23 22:05 UTC+8 · 当前版本`) and its facts, of the store's `frame`, a column at a
    time (every session's run shares them: `ui.derived.shown_versions`)."""
    facts = {
        int(r["upload_id"]): {k: r[k] for k in ("current", "deleted", "state")}
        for r in frame.to_dict("records")
    }
    table = versions(frame, lang, zone)
    parts = zip(
        table[t("data.version", lang)],
        frame["name"].astype(str),
        table[t("data.uploaded_at", lang)],
        table[t("data.state", lang)],
        strict=True,
    )
    return VersionView(table, dict(zip(facts, map(" · ".join, parts), strict=True)), facts)


def settings_summary(settings: Settings, lang: str) -> str:
    """One line per stored settings: perspective shares, bands, cap, threshold score,
    weighting rule, veto score, bonus limit and grades."""
    total = sum(settings.perspective_weights.values()) or 1.0
    weights = " ".join(
        f"{perspective_label(p, lang)} {100 * w / total:.0f}%"
        for p, w in settings.perspective_weights.items()
    )
    summary = t(
        "settings.summary_value",
        lang,
        weights=weights,
        green=f"{settings.green_at:g}",
        amber=f"{settings.amber_at:g}",
        cap=f"{settings.cap:g}",
        base=f"{settings.base_score:g}",
    )
    summary = t(
        "settings.summary_weighting",
        lang,
        summary=summary,
        weighting=t(f"weighting.rule_{settings.weighting}", lang),
    )
    summary = t(  # SPEC §5.6, §5.7
        "settings.summary_adjust",
        lang,
        summary=summary,
        veto=f"{settings.veto_score:g}",
        bonus=f"{settings.bonus_limit:g}",
    )
    grades = " · ".join(
        g.name if g.lowest is None else f"{g.name} ≥{g.lowest:g}" for g in settings.grades
    )
    forced = t("settings.summary_forced", lang) if settings.forced_distribution else ""
    return t("settings.summary_grades", lang, summary=summary, grades=grades, forced=forced)


def settings_history(
    changes: pd.DataFrame, lang: str, zone: str = DEFAULT_TIME_ZONE
) -> pd.DataFrame:
    """The settings log, newest first: when (the organisation's clock), who, and what the
    settings were."""
    return pd.DataFrame(
        {
            t("settings.changed_at", lang): times(changes["changed_at"], zone),
            t("settings.changed_by", lang): changes["changed_by"],
            t("settings.summary", lang): [settings_summary(s, lang) for s in changes["settings"]],
        }
    )


def people(described: list[dict[str, object]], lang: str) -> pd.DataFrame:
    """The users file as an admin reads it: name, role, own departments, e-mail and the
    digest's language (no hashes)."""
    return pd.DataFrame(
        {
            t("auth.name", lang): [p["name"] for p in described],
            t("settings.role", lang): [t(f"role.{p['role']}", lang) for p in described],
            t("common.department", lang): [
                t("common.list_sep", lang).join(p["departments"]) or MISSING for p in described
            ],
            t("settings.user_email", lang): [p.get("email") or MISSING for p in described],
            t("settings.user_language", lang): [
                LANGUAGES.get(str(p.get("language")), MISSING) for p in described
            ],
        }
    )

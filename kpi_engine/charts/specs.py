"""Altair chart builders for the pages: pure functions from frames to charts, no Streamlit.

Inputs are the frames of `kpi_engine.build` (`Scorecard.kpis`, `.perspectives`,
`.departments`) or small frames a page derives from them; each builder names the columns
it reads. Every word on a chart (axis titles, legend entries, tooltips, perspective and
status names) comes from `kpi_engine.i18n` in the `lang` passed in, and every status colour and
band from the `settings` passed in, so a what-if scenario colours by its own bands.

Configuration choice: each builder returns a *finished* top-level chart, i.e. `finish()`
has put the CJK font (and a few readability defaults) in the chart's `config`. Vega-Lite
accepts `config` only at the top level, so a builder's result is meant to be placed as
is (`st.altair_chart(chart, on_select=...)`) or exported (`to_dict`, `to_json`), not
nested into another layer or concat; a page that composes its own chart builds it from
plain `alt.Chart`s and calls `finish()` once at the end.

Missing scores stay visible: grey cells and '—' rather than zero or a hole.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

import altair as alt
import numpy as np
import pandas as pd

from kpi_engine.charts.palette import (
    ALL_STATUS_COLORS,
    AMBER,
    BAND_TINTS,
    GREEN,
    MISSING_COLOR,
    RED,
    RED_MARK,
    SCALE,
    STATUS_ORDER,
)
from kpi_engine.core.adjust import vetoed
from kpi_engine.core.names import in_department_order
from kpi_engine.core.periods import in_order
from kpi_engine.core.rules import percent_unit
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.scoring import READ_DECIMALS, statuses
from kpi_engine.core.settings import GRADIENT, Settings
from kpi_engine.i18n import (
    MISSING,
    adjustment_text,
    change_text,
    is_adjusted,
    number_text,
    percent_text,
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

# Fonts: a CSS font-family list, Noto Sans CJK first (what the Debian package fonts-noto-cjk
# installs), then what Windows and macOS ship. The TC face draws traditional glyph shapes.
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
FONT_HANT = "Noto Sans CJK TC, Noto Sans TC, Microsoft JhengHei, PingFang TC, sans-serif"
FONTS: dict[str, str] = {"zh-Hant": FONT_HANT}

# Distinct hues for compared series (Streamlit's theme would start with two blues).
SERIES_SCALE = alt.Scale(scheme="tableau10")
DARK_TEXT, LIGHT_TEXT = "#1f1f1f", "#ffffff"
ACTUAL_COLOR, TARGET_COLOR, LINE_COLOR = "#2c7fb8", "#7f7f7f", "#303030"
BASELINE_COLOR, SCENARIO_COLOR = "#a0a0a0", "#2c7fb8"

# A department's adjustment columns (`Scorecard.departments`, SPEC §5.6, §5.7).
ADJUSTMENTS = ("score_before", "bonus", "penalty", "veto")

# Trend charts' height (px, at desk size; a stacked unit panel's): Streamlit fits axes and
# legends inside it, so the plot itself gets about two thirds.
TREND_HEIGHT, PANEL_HEIGHT = 360, 240
LABEL_LIMIT = 200  # px before a long department or KPI name is cut with an ellipsis
# Line legends draw a stretch of each line, long enough to show its dash pattern.
LINE_LEGEND = alt.Legend(
    title=None, orient="top", symbolType="stroke", symbolStrokeWidth=2, symbolSize=500
)


def band_labels(settings: Settings, lang: str) -> dict[str, str]:
    """Each status (missing included) named with its band from `settings`, for a legend:
    `≥100 达标`, `80–100 关注`, `▼ <80 预警`, `缺失`."""
    bands = {"green": f"{settings.green_at:g}", "amber": f"{settings.amber_at:g}"}
    return {
        s: t(f"chart.band_{s}", lang, label=status_label(s, lang), **bands) for s in STATUS_ORDER
    }


def status_colors(settings: Settings, lang: str) -> alt.Scale:
    """The three status colours and the missing grey, keyed by `band_labels` (the `band`
    field `_labelled` adds), so a legend on this scale names the bands."""
    names = band_labels(settings, lang)
    return alt.Scale(
        domain=[names[s] for s in STATUS_ORDER],
        range=[ALL_STATUS_COLORS[s] for s in STATUS_ORDER],
    )


def status_scale(settings: Settings) -> alt.Scale:
    """One continuous red-amber-green scale over score, anchored at the status bands: the
    heatmaps' optional gradient (`Settings.heatmap_colors`), never the default.

    Domain [0, amber_at, green_at, cap] -> red, amber, pale green, green (ColorBrewer
    RdYlGn stops): red at 0 warming to amber at `amber_at`, through yellow to the pale green
    where green starts, deep green at the cap. Interpolated in CIELAB, which keeps the
    amber-to-green stretch yellow rather than khaki. Clamped, so a score outside [0, cap]
    takes the end colour.
    """
    return alt.Scale(
        type="linear",
        domain=[0.0, float(settings.amber_at), float(settings.green_at), float(settings.cap)],
        range=list(SCALE),
        interpolate="lab",
        clamp=True,
    )


STATUS_SCALE = status_scale(Settings())

_C = TypeVar("_C", alt.Chart, alt.LayerChart, alt.FacetChart, alt.VConcatChart)


def font_for(lang: str) -> str:
    """The font-family list for a language (traditional glyph shapes for zh-Hant)."""
    return FONTS.get(lang, FONT)


def finish(chart: _C, lang: str = "zh-Hans") -> _C:
    """Top-level config: the CJK font everywhere, readable label sizes, no view border.

    Set on `chart` itself, which its builder has just made: Altair's `configure_*` copy
    the whole chart each, and a layered chart's copy combines its layers' parameters
    again (six copies were a quarter of building a heatmap)."""
    chart.config = config(lang)
    return chart


@functools.cache
def config(lang: str) -> alt.Config:
    """The `config` `finish` puts on every chart, made once per language (charts share
    it: Altair's `configure_*` copy a chart's config before changing it)."""
    return alt.Config(
        font=font_for(lang),
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, titleFontWeight="normal"),
        # Horizontal y titles above the axis: rotated CJK text would read sideways.
        axisY=alt.AxisConfig(
            titleAngle=0, titleAnchor="end", titleAlign="left", titleBaseline="bottom", titleY=-8
        ),
        legend=alt.LegendConfig(labelFontSize=12, titleFontSize=12, labelLimit=LABEL_LIMIT),
        header=alt.HeaderConfig(labelFontSize=13, titleFontSize=13),
        view=alt.ViewConfig(stroke=None),
    )


# --- small helpers ------------------------------------------------------------------------


def _title(key: str, lang: str) -> str:
    return t(f"common.{key}", lang)


def _one_period(frame: pd.DataFrame, period: str | None, chart: str) -> pd.DataFrame:
    """The rows of `period`; a frame spanning several periods without one chosen is a bug."""
    if "period" not in frame.columns:
        return frame
    if period is not None:
        return frame[frame["period"] == period]
    found = frame["period"].dropna().unique()
    if len(found) > 1:
        raise ValueError(
            f"{chart} shows one period but the frame has {len(found)}: pass period= "
            "or filter the frame first"
        )
    return frame


def _score_text(scores: pd.Series) -> pd.Series:
    """Scores rounded for display (one decimal), '—' where missing."""
    return scores.map(score_text).astype(object)


def _scores(rows: pd.DataFrame) -> dict[str, float]:
    """Each department's score in a one-period departments frame: what `in_department_order`
    ranks by."""
    return dict(zip(rows["department"].astype(str), rows["score"].astype(float), strict=True))


def _percent_text(values: pd.Series) -> pd.Series:
    return values.map(percent_text).astype(object)


def _statuses(scores: pd.Series, settings: Settings) -> pd.Series:
    """Status names of scores under `settings`' bands (None where missing)."""
    return pd.Series(statuses(scores, settings=settings), index=scores.index, dtype=object)


def _labelled(frame: pd.DataFrame, lang: str, settings: Settings) -> pd.DataFrame:
    """Add the display columns every score chart shows: rounded score, status, coverage."""
    out = frame.copy()
    out["score"] = pd.to_numeric(out["score"], errors="coerce").astype(float)
    out["score_text"] = _score_text(out["score"])
    status = _statuses(out["score"], settings).fillna("missing")
    out["status_label"] = [status_label(s, lang) for s in status]
    _set_status(out, status, settings, lang)
    if "coverage" in out.columns:
        out["coverage_text"] = _percent_text(pd.to_numeric(out["coverage"], errors="coerce"))
    if "perspective" in out.columns:
        out["perspective_label"] = [perspective_label(p, lang) for p in out["perspective"]]
    if "grade" in out.columns:  # a department's overall score (SPEC §5.9)
        out["grade_text"] = out["grade"].map(text_or_missing).astype(object)
    return out


def _set_status(rows: pd.DataFrame, status: pd.Series, settings: Settings, lang: str) -> None:
    """Set the colour fields of `rows` (in place) from each row's `status`: `status`,
    `band` (the legend's name, `band_labels`) and `value_text`, the score a bar or cell
    prints, with the red marker before a red one (red is never told by colour alone)."""
    names = band_labels(settings, lang)
    rows["status"] = status.astype(object)
    rows["band"] = status.map(names).astype(object)
    red = (status == "red").to_numpy(bool)
    rows["value_text"] = rows["score_text"].where(~red, RED_MARK + " " + rows["score_text"])


def _adjusted(
    rows: pd.DataFrame, lang: str, *, mark: bool = True, settings: Settings | None = None
) -> pd.DataFrame:
    """Department rows (`_labelled`) with what a veto and the points change (SPEC §5.6,
    §5.7), read from the adjustment columns of `Scorecard.departments` where the frame has
    them: `vetoed` (bool), `veto_text` (the reason), `adjustment_text` (the weighted score
    and the points) for the tooltips, '—' where there is nothing to say. With `mark`, a
    vetoed row's status reads red and its score `0.0 否决`, and `_labelled` rows are
    coloured red by `settings`' bands (not for a vetoed department's perspective cells,
    whose scores stand as they are)."""
    out = rows.copy()
    out["vetoed"] = vetoed(out)
    none = pd.Series(None, index=out.index, dtype=object)
    before, bonus, penalty, veto = (out.get(c, none) for c in ADJUSTMENTS)
    out["veto_text"] = [veto_text(v, lang) or MISSING for v in veto]
    out["adjustment_text"] = [
        adjustment_text(s, b, p, lang) if is_adjusted(b, p, v) else MISSING
        for s, b, p, v in zip(before, bonus, penalty, veto, strict=True)
    ]
    if mark and out["vetoed"].any():
        marked = out["score_text"] + " " + t("veto.short", lang)
        out["score_text"] = marked.where(out["vetoed"], out["score_text"])
        out.loc[out["vetoed"], "status_label"] = status_label("red", lang)
        if "status" in out.columns:  # `_labelled` rows: a vetoed row is coloured red
            if settings is None:
                raise ValueError("colouring a vetoed row red needs the settings' bands")
            _set_status(out, out["status"].where(~out["vetoed"], "red"), settings, lang)
    return out.drop(columns=[c for c in ADJUSTMENTS if c in out.columns])


# The display fields `_adjusted` adds.
ADJUSTED_FIELDS = ("vetoed", "veto_text", "adjustment_text")


def _adjustment_tooltips(rows: pd.DataFrame, lang: str) -> list[alt.Tooltip]:
    """Tooltip lines for the adjustment and the veto's reason, when any row has one."""
    if not ((rows["veto_text"] != MISSING) | (rows["adjustment_text"] != MISSING)).any():
        return []
    return [
        alt.Tooltip("adjustment_text:N", title=t("adjust.column", lang)),
        alt.Tooltip("veto_text:N", title=t("veto.column", lang)),
    ]


def _perspective_labels(lang: str) -> list[str]:
    return [perspective_label(p, lang) for p in PERSPECTIVES]


def _score_color(
    settings: Settings,
    lang: str,
    *,
    legend: bool = True,
    gradient: bool = False,
    vetoed: bool = False,
) -> alt.Color:
    """A row's status colour (its `band` field, `_labelled`): green, amber, red, or grey
    when missing, with a legend naming the bands from `settings`. A vetoed row is red by
    its `band` already (`_adjusted`).

    `gradient` (a heatmap with `Settings.heatmap_colors == GRADIENT`): score on the
    continuous scale instead; rows without a score are then left out of the mark
    (Vega-Lite filters invalid values of a continuous scale) and show the grey layer
    underneath (`_cell_layers`), and `vetoed` makes a vetoed row red whatever its score.
    """
    if not gradient:
        return alt.Color(
            "band:N",
            scale=status_colors(settings, lang),
            legend=alt.Legend(title=_title("status", lang), symbolType="square")
            if legend
            else None,
        )
    color = alt.Color(
        "score:Q",
        scale=status_scale(settings),
        legend=alt.Legend(
            title=_title("score", lang),
            values=[0, settings.amber_at, settings.green_at, settings.cap],
            gradientLength=160,
        )
        if legend
        else None,
    )
    return alt.when("datum.vetoed").then(alt.value(RED)).otherwise(color) if vetoed else color


def _cell_layers(
    base: alt.Chart,
    pick: alt.Parameter,
    settings: Settings,
    lang: str,
    *,
    text: bool,
    font_size: int,
    legend: bool = True,
    veto: str | None = None,
) -> list[alt.Chart]:
    """Heatmap cells: grey for every cell (so a missing score shows), the status colour
    over it (or the gradient, `Settings.heatmap_colors`), and the rounded score (or '—',
    red ones marked) on top.

    The click selection lives on the grey layer, which has every cell; a click on any
    layer selects, since every layer's datum carries the selection's fields. The chosen
    cell gets a dark outline. The cells of a vetoed department (their `vetoed` field,
    `_adjusted`) are red with `veto="fill"` (its own score), outlined in red with
    `veto="outline"` (its perspectives' scores, which stand).
    """
    gradient = settings.heatmap_colors == GRADIENT
    outline = alt.when(pick, empty=False).then(alt.value(2.5)).otherwise(alt.value(0))
    color = _score_color(settings, lang, legend=legend, gradient=gradient, vetoed=veto == "fill")
    layers = [
        base.mark_rect(color=MISSING_COLOR, stroke=LINE_COLOR, cursor="pointer")
        .encode(strokeWidth=outline)
        .add_params(pick),
        base.mark_rect(stroke=LINE_COLOR, cursor="pointer").encode(
            color=color, strokeWidth=outline
        ),
    ]
    if veto == "outline":
        layers.append(
            base.transform_filter("datum.vetoed").mark_rect(
                filled=False, stroke=RED, strokeWidth=2.5, cursor="pointer"
            )
        )
    if text:
        layers.append(
            base.mark_text(fontSize=font_size, cursor="pointer").encode(
                text="value_text:N",
                color=_text_color(settings, gradient=gradient, vetoed=veto == "fill"),
            )
        )
    return layers


def _text_color(settings: Settings, *, gradient: bool = False, vetoed: bool = False) -> alt.Color:
    """Light text on red (the one dark status colour), dark text elsewhere. `gradient`:
    light on the dark ends of the gradient (deep red, deep green) instead, and with
    `vetoed` on a vetoed row too (red whatever its score, `_score_color`)."""
    light = "datum.status == 'red'"
    if gradient:
        light = (
            f"isValid(datum.score) && (datum.score < {settings.amber_at / 2} || "
            f"datum.score >= {settings.green_at + 0.75 * (settings.cap - settings.green_at)})"
        )
        if vetoed:
            light = f"datum.vetoed || {light}"
    return alt.when(light).then(alt.value(LIGHT_TEXT)).otherwise(alt.value(DARK_TEXT))


_READ = f"round(datum.score * 1e{READ_DECIMALS}) / 1e{READ_DECIMALS}"  # as `statuses`


def _status_point_color(settings: Settings) -> alt.Color:
    """The status colour of a score as a value (for points on a line)."""
    return (
        alt.when(f"{_READ} >= {settings.green_at}")
        .then(alt.value(GREEN))
        .when(f"{_READ} >= {settings.amber_at}")
        .then(alt.value(AMBER))
        .otherwise(alt.value(RED))
    )


def _status_point_shape(settings: Settings) -> Mapping[str, object]:
    """A red point is a downward triangle, the others circles: red never by colour alone."""
    red = f"{_READ} < {settings.amber_at}"
    return alt.when(red).then(alt.value("triangle-down")).otherwise(alt.value("circle"))


def _band_rules(settings: Settings) -> list[alt.Chart]:
    """Dashed vertical rules at amber_at and green_at, for horizontal score bars."""
    return [
        alt.Chart()
        .mark_rule(strokeDash=[3, 3], color=color, opacity=0.9)
        .encode(x=alt.datum(value))
        for value, color in ((settings.amber_at, AMBER), (settings.green_at, GREEN))
    ]


def _score_x(settings: Settings, lang: str, field: str = "score") -> alt.X:
    """A horizontal score axis from 0 to the cap, ticks every 20 (plus the bands), with
    a tenth of the cap spare on the right for the value printed at a bar's end.
    """
    ticks = sorted({*range(0, int(settings.cap) + 1, 20), settings.amber_at, settings.green_at})
    return alt.X(
        f"{field}:Q",
        title=_title("score", lang),
        scale=alt.Scale(domain=[0, settings.cap * 1.1], nice=False),
        axis=alt.Axis(values=ticks, labelOverlap="greedy"),
    )


def _bar_values(
    y: alt.Y,
    *,
    font_size: int,
    tooltip: list[alt.Tooltip],
    inside: alt.Color,
    threshold: float,
    offset: alt.YOffset | None = None,
    text: str = "score_text",
) -> list[alt.Chart]:
    """The score (or the `text` field) printed at the end of each horizontal bar: inside
    the bar (in `inside` colour) when the bar is long enough to hold it, just past the end
    otherwise, and '—' at zero for a missing score. Inside the bar, no band rule runs
    through the digits. `text`: e.g. `value_text` on status bars (a red score marked).
    """
    extra = {"yOffset": offset} if offset is not None else {}
    long_bar = f"isValid(datum.score) && datum.score >= {threshold}"
    return [
        alt.Chart()
        .transform_filter(long_bar)
        .mark_text(align="right", dx=-4, fontSize=font_size)
        .encode(x="score:Q", y=y, text=f"{text}:N", color=inside, tooltip=tooltip, **extra),
        alt.Chart()
        .transform_filter(f"!({long_bar})")
        .mark_text(align="left", dx=4, fontSize=font_size, color=DARK_TEXT)
        .encode(x="score_pos:Q", y=y, text=f"{text}:N", tooltip=tooltip, **extra),
    ]


def _period_axis(periods: Sequence[str], lang: str, *, title_key: str = "period") -> alt.X:
    """Ordinal periods in order, labelled on two lines so they never collide: the month
    or quarter (`02`, `Q2`) on every tick, and the year under the first period and under
    each January or Q1. Labels stay two characters wide, so none has to be dropped and
    the year boundary is always visible.
    """
    full = [p for i, p in enumerate(periods) if i == 0 or str(p)[5:] in ("01", "Q1")]
    keep = "[" + ", ".join(f"'{p}'" for p in full) + "]"
    year = f"indexof({keep}, datum.value) >= 0 ? slice(datum.value, 0, 4) : ''"
    return alt.X(
        "period:O",
        sort=list(periods),
        title=_title(title_key, lang),
        axis=alt.Axis(
            labelAngle=0,
            labelExpr=f"[slice(datum.value, 5, 8), {year}]",
            labelOverlap=False,
        ),
    )


def _grid(
    frame: pd.DataFrame, rows: Sequence[object], columns: Sequence[object], names: list[str]
) -> pd.DataFrame:
    """Every (row, column) cell once, with `frame`'s values where it has them."""
    cells = pd.MultiIndex.from_product([list(rows), list(columns)], names=names).to_frame(
        index=False
    )
    for name in names:
        cells[name] = cells[name].astype(object)
    keep = [c for c in ("score", "coverage", "grade", *ADJUSTMENTS) if c in frame.columns]
    right = frame[[*names, *keep]].copy()
    for name in names:
        right[name] = right[name].astype(object)
    return cells.merge(right, on=names, how="left")


# --- heatmaps -----------------------------------------------------------------------------


# The least plot height of a heatmap: the status legend beside it (up to five entries and
# its title) needs it, however few rows there are.
HEATMAP_MIN_HEIGHT = 170


def _department_rows(
    cells: pd.DataFrame,
    departments: Sequence[object],
    x: alt.X,
    column: alt.Tooltip,
    lang: str,
    rows: str = "department",
) -> alt.Chart:
    """The encoding both heatmaps share: one row per department in `departments`' order,
    `x` across, and a cell's tooltip naming its department, `column`, score, status and
    coverage, its grade where the cells carry one, and the department's adjustment and veto
    where any has one (`_adjusted`). `rows` names what the rows are (`common.<rows>`): a
    unit's children are units and departments, not departments alone. Without data: the
    layers drawn on it take `cells` from their layer chart (`alt.layer(..., data=cells)`),
    turned into the spec's rows once rather than once per layer."""
    grade = (
        [alt.Tooltip("grade_text:N", title=_title("grade", lang))]
        if "grade_text" in cells.columns
        else []
    )
    notes = (  # issue 17: the cell's red KPIs and their notes (`heatmap(notes=...)`)
        [alt.Tooltip("notes_text:N", title=_title("notes", lang))]
        if "notes_text" in cells.columns
        else []
    )
    return alt.Chart().encode(
        x=x,
        y=alt.Y(
            "department:N",
            sort=list(departments),
            title=_title(rows, lang),
            axis=alt.Axis(labelLimit=LABEL_LIMIT),
        ),
        tooltip=[
            alt.Tooltip("department:N", title=_title(rows, lang)),
            column,
            alt.Tooltip("score_text:N", title=_title("score", lang)),
            *grade,
            alt.Tooltip("status_label:N", title=_title("status", lang)),
            alt.Tooltip("coverage_text:N", title=_title("coverage", lang)),
            *_adjustment_tooltips(cells, lang),
            *notes,
        ],
    )


def heatmap(
    perspectives: pd.DataFrame,
    *,
    lang: str,
    settings: Settings,
    period: str | None = None,
    selection_name: str = "cell",
    legend: bool = True,
    departments: pd.DataFrame | None = None,
    highlight: str | None = None,
    notes: pd.DataFrame | None = None,
    rows: str = "department",
) -> alt.LayerChart:
    """Department (rows) x perspective (columns, the scorecard's fixed order) for one period.

    Reads `department, perspective, score, coverage` (and `period` when given or present).
    Each cell is coloured by score on the status scale and shows the score with one
    decimal; cells without a score (no KPI, or no actual) are grey with '—'. A click
    selects the cell through the point selection `selection_name`, whose fields are the
    engine's `department` and `perspective` codes, so `st.altair_chart(...,
    on_select="rerun")` hands the page the cell to drill into. `legend=False` leaves the
    colour legend out (the PDF report, which prints the bands in words). With
    `departments` (`Scorecard.departments`), the cells of a department vetoed in the period
    are outlined in red and every cell's tooltip gives its department's adjustment and
    veto reason (SPEC §5.6, §5.7); its perspective scores stand as they are. `highlight`
    names a department whose whole row is outlined (a department's own report). `notes`
    (department, perspective, notes_text) adds a line to a cell's tooltip: how many of its
    red KPIs have a note, and the first.
    """
    frame = _one_period(perspectives, period, "heatmap")
    own = departments
    if own is not None and "period" in frame.columns:  # the period the cells show
        own = own[own["period"].isin(frame["period"].unique()).to_numpy(bool)]
    names = in_department_order(  # rows by the departments' own scores, or as configured
        pd.unique(frame["department"].astype(object)),
        None if own is None else _scores(own),
        order=settings.department_order,
    )
    cells = _grid(frame, names, PERSPECTIVES, ["department", "perspective"])
    if own is not None:
        own = own[["department", *(c for c in ADJUSTMENTS if c in own.columns)]]
        cells = cells.merge(own.astype({"department": object}), on="department", how="left")
    if notes is not None:  # Vega prints a null as "null": a cell without red KPIs says —
        keyed = notes[["department", "perspective", "notes_text"]].astype(object)
        cells = cells.merge(keyed, on=["department", "perspective"], how="left")
        cells["notes_text"] = cells["notes_text"].fillna(MISSING)
    cells = _adjusted(_labelled(cells, lang, settings), lang, mark=False)
    pick = alt.selection_point(
        name=selection_name, fields=["department", "perspective"], on="click"
    )
    x = alt.X(
        "perspective_label:N",
        sort=_perspective_labels(lang),
        title=_title("perspective", lang),
        axis=alt.Axis(labelAngle=0, orient="top", labelLimit=LABEL_LIMIT),
    )
    column = alt.Tooltip("perspective_label:N", title=_title("perspective", lang))
    base = _department_rows(cells, names, x, column, lang, rows)
    layers = _cell_layers(
        base, pick, settings, lang, text=True, font_size=13, legend=legend, veto="outline"
    )
    if highlight is not None and highlight in names:  # a rect without x spans the row
        row = alt.Chart(pd.DataFrame({"department": [highlight]}, dtype=object))
        layers.append(
            row.mark_rect(filled=False, stroke=LINE_COLOR, strokeWidth=3).encode(
                y=alt.Y("department:N", sort=names)
            )
        )
    # a few rows (the top of a tree) would clip the legend beside them: a floor on the height
    tall = len(names) * 38 >= HEATMAP_MIN_HEIGHT
    height = alt.Step(38) if tall else HEATMAP_MIN_HEIGHT
    chart = alt.layer(*layers, data=cells).properties(width=alt.Step(120), height=height)
    return finish(chart, lang)


def department_months(
    departments: pd.DataFrame,
    *,
    lang: str,
    settings: Settings,
    selection_name: str = "month_cell",
    rows: str = "department",
) -> alt.LayerChart:
    """Department (rows) x month (columns) of the overall department score: the year at a
    glance. Reads `department, period, score, coverage` (and the adjustment columns of
    `Scorecard.departments` when present: a vetoed month is red and reads `0.0 否决`, its
    tooltip giving the reason); grey '—' where a department has no score that month. Values are printed in the cells up to 12 months; beyond that the
    colour and the tooltip carry them. Month labels are compact (`_period_axis`). Rows
    in `in_department_order` by the latest month's scores (or as the settings order them).
    """
    periods = in_order(pd.unique(departments["period"].astype(object)))
    latest = departments[(departments["period"] == periods[-1]).to_numpy(bool)] if periods else None
    names = in_department_order(
        pd.unique(departments["department"].astype(object)),
        None if latest is None else _scores(latest),
        order=settings.department_order,
    )
    cells = _grid(departments, names, periods, ["department", "period"])
    cells = _adjusted(_labelled(cells, lang, settings), lang, settings=settings)
    pick = alt.selection_point(name=selection_name, fields=["department", "period"], on="click")
    x = _period_axis(periods, lang, title_key="month")
    column = alt.Tooltip("period:O", title=_title("month", lang))
    base = _department_rows(cells, names, x, column, lang, rows)
    layers = _cell_layers(
        base, pick, settings, lang, text=len(periods) <= 12, font_size=11, veto="fill"
    )
    step = 56 if len(periods) <= 12 else 36
    chart = alt.layer(*layers, data=cells).properties(width=alt.Step(step), height=alt.Step(30))
    return finish(chart, lang)


# --- bars ---------------------------------------------------------------------------------


def _kpi_labels(rows: pd.DataFrame, department: object, lang: str) -> pd.Series:
    """KPI names for the axis: marked when shared from another department, and with the
    KPI id (else the owner) added where two rows would otherwise read the same.
    """
    owner = rows.get("owner_department", rows["department"]).astype(object)
    names = rows["kpi_name"].astype(object).astype(str)
    labels = names.where(owner == department, names + t("scorecard.shared_marker", lang))
    clash = labels.duplicated(keep=False)
    if clash.any():
        ids = rows.get("kpi_id", pd.Series(None, index=rows.index, dtype=object)).astype(object)
        extra = ids.where(ids.notna(), owner).astype(str)
        labels[clash] = labels[clash] + " [" + extra[clash] + "]"
    return labels


def drilldown(
    kpis: pd.DataFrame,
    department: str,
    *,
    lang: str,
    settings: Settings,
    period: str | None = None,
    perspective: str | None = None,
    selection_name: str = "kpi",
) -> alt.FacetChart:
    """One department's KPI scores as horizontal bars, one panel per perspective.

    Reads the scored rows of `Scorecard.kpis` (`department, kpi_name, perspective, score`;
    `kpi_id, actual, target, weight, unit, owner_department` when present). `perspective`
    narrows to one panel (the heatmap cell clicked). Bars are coloured on the status scale
    with the score at their end; a KPI without a score shows '—' at zero. Dashed rules mark
    amber_at and green_at. A click selects a KPI (`selection_name`, fields kpi_name and
    kpi_id). The height follows the number of KPIs.
    """
    rows = _one_period(kpis[kpis["department"] == department], period, "drilldown")
    if perspective is not None:
        rows = rows[rows["perspective"] == perspective]
    rank = {p: i for i, p in enumerate(PERSPECTIVES)}
    rows = rows.assign(_rank=rows["perspective"].map(rank)).sort_values("_rank", kind="stable")
    rows = _labelled(rows, lang, settings)
    rows["kpi_label"] = _kpi_labels(rows, department, lang)
    rows["score_pos"] = rows["score"].fillna(0.0)
    for column in (
        *("kpi_id", "actual", "target", "weight", "unit", "owner_department"),
        *("direction", "target_low", "target_high"),
    ):
        if column not in rows.columns:
            rows[column] = None
    # Tooltips read text columns: Vega prints a null as "null" (or formats it as 0).
    records = rows.to_dict("records")
    rows["kpi_id_text"] = [text_or_missing(r["kpi_id"]) for r in records]
    rows["actual_text"] = [unit_text(r["actual"], r["unit"]) for r in records]
    rows["target_text"] = [
        target_text(
            r["direction"],
            r["target"],
            r["target_low"],
            r["target_high"],
            r["unit"],
            with_unit=True,
        )
        for r in records
    ]
    # Beside each bar's score, what it scores: `96.3 · 274 万元 / 270 万元` (actual / target).
    rows["bar_text"] = [
        t("heatmap.bar_text", lang, score=s, actual=a, target=g)
        for s, a, g in zip(
            rows["value_text"], rows["actual_text"], rows["target_text"], strict=True
        )
    ]
    rows["unit_text"] = [text_or_missing(r["unit"]) for r in records]
    rows["weight_text"] = [number_text(r["weight"]) for r in records]
    rows["owner_text"] = [text_or_missing(r["owner_department"]) for r in records]
    keep = [
        "department",
        "kpi_id",
        "kpi_name",
        "kpi_label",
        "perspective",
        "perspective_label",
        "actual",
        "target",
        "weight",
        "unit",
        "owner_department",
        "score",
        "score_text",
        "score_pos",
        "status_label",
        *("status", "band", "value_text"),
        *("kpi_id_text", "actual_text", "target_text", "unit_text", "weight_text", "owner_text"),
        "bar_text",
    ]
    rows = rows[keep]
    pick = alt.selection_point(name=selection_name, fields=["kpi_name", "kpi_id"], on="click")
    x = _score_x(settings, lang)
    y = alt.Y(
        "kpi_label:N",
        sort=list(pd.unique(rows["kpi_label"])),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    tooltip = [
        alt.Tooltip("kpi_name:N", title=_title("kpi", lang)),
        alt.Tooltip("kpi_id_text:N", title=_title("kpi_id", lang)),
        alt.Tooltip("perspective_label:N", title=_title("perspective", lang)),
        alt.Tooltip("actual_text:N", title=_title("actual", lang)),
        alt.Tooltip("target_text:N", title=_title("target", lang)),
        alt.Tooltip("unit_text:N", title=_title("unit", lang)),
        alt.Tooltip("weight_text:N", title=_title("weight", lang)),
        alt.Tooltip("score_text:N", title=_title("score", lang)),
        alt.Tooltip("status_label:N", title=_title("status", lang)),
        alt.Tooltip("owner_text:N", title=t("scorecard.owner_department", lang)),
    ]
    bars = (
        alt.Chart()
        .mark_bar(cursor="pointer", height={"band": 0.7})
        .encode(
            x=x,
            y=y,
            color=_score_color(settings, lang),
            opacity=alt.when(pick).then(alt.value(1.0)).otherwise(alt.value(0.45)),
            tooltip=tooltip,
        )
        .add_params(pick)
    )
    values = _bar_values(  # the longer text goes inside only a bar past half the cap
        y,
        font_size=11,
        tooltip=tooltip,
        inside=_text_color(settings),
        threshold=settings.cap / 2,
        text="bar_text",
    )
    rules = [rule.transform_aggregate(n="count()") for rule in _band_rules(settings)]
    order = [p for p in _perspective_labels(lang) if p in set(rows["perspective_label"])]
    chart = (
        alt.layer(*rules, bars, *values, data=rows)
        .properties(width=360, height=alt.Step(24))
        .facet(
            row=alt.Row(
                "perspective_label:N",
                sort=order,
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontWeight="bold",
                    labelPadding=4,
                ),
            ),
            spacing=10,
        )
        .resolve_scale(y="independent")
    )
    return finish(chart, lang)


def perspective_bars(
    perspective_scores: pd.DataFrame, *, lang: str, settings: Settings
) -> alt.LayerChart:
    """One department's four perspective scores as horizontal bars, in the fixed order.

    Reads `perspective, score` (and `coverage` when present), one row per perspective; a
    perspective without a row or a score is listed with '—'.
    """
    if perspective_scores["perspective"].duplicated().any():
        raise ValueError("perspective_bars takes one row per perspective (one department)")
    frame = perspective_scores.set_index("perspective")
    rows = pd.DataFrame({"perspective": list(PERSPECTIVES)}, dtype=object)
    for column in ("score", "coverage"):
        source = frame[column] if column in frame.columns else pd.Series(dtype=float)
        rows[column] = rows["perspective"].map(source).astype(float)
    rows = _labelled(rows, lang, settings)
    rows["score_pos"] = rows["score"].fillna(0.0)
    chart = _score_bars(
        rows,
        "perspective_label",
        _perspective_labels(lang),
        "perspective",
        lang=lang,
        settings=settings,
    )
    return finish(chart.properties(width=360, height=alt.Step(30)), lang)


def _score_bars(
    rows: pd.DataFrame,
    label: str,
    order: Sequence[str],
    title_key: str,
    *,
    lang: str,
    settings: Settings,
) -> alt.LayerChart:
    """Horizontal score bars, one per `label` value in `order`, coloured on the status
    scale, with the band rules behind and the value printed at each bar's end. `rows`
    are `_labelled` and carry `score_pos` (the score, 0 where missing)."""
    y = alt.Y(f"{label}:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    tooltip = [
        alt.Tooltip(f"{label}:N", title=_title(title_key, lang)),
        alt.Tooltip("score_text:N", title=_title("score", lang)),
        *(
            [alt.Tooltip("grade_text:N", title=_title("grade", lang))]
            if "grade_text" in rows.columns
            else []
        ),
        alt.Tooltip("status_label:N", title=_title("status", lang)),
        alt.Tooltip("coverage_text:N", title=_title("coverage", lang)),
    ]
    if "vetoed" in rows.columns:  # department rows (`_adjusted`)
        tooltip += _adjustment_tooltips(rows, lang)
    bars = (
        alt.Chart()
        .mark_bar(height={"band": 0.7})
        .encode(
            x=_score_x(settings, lang),
            y=y,
            color=_score_color(settings, lang),
            tooltip=tooltip,
        )
    )
    values = _bar_values(
        y,
        font_size=12,
        tooltip=tooltip,
        inside=_text_color(settings),
        threshold=settings.cap / 5,
        text="value_text",
    )
    rules = [rule.transform_aggregate(n="count()") for rule in _band_rules(settings)]
    return alt.layer(*rules, bars, *values, data=rows)


def comparison_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows `baseline_vs_scenario` draws from `department, baseline, scenario`: one per
    department and kind, with display texts (the What-if page swaps these into a chart
    it built once)."""
    baseline, scenario = t("whatif.baseline", lang), t("whatif.scenario", lang)
    wide = frame[["department", "baseline", "scenario"]].copy()
    wide["department"] = wide["department"].astype(object)
    wide["difference"] = wide["scenario"] - wide["baseline"]
    long = wide.melt(
        id_vars=["department", "difference"],
        value_vars=["baseline", "scenario"],
        var_name="kind",
        value_name="score",
    )
    long["kind_label"] = long["kind"].map({"baseline": baseline, "scenario": scenario})
    long["score_text"] = _score_text(long["score"])
    long["score_pos"] = long["score"].fillna(0.0)
    long["difference_text"] = long["difference"].map(change_text).astype(object)
    return long


def baseline_vs_scenario(
    frame: pd.DataFrame, *, lang: str, settings: Settings | None = None
) -> alt.LayerChart:
    """What-if: each department's baseline and scenario score as paired horizontal bars.

    Reads `department, baseline, scenario`. The tooltip adds the difference. With
    `settings`, the score axis runs to the cap and dashed rules mark the status bands.
    """
    baseline, scenario = t("whatif.baseline", lang), t("whatif.scenario", lang)
    names = list(pd.unique(frame["department"].astype(object)))
    long = comparison_rows(frame, lang)
    if settings is not None:
        x = _score_x(settings, lang)
        rules = [rule.transform_aggregate(n="count()") for rule in _band_rules(settings)]
    else:
        x = alt.X("score:Q", title=_title("score", lang), scale=alt.Scale(zero=True))
        rules = []
    y = alt.Y(
        "department:N",
        sort=names,
        title=_title("department", lang),
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    offset = alt.YOffset("kind_label:N", sort=[baseline, scenario])
    tooltip = [
        alt.Tooltip("department:N", title=_title("department", lang)),
        alt.Tooltip("kind_label:N", title=" "),
        alt.Tooltip("score_text:N", title=_title("score", lang)),
        alt.Tooltip("difference_text:N", title=t("whatif.difference", lang)),
    ]
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=x,
            y=y,
            yOffset=offset,
            color=alt.Color(
                "kind_label:N",
                sort=[baseline, scenario],
                scale=alt.Scale(
                    domain=[baseline, scenario], range=[BASELINE_COLOR, SCENARIO_COLOR]
                ),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=tooltip,
        )
    )
    top = settings.cap if settings is not None else long["score"].max()
    top = float(top) if pd.notna(top) else 100.0
    on_scenario = alt.when(alt.datum.kind == "scenario").then(alt.value(LIGHT_TEXT))
    values = _bar_values(
        y,
        font_size=11,
        tooltip=tooltip,
        inside=on_scenario.otherwise(alt.value(DARK_TEXT)),
        threshold=top / 5,
        offset=offset,
    )
    chart = alt.layer(*rules, bars, *values, data=long).properties(
        width=420, height=max(len(names), 1) * 44
    )
    return finish(chart, lang)


# --- lines --------------------------------------------------------------------------------


def _trend_rows(trend: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`trend` sorted by period with a boolean `projected` (False when absent), a `series`
    label (one blank series when absent; the engine's 'organization' translated) and a
    `unit` (`trend_units`).
    """
    out = trend.copy()
    out["period"] = out["period"].astype(object)
    if "projected" not in out.columns:
        out["projected"] = False
    out["projected"] = out["projected"].astype(object).fillna(False).astype(bool)
    if "series" not in out.columns:
        out["series"] = ""
    out["series"] = out["series"].astype(object).fillna("")
    out.loc[out["series"] == "organization", "series"] = t("common.organization", lang)
    out["unit"] = trend_units(out)
    return out.sort_values("period", kind="stable")


def trend_units(trend: pd.DataFrame) -> list[str]:
    """Each row's unit as `actual_vs_target` panels it: as written and stripped, every
    percent spelling (`%`, `％`, `百分比`) as `%`, '' when absent or blank."""
    units = trend["unit"] if "unit" in trend.columns else pd.Series(None, index=trend.index)
    return [("%" if percent_unit(u) else u.strip()) if isinstance(u, str) else "" for u in units]


def _split_projection(rows: pd.DataFrame, value: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One series' observed rows, and its projection path: the last observed point then
    the projected ones with a value, so the dashed segment starts where the solid line
    ends. The path is empty when nothing projected has a `value`.
    """
    observed = rows[~rows["projected"]]
    projected = rows[rows["projected"]].dropna(subset=[value])
    if projected.empty:
        return observed, projected
    anchor = observed.dropna(subset=[value]).tail(1)
    return observed, pd.concat([anchor, projected])


def _periods(rows: pd.DataFrame) -> list[str]:
    return in_order(pd.unique(rows["period"]))


INDEX_UNIT = "index"  # the one panel of the indexed view (actual ÷ target × 100)


def _value_text(value: object, unit: str) -> str:
    """An actual or target as the tooltip prints it: a percent as a percent, else the
    number and its unit (`10,158 万元`)."""
    text = number_text(value, "%" if percent_unit(unit) else None)
    return f"{text} {unit}" if unit and text != MISSING and not percent_unit(unit) else text


def _indexed(rows: pd.DataFrame) -> pd.DataFrame:
    """Actuals as a share of their target × 100 and the target as 100, in one panel: KPIs
    in different units side by side. A row without a target (a range KPI) has no index."""
    target = pd.to_numeric(rows["target"], errors="coerce").astype(float)
    actual = pd.to_numeric(rows["actual"], errors="coerce").astype(float)
    usable = target.notna() & (target != 0)
    return rows.assign(
        actual=(actual / target.where(usable) * 100.0),
        target=pd.Series(100.0, index=rows.index).where(usable),
        shown=[_value_text(a, u) for a, u in zip(actual, rows["unit"], strict=True)],
        unit=INDEX_UNIT,
    )


def _unit_panel(
    long: pd.DataFrame, unit: str, x: alt.X, color: alt.Color, dash: alt.StrokeDash, lang: str
) -> alt.LayerChart:
    """The actual and target lines of the KPIs in one unit, on a y axis of that unit (a
    percent as a percent), titled with it."""
    percent = percent_unit(unit)
    if unit == INDEX_UNIT:
        title, axis = t("trends.index_title", lang), alt.Axis(format=",~f")
    else:
        title = t("trends.value_in_unit", lang, unit=unit) if unit else _title("value", lang)
        axis = alt.Axis(format=".1~%" if percent else ",~f")
    tooltip = [
        alt.Tooltip("period:O", title=_title("period", lang)),
        alt.Tooltip("measure:N", title=" "),
        alt.Tooltip("value_text:N", title=_title("value", lang)),
    ]
    if (long["series"] != "").any():
        tooltip.insert(0, alt.Tooltip("series:N", title=_title("series", lang)))
    y = alt.Y("value:Q", title=title, scale=alt.Scale(zero=False), axis=axis)
    base = alt.Chart().encode(x=x, y=y, color=color, tooltip=tooltip)  # `long`: the layer's
    # The points are a layer of their own: a line's point overlay would make the dash
    # legend draw filled, invisible symbols.
    layers = [
        base.mark_line(strokeWidth=2).encode(strokeDash=dash, detail="line:N"),
        base.mark_point(filled=True, size=30, opacity=1),
    ]
    if unit == INDEX_UNIT:  # on target
        layers.insert(0, alt.Chart().mark_rule(color=TARGET_COLOR).encode(y=alt.datum(100)))
    return alt.layer(*layers, data=long)


def actual_vs_target(
    trend: pd.DataFrame, *, lang: str, indexed: bool = False
) -> alt.LayerChart | alt.VConcatChart:
    """Actual and target over periods, one pair of lines per series, one panel per unit.

    Reads `period, actual, target`, optional `unit`, `projected` (bool: a projected value,
    not data) and `series` (as in `kpi_engine.insights.trend`; several series are told
    apart by colour, actual / target / projection by dash). KPIs in different units are
    drawn in panels stacked one above the other, each with its own y axis titled with its
    unit (a percent unit's axis and tooltip read as percents), sharing the periods and the
    legend; one unit is one plain chart. `indexed`: every KPI in one panel as actual ÷
    target × 100 against a rule at 100 (a KPI without a single target, a range, drops out).
    A projected actual continues the actual line dashed and is named 'projection (not
    actual data)' in the legend; projected rows without an actual (a score-only
    projection) draw nothing here.
    """
    rows = _trend_rows(trend, lang)
    rows = _indexed(rows) if indexed else rows.assign(shown=None)
    actual, target = _title("actual", lang), _title("target", lang)
    projection = t("trends.projection_note", lang)
    parts = []
    for _, group in rows.groupby("series", sort=False):
        observed, path = _split_projection(group, "actual")
        parts.append(observed.assign(measure=actual, value=observed["actual"]))
        if not indexed:
            parts.append(group.assign(measure=target, value=group["target"]))
        parts.append(path.assign(measure=projection, value=path["actual"]))
    columns = ["series", "period", "unit", "measure", "value", "shown"]
    long = pd.concat(parts, ignore_index=True)[columns]
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    long = long.dropna(subset=["value"])
    long["value_text"] = [
        f"{number_text(v)} ({s})" if isinstance(s, str) else _value_text(v, u)
        for v, u, s in zip(long["value"], long["unit"], long["shown"], strict=True)
    ]
    long = long.drop(columns="shown")
    # One line per series and measure, even where a projection repeats a period.
    long["line"] = long["series"].astype(str) + "|" + long["measure"]
    # The projection is named in the legend only when there is one to see; an indexed
    # target is the rule at 100, not a line.
    shown = set(long["measure"])
    measures = [m for m in (actual, target, projection) if m in shown or m == actual]
    # Above the y title a long unit or the index makes; none for the actual line alone.
    legend = alt.Legend(**LINE_LEGEND.to_dict(), offset=30) if len(measures) > 1 else None
    dashes = dict(zip([actual, target, projection], [[1, 0], [2, 3], [6, 4]], strict=True))
    dash = alt.StrokeDash(
        "measure:N",
        scale=alt.Scale(domain=measures, range=[dashes[m] for m in measures]),
        legend=legend,
    )
    if rows["series"].nunique() > 1:
        color = alt.Color("series:N", title=_title("series", lang), scale=SERIES_SCALE)
    else:
        color = alt.Color(
            "measure:N",
            scale=alt.Scale(
                domain=measures,
                range=[ACTUAL_COLOR, TARGET_COLOR, ACTUAL_COLOR][: len(measures)],
            ),
            legend=legend,
        )
    x = _period_axis(_periods(rows), lang)
    units = list(pd.unique(long["unit"])) or [""]
    # One series is named above its lines (its colour says actual or target, not which KPI).
    names = list(pd.unique(rows["series"]))
    panels = [
        _unit_panel(long[long["unit"] == u], u, x, color, dash, lang).properties(
            width=560, height=TREND_HEIGHT if len(units) == 1 else PANEL_HEIGHT
        )
        for u in units
    ]
    if len(names) == 1 and names[0]:
        panels[0] = panels[0].properties(title=alt.TitleParams(str(names[0]), anchor="start"))
    if len(panels) == 1:
        return finish(panels[0], lang)
    chart = alt.vconcat(*panels, spacing=24).resolve_scale(
        x="shared", y="independent", color="shared", strokeDash="shared"
    )
    return finish(chart, lang)


# Air above and below the scores on a trend's axis, and how near the data a band edge
# (amber_at, green_at) must be to be shown with its band, in score points.
SCORE_MARGIN, EDGE_REACH = 5.0, 10.0
CHANGES = ("mom_change", "yoy_change")  # a trend's score changes (`insights.trend`)


def score_domain(scores: pd.Series, settings: Settings) -> tuple[float, float]:
    """A trend's score axis, fitted to the data: from the lowest to the highest score
    (projections included) stretched to each band edge within `EDGE_REACH` of them (so a
    series just under green shows where green starts), with `SCORE_MARGIN` either side,
    rounded out to fives and kept within [0, cap]. [0, cap] when there is no score."""
    values = pd.to_numeric(scores, errors="coerce").dropna()
    cap = float(settings.cap)
    if values.empty:
        return 0.0, cap
    low, high = float(values.min()), float(values.max())
    edges = [
        float(e)
        for e in (settings.amber_at, settings.green_at)
        if low - EDGE_REACH <= e <= high + EDGE_REACH
    ]
    low, high = min([low, *edges]) - SCORE_MARGIN, max([high, *edges]) + SCORE_MARGIN
    low = max(0.0, math.floor(low / 5) * 5.0)
    high = min(cap, math.ceil(high / 5) * 5.0)
    return (low, high) if high > low else (max(0.0, high - 2 * SCORE_MARGIN), high)


def _visible_bands(settings: Settings, lang: str, domain: tuple[float, float]) -> pd.DataFrame:
    """The status bands (red below amber_at, amber up to green_at, green to the cap) cut
    to the visible score range; a band outside it is left out."""
    bands = pd.DataFrame(
        {
            "band": [band_labels(settings, lang)[s] for s in ("red", "amber", "green")],
            "low": [0.0, float(settings.amber_at), float(settings.green_at)],
            "high": [float(settings.amber_at), float(settings.green_at), float(settings.cap)],
        }
    )
    bands["low"] = bands["low"].clip(lower=domain[0])
    bands["high"] = bands["high"].clip(upper=domain[1])
    return bands[bands["high"] > bands["low"]].reset_index(drop=True)


def score_bands(trend: pd.DataFrame, *, lang: str, settings: Settings) -> alt.LayerChart:
    """Score over periods on top of the status bands (red below amber_at, amber up to
    green_at, green from green_at to the cap), on an axis fitted to the scores
    (`score_domain`), the bands drawn over the visible range only.

    Reads `period, score`, optional `projected` (bool) and optional `series` (the frame of
    `kpi_engine.insights.trend`, with `insights.projection` rows appended, fits as is), its
    `mom_change` / `yoy_change` when present (in the tooltip as score points), and a
    department's adjustment columns when present: a vetoed period is a red cross, its
    tooltip giving the reason (SPEC §5.6) and the points (§5.7).
    Projected scores continue the line dashed with hollow points and are named
    'projection (not actual data)' in the legend. One series: a dark line with points in
    their status colour; several: one colour per series. The bands use the `fill` channel
    so their legend never mixes with the series colours.
    """
    rows = _adjusted(_trend_rows(trend, lang), lang, mark=False)
    rows["score"] = pd.to_numeric(rows["score"], errors="coerce").astype(float)
    for change in CHANGES:
        if change not in rows.columns:
            rows[change] = np.nan
    score, projection = _title("score", lang), t("trends.projection_note", lang)
    parts = []
    for _, group in rows.groupby("series", sort=False):
        observed, path = _split_projection(group, "score")
        parts.append(observed.assign(kind=score))
        parts.append(path.assign(kind=projection))
    line_rows = pd.concat(parts, ignore_index=True)[
        ["series", "period", "score", "kind", "projected", *CHANGES, *ADJUSTED_FIELDS]
    ]
    line_rows["line"] = line_rows["series"].astype(str) + "|" + line_rows["kind"]
    line_rows["score_text"] = _score_text(line_rows["score"])
    line_rows["status_label"] = [
        status_label(s, lang) for s in _statuses(line_rows["score"], settings)
    ]
    for change in ("mom", "yoy"):  # score changes are points (`+2.3 分`), not rates
        line_rows[f"{change}_text"] = [
            MISSING if p else points_change_text(v, lang)
            for v, p in zip(line_rows[f"{change}_change"], line_rows["projected"], strict=True)
        ]
    line_rows = line_rows.drop(columns=list(CHANGES))
    multi = rows["series"].nunique() > 1
    kinds = [score, projection][: 2 if (line_rows["kind"] == projection).any() else 1]

    domain = score_domain(line_rows["score"], settings)
    names = band_labels(settings, lang)  # the bands named with their scores
    labels = [names[s] for s in ("red", "amber", "green")]
    y_scale = alt.Scale(domain=list(domain), clamp=True, nice=False)
    band_layer = (
        alt.Chart(_visible_bands(settings, lang, domain))
        .mark_rect(opacity=0.85)
        .encode(
            y=alt.Y("low:Q", scale=y_scale, title=score),
            y2="high:Q",
            fill=alt.Fill(
                "band:N",
                scale=alt.Scale(
                    domain=labels,
                    range=[BAND_TINTS["red"], BAND_TINTS["amber"], BAND_TINTS["green"]],
                ),
                legend=alt.Legend(title=t("trends.status_bands", lang), orient="right"),
            ),
        )
    )
    x = _period_axis(_periods(rows), lang)
    y = alt.Y("score:Q", scale=y_scale, title=score)
    tooltip = [
        alt.Tooltip("period:O", title=_title("period", lang)),
        alt.Tooltip("kind:N", title=" "),
        alt.Tooltip("score_text:N", title=score),
        alt.Tooltip("status_label:N", title=_title("status", lang)),
        alt.Tooltip("mom_text:N", title=t("trends.mom", lang)),
        alt.Tooltip("yoy_text:N", title=t("trends.yoy", lang)),
        *_adjustment_tooltips(line_rows, lang),
    ]
    if multi:
        tooltip.insert(0, alt.Tooltip("series:N", title=_title("series", lang)))
        series_color = alt.Color("series:N", title=_title("series", lang), scale=SERIES_SCALE)
        line_color, point_color, point_shape = {"color": series_color}, series_color, {}
    else:  # one series: points in their status colour, a red one a downward triangle
        line_color, point_color = {}, _status_point_color(settings)
        point_shape = {"shape": _status_point_shape(settings)}
    line = (  # the lines' and points' rows are the layer chart's (`line_rows`)
        alt.Chart()
        .mark_line(color=LINE_COLOR, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            strokeDash=alt.StrokeDash(
                "kind:N",
                scale=alt.Scale(domain=kinds, range=[[1, 0], [6, 4]][: len(kinds)]),
                legend=LINE_LEGEND,
            ),
            detail="line:N",
            tooltip=tooltip,
            **line_color,
        )
    )
    observed_points = (
        alt.Chart()
        .transform_filter("!datum.projected && isValid(datum.score)")
        .mark_point(filled=True, size=55, opacity=1, stroke=LINE_COLOR, strokeWidth=0.8)
        .encode(x=x, y=y, color=point_color, tooltip=tooltip, **point_shape)
    )
    projected_points = (
        alt.Chart()
        .transform_filter("datum.projected && isValid(datum.score)")
        .mark_point(filled=False, size=55, opacity=1, strokeWidth=2)
        .encode(x=x, y=y, color=point_color, tooltip=tooltip)
    )
    vetoed_points = (  # a vetoed period of a department (SPEC §5.6): a red cross
        alt.Chart()
        .transform_filter("datum.vetoed && isValid(datum.score)")
        .mark_point(shape="cross", filled=True, size=140, color=RED, opacity=1)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    chart = alt.layer(
        band_layer, line, observed_points, projected_points, vetoed_points, data=line_rows
    ).properties(width=560, height=TREND_HEIGHT)
    return finish(chart, lang)


def department_bars(
    departments: pd.DataFrame, *, lang: str, settings: Settings, period: str | None = None
) -> alt.LayerChart:
    """Each department's overall score for one period as horizontal bars, best first.

    Reads `department, score, coverage` and the adjustment columns of
    `Scorecard.departments` when present: a vetoed department's bar is red whatever its
    score and reads `0.0 否决`; the tooltips give the weighted score, the points and the
    veto's reason (SPEC §5.6, §5.7)."""
    rows = _one_period(departments, period, "department_bars")
    shown = ("department", "score", "coverage", "grade", *ADJUSTMENTS)
    keep = [c for c in shown if c in rows.columns]
    rows = _adjusted(_labelled(rows[keep].copy(), lang, settings), lang, settings=settings)
    rows["score_pos"] = rows["score"].fillna(0.0)
    order = in_department_order(rows["department"], _scores(rows), order=settings.department_order)
    chart = _score_bars(rows, "department", order, "department", lang=lang, settings=settings)
    return finish(chart.properties(height=alt.Step(28)), lang)

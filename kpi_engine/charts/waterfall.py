"""Why the score moved (issue 17, Deliver 6): a waterfall from the previous score to this
one, a bar per part of `core.explain.explain`.

The previous and the current score are grey bars; each part floats from where the last
one ended, green when it raised the score and red when it lowered it, with its signed
points printed beside it (so the direction never rests on colour alone). The `top`
largest parts are drawn, the rest summed into one "other" bar, so the bars always end
on the current score. Horizontal bars: KPI names read across, as on the ranking chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from kpi_engine.charts.palette import GREEN, RED
from kpi_engine.charts.specs import BASELINE_COLOR, DARK_TEXT, LABEL_LIMIT, finish
from kpi_engine.core import periods
from kpi_engine.core.explain import change, explain, score_of
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.settings import Settings
from kpi_engine.i18n import period_label, points_change_text, score_text, t

TOP = 8  # parts drawn one by one; the rest are one "other" bar
ENDS = "ends"  # the start and end bars' `sign`


def part_label(row: pd.Series, lang: str, *, with_department: bool) -> str:
    """A part as a reader names it: the KPI (and, for the organisation, its department)
    with what moved it, or the adjustment or the settings, in `lang`."""
    kind = str(row["kind"])
    subject = row["kpi"] if isinstance(row["kpi"], str) else None
    if kind == "veto" and row["part"] != "veto":
        subject = str(row["part"])  # the failing veto KPI
    if subject is None and kind in ("weights", "coverage_new", "coverage_missing"):
        subject = str(row["department"])  # a department's weight or coverage, organisation-wide
        with_department = False
    if subject is None:
        text = t(f"explain.kind_{kind}", lang)
    else:
        text = t(f"explain.of_{kind}", lang, name=subject)
    if with_department and isinstance(row["department"], str) and kind != "settings":
        return t("explain.in_department", lang, part=text, department=row["department"])
    return text


def labelled(parts: pd.DataFrame, lang: str, *, with_department: bool) -> pd.DataFrame:
    """`parts` with a `label` column (`part_label`), made unique, largest first."""
    if parts.empty:
        return parts.assign(label=pd.Series(dtype=object))
    labels = [part_label(row, lang, with_department=with_department) for _, row in parts.iterrows()]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:  # two KPIs of one name: "name", "name (2)"
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    out = parts.assign(label=unique)
    order = np.argsort(-out["points"].abs().to_numpy(float), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def steps(
    parts: pd.DataFrame,
    before: float,
    lang: str,
    *,
    top: int = TOP,
    with_department: bool = False,
    start: str = "",
    end: str = "",
) -> pd.DataFrame:
    """The bars: label, start, end (x from and to), points, sign ("up", "down", `ENDS`),
    text (signed points, or the score on a grey bar). The first bar is the previous score,
    the last the current one (`before` plus every part's points)."""
    shown = labelled(parts, lang, with_department=with_department)
    rest = shown.iloc[top:]
    shown = shown.iloc[:top]
    items = list(zip(shown["label"], shown["points"].astype(float), strict=True))
    if len(rest):
        items.append((t("explain.other", lang, n=len(rest)), float(rest["points"].sum())))
    items.sort(key=lambda item: -item[1])  # the rises, then the falls
    points = np.array([p for _, p in items], dtype=float)
    ends = before + np.concatenate([[0.0], np.cumsum(points)])
    after = float(ends[-1])
    rows = pd.DataFrame(
        {
            "label": [start, *(label for label, _ in items), end],
            "start": [np.nan, *ends[:-1], np.nan],
            "end": [before, *ends[1:], after],
            "points": [before, *points, after],
            "sign": [ENDS, *np.where(points >= 0, "up", "down"), ENDS],
        }
    )
    rows["text"] = [
        score_text(p) if s == ENDS else points_change_text(p, lang)
        for p, s in zip(rows["points"], rows["sign"], strict=True)
    ]
    return rows


def waterfall(
    parts: pd.DataFrame,
    *,
    before: float,
    lang: str,
    start: str,
    end: str,
    top: int = TOP,
    with_department: bool = False,
) -> alt.LayerChart:
    """The waterfall of `parts` (`core.explain.explain`) from `before` (the previous score),
    the grey end bars named `start` and `end` (e.g. the two periods)."""
    rows = steps(
        parts,
        before,
        lang,
        top=top,
        with_department=with_department,
        start=start,
        end=end,
    )
    low = float(np.nanmin(np.r_[rows["start"], rows["end"]]))
    high = float(np.nanmax(np.r_[rows["start"], rows["end"]]))
    pad = max((high - low) * 0.15, 1.0)
    domain = [max(low - pad, 0.0) if low >= 0 else low - pad, high + pad]
    rows["start"] = rows["start"].fillna(domain[0])  # a grey bar stands on the axis
    rows["text_at"] = rows[["start", "end"]].max(axis=1)
    y = alt.Y(
        "label:N",
        sort=list(rows["label"]),
        title=None,
        axis=alt.Axis(labelLimit=int(LABEL_LIMIT * 1.4)),
    )
    x = alt.X(
        "start:Q",
        title=t("common.score", lang),
        scale=alt.Scale(domain=domain, zero=False, nice=False),
    )
    color = alt.Color(
        "sign:N",
        scale=alt.Scale(domain=["up", "down", ENDS], range=[GREEN, RED, BASELINE_COLOR]),
        legend=None,
    )
    tooltip = [
        alt.Tooltip("label:N", title=t("explain.part", lang)),
        alt.Tooltip("text:N", title=t("explain.points", lang)),
    ]
    bars = (
        alt.Chart()
        .mark_bar(height={"band": 0.7}, clip=True)
        .encode(x=x, x2="end:Q", y=y, color=color, tooltip=tooltip)
    )
    values = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=12, color=DARK_TEXT)
        .encode(x="text_at:Q", y=y, text="text:N", tooltip=tooltip)
    )
    # alt.layer with data= is typed as maybe a FacetChart; a layer of two marks is a layer
    layered = cast(alt.LayerChart, alt.layer(bars, values, data=rows))
    chart = layered.properties(width=520, height=alt.Step(28))
    return finish(chart, lang)


@dataclass(frozen=True, eq=False)
class Change:
    """A score change ready to show: its parts (`core.explain.explain`), their sum, the
    caption saying it, the waterfall, and the parts labelled, largest first."""

    parts: pd.DataFrame
    total: float
    caption: str
    chart: alt.LayerChart
    labelled: pd.DataFrame  # parts + label


def score_change(
    history: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    *,
    department: str | None = None,
    previous_settings: Settings | None = None,
    parts: pd.DataFrame | None = None,
) -> Change | str:
    """What the pages and the PDF show of why the organisation's (`department` None) or a
    department's score moved since the previous period; else the sentence saying why
    there is nothing to show (no previous score, or no change). `parts`: the department's
    `explain` when already worked out with the others' (`explain.explain_departments`)."""
    previous = periods.previous_period(period)
    words = {"previous": period_label(previous, lang), "period": period_label(period, lang)}
    now = score_of(history, period, department)
    if np.isnan(now) or np.isnan(score_of(history, previous, department)):
        return t("explain.no_previous", lang, **words)
    if parts is None:
        parts = explain(
            history,
            period,
            department=department,
            settings=settings,
            previous_settings=previous_settings,
        )
    if parts.empty:
        return t("explain.no_change", lang, **words)
    total = change(parts)
    organisation = department is None
    return Change(
        parts,
        total,
        t("explain.caption", lang, change=points_change_text(total, lang), top=TOP, **words),
        waterfall(
            parts,
            before=now - total,
            lang=lang,
            start=words["previous"],
            end=words["period"],
            with_department=organisation,
        ),
        labelled(parts, lang, with_department=organisation),
    )

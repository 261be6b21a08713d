"""Message catalogs: one JSON file per language in `locales/` beside this module, read by `t()`.

Keys are flat, dotted and namespaced by where the text appears:

- `app.*`, `page.*`, `sidebar.*`, `grain.*`: the shell (title, page names, sidebar);
- `common.*`: nouns shared by tables, axes and tooltips (department, score, coverage...);
- `overview.*`, `scorecard.*`, `heatmap.*`, `trends.*`, `data.*`, `whatif.*`: one per page;
- `warning.<kind>` and `warning.<kind>_detail`: early-warning kinds (`WARNING_KINDS`);
- `report.*`, `severity.*`: the validation report's columns and severities;
- `issue.<code>`: the engine's problems (`kpi_engine.ingest.messages`) in Chinese; English
  has none, since the English text is the message itself, written once in `messages`;
- `perspective.<p>`, `status.<s>`, `direction.<d>`, `method.<m>`: the engine's closed
  vocabularies (`core.schema`, `core.scoring.METHODS`), translated for display.

Placeholders use `str.format` syntax (`{department}`) and are the same in every language.
A key missing from a language falls back to simplified Chinese, then to the key itself,
so a gap shows up as a readable key rather than an exception. No Streamlit here.
"""

from __future__ import annotations

import calendar
import json
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from kpi_engine.core import periods
from kpi_engine.core.adjust import is_veto

DEFAULT_LANG = "zh-Hans"
LANGUAGES: dict[str, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
WARNING_KINDS: tuple[str, ...] = ("red_streak", "low_coverage", "no_upload")
MISSING = "—"  # a missing score, change or cell, in every language, page and report

LOCALES = Path(__file__).with_name("locales")


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """The messages of one language, read once (empty for a language without a catalog)."""
    path = LOCALES / f"{lang}.json"
    if lang not in LANGUAGES or not path.is_file():
        return MappingProxyType({})
    with path.open(encoding="utf-8") as f:
        return MappingProxyType(json.load(f))


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The message `key` in `lang`, else in simplified Chinese, else the key; formatted
    with `fmt` when given (a placeholder `fmt` lacks is a bug and raises KeyError).
    """
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    return text.format(**fmt) if fmt else text


def is_missing(value: object) -> bool:
    """None, NaN or pandas' NA: a cell that reads as `MISSING`, never 'None' or 'nan'."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or type(value).__name__ in ("NAType", "NaTType")
    )


def score_text(value: object) -> str:
    """A score as every page, chart and report prints it: one decimal, `MISSING` if none."""
    return MISSING if is_missing(value) else f"{float(value):.1f}"  # type: ignore[arg-type]


def change_text(value: object) -> str:
    """A change against the previous period: signed, one decimal, `MISSING` if none."""
    if is_missing(value):
        return MISSING
    return f"{round(float(value), 1) + 0.0:+.1f}"  # type: ignore[arg-type]  # no "-0.0"


def points_change_text(value: object, lang: str = DEFAULT_LANG, *, percent: bool = False) -> str:
    """A change named as what it is: score points (`+2.3 分`, `+2.3 pts`), or with
    `percent`, percentage points of a percent value held as a share (0.012: `+1.2 个百分点`),
    never a bare number a reader could take for a rate; `MISSING` if none."""
    if is_missing(value):
        return MISSING
    number = float(value) * (100.0 if percent else 1.0)  # type: ignore[arg-type]
    key = "trends.change_percentage_points" if percent else "trends.change_points"
    return t(key, lang, change=change_text(number))


def percent_text(value: object) -> str:
    return MISSING if is_missing(value) else f"{float(value):.0%}"  # type: ignore[arg-type]


def number_text(value: object, unit: object = None) -> str:
    """Actuals and targets as people read them: percent units as percents, else up to
    4 significant digits with thousands separators; `MISSING` if none."""
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if unit in ("%", "％"):
        return f"{number:.1%}"
    return f"{number:,.0f}" if abs(number) >= 10_000 else f"{number:,.4g}"


def unit_text(value: object, unit: object) -> str:
    """A number with its unit as people write it: `98.5%` (`number_text`: percent as
    percent), `1,250 万元`, `3 天`; `MISSING` when there is no number."""
    shown = number_text(value, unit)
    if shown == MISSING or is_missing(unit) or unit in ("", "%", "％"):
        return shown
    return f"{shown} {unit}"


def target_text(
    direction: object,
    target: object,
    low: object,
    high: object,
    unit: object,
    *,
    with_unit: bool = False,
) -> str:
    """A KPI's target as written: `low – high` for a target range, else the target;
    `with_unit`: followed by its unit (`unit_text`), `95 – 105 万元`."""
    last = unit_text if with_unit else number_text
    if direction == "range":
        return f"{number_text(low, unit)} – {last(high, unit)}"
    return last(target, unit)


def text_or_missing(value: object) -> str:
    """Any cell as text (an id, a unit, a name), `MISSING` where it is empty."""
    return MISSING if is_missing(value) or value == "" else str(value)


def _vocabulary(prefix: str, value: object, lang: str) -> str:
    """A closed-vocabulary value translated; a value without a message is shown as is."""
    if is_missing(value):
        return MISSING
    key = f"{prefix}.{value}"
    text = t(key, lang)
    return str(value) if text == key else text


def perspective_label(perspective: object, lang: str = DEFAULT_LANG) -> str:
    """`financial` -> 财务 / 財務 / Financial; unknown values as written, missing as —."""
    return _vocabulary("perspective", perspective, lang)


def status_label(status: object, lang: str = DEFAULT_LANG) -> str:
    """`green` / `amber` / `red` translated; a missing status (no score) reads as missing."""
    if is_missing(status):
        return t("status.missing", lang)
    return _vocabulary("status", status, lang)


def warning_kind_label(kind: object, lang: str = DEFAULT_LANG) -> str:
    """Early-warning kind (one of `WARNING_KINDS`) translated."""
    return _vocabulary("warning", kind, lang)


def _grain(text: str) -> str | None:
    """A period label's grain; None when the text is no period label (shown as written)."""
    try:
        return periods.grain_of(text)
    except ValueError:
        return None


def period_label(label: object, lang: str = DEFAULT_LANG) -> str:
    """A period label as people write it: `2026-Q1` -> 2026年第1季度 / 2026 Q1,
    `2026-H1` -> 2026年上半年 / 2026 H1, `2026` -> 2026年度, `2026-10-YTD` -> 2026年1-10月累计;
    a month, or anything else, as written."""
    if is_missing(label):
        return MISSING
    text = str(label)
    grain = _grain(text)
    if grain is None:
        return text
    year = text[:4]
    if grain == "quarter":
        return t("period.quarter", lang, year=year, n=text[-1])
    if grain == "half":
        return t(f"period.half_{text[-1]}", lang, year=year)
    if grain == "year":
        return t("period.year", lang, year=year)
    if grain == "ytd":
        if text.count("-") == 1:
            return t("period.ytd_year", lang, year=year)
        month = int(text[5:7])
        shown = calendar.month_abbr[month] if lang == "en" else month
        return t("period.ytd", lang, year=year, month=shown)
    return text


def period_heading(label: object, lang: str = DEFAULT_LANG) -> str:
    """The period a page shows and its grain, as its title says them: `2026年10月 · 月度`,
    `2026年第3季度 · 季度`, `October 2026 · Monthly` (a month by its name, not `2026-10`);
    the label as written when it is no period."""
    if is_missing(label):
        return MISSING
    text = str(label)
    grain = _grain(text)
    if grain is None:
        return text
    if grain == "month":
        month = int(text[5:7])
        shown = calendar.month_name[month] if lang == "en" else month
        when = t("period.month", lang, year=text[:4], month=shown)
    else:
        when = period_label(text, lang)
    return t("period.heading", lang, period=when, grain=t(f"period.grain_{grain}", lang))


def coefficient_text(value: object) -> str:
    """A grade's coefficient (绩效系数) as written in the grade table: `1.2`, `MISSING` if none."""
    return MISSING if is_missing(value) else f"{float(value):g}"  # type: ignore[arg-type]


def grade_text(grade: object, coefficient: object = None) -> str:
    """A grade beside a score: `A`, with its coefficient `A ×1.2`; `MISSING` if none."""
    if is_missing(grade):
        return MISSING
    return str(grade) if is_missing(coefficient) else f"{grade} ×{coefficient_text(coefficient)}"


def veto_text(veto: object, lang: str = DEFAULT_LANG) -> str:
    """Why a department's score is the veto score, as every page and report words it:
    `一票否决：重大安全事故 实际 1，目标 0`, with `红线 2` where a floor was given (the floor,
    not the target, decides then); "" when `veto` names no failing KPI (see `is_veto`).
    Actual, target (a range as `low – high`) and floor read as the KPI's own numbers
    (`number_text`, its unit)."""
    if not isinstance(veto, Mapping):  # `adjust.is_veto`, spelt out so the type narrows
        return ""
    unit = veto.get("unit")
    low, high = veto.get("target_low"), veto.get("target_high")
    ranged = is_missing(veto.get("target")) and not (is_missing(low) or is_missing(high))
    direction = "range" if ranged else None  # a target range reads `low – high`
    target = target_text(direction, veto.get("target"), low, high, unit)
    values = [t("veto.actual", lang, value=number_text(veto.get("actual"), unit))]
    if target != MISSING:
        values.append(t("veto.target", lang, value=target))
    if not is_missing(veto.get("floor")):
        values.append(t("veto.floor", lang, value=number_text(veto.get("floor"), unit)))
    name = veto.get("kpi_name")
    kpi = text_or_missing(veto.get("kpi_id") if is_missing(name) or name == "" else name)
    return t("veto.reason", lang, kpi=kpi, values=t("veto.sep", lang).join(values))


def _points(value: object) -> float:
    return 0.0 if is_missing(value) else float(value)  # type: ignore[arg-type]


def adjustment_text(
    score_before: object, bonus: object, penalty: object, lang: str = DEFAULT_LANG
) -> str:
    """The sentence beside a department's score (SPEC §5.7): its weighted score before
    bonus, penalty and veto, then the points added and subtracted, e.g.
    `加权得分 92.0 ＋加分 3.0 －扣分 2.0` (a part with no points left out); "" without a
    weighted score."""
    if is_missing(score_before):
        return ""
    parts = [t("adjust.before", lang, score=score_text(score_before))]
    for key, points in (("adjust.bonus", _points(bonus)), ("adjust.penalty", _points(penalty))):
        if round(points, 1) != 0:
            parts.append(t(key, lang, points=score_text(abs(points))))
    return " ".join(parts)  # a space in every language: the signs lead the parts


def is_adjusted(bonus: object, penalty: object, veto: object) -> bool:
    """Whether a department's score differs from its weighted score: points added or
    subtracted, or a veto (where the adjustment sentence and reason are worth showing)."""
    return is_veto(veto) or round(_points(bonus), 1) != 0 or round(_points(penalty), 1) != 0

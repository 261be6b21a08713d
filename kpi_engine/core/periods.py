"""Months, quarters, half-years, years and year-to-date: reading them from cells and
text, and aggregating.

A period is a label. Data (a KPI row) is reported for one of (SPEC §5.1):
- `YYYY-MM`: a month;
- `YYYY-Qn`: a quarter; `YYYY-Hn`: a half-year; `YYYY`: a year.
A view may also be year to date:
- `YYYY-YTD`: January through the latest month of that year present in the data;
- `YYYY-MM-YTD`: January through the given month (what `score --ytd YYYY-MM` asks for).
A KPI's frequency is the grain of its label: a quarterly KPI has quarter labels only, so
it is never expected in a month.

Arithmetic on labels is by grain and done here only: a month steps to the previous month,
a quarter to the previous quarter, and so on; year to date `YYYY-MM-YTD` steps to the same
months of the year before (a like-for-like comparison: January-October against
January-October).

Workbooks write months in many ways (`2026-01`, `2026年1月`, `202601`, `Jan-2026`, `1月`
under a title that names the year...). `parse_period` reads one cell or header whole;
`find_period` and `find_year` look inside titles, sheet names and file names. Anything
ambiguous is None rather than a guess: a wrong month silently scores the wrong data.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from kpi_engine.core.adjust import as_points
from kpi_engine.core.names import IDENTITY_COLUMNS, kpi_keys
from kpi_engine.core.schema import AGGREGATIONS, ANCHORS, floats

# Years a KPI period may plausibly fall in; outside, a "year" is some other number.
YEAR_MIN, YEAR_MAX = 1990, 2100
DEFAULT_AGGREGATION = "avg"  # SPEC: aggregation defaults to avg

_MONTH_NAMES: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_CN_MONTHS: dict[str, int] = {
    "一": 1,
    "元": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}

# Longest names first so that alternation prefers `september` to `sep`, `十二` to `十`.
_NAME = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_EN = rf"(?<![a-z])(?P<name>{_NAME})(?![a-z])\.?"
_CN = rf"(?P<cn>{'|'.join(sorted(_CN_MONTHS, key=len, reverse=True))})"
_MM = r"(?P<m>\d{1,2})"
_YYYY = r"(?P<y>\d{4})"
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"

# Whole-cell forms, tried in order on NFKC-normalised, stripped, lower-cased text.
_CELL_FORMS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"{_YYYY}\s*[-/._]\s*{_MM}",  # 2026-01, 2026-1, 2026/01, 2026.01
        rf"{_YYYY}\s*[-/.]\s*{_MM}\s*[-/.]\s*(?P<d>\d{{1,2}}){_TIME}",  # a full date
        rf"{_YYYY}\s*年\s*(?:{_MM}|{_CN})\s*月份?(?:\s*(?P<d>\d{{1,2}})\s*[日号號])?",
        r"(?P<y>\d{4})(?P<m>\d{2})",  # 202601
        rf"{_EN}[\s\-/_,']*(?P<y>\d{{4}}|\d{{2}})",  # Jan-2026, January 2026, Jan-26
        rf"{_YYYY}[\s\-/_.]*{_EN}",  # 2026-Jan, 2026 Jan
        rf"{_MM}\s*[-/.]\s*{_YYYY}",  # 01/2026, 1-2026
    )
)
# Month-only forms, which need the year from elsewhere: 1月, 01月, 一月, 十二月, Jan.
_MONTH_ONLY_FORMS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?:{_MM}|{_CN})\s*月份?"),
    re.compile(_EN),
)

# Forms found inside longer text (titles, sheet and file names), with guards so that
# digits inside longer numbers never count.
_TEXT_FORMS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"(?<!\d){_YYYY}\s*年\s*(?:{_MM}|{_CN})\s*月",  # 2026年10月, 2026年十月
        rf"(?<!\d)(?<!\d[.,]){_YYYY}[-/._]{_MM}(?!\d)",  # 2026-10, 2026_10, 2026-10-05
        r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?!\d)",  # 202610
        rf"{_EN}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?[\s\-/_,]*(?P<y>\d{{4}})(?!\d)",  # Oct 2026
        rf"{_EN}[-'’](?P<y>\d{{2}})(?!\d)",  # Oct-26, Oct'26
        rf"(?<!\d){_YYYY}[\s\-/_.]*{_EN}",  # 2026-Oct, 2026 October
    )
)
_YEAR_FORMS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*(?:年|财年|財年)"),  # 2026年, 2026年度, 2026财年
    re.compile(r"(?<![a-z])fy\s*'?(?P<y>\d{4}|\d{2})(?!\d)"),  # FY2026, FY 26
)
_BARE_YEAR = re.compile(r"(?<!\d)(?<!\d[.,])(?P<y>\d{4})(?!\d|[.,]\d|%)")

_MONTH_LABEL = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_QUARTER_LABEL = re.compile(r"(\d{4})-Q([1-4])")
_HALF_LABEL = re.compile(r"(\d{4})-H([12])")
_YEAR_LABEL = re.compile(r"(\d{4})")
_YTD_LABEL = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?-YTD")


# --- labels -------------------------------------------------------------------------------


def _month(year: int, month: int) -> str | None:
    """`YYYY-MM`, or None when the year is implausible or the month is not 1-12."""
    if YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}"
    return None


def _matches(pattern: re.Pattern[str], text: object) -> bool:
    match = pattern.fullmatch(text) if isinstance(text, str) else None
    return bool(match) and YEAR_MIN <= int(match.group(1)) <= YEAR_MAX


def is_month(text: object) -> bool:
    """Whether `text` is a month label `YYYY-MM` (as the engine and `--period` write it)."""
    return _matches(_MONTH_LABEL, text)


def is_quarter(text: object) -> bool:
    """Whether `text` is a quarter label `YYYY-Qn`."""
    return _matches(_QUARTER_LABEL, text)


def is_half(text: object) -> bool:
    """Whether `text` is a half-year label `YYYY-Hn`."""
    return _matches(_HALF_LABEL, text)


def is_year(text: object) -> bool:
    """Whether `text` is a year label `YYYY`."""
    return _matches(_YEAR_LABEL, text)


def is_ytd(text: object) -> bool:
    """Whether `text` is a year-to-date label `YYYY-YTD` or `YYYY-MM-YTD`."""
    return _matches(_YTD_LABEL, text)


def is_label(text: object) -> bool:
    """Whether `text` is a period label of any grain."""
    return any(is_(text) for is_ in _IS.values())


def _require_month(text: object) -> str:
    if not is_month(text):
        raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-03")
    return str(text)


def month_after(day: date) -> str:
    """`YYYY-MM` of the month after `day`'s: the latest month an upload may report."""
    year, index = divmod(day.year * 12 + day.month, 12)  # the next month, from 0
    return f"{year:04d}-{index + 1:02d}"


def quarter_of(period: str) -> str:
    """The quarter label of a month label: '2026-03' -> '2026-Q1'."""
    return containing(_require_month(period), "quarter")


def quarter_months(label: str) -> list[str]:
    """The three month labels of a quarter label: '2026-Q2' -> 2026-04, 2026-05, 2026-06."""
    if not is_quarter(label):
        raise ValueError(f"{label!r} is not a quarter: write it as YYYY-Qn, e.g. 2026-Q1")
    return months_of(label)


def ytd_months(year: int, through: str) -> list[str]:
    """January through `through` (a month label of the same year)."""
    month = int(_require_month(through)[5:])
    if int(through[:4]) != year:
        raise ValueError(f"year to date of {year} cannot run through {through!r}")
    return [f"{year:04d}-{m:02d}" for m in range(1, month + 1)]


# Grains in the order views list them; the data grains are those a sheet may report.
GRAINS: tuple[str, ...] = ("month", "quarter", "half", "ytd", "year")
DATA_GRAINS: tuple[str, ...] = ("month", "quarter", "half", "year")
_PER_YEAR = {"month": 12, "quarter": 4, "half": 2, "year": 1, "ytd": 1}
_IS = {
    "month": is_month,
    "quarter": is_quarter,
    "half": is_half,
    "year": is_year,
    "ytd": is_ytd,
}
_BAD_LABEL = (
    "{label!r} is not a period: write a month 2026-03, a quarter 2026-Q1, a half-year "
    "2026-H1, a year 2026, or year to date 2026-YTD / 2026-03-YTD"
)


def grain_of(label: str) -> str:
    """'month', 'quarter', 'half', 'year' or 'ytd' for a period label; ValueError else."""
    for grain, is_ in _IS.items():
        if is_(label):
            return grain
    raise ValueError(_BAD_LABEL.format(label=label))


def _index(label: str, grain: str) -> int:
    """The period's number within its year, from 1 (a year and year to date: 1)."""
    if grain == "month":
        return int(label[5:7])
    return int(label[6]) if grain in ("quarter", "half") else 1


def _label(grain: str, number: int, ytd_suffix: str = "") -> str:
    """The label of the `number`-th period of `grain` counted from January 1970."""
    year, index = divmod(number, _PER_YEAR[grain])
    year += 1970
    if grain == "month":
        return f"{year:04d}-{index + 1:02d}"
    if grain == "quarter":
        return f"{year:04d}-Q{index + 1}"
    if grain == "half":
        return f"{year:04d}-H{index + 1}"
    return f"{year:04d}{ytd_suffix}"


def ordinal(label: str) -> int:
    """A count that steps by one from a period to the next of the same grain (as
    `pd.Period.ordinal` counts months, quarters and years from 1970)."""
    grain = grain_of(label)
    return (int(label[:4]) - 1970) * _PER_YEAR[grain] + _index(label, grain) - 1


def shift_period(label: str, steps: int) -> str:
    """The label `steps` periods after `label` (before, when negative), in its grain.

    Year to date keeps its months and moves the year: '2026-10-YTD' -> '2025-10-YTD'.
    """
    grain = grain_of(label)
    return _label(grain, ordinal(label) + steps, label[4:] if grain == "ytd" else "")


def previous_period(label: str) -> str:
    """The period a change is measured against: previous month, quarter, half-year or
    year, or the same months of the previous year for year to date.

    `YYYY-YTD` (no month) steps to `(YYYY-1)-YTD`, which is the whole of that year when
    the data has it: use `YYYY-MM-YTD` to compare like for like.
    """
    return shift_period(label, -1)


def next_period(label: str) -> str:
    """The period after `label` (what a projection is for)."""
    return shift_period(label, 1)


def year_ago(label: str) -> str:
    """The same period one year earlier: '2026-10' -> '2025-10', '2026-Q3' -> '2025-Q3'."""
    return shift_period(label, -_PER_YEAR[grain_of(label)])


def containing(label: str, grain: str) -> str:
    """The period of `grain` that holds the data label `label`: ('2026-03', 'quarter') ->
    '2026-Q1'; `label` itself at its own grain. ValueError when `grain` is finer."""
    own = grain_of(label)
    if grain not in DATA_GRAINS or _PER_YEAR[grain] > _PER_YEAR[own]:
        raise ValueError(f"a {own} {label!r} is not inside one {grain}")
    first = (_index(label, own) - 1) * 12 // _PER_YEAR[own]  # its first month, from 0
    per_year = _PER_YEAR[grain]
    return _label(grain, (int(label[:4]) - 1970) * per_year + first * per_year // 12)


def within(label: str, outer: str) -> bool:
    """Whether the data label `label` is a finer period inside `outer` (a month of a
    quarter, a quarter of a year)."""
    inner = grain_of(label)
    return finer(inner, grain_of(outer)) and containing(label, grain_of(outer)) == outer


def finer(grain: str, than: str) -> bool:
    """Whether data of `grain` is finer than a `than` period (a month than a quarter)."""
    return _PER_YEAR[grain] > _PER_YEAR[than]


def in_order(labels: Iterable[str]) -> list[str]:
    """Distinct labels in time order (grain, then ordinal, then label)."""
    rank = {g: i for i, g in enumerate(GRAINS)}
    return sorted(set(labels), key=lambda p: (rank[grain_of(p)], ordinal(p), p))


def label_info(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: grain, ordinal and year-to-date suffix ('' for other grains) of its period
    label, worked out once per distinct label.
    """
    codes, uniques = pd.factorize(column)
    kinds = [grain_of(u) for u in uniques]
    grains = np.array([*kinds, ""], dtype=object)
    ordinals = np.array([*(ordinal(u) for u in uniques), 0], dtype=np.int64)
    suffixes = np.array(
        [*(u[4:] if g == "ytd" else "" for u, g in zip(uniques, kinds, strict=True)), ""],
        dtype=object,
    )
    return grains[codes], ordinals[codes], suffixes[codes]


def up_to(column: pd.Series, period: str, *, last: int | None = None) -> np.ndarray:
    """Which rows' period labels are `period` or one of its predecessors (the labels
    `previous_period` steps through), at most `last` periods back.
    """
    return up_to_info(label_info(column), period, last=last)


def up_to_info(
    info: tuple[np.ndarray, np.ndarray, np.ndarray], period: str, *, last: int | None = None
) -> np.ndarray:
    """`up_to` over rows' `label_info`, for a caller that asks more than once."""
    grains, ordinals, suffixes = info
    target = ordinal(period)
    mask = (grains == grain_of(period)) & (ordinals <= target)
    if grain_of(period) == "ytd":
        mask &= suffixes == period[4:]
    if last is not None:
        mask &= ordinals > target - last
    return mask


def latest_month(kpis: pd.DataFrame) -> str | None:
    """The most recent month label in the data: the default period of reports and entropy
    weights (None when there is none)."""
    months = [m for m in pd.unique(kpis["period"].dropna()) if is_month(m)]
    return max(months) if months else None


def latest_period(kpis: pd.DataFrame) -> str | None:
    """The latest month in the data, or, with no month, the latest period of the finest
    grain present (a quarterly sheet's quarter): what `report` defaults to."""
    present = [p for p in pd.unique(kpis["period"].dropna()) if is_label(p)]
    if not present:
        return None
    finest = max(present, key=lambda p: _PER_YEAR[grain_of(p)])
    same = [p for p in present if grain_of(p) == grain_of(finest)]
    return max(same, key=ordinal)


def months_of(label: str, *, available: Iterable[str] = ()) -> list[str]:
    """The month labels a period label covers.

    `YYYY-YTD` runs through the latest month of that year among the months `available`
    labels (those in the data) cover, and is empty when there is none.
    """
    grain = grain_of(label)
    year = int(label[:4])
    if grain == "ytd":
        if label.count("-") == 2:
            return ytd_months(year, label[:7])
        present = [
            m
            for p in set(available)
            if isinstance(p, str) and p[:4] == label[:4] and is_label(p) and not is_ytd(p)
            for m in months_of(p)[-1:]
        ]
        return ytd_months(year, max(present)) if present else []
    size = 12 // _PER_YEAR[grain]
    first = (_index(label, grain) - 1) * size
    return [f"{year:04d}-{m:02d}" for m in range(first + 1, first + size + 1)]


def parts_of(label: str, *, available: Iterable[str]) -> list[str]:
    """The data labels among `available` that make up the view `label` (SPEC §5.1): those
    of its grain or finer whose months all fall in it. A month view is its month only: a
    quarterly KPI is not expected in January."""
    grain = grain_of(label)
    if grain == "month":
        return [label]
    months = set(months_of(label, available=available))
    return [
        p
        for p in dict.fromkeys(available)
        if isinstance(p, str)
        and p[:4] == label[:4]
        and is_label(p)
        and not is_ytd(p)
        and set(months_of(p)) <= months
    ]


def time_key(label: str) -> tuple[str, int]:
    """Sorts data labels of mixed grains by when they end, then the longer first."""
    return months_of(label)[-1], -_PER_YEAR[grain_of(label)]


# --- reading cells and text ---------------------------------------------------------------


def _normalise(text: str) -> str:
    """NFKC (full-width digits, ideographic spaces), stripped and lower-cased."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def _month_number(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("name"):
        return _MONTH_NAMES[groups["name"]]
    if groups.get("cn"):
        return _CN_MONTHS[groups["cn"]]
    return int(groups["m"])


def _year_number(digits: str) -> int:
    """A written year; two digits mean 20yy (`Jan-26`, `FY26`)."""
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _from_match(match: re.Match[str], year: int | None = None) -> str | None:
    """The month label a pattern match names, checking the day when it has one."""
    groups = match.groupdict()
    year = _year_number(groups["y"]) if groups.get("y") else year
    if year is None:
        return None
    month = _month_number(match)
    if groups.get("d") and not _valid_day(year, month, int(groups["d"])):
        return None
    return _month(year, month)


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _period_of_number(value: float) -> str | None:
    """A number is a month only as yyyymm (202601): Excel date serials are not periods."""
    if not np.isfinite(value) or value != int(value) or not 100000 <= value <= 999999:
        return None
    return _month(int(value) // 100, int(value) % 100)


def parse_period(value: object, *, year: int | None = None) -> str | None:
    """One cell or header as a month label `YYYY-MM`, or None if it names no single month.

    `year` lets month-only headers (`1月`, `一月`, `Jan`) count; without it they are None.
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, (dt.date, dt.datetime)):  # pd.Timestamp is a datetime
        return None if pd.isna(value) else _month(value.year, value.month)
    if isinstance(value, numbers.Real):
        return _period_of_number(float(value))
    if not isinstance(value, str):
        return None
    text = _normalise(value)
    for form in _CELL_FORMS:
        match = form.fullmatch(text)
        if match:
            return _from_match(match)
    if year is not None:
        for form in _MONTH_ONLY_FORMS:
            match = form.fullmatch(text)
            if match:
                return _from_match(match, year)
    return None


def find_period(text: str) -> str | None:
    """The month named inside longer text (title row, sheet name, file name), or None.

    The earliest mention wins; a month without a year (`3月`) is None here, see
    `parse_period(..., year=)`.
    """
    text = _normalise(text)
    found: list[tuple[int, str]] = []
    for form in _TEXT_FORMS:
        for match in form.finditer(text):
            period = _from_match(match)
            if period is not None:
                found.append((match.start(), period))
                break
    return min(found)[1] if found else None


def find_year(text: str) -> int | None:
    """A year named in text: `2026年上半年`, `FY2026`, a month label's year, or a bare 2026."""
    text = _normalise(text)
    for form in _YEAR_FORMS:
        for match in form.finditer(text):
            year = _year_number(match.group("y"))
            if YEAR_MIN <= year <= YEAR_MAX:
                return year
    period = find_period(text)
    if period is not None:
        return int(period[:4])
    for match in _BARE_YEAR.finditer(text):
        if YEAR_MIN <= int(match.group("y")) <= YEAR_MAX:
            return int(match.group("y"))
    return None


# Quarters, half-years and years (SPEC §5.1), on NFKC-normalised, lower-cased text. `_Q` and
# `_H` name the quarter and half; a year needs 年度 / 财年 / FY, or 年 that no month, day,
# quarter or half follows (`2026年10月` is a month, `2026年1-3月` a range: neither a year).
_Q = r"(?P<q>[1-4一二三四])"
_H = r"(?P<h>[12上下])"
_CN_PERIOD = r"(?P<y>\d{4})\s*(?:年度?|财年|財年)\s*"
_QUARTER_FORMS = (
    rf"{_CN_PERIOD}第?\s*{_Q}\s*季度?",  # 2026年第一季度, 2026年一季度, 2026年1季度, 2026年第一季
    rf"(?P<y>\d{{4}})\s*第\s*{_Q}\s*季度?",  # 2026第一季度
    rf"(?:fy\s*)?(?P<y>\d{{4}})\s*[-/_.]?\s*q{_Q}(?![a-z\d])",  # 2026Q1, 2026-Q1, 2026 Q1
    rf"(?<![a-z\d])q{_Q}\s*[-/_,']?\s*(?:fy\s*)?(?P<y>\d{{4}})",  # Q1 2026, Q1-2026
)
_HALF_FORMS = (
    rf"(?:{_CN_PERIOD}|(?P<y2>\d{{4}})\s*){_H}\s*半\s*年度?",  # 2026年上半年, 2026年下半年度
    rf"(?:fy\s*)?(?P<y>\d{{4}})\s*[-/_.]?\s*h{_H}(?![a-z\d])",  # 2026H1, 2026-H1
    rf"(?<![a-z\d])h{_H}\s*[-/_,']?\s*(?:fy\s*)?(?P<y>\d{{4}})",  # H1 2026
)
_YEAR_PERIOD_FORMS = (
    r"(?P<y>\d{4})\s*(?:年度|财年|財年|年)(?!\s*(?:度|\d|[一二三四五六七八九十元]|第|[上下]\s*半"
    r"|[-~～—至到]))",  # 2026年度, 2026年, 2026财年
    r"(?<![a-z])fy\s*'?(?P<y>\d{4}|\d{2})(?![\d]|\s*[-/_.]?\s*[qh][1-4])",  # FY2026, FY26
)
_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}
_LABEL_CELL_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    *(("quarter", re.compile(p)) for p in _QUARTER_FORMS),
    *(("half", re.compile(p)) for p in _HALF_FORMS),
    *(("year", re.compile(p)) for p in _YEAR_PERIOD_FORMS),
    ("year", re.compile(r"(?P<y>\d{4})")),  # the label itself, in a period cell
)
_LABEL_TEXT_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (grain, re.compile(rf"(?<!\d){p}" if p.startswith("(?P<y>") else p))
    for grain, p in (
        *(("quarter", p) for p in _QUARTER_FORMS),
        *(("half", p) for p in _HALF_FORMS),
        *(("year", p) for p in _YEAR_PERIOD_FORMS),
    )
)


def _from_label_match(grain: str, match: re.Match[str]) -> str | None:
    """The quarter, half-year or year label a pattern match names."""
    groups = match.groupdict()
    year = _year_number(groups.get("y") or groups["y2"])
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None
    if grain == "year":
        return f"{year:04d}"
    part = groups["q" if grain == "quarter" else "h"]
    number = _NUMBERS.get(part) or int(part)
    return f"{year:04d}-{'Q' if grain == 'quarter' else 'H'}{number}"


def parse_label(value: object, *, year: int | None = None) -> str | None:
    """One period cell as a label of any data grain: a month (as `parse_period` reads it),
    a quarter `2026-Q1`, a half-year `2026-H1` or a year `2026`, from every spelling of
    SPEC §5.1 (`2026年第一季度`, `Q1 2026`, `2026年上半年`, `2026年度`, `FY2026`...).
    A number is a month (yyyymm) or a year (2026); None when the cell names no period.
    """
    month = parse_period(value, year=year)
    if month is not None:
        return month
    if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):04d}" if YEAR_MIN <= int(value) <= YEAR_MAX else None
    if not isinstance(value, str):
        return None
    text = _normalise(value)
    for grain, form in _LABEL_CELL_FORMS:
        match = form.fullmatch(text)
        if match:
            return _from_label_match(grain, match)
    return None


def find_label(text: str) -> str | None:
    """The period of any data grain named inside longer text (title row, sheet name, file
    name): the earliest mention wins, a month over a coarser period at the same place.
    A bare `2026` is no period here (`find_year` reads it as the year of month columns).
    """
    normal = _normalise(text)
    found: list[tuple[int, int, str]] = []
    month = find_period(text)
    if month is not None:
        found.append((_month_position(normal), 0, month))
    for rank, (grain, form) in enumerate(_LABEL_TEXT_FORMS, start=1):
        for match in form.finditer(normal):
            label = _from_label_match(grain, match)
            if label is not None:
                found.append((match.start(), rank, label))
                break
    return min(found)[2] if found else None


def _month_position(text: str) -> int:
    """Where the earliest month mention `find_period` reads starts in normalised text."""
    starts = [m.start() for form in _TEXT_FORMS for m in form.finditer(text) if _from_match(m)]
    return min(starts)


# --- aggregation --------------------------------------------------------------------------

_NUMERIC = ["actual", *ANCHORS]


def aggregate(kpis: pd.DataFrame, months: Sequence[str], *, label: str) -> pd.DataFrame:
    """One row per KPI (`names.kpi_keys`) over `months`, with period = `label`.

    `months` are the data labels that make up `label` (`parts_of`): months, and the
    quarters or half-years of KPIs reported at a grain finer than the view, each such
    period counting as a month does below (SPEC §5.1).

    By the KPI's aggregation (sum | avg | last, default avg): the actual over the months
    that have one (NaN if none), and each anchor over those same months where it is present
    (SPEC §3: a month without an actual leaves its target out too), so two months reported
    are scored against two months' targets. A KPI with no actual at all keeps every
    month's anchors, to show what was aimed at. Every other column comes from the KPI's
    latest month row. `months` counts the months with an actual and `coverage` is their
    share of the months the KPI has a row in: the KPI's coverage in the roll-ups.
    Bonus and penalty items (SPEC §5.7) sum their points over the months (`as_points`).
    """
    return aggregate_each(kpis, [(label, months)])


# How a group's months make one number, by aggregation (`AGGREGATIONS`): the last is the
# last month with a value.
_REDUCE = {
    "sum": lambda groups: groups.sum(min_count=1),
    "avg": lambda groups: groups.mean(),
    "last": lambda groups: groups.last(),
}


def _distinct_months(group: np.ndarray, month: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct months each of `groups` groups has, from rows sorted by group,
    then month (0 for a group without a row): a count of where either changes."""
    new = np.r_[True, (group[1:] != group[:-1]) | (month[1:] != month[:-1])][: len(group)]
    return np.bincount(group[new], minlength=groups).astype("int64")


def aggregate_each(kpis: pd.DataFrame, spans: Sequence[tuple[str, Sequence[str]]]) -> pd.DataFrame:
    """`aggregate` of each (label, months) of `spans`, one after the other in one frame:
    each label's KPIs in the order they first appear in its months' rows.

    One pass for every label (a history's quarters, years or years to date): KPI
    identities are worked out once, not once per label (folding 50,000 KPI ids of a
    500-unit group twelve times cost seconds), and each (label, KPI) is one group.
    """
    kpis = as_points(kpis)
    columns = [c for c in kpis.columns if c not in ("months", "coverage")]
    codes, present = pd.factorize(kpis["period"])
    # each span's months in time order; rank[j, c]: data label c's place in span j, or -1
    ranks = np.full((len(spans), len(present) + 1), -1, dtype=np.int64)  # last: no period
    for j, (_, months) in enumerate(spans):  # a few dozen labels, not rows
        by_time = pd.Index(sorted(set(months), key=time_key))
        ranks[j, :-1] = by_time.get_indexer(pd.Index(present, dtype=object))
    taken = [np.flatnonzero(ranks[j][codes] >= 0) for j in range(len(spans))]
    positions = np.concatenate([np.empty(0, dtype=np.intp), *taken])
    if positions.size == 0:
        empty = kpis.iloc[:0].loc[:, columns].reset_index(drop=True)
        return empty.assign(months=pd.Series(dtype="int64"), coverage=pd.Series(dtype=float))
    span = np.repeat(np.arange(len(spans)), [len(rows) for rows in taken])
    month = ranks[span, codes[positions]]

    # Work on positions and plain arrays: the wide, string-heavy frame is taken from once,
    # for the latest row of each KPI. A group is a (span, KPI), numbered as it first
    # appears in its span's rows (those are in the frame's order).
    needed = np.zeros(len(kpis), dtype=bool)
    needed[positions] = True
    if needed.all():
        identity = kpi_keys(kpis).to_numpy()[positions]
    else:  # the identity columns of the rows the spans take
        identity = np.zeros(len(kpis), dtype=np.int64)
        at = np.flatnonzero(needed)
        identity[at] = kpi_keys(kpis[list(IDENTITY_COLUMNS)].take(at)).to_numpy()
        identity = identity[positions]
    kpi, _ = pd.factorize(span * (int(identity.max(initial=0)) + 1) + identity)
    order = np.lexsort((month, kpi))  # by group, then month; stable for equal months
    sorted_kpi = kpi[order]
    is_latest = np.r_[sorted_kpi[1:] != sorted_kpi[:-1], True]
    latest = kpis.take(positions[order[is_latest]]).reset_index(drop=True)

    # each number column gathered once, in group-then-month order
    ordered, month = positions[order], month[order]
    amounts = np.empty((len(_NUMERIC), len(ordered)))
    for i, column in enumerate(_NUMERIC):
        amounts[i] = floats(kpis, column)[ordered]
    has_actual = ~np.isnan(amounts[0])
    reported = _distinct_months(sorted_kpi[has_actual], month[has_actual], len(latest))
    # pair anchors with the reported months: drop those of a month without an actual
    amounts[1:, ~has_actual & (reported[sorted_kpi] > 0)] = np.nan
    written = latest["aggregation"].where(latest["aggregation"].isin(AGGREGATIONS))
    how = written.fillna(DEFAULT_AGGREGATION).to_numpy(str)
    values = np.full((len(latest), len(_NUMERIC)), np.nan)
    # each group summed, averaged or its last value taken by its own aggregation: each
    # row goes through one of the three (pandas' sums, compensated, as before)
    for kind, reduce in _REDUCE.items():
        rows = (how == kind)[sorted_kpi]
        if rows.any():
            frame = pd.DataFrame(amounts[:, rows].T, columns=_NUMERIC, copy=False)
            done = reduce(frame.groupby(sorted_kpi[rows], sort=True))
            values[done.index.to_numpy()] = done.to_numpy()

    expected = _distinct_months(sorted_kpi, month, len(latest))
    labels = pd.Series([label for label, _ in spans])  # typed as a label assigned is
    result = latest.assign(
        **dict(zip(_NUMERIC, values.T, strict=True)),
        aggregation=how,
        period=labels.take(span[order[is_latest]]).array,
        months=reported,
        coverage=reported / expected,
    )
    return result.loc[:, [*columns, "months", "coverage"]]

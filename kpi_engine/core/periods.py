"""Months, quarters and year-to-date: reading them from cells and text, and aggregating.

Inside the engine a period is a month label `YYYY-MM`. Longer periods are labels too:
- `YYYY-Qn`: the quarter's three months;
- `YYYY-YTD`: January through the latest month of that year present in the data;
- `YYYY-MM-YTD`: January through the given month (what `score --ytd YYYY-MM` asks for).

Arithmetic on labels is by grain and done with `pd.Period` here only: a month steps to the
previous month, a quarter to the previous quarter, and year to date `YYYY-MM-YTD` to the
same months of the year before (a like-for-like comparison: January-October against
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

from kpi_engine.core.names import kpi_keys
from kpi_engine.core.schema import AGGREGATIONS, ANCHORS

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
_YTD_LABEL = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?-YTD")


# --- labels -------------------------------------------------------------------------------


def _month(year: int, month: int) -> str | None:
    """`YYYY-MM`, or None when the year is implausible or the month is not 1-12."""
    if YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}"
    return None


def is_month(text: object) -> bool:
    """Whether `text` is a month label `YYYY-MM` (as the engine and `--period` write it)."""
    match = _MONTH_LABEL.fullmatch(text) if isinstance(text, str) else None
    return bool(match) and YEAR_MIN <= int(match.group(1)) <= YEAR_MAX


def is_quarter(text: object) -> bool:
    """Whether `text` is a quarter label `YYYY-Qn`."""
    match = _QUARTER_LABEL.fullmatch(text) if isinstance(text, str) else None
    return bool(match) and YEAR_MIN <= int(match.group(1)) <= YEAR_MAX


def is_ytd(text: object) -> bool:
    """Whether `text` is a year-to-date label `YYYY-YTD` or `YYYY-MM-YTD`."""
    match = _YTD_LABEL.fullmatch(text) if isinstance(text, str) else None
    return bool(match) and YEAR_MIN <= int(match.group(1)) <= YEAR_MAX


def _require_month(text: object) -> str:
    if not is_month(text):
        raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-03")
    return str(text)


def month_after(day: date) -> str:
    """`YYYY-MM` of the month after `day`'s: the latest month an upload may report."""
    return _label(pd.Period(day, freq="M") + 1, "")


def quarter_of(period: str) -> str:
    """The quarter label of a month label: '2026-03' -> '2026-Q1'."""
    return _label(_period(_require_month(period), "month").asfreq("Q"), "")


def quarter_months(label: str) -> list[str]:
    """The three month labels of a quarter label: '2026-Q2' -> 2026-04, 2026-05, 2026-06."""
    if not is_quarter(label):
        raise ValueError(f"{label!r} is not a quarter: write it as YYYY-Qn, e.g. 2026-Q1")
    quarter = _period(label, "quarter")
    return _months(quarter.asfreq("M", how="start"), quarter.asfreq("M", how="end"))


def ytd_months(year: int, through: str) -> list[str]:
    """January through `through` (a month label of the same year)."""
    month = _period(_require_month(through), "month")
    if month.year != year:
        raise ValueError(f"year to date of {year} cannot run through {through!r}")
    return _months(pd.Period(year=year, month=1, freq="M"), month)


def _months(first: pd.Period, last: pd.Period) -> list[str]:
    return [_label(first + n, "") for n in range(last.ordinal - first.ordinal + 1)]


GRAINS: tuple[str, ...] = ("month", "quarter", "ytd")
_FREQ = {"month": "M", "quarter": "Q", "ytd": "Y"}


def grain_of(label: str) -> str:
    """'month', 'quarter' or 'ytd' for a period label; ValueError for anything else."""
    if is_month(label):
        return "month"
    if is_quarter(label):
        return "quarter"
    if is_ytd(label):
        return "ytd"
    raise ValueError(
        f"{label!r} is not a period: write a month 2026-03, a quarter 2026-Q1, "
        "or year to date 2026-YTD / 2026-03-YTD"
    )


def _period(label: str, grain: str) -> pd.Period:
    """A label of a known grain as a `pd.Period` (year to date: its year)."""
    if grain == "quarter":
        return pd.Period(year=int(label[:4]), quarter=int(label[-1]), freq="Q")
    return pd.Period(label[: 7 if grain == "month" else 4], freq=_FREQ[grain])


def _label(period: pd.Period, ytd_suffix: str) -> str:
    """A `pd.Period` written as a label; a year's takes the year-to-date suffix it had."""
    if period.freqstr.startswith("Q"):
        return f"{period.year:04d}-Q{period.quarter}"
    if period.freqstr.startswith("M"):
        return f"{period.year:04d}-{period.month:02d}"
    return f"{period.year:04d}{ytd_suffix}"


def ordinal(label: str) -> int:
    """A count that steps by one from a period to the next of the same grain."""
    return _period(label, grain_of(label)).ordinal


def shift_period(label: str, steps: int) -> str:
    """The label `steps` periods after `label` (before, when negative), in its grain.

    Year to date keeps its months and moves the year: '2026-10-YTD' -> '2025-10-YTD'.
    """
    grain = grain_of(label)
    return _label(_period(label, grain) + steps, label[4:] if grain == "ytd" else "")


def previous_period(label: str) -> str:
    """The period a change is measured against: previous month, quarter, or the same
    months of the previous year for year to date.

    `YYYY-YTD` (no month) steps to `(YYYY-1)-YTD`, which is the whole of that year when
    the data has it: use `YYYY-MM-YTD` to compare like for like.
    """
    return shift_period(label, -1)


def next_period(label: str) -> str:
    """The period after `label` (what a projection is for)."""
    return shift_period(label, 1)


def year_ago(label: str) -> str:
    """The same period one year earlier: '2026-10' -> '2025-10', '2026-Q3' -> '2025-Q3'."""
    steps = {"month": 12, "quarter": 4, "ytd": 1}[grain_of(label)]
    return shift_period(label, -steps)


def in_order(labels: Iterable[str]) -> list[str]:
    """Distinct labels in time order (grain, then ordinal, then label)."""
    rank = {g: i for i, g in enumerate(GRAINS)}
    return sorted(set(labels), key=lambda p: (rank[grain_of(p)], ordinal(p), p))


def label_info(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: grain, ordinal and year-to-date suffix ('' for other grains) of its period
    label, worked out once per distinct label.
    """
    codes, uniques = pd.factorize(column.astype(object))
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
    grains, ordinals, suffixes = label_info(column)
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


def months_of(label: str, *, available: Iterable[str] = ()) -> list[str]:
    """The month labels a period label covers.

    `YYYY-YTD` runs through the latest month of that year among `available` (the months
    present in the data) and is empty when there is none.
    """
    if is_month(label):
        return [label]
    if is_quarter(label):
        return quarter_months(label)
    if is_ytd(label):
        year = int(label[:4])
        if label.count("-") == 2:
            return ytd_months(year, label[:7])
        present = [m for m in available if is_month(m) and int(m[:4]) == year]
        return ytd_months(year, max(present)) if present else []
    raise ValueError(
        f"{label!r} is not a period: write a month 2026-03, a quarter 2026-Q1, "
        "or year to date 2026-YTD / 2026-03-YTD"
    )


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


# --- aggregation --------------------------------------------------------------------------

_NUMERIC = ["actual", *ANCHORS]


def aggregate(kpis: pd.DataFrame, months: Sequence[str], *, label: str) -> pd.DataFrame:
    """One row per KPI (`names.kpi_keys`) over `months`, with period = `label`.

    By the KPI's aggregation (sum | avg | last, default avg): the actual over the months
    that have one (NaN if none), and each anchor over those same months where it is present
    (SPEC §3: a month without an actual leaves its target out too), so two months reported
    are scored against two months' targets. A KPI with no actual at all keeps every
    month's anchors, to show what was aimed at. Every other column comes from the KPI's
    latest month row. `months` counts the months with an actual and `coverage` is their
    share of the months the KPI has a row in: the KPI's coverage in the roll-ups.
    """
    columns = [c for c in kpis.columns if c not in ("months", "coverage")]
    month_order = pd.Index(sorted(set(months)))
    month_all = month_order.get_indexer(kpis["period"])
    positions = np.flatnonzero(month_all >= 0)
    if positions.size == 0:
        empty = kpis.iloc[:0].loc[:, columns].reset_index(drop=True)
        return empty.assign(months=pd.Series(dtype="int64"), coverage=pd.Series(dtype=float))

    # Work on positions and plain arrays: the wide, string-heavy frame is taken from once,
    # for the latest row of each KPI.
    _, kpi = np.unique(kpi_keys(kpis).to_numpy()[positions], return_inverse=True)
    month = month_all[positions]
    order = np.lexsort((month, kpi))  # by KPI, then month; stable for equal months
    sorted_kpi = kpi[order]
    is_latest = np.r_[sorted_kpi[1:] != sorted_kpi[:-1], True]
    latest = kpis.take(positions[order[is_latest]]).reset_index(drop=True)

    numbers = kpis[_NUMERIC].to_numpy(float)[positions]
    has_actual = ~np.isnan(numbers[:, 0])
    reported = pd.Series(month[has_actual]).groupby(kpi[has_actual]).nunique()
    reported = reported.reindex(range(len(latest)), fill_value=0).to_numpy("int64")
    # pair anchors with the reported months: drop those of a month without an actual
    unpaired = ~has_actual & (reported[kpi] > 0)
    numbers[unpaired, 1:] = np.nan
    groups = pd.DataFrame(numbers[order], columns=_NUMERIC).groupby(sorted_kpi, sort=True)
    how = latest["aggregation"].where(latest["aggregation"].isin(AGGREGATIONS))
    how = how.fillna(DEFAULT_AGGREGATION).to_numpy(str)[:, None]
    totals = groups.sum(min_count=1).to_numpy()
    means = groups.mean().to_numpy()
    lasts = groups.last().to_numpy()  # the last month with a value
    values = np.where(how == "sum", totals, np.where(how == "last", lasts, means))

    expected = pd.Series(month).groupby(kpi).nunique().to_numpy("int64")
    result = latest.assign(
        **dict(zip(_NUMERIC, values.T, strict=True)),
        aggregation=how[:, 0],
        period=label,
        months=reported,
        coverage=reported / expected,
    )
    return result.loc[:, [*columns, "months", "coverage"]]

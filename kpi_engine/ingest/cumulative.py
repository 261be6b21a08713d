"""Cumulative actuals and annual targets (SPEC §5.2, 累计 / 序时进度).

A sheet may give year-to-date actuals (`累计完成`, `本年累计`), whole-year targets
(`年度目标`) and year-to-date targets (`累计目标`, `序时目标`). They become what the rest
of the engine reads, at ingest, so scoring and roll-ups need no new rule:
- a row whose only actual is cumulative is scored on it against the target to date, and
  its aggregation becomes `last` (a quarter or a year takes the value at its end);
- a row with a period actual (`本月完成`) beside a cumulative one is scored on the period
  actual; the cumulative one is only checked against the sum of the months;
- an annual target alone becomes the period's target: a sum KPI's share of the months
  elapsed (cumulative actual) or of the months in the period (period actual), an avg or
  last KPI's the annual target itself.
The columns the engine does not score stay visible in `extras`, as written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpi_engine.core import periods
from kpi_engine.core.names import kpi_keys, per_distinct, simplified
from kpi_engine.core.schema import WARNING
from kpi_engine.ingest import aliases, values

if TYPE_CHECKING:
    from kpi_engine.ingest.validate import _Report

# Sheet columns of §5.2 beside the KPI columns (their aliases are in `aliases`).
COLUMNS: tuple[str, ...] = ("actual_ytd", "target_annual", "target_ytd")
TARGETS: tuple[str, ...] = ("target_annual", "target_ytd")  # a row's own targets too
TOLERANCE = 0.005  # a cumulative figure may differ from the months' sum by 0.5 % of itself

_MARK = re.compile("|".join(map(re.escape, aliases.CUMULATIVE_WORDS)), re.IGNORECASE)
_FROM_JANUARY = re.compile(
    r"(?<!\d)(?:1|一)\s*[-~～—–至到]\s*(?=(?:\d{1,2}|[二三四五六七八九十]{1,3})\s*月)"
)


def month_header(header: object, *, year: int | None) -> str | None:
    """The month of a wide sheet's year-to-date column (`1月累计`, `1-3月累计`, `累计
    2026-03`, `Jan-2026 YTD`), or None where the header names no month or no cumulative
    word."""
    text = simplified(str(header))
    if not _MARK.search(text):
        return None
    bare = _FROM_JANUARY.sub("", _MARK.sub(" ", text)).strip(" :：-_/()（）")
    return periods.parse_period(bare, year=year) if bare else None


def _span(label: object) -> tuple[int, int] | None:
    """First and last month number of a period label (`2026-Q2` -> (4, 6)), or None."""
    if not isinstance(label, str):
        return None
    try:
        months = periods.months_of(label)
    except ValueError:
        return None
    return (int(months[0][5:7]), int(months[-1][5:7])) if months else None


def _months(period: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First and last month number of each row's period (NaN where it has none)."""
    spans = per_distinct(period, _span)
    first = spans.map(lambda s: s[0] if s else np.nan).astype(float)
    last = spans.map(lambda s: s[1] if s else np.nan).astype(float)
    return first, last


def derive(rows: pd.DataFrame, report: _Report) -> None:
    """Targets from annual and cumulative targets, and `last` for cumulative actuals, in
    place. Runs once each row has its period and aggregation (the written one, before it
    becomes `last`). A row's own target stands beside an annual one; for year-to-date
    actuals a cumulative target stands before either.

    A target filled in from a KPI definition is one period's (the definition serves every
    month alike), so a sum KPI's year-to-date actual is scored against it times the
    periods elapsed (序时进度 again), each derived value named in a warning."""
    cumulative = rows["_cumulative"].astype(bool)
    given = cumulative & rows["target_ytd"].notna()
    rows.loc[given, "target"] = rows.loc[given, "target_ytd"]
    is_sum = rows["aggregation"].eq("sum")
    defined = cumulative & is_sum & ~given & rows["target"].notna()
    defined &= values.is_missing(rows["_raw_target"])
    annual = rows["target"].isna() & rows["target_annual"].notna()
    if (annual | defined).any():
        first, last = _months(rows["period"])
        length = last - first + 1
        share = (last.where(cumulative, length) / 12).where(is_sum, 1.0)
        derived = annual & share.notna()
        rows.loc[derived, "target"] = rows.loc[derived, "target_annual"] * share[derived]
        report.per_sheet(derived, "target_annual", "annual_target_derived")
        to_date = defined & last.notna()
        rows.loc[to_date, "target"] *= (last / length)[to_date]
        report.per_sheet(to_date, "target", "definition_target_to_date")
    rows.loc[cumulative, "aggregation"] = "last"
    report.per_sheet(cumulative, "actual", "cumulative_actual")


def check_sums(rows: pd.DataFrame, report: _Report) -> None:
    """Warn where a cumulative figure beside a period actual of a sum KPI differs from the
    sum of that KPI's period actuals from January by more than `TOLERANCE` of itself.

    Only sum KPIs: the year-to-date figure of a rate or a balance is no sum of months.
    Only where the batch holds every month from January to the row's last month (the
    earlier months may have come in earlier uploads, which ingest does not see). In a wide
    sheet the cumulative column belongs to the row's latest month with an actual.
    """
    period_rows = ~rows["_cumulative"].astype(bool)
    checked = period_rows & rows["actual_ytd"].notna() & rows["aggregation"].eq("sum")
    if not checked.any():
        return
    wide = rows["_month_column"].ge(0)
    reported = rows["period"].where(rows["actual"].notna())
    latest = reported.groupby([rows["_plan"], rows["row"]]).transform("max")
    checked &= ~wide | rows["period"].eq(latest)
    first, last = _months(rows["period"])
    year = rows["period"].str[:4]
    keys = kpi_keys(rows)
    own = period_rows & rows["actual"].notna() & last.notna()
    months = pd.DataFrame(
        {"k": keys, "y": year, "p": rows["period"], "first": first, "last": last}
    ).assign(actual=rows["actual"])[own]
    months = months.drop_duplicates(["k", "p"], keep="last")  # the later row wins (superseded)
    # months first..last as bits (January = 1): sums of distinct rows, equal to the bits of
    # January..M with M months in all, only when they cover each month exactly once
    months = months.assign(
        n=months["last"] - months["first"] + 1,
        bits=2.0 ** months["last"] - 2.0 ** (months["first"] - 1),
    )
    wanted = pd.DataFrame(
        {"k": keys, "y": year, "through": last, "cumulative": rows["actual_ytd"]}
    )[checked & last.notna()]
    pairs = wanted.rename_axis("at").reset_index().merge(months, on=["k", "y"])
    pairs = pairs[pairs["last"] <= pairs["through"]]
    sums = pairs.groupby("at").agg(
        total=("actual", "sum"),
        n=("n", "sum"),
        bits=("bits", "sum"),
        through=("through", "first"),
        cumulative=("cumulative", "first"),
        year=("y", "first"),
    )
    complete = sums["n"].eq(sums["through"]) & sums["bits"].eq(2 ** sums["through"] - 1)
    gap = (sums["cumulative"] - sums["total"]).abs()
    # 1e-9: the months' float sum may sit a hair off a figure exactly 0.5 % away
    differ = complete & (gap > TOLERANCE * sums["cumulative"].abs() + 1e-9)
    for at, row in sums[differ].iterrows():
        through = int(row["through"])
        report.add(
            pd.Series(report.frame.index == at, index=report.frame.index),
            "actual_ytd",
            "cumulative_mismatch",
            severity=WARNING,
            cumulative=_number(row["cumulative"]),
            total=_number(row["total"]),
            months=f"{row['year']}-01..{row['year']}-{through:02d}",
        )


def _number(value: float) -> str:
    """A number as a person writes it in a message: `1,234.5`, no float noise."""
    return f"{value:,.10g}"

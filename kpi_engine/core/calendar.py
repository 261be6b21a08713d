"""The reporting calendar (issue 17): working days and when a period's data are due.

A working day is Monday to Friday, minus the settings' holidays (法定节假日), plus the
settings' make-up working days (调休上班, weekend days worked in exchange for a holiday).
A period's data are due by the end of the `settings.deadline_workday`-th working day of
the month after the period's last month, on the organisation's clock
(`settings.time_zone`): September's by the 5th working day of October, the third
quarter's too, the first half-year's by the 5th working day of July. A month with fewer
working days than that (a setting of 20 in a month with a week of holidays) runs on into
the next month's working days.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kpi_engine.core.periods import months_of, next_period
from kpi_engine.core.settings import Settings

_SEARCH_DAYS = 62  # two months of days always hold 20 working days


def working_days(first: date, last: date, settings: Settings) -> list[date]:
    """The working days from `first` through `last`, in order."""
    days = pd.date_range(first, last, freq="D")
    weekday = days.day_of_week < 5
    listed = days.strftime("%Y-%m-%d")
    working = (weekday & ~listed.isin(settings.holidays)) | listed.isin(settings.workdays)
    return [d.date() for d in days[working]]


def due_day(period: str, settings: Settings) -> date:
    """The working day by whose end `period`'s data are due (any grain but `YYYY-YTD`
    without a month, which names no last month)."""
    months = months_of(period)
    if not months:
        raise ValueError(f"{period!r} has no last month: write year to date as YYYY-MM-YTD")
    first = date.fromisoformat(f"{next_period(months[-1])}-01")
    days = working_days(first, first + timedelta(days=_SEARCH_DAYS), settings)
    return days[settings.deadline_workday - 1]


def deadline(period: str, settings: Settings) -> pd.Timestamp:
    """The last instant `period`'s data count as on time: the end (23:59:59.999999) of
    its due working day, in `settings.time_zone`."""
    end = pd.Timestamp(due_day(period, settings)) + pd.Timedelta(days=1, microseconds=-1)
    return end.tz_localize(settings.time_zone)

"""A period's data are due by the end of the N-th working day of the month after it, on the
organisation's clock: weekends off, public holidays off, make-up working days on; a
quarter, half-year or year is due after its last month."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kpi_engine.core.calendar import deadline, due_day, working_days
from kpi_engine.core.settings import Settings

# 2026's National Day: 1-7 October off, Sunday 20 September and Saturday 10 October worked.
NATIONAL_DAY = Settings(
    holidays=tuple(f"2026-10-{d:02d}" for d in range(1, 8)),
    workdays=("2026-09-20", "2026-10-10"),
)


def test_working_days_skip_weekends_and_holidays_and_add_make_up_days():
    days = working_days(date(2026, 9, 28), date(2026, 10, 13), NATIONAL_DAY)
    assert days == [
        date(2026, 9, 28),  # Monday
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),  # after the holiday week
        date(2026, 10, 9),
        date(2026, 10, 10),  # Saturday, a make-up working day
        date(2026, 10, 12),
        date(2026, 10, 13),
    ]
    plain = working_days(date(2026, 9, 28), date(2026, 10, 13), Settings())
    assert date(2026, 10, 1) in plain and date(2026, 10, 10) not in plain


def test_september_is_due_on_the_fifth_working_day_after_national_day():
    # 8, 9, 10 (make-up Saturday), 12, 13 October
    assert due_day("2026-09", NATIONAL_DAY) == date(2026, 10, 13)
    end = deadline("2026-09", NATIONAL_DAY)
    assert end == pd.Timestamp("2026-10-13 23:59:59.999999", tz="Asia/Shanghai")
    # without the make-up Saturday, one working day later; without the holidays, the 7th
    assert due_day("2026-09", NATIONAL_DAY.with_(workdays=())) == date(2026, 10, 14)
    assert due_day("2026-09", Settings()) == date(2026, 10, 7)


def test_a_quarter_half_year_and_year_are_due_after_their_last_month():
    assert deadline("2026-Q3", NATIONAL_DAY) == deadline("2026-09", NATIONAL_DAY)
    assert due_day("2026-H1", Settings()) == due_day("2026-06", Settings()) == date(2026, 7, 7)
    assert due_day("2026", Settings()) == due_day("2026-12", Settings()) == date(2027, 1, 7)
    assert due_day("2026-10-YTD", Settings()) == due_day("2026-10", Settings())
    with pytest.raises(ValueError, match="last month"):
        due_day("2026-YTD", Settings())


def test_the_working_day_setting_counts_on_into_the_next_month_when_it_must():
    assert due_day("2026-09", NATIONAL_DAY.with_(deadline_workday=1)) == date(2026, 10, 8)
    # October 2026 has 18 working days here: the 19th and 20th are 2 and 3 November
    late = due_day("2026-09", NATIONAL_DAY.with_(deadline_workday=20))
    assert late == date(2026, 11, 3)
    october = working_days(date(2026, 10, 1), date(2026, 10, 31), NATIONAL_DAY)
    assert len(october) == 18


def test_the_deadline_is_the_end_of_the_day_in_the_organisations_time_zone():
    shanghai = deadline("2026-09", Settings())
    london = deadline("2026-09", Settings(time_zone="Europe/London"))
    assert str(shanghai.tz) == "Asia/Shanghai" and str(london.tz) == "Europe/London"
    assert shanghai.tz_convert("UTC") == pd.Timestamp("2026-10-07 15:59:59.999999", tz="UTC")
    assert london - shanghai == pd.Timedelta(hours=7)  # BST is UTC+1, Shanghai UTC+8
    # the instant after the deadline is the next day on that clock
    assert (shanghai + pd.Timedelta(microseconds=1)).date() == date(2026, 10, 8)

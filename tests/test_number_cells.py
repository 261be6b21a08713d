"""Number cells (SPEC §2): text numbers read as users mean them; missing is NaN, never 0."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine.ingest.values import MISSING_TOKENS, is_missing, parse_numbers


def parsed(cell: object) -> tuple[float, bool]:
    """(value, bad) for one cell arriving as a Python object, as from python-calamine."""
    row = parse_numbers(pd.Series([cell], dtype=object)).iloc[0]
    return float(row["value"]), bool(row["bad"])


def assert_value(cell: object, expected: float) -> None:
    value, bad = parsed(cell)
    assert not bad, cell
    assert value == pytest.approx(expected, rel=1e-12, abs=0.0), cell


# -- text that is a number --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("85", 85.0),
        ("  85 ", 85.0),
        ("85%", 0.85),  # a percent string is a fraction, as an Excel percent cell
        ("12.5 %", 0.125),
        ("100%", 1.0),
        ("3‰", 0.003),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1'234", 1234.0),  # Swiss grouping
        ("1 234", 1234.0),
        ("1\u2009234", 1234.0),  # thin space
        ("1\u00a0234", 1234.0),  # no-break space
        ("+3", 3.0),
        ("−4", -4.0),  # unicode minus
        ("-4", -4.0),
        (".5", 0.5),
        ("1.5e3", 1500.0),
        ("1.5E+03", 1500.0),
        ("0", 0.0),
    ],
)
def test_plain_text_numbers(cell: str, expected: float) -> None:
    assert_value(cell, expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("８５", 85.0),  # full-width digits
        ("８５％", 0.85),  # full-width digits and percent sign
        ("１，２３４．５", 1234.5),  # full-width comma and full stop
        ("1，234", 1234.0),  # full-width thousands separator only
        ("－５", -5.0),  # full-width minus
    ],
)
def test_full_width_forms(cell: str, expected: float) -> None:
    assert_value(cell, expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("¥1,234", 1234.0),
        ("￥1,234", 1234.0),  # full-width yen
        ("$12.50", 12.5),
        ("€7", 7.0),
        ("£7", 7.0),
        ("HK$1,000", 1000.0),
        ("US$ 12", 12.0),
        ("RMB 5", 5.0),
        ("CNY5", 5.0),
        ("5 USD", 5.0),
        ("12元", 12.0),
        ("1,200 元", 1200.0),
        ("-$5", -5.0),
        ("$-5", -5.0),
    ],
)
def test_currency_signs_and_codes(cell: str, expected: float) -> None:
    assert_value(cell, expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("(1,234)", -1234.0),
        ("(5)", -5.0),
        ("(¥1,234)", -1234.0),
        ("¥(1,234)", -1234.0),
        ("(5%)", -0.05),
    ],
)
def test_accounting_negatives(cell: str, expected: float) -> None:
    assert_value(cell, expected)


# -- missing values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        None,
        math.nan,
        np.nan,
        pd.NA,
        pd.NaT,
        "",
        "   ",
        "\u3000",  # ideographic space
        "N/A",
        "n/a",
        "NA",
        "null",
        "None",
        "-",
        "--",
        "—",
        "——",
        "–",
        "/",
        "无",
        "無",
        "待定",
        "暂无",
        "暫無",
        "不适用",
        "不適用",
        "未统计",
        "TBD",
        "?",
        "？",  # full-width question mark
        "Ｎ／Ａ",  # full-width letters and slash
    ],
)
def test_missing_tokens_are_nan_not_zero(cell: object) -> None:
    value, bad = parsed(cell)
    assert math.isnan(value)
    assert not bad
    assert bool(is_missing(pd.Series([cell], dtype=object)).iloc[0])


def test_missing_tokens_are_normalised() -> None:
    for token in MISSING_TOKENS:
        assert token == unicodedata.normalize("NFKC", token).strip().casefold()


def test_numbers_and_text_are_not_missing() -> None:
    cells = pd.Series([0.0, "0", "abc", "#DIV/0!", True, "85%"], dtype=object)
    assert not is_missing(cells).any()


# -- bad cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#SPILL!"]
)
def test_excel_errors_are_bad_not_missing(cell: str) -> None:
    value, bad = parsed(cell)
    assert math.isnan(value)
    assert bad
    assert not is_missing(pd.Series([cell], dtype=object)).iloc[0]


@pytest.mark.parametrize(
    "cell",
    [
        "abc",
        "1.2.3",
        "约80",  # "about 80" is not a number to score
        "80左右",
        "1,2",  # not a thousands grouping (maybe a decimal comma): not guessed
        "12,34",
        "1.234,5",
        "-$-5",  # two signs
        "(-5)",  # sign inside an accounting negative
        "(5",  # unbalanced parenthesis
        "5%%",
        "inf",
        "1e400",  # overflows to infinity
    ],
)
def test_other_text_is_bad(cell: str) -> None:
    value, bad = parsed(cell)
    assert math.isnan(value)
    assert bad


@pytest.mark.parametrize(
    "cell", [True, False, np.bool_(True), dt.datetime(2026, 1, 1), dt.date(2026, 1, 1)]
)
def test_bools_and_dates_are_bad(cell: object) -> None:
    value, bad = parsed(cell)
    assert math.isnan(value)
    assert bad


def test_infinite_real_number_is_bad() -> None:
    assert parsed(math.inf)[1]


# -- real numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [0.85, 1234.5, -3.0, 0, 7, np.float64(2.5), np.int64(4), 1e-300])
def test_real_numbers_pass_through_untouched(cell: object) -> None:
    value, bad = parsed(cell)
    assert not bad
    assert value == float(cell)  # exactly, not approximately


def test_typed_columns() -> None:
    floats = parse_numbers(pd.Series([0.85, np.nan, 3.0]))
    assert floats["value"].iloc[0] == 0.85
    assert math.isnan(floats["value"].iloc[1])
    assert not floats["bad"].any()

    texts = parse_numbers(pd.Series(["85%", None, "x", "1,234"], dtype="str"))
    assert texts["value"].iloc[0] == pytest.approx(0.85)
    assert math.isnan(texts["value"].iloc[1])
    assert texts["bad"].tolist() == [False, False, True, False]
    assert texts["value"].iloc[3] == 1234.0

    bools = parse_numbers(pd.Series([True, False]))
    assert bools["bad"].all()


def test_mixed_calamine_column_keeps_index_and_order() -> None:
    cells = pd.Series(
        [0.5, "", "85%", True, "abc", 12, None, "(1,000)"], dtype=object, index=range(10, 18)
    )
    result = parse_numbers(cells)
    assert list(result.columns) == ["value", "bad"]
    assert result.index.equals(cells.index)
    assert result["value"].dtype == np.float64
    assert result["bad"].dtype == np.bool_
    expected = [0.5, math.nan, 0.85, math.nan, math.nan, 12.0, math.nan, -1000.0]
    np.testing.assert_allclose(result["value"].to_numpy(), expected, rtol=1e-12)
    assert result["bad"].tolist() == [False, False, False, True, True, False, False, False]


def test_repeated_texts_parse_alike() -> None:
    """Each distinct text is parsed once and spread back: every copy gets the same answer."""
    cells = pd.Series(["85%", "x", "85%", "", "x", "85%"] * 3, dtype=object)
    result = parse_numbers(cells)
    np.testing.assert_allclose(
        result["value"].to_numpy(), [0.85, np.nan, 0.85, np.nan, np.nan, 0.85] * 3
    )
    assert result["bad"].tolist() == [False, True, False, False, True, False] * 3


def test_empty_column() -> None:
    result = parse_numbers(pd.Series([], dtype=object))
    assert result.empty
    assert list(result.columns) == ["value", "bad"]


# -- properties ---------------------------------------------------------------------------------

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@pytest.mark.slow
@given(finite)
def test_thousands_separated_text_round_trips(number: float) -> None:
    value, bad = parsed(f"{number:,.6f}")
    assert not bad
    assert value == pytest.approx(round(number, 6), rel=1e-12, abs=1e-9)


@pytest.mark.slow
@given(finite, st.sampled_from([",", "，", "'"]))
def test_any_separator_round_trips(number: float, separator: str) -> None:
    text = f"{number:,.2f}".replace(",", separator)
    value, bad = parsed(text)
    assert not bad
    assert value == pytest.approx(round(number, 2), rel=1e-12, abs=1e-9)


@pytest.mark.slow
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_percent_text_is_a_hundredth(number: float) -> None:
    value, bad = parsed(f"{number:,.4f}%")
    assert not bad
    assert value == pytest.approx(round(number, 4) / 100, rel=1e-12, abs=1e-12)


@pytest.mark.slow
@given(finite)
def test_repr_of_a_float_round_trips_exactly(number: float) -> None:
    """CSV cells are the text of a float: reading it back gives that same float."""
    value, bad = parsed(repr(number))
    assert not bad
    assert value == number


@pytest.mark.slow
@given(st.lists(st.one_of(finite, st.text(max_size=6), st.none()), max_size=30))
def test_value_and_bad_never_both(cells: list[object]) -> None:
    """A cell is a number, missing or bad: a bad cell has no value, a value is not bad."""
    result = parse_numbers(pd.Series(cells, dtype=object))
    assert not (result["bad"] & result["value"].notna()).any()
    missing = is_missing(pd.Series(cells, dtype=object))
    assert not (missing & (result["bad"] | result["value"].notna())).any()

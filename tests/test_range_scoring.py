"""Target range (SPEC §3): 100 inside [L, H], falling linearly to 0 at the floors, at most 100."""

from __future__ import annotations

import math

import pytest
from kpi_rows import NAN, one, problem, scored

from kpi_engine.core.scoring import RANGE
from kpi_engine.core.settings import Settings

BAND = {"direction": "range", "target_low": 40.0, "target_high": 60.0}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (50.0, 100.0),
        (40.0, 100.0),  # edges are inside
        (60.0, 100.0),
        (30.0, 50.0),  # default low floor 40 - 20 = 20
        (70.0, 50.0),  # default high floor 60 + 20 = 80
        (25.0, 25.0),
        (20.0, 0.0),
        (80.0, 0.0),
        (10.0, 0.0),  # beyond the floor
        (95.0, 0.0),
    ],
)
def test_default_floors(actual: float, expected: float) -> None:
    assert one(actual=actual, **BAND) == pytest.approx(expected)


def test_actual_zero_is_a_value() -> None:
    around_zero = {"direction": "range", "target_low": -10.0, "target_high": 10.0}
    assert one(actual=0.0, **around_zero) == pytest.approx(100.0)
    above_zero = {"direction": "range", "target_low": 10.0, "target_high": 20.0}
    assert one(actual=0.0, **above_zero) == pytest.approx(0.0)  # exactly the low floor
    assert one(actual=5.0, **above_zero) == pytest.approx(50.0)


def test_explicit_low_floor() -> None:
    # F = 0 < L: the low side falls over 40 units; the high side keeps its default.
    assert one(actual=20.0, floor=0.0, **BAND) == pytest.approx(50.0)
    assert one(actual=0.0, floor=0.0, **BAND) == pytest.approx(0.0)
    assert one(actual=70.0, floor=0.0, **BAND) == pytest.approx(50.0)


def test_explicit_high_floor() -> None:
    # F = 100 > H: the high side falls over 40 units; the low side keeps its default.
    assert one(actual=80.0, floor=100.0, **BAND) == pytest.approx(50.0)
    assert one(actual=110.0, floor=100.0, **BAND) == pytest.approx(0.0)
    assert one(actual=30.0, floor=100.0, **BAND) == pytest.approx(50.0)


def test_point_target_with_a_floor_mirrors_it() -> None:
    point = {"direction": "range", "target_low": 50.0, "target_high": 50.0, "floor": 40.0}
    assert problem(**point) is None
    assert one(actual=50.0, **point) == pytest.approx(100.0)
    assert one(actual=45.0, **point) == pytest.approx(50.0)
    assert one(actual=55.0, **point) == pytest.approx(50.0)  # mirrored floor at 60
    assert one(actual=60.0, **point) == pytest.approx(0.0)


def test_never_above_100_and_within_cap() -> None:
    assert one(actual=50.0, **BAND) == 100.0  # cap is 120, range stays at 100
    assert one(Settings(cap=90.0), actual=50.0, **BAND) == pytest.approx(90.0)
    assert one(Settings(cap=90.0), actual=30.0, **BAND) == pytest.approx(50.0)


def test_direction_range_wins_over_threshold() -> None:
    row = scored(actual=50.0, threshold=10.0, target=45.0, **BAND)
    assert row["method"] == RANGE == "range"
    assert row["score"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    "fields",
    [
        {**BAND, "target_low": NAN},
        {**BAND, "target_high": NAN},
        {"direction": "range", "target": 50.0},
        {**BAND, "target_low": 70.0},  # low > high
        {**BAND, "target_high": 40.0},  # low == high, no floor
        {**BAND, "floor": 50.0},  # floor inside the range
        {**BAND, "floor": 40.0},  # floor on an edge
        {**BAND, "floor": 60.0},
    ],
)
def test_meaningless_ranges(fields: dict[str, object]) -> None:
    assert isinstance(problem(**fields), str)
    row = scored(actual=50.0, **fields)
    assert math.isnan(row["score"])
    assert row["status"] is None


def test_range_messages_say_what_to_do() -> None:
    assert "target low" in problem(**{**BAND, "target_high": NAN})
    assert "floor" in problem(**{**BAND, "floor": 50.0})


def test_target_is_not_needed() -> None:
    assert problem(**BAND) is None


def test_missing_actual() -> None:
    row = scored(actual=NAN, **BAND)
    assert math.isnan(row["score"])
    assert row["status"] is None


def test_status() -> None:
    assert scored(actual=50.0, **BAND)["status"] == "green"
    assert scored(actual=36.0, **BAND)["status"] == "amber"  # 80
    assert scored(actual=30.0, **BAND)["status"] == "red"  # 50

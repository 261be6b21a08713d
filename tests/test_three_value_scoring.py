"""Three-value method (SPEC §3): through (threshold, base), (T, 100) and (stretch, cap)."""

from __future__ import annotations

import math

import pytest
from kpi_rows import NAN, one, problem, scored

from kpi_engine.core.scoring import THREE_VALUE
from kpi_engine.core.settings import Settings

HIGHER = {"direction": "higher", "threshold": 60.0, "target": 80.0, "stretch": 100.0}
LOWER = {"direction": "lower", "threshold": 10.0, "target": 5.0, "stretch": 2.0}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (50.0, 0.0),  # worse than the threshold
        (59.9, 0.0),
        (60.0, 60.0),  # exactly at the threshold: the base score
        (70.0, 80.0),  # 60 + 40 * 10 / 20
        (80.0, 100.0),
        (90.0, 110.0),  # 100 + 20 * 10 / 20
        (100.0, 120.0),  # the stretch value scores the cap
        (150.0, 120.0),  # beyond the stretch value
    ],
)
def test_higher_with_stretch(actual: float, expected: float) -> None:
    assert one(actual=actual, **HIGHER) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (60.0, 60.0),
        (70.0, 80.0),
        (85.0, 110.0),  # the threshold-target line, 2 points per unit, goes on
        (90.0, 120.0),
        (100.0, 120.0),  # 140 clipped to the cap
    ],
)
def test_higher_without_stretch(actual: float, expected: float) -> None:
    anchors = {**HIGHER, "stretch": NAN}
    assert one(actual=actual, **anchors) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (12.0, 0.0),
        (10.0, 60.0),
        (7.5, 80.0),  # 60 + 40 * 2.5 / 5
        (5.0, 100.0),
        (3.5, 110.0),  # 100 + 20 * 1.5 / 3
        (2.0, 120.0),
        (0.0, 120.0),  # A = 0 is beyond the stretch value
    ],
)
def test_lower_with_stretch(actual: float, expected: float) -> None:
    assert one(actual=actual, **LOWER) == pytest.approx(expected)


def test_lower_without_stretch() -> None:
    anchors = {**LOWER, "stretch": NAN}
    assert one(actual=4.0, **anchors) == pytest.approx(108.0)  # 60 + 8 * 6
    assert one(actual=0.0, **anchors) == pytest.approx(120.0)  # 140 clipped


def test_actual_zero_on_the_line() -> None:
    anchors = {"direction": "higher", "threshold": -10.0, "target": 10.0}
    assert one(actual=0.0, **anchors) == pytest.approx(80.0)  # 60 + 40 * 10 / 20


def test_base_score_and_cap_are_settings() -> None:
    assert one(Settings(base_score=50.0), actual=70.0, **HIGHER) == pytest.approx(75.0)
    assert one(Settings(base_score=50.0), actual=60.0, **HIGHER) == pytest.approx(50.0)
    assert one(Settings(cap=150.0), actual=90.0, **HIGHER) == pytest.approx(125.0)
    assert one(Settings(cap=150.0), actual=130.0, **HIGHER) == pytest.approx(150.0)


def test_method_is_three_value_when_threshold_is_filled() -> None:
    row = scored(actual=70.0, floor=0.0, **HIGHER)
    assert row["method"] == THREE_VALUE == "three_value"
    assert row["score"] == pytest.approx(80.0)  # the floor plays no part


@pytest.mark.parametrize(
    "fields",
    [
        {**HIGHER, "threshold": 80.0},  # threshold == target
        {**HIGHER, "threshold": 90.0},  # threshold above target
        {**HIGHER, "stretch": 80.0},  # stretch == target
        {**HIGHER, "stretch": 70.0},  # stretch below target
        {**LOWER, "threshold": 5.0},
        {**LOWER, "threshold": 4.0},
        {**LOWER, "stretch": 5.0},
        {**LOWER, "stretch": 6.0},
        {**HIGHER, "target": NAN},
    ],
)
def test_wrong_order_is_reported_and_not_scored(fields: dict[str, object]) -> None:
    assert isinstance(problem(**fields), str)
    row = scored(actual=70.0, **fields)
    assert math.isnan(row["score"])
    assert row["status"] is None


def test_order_messages_name_the_value_to_fix() -> None:
    assert "threshold" in problem(**{**HIGHER, "threshold": 90.0})
    assert "stretch" in problem(**{**LOWER, "stretch": 6.0})


def test_valid_anchors_have_no_problem() -> None:
    assert problem(**HIGHER) is None
    assert problem(**LOWER) is None
    assert problem(**{**HIGHER, "stretch": NAN}) is None


def test_missing_actual() -> None:
    row = scored(actual=NAN, **HIGHER)
    assert math.isnan(row["score"])
    assert row["status"] is None


def test_status_bands() -> None:
    assert scored(actual=80.0, **HIGHER)["status"] == "green"
    assert scored(actual=70.0, **HIGHER)["status"] == "amber"  # exactly 80
    assert scored(actual=60.0, **HIGHER)["status"] == "red"  # the base, 60

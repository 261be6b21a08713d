"""Target/floor method (SPEC §3): the line through (F, 0) and (T, 100), clipped to [0, cap]."""

from __future__ import annotations

import math

import pytest
from kpi_rows import NAN, frame, kpi, one, problem, scored

from kpi_engine.core.scoring import FLOOR, anchor_problems, score
from kpi_engine.core.settings import Settings

# -- higher is better: F defaults to 0, S = 100 * A / T --------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (150.0, 75.0),  # 100 * 150 / 200
        (200.0, 100.0),
        (230.0, 115.0),  # the line goes on beyond T
        (240.0, 120.0),  # exactly the cap
        (260.0, 120.0),  # 130 clipped to the cap
        (0.0, 0.0),  # A = 0 is a real value on the line
        (-50.0, 0.0),  # -25 clipped to 0
    ],
)
def test_higher_default_floor(actual: float, expected: float) -> None:
    assert one(direction="higher", target=200.0, actual=actual) == pytest.approx(expected)


@pytest.mark.slow
def test_higher_explicit_floor() -> None:
    # Through (50, 0) and (100, 100): 2 points per unit above 50.
    anchors = {"direction": "higher", "target": 100.0, "floor": 50.0}
    assert one(actual=80.0, **anchors) == pytest.approx(60.0)
    assert one(actual=50.0, **anchors) == pytest.approx(0.0)
    assert one(actual=40.0, **anchors) == pytest.approx(0.0)
    assert one(actual=105.0, **anchors) == pytest.approx(110.0)
    assert one(actual=130.0, **anchors) == pytest.approx(120.0)


def test_higher_non_positive_target_is_fine_with_a_floor() -> None:
    # Through (-50, 0) and (-10, 100): A = -20 is 30 of the 40 units up.
    assert one(direction="higher", target=-10.0, floor=-50.0, actual=-20.0) == pytest.approx(75.0)
    assert problem(direction="higher", target=-10.0, floor=-50.0) is None


# -- lower is better: F defaults to 2T, S = 100 * (2 - A / T) --------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (25.0, 75.0),  # 100 * (2 - 1.25)
        (20.0, 100.0),
        (18.0, 110.0),  # 100 * (2 - 0.9)
        (15.0, 120.0),  # 125 clipped to the cap
        (40.0, 0.0),  # the default floor 2T
        (50.0, 0.0),  # -50 clipped to 0
        (0.0, 120.0),  # A = 0 is the best possible, 200 clipped
    ],
)
def test_lower_default_floor(actual: float, expected: float) -> None:
    assert one(direction="lower", target=20.0, actual=actual) == pytest.approx(expected)


def test_lower_explicit_floor() -> None:
    # Through (30, 0) and (10, 100): 5 points per unit below 30.
    anchors = {"direction": "lower", "target": 10.0, "floor": 30.0}
    assert one(actual=20.0, **anchors) == pytest.approx(50.0)
    assert one(actual=8.0, **anchors) == pytest.approx(110.0)
    assert one(actual=5.0, **anchors) == pytest.approx(120.0)
    assert one(actual=35.0, **anchors) == pytest.approx(0.0)


# -- the cap is a setting --------------------------------------------------------------------


def test_cap_setting() -> None:
    assert one(Settings(cap=150.0), target=200.0, actual=260.0) == pytest.approx(130.0)
    assert one(Settings(cap=150.0), target=200.0, actual=400.0) == pytest.approx(150.0)
    assert one(Settings(cap=100.0), target=200.0, actual=260.0) == pytest.approx(100.0)
    assert one(Settings(cap=100.0), direction="lower", target=20.0, actual=0.0) == 100.0


# -- meaningless anchors are reported and not scored ------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"direction": "higher", "target": 0.0},
        {"direction": "higher", "target": -5.0},
        {"direction": "higher", "target": 100.0, "floor": 100.0},
        {"direction": "higher", "target": 100.0, "floor": 120.0},
        # (lower with target 0 and no floor is a zero-target count, SPEC §5.5)
        {"direction": "lower", "target": -5.0},
        {"direction": "lower", "target": 20.0, "floor": 20.0},
        {"direction": "lower", "target": 20.0, "floor": 10.0},
        {"direction": "higher", "target": NAN},
        {"direction": "lower", "target": NAN, "floor": 10.0},
    ],
)
def test_meaningless_anchors(fields: dict[str, object]) -> None:
    message = problem(**fields)
    assert isinstance(message, str)
    assert message  # a user-facing sentence
    row = scored(actual=10.0, **fields)
    assert math.isnan(row["score"])
    assert row["status"] is None


def test_problem_messages_say_what_to_do() -> None:
    assert "target" in problem(direction="higher", target=0.0)
    assert "floor" in problem(direction="higher", target=100.0, floor=120.0)
    assert "floor" in problem(direction="lower", target=20.0, floor=10.0)
    assert "target" in problem(direction="higher", target=NAN)


def test_anchor_problems_is_aligned_object_series() -> None:
    kpis = frame(
        kpi(target=100.0),
        kpi(target=0.0),
        kpi(direction="lower", target=5.0),
        index=[10, 20, 30],
    )
    problems = anchor_problems(kpis)
    assert problems.dtype == object
    assert list(problems.index) == [10, 20, 30]
    assert problems[10] is None
    assert isinstance(problems[20], str)
    assert problems[30] is None


# -- missing actuals and the result frame -----------------------------------------------------


def test_missing_actual_is_no_score_not_zero() -> None:
    row = scored(target=100.0, actual=NAN)
    assert math.isnan(row["score"])
    assert row["status"] is None
    assert problem(target=100.0) is None  # nothing wrong with the anchors


def test_score_returns_a_copy_with_its_columns_added() -> None:
    kpis = frame(kpi(target=100.0, actual=50.0), index=[7])
    out = score(kpis)
    assert "score" not in kpis.columns
    # `points` beside `full_points` (already a KPI column): a rule's arithmetic (SPEC §5.8)
    assert list(out.columns) == [*kpis.columns, "method", "score", "status", "points"]
    assert math.isnan(out.loc[7, "points"]) and math.isnan(out.loc[7, "full_points"])
    assert list(out.index) == [7]
    assert out.loc[7, "method"] == FLOOR == "floor"
    assert out.loc[7, "score"] == pytest.approx(50.0)


# -- status bands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (120.0, "green"),
        (100.0, "green"),  # boundary: green at >= 100
        (99.5, "amber"),
        (80.0, "amber"),  # boundary: amber at >= 80
        (79.5, "red"),
        (0.0, "red"),
    ],
)
def test_default_status_bands(actual: float, status: str) -> None:
    assert scored(target=100.0, actual=actual)["status"] == status


@pytest.mark.parametrize(
    ("actual", "status"),
    [(95.0, "green"), (90.0, "green"), (89.0, "amber"), (70.0, "amber"), (69.0, "red")],
)
def test_custom_status_bands(actual: float, status: str) -> None:
    bands = Settings(green_at=90.0, amber_at=70.0)
    assert scored(bands, target=100.0, actual=actual)["status"] == status


def test_status_column_holds_none_for_missing() -> None:
    out = score(frame(kpi(target=100.0, actual=100.0), kpi(target=100.0, actual=NAN)))
    assert out["status"].tolist() == ["green", None]

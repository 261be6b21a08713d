"""SPEC §5.5: a lower-is-better count with target 0 (安全事故 0 起) and no floor or threshold
is met (100) or not (0), with a warning suggesting a floor for partial credit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_rows import frame, kpi, problem, scored

from kpi_engine.core.scoring import FLOOR, THREE_VALUE, ZERO_COUNT, methods, score
from kpi_engine.i18n import catalog
from tests.workbooks import form, load, xlsx

COUNT = {"direction": "lower", "target": 0.0, "perspective": "internal_process"}


def test_no_accident_is_100_and_green():
    row = scored(actual=0.0, **COUNT)
    assert (row["score"], row["status"], row["method"]) == (100.0, "green", ZERO_COUNT)


def test_two_accidents_are_0_and_red():
    row = scored(actual=2.0, **COUNT)
    assert (row["score"], row["status"], row["method"]) == (0.0, "red", ZERO_COUNT)


def test_a_zero_target_count_is_no_anchor_problem():
    assert problem(**COUNT) is None


def test_a_missing_actual_stays_missing():
    row = scored(actual=math.nan, **COUNT)
    assert math.isnan(row["score"]) and row["status"] is None


def test_with_a_floor_it_scores_by_the_floor_line():
    row = scored(actual=2.0, floor=5.0, **COUNT)
    assert row["method"] == FLOOR
    assert row["score"] == pytest.approx(100 * (5 - 2) / 5)


def test_with_a_threshold_it_scores_by_three_values():
    row = scored(actual=1.0, threshold=2.0, **COUNT)
    assert row["method"] == THREE_VALUE
    assert row["score"] == pytest.approx(80.0)  # halfway from (2, 60) to (0, 100)


@pytest.mark.parametrize(
    "fields",
    [
        {"direction": "higher", "target": 0.0},  # nothing to reach
        {"direction": "lower", "target": -1.0},  # a count below zero
    ],
)
def test_other_zero_or_negative_targets_stay_errors(fields):
    assert isinstance(problem(**fields), str)


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=20))
def test_a_count_scores_100_exactly_when_nothing_happened(actuals):
    kpis = frame(*(kpi(actual=a, **COUNT) for a in actuals))
    s = score(kpis)
    assert (methods(kpis) == ZERO_COUNT).all()
    assert np.array_equal(s["score"].to_numpy(), np.where(np.array(actuals) == 0, 100.0, 0.0))


def test_a_sheet_with_0_accidents_loads_scores_and_suggests_a_floor():
    loaded = load(
        (
            "安全部_2026年10月.xlsx",
            xlsx(
                form(
                    ["安全部", "内部流程", "S1", "重大安全事故", "越低越好", 1, "0起", "0起"],
                    ["安全部", "内部流程", "S2", "一般安全事故", "越低越好", 1, 0, 2],
                    ["安全部", "内部流程", "S3", "轻微事故", "越低越好", 1, "0", 2],
                )
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors[["column", "value", "message"]]
    scores = score(loaded.kpis).set_index("kpi_id")
    assert scores["score"].to_dict() == {"S1": 100.0, "S2": 0.0, "S3": 0.0}
    assert scores["status"].to_dict() == {"S1": "green", "S2": "red", "S3": "red"}
    warnings = loaded.issues[loaded.issues["code"] == "zero_target_count"]
    assert warnings["row"].tolist() == [4, 5, 6]
    assert set(warnings["column"]) == {"目标值"}
    message = warnings["message"].iloc[0]
    assert "红线值" in message and "partial credit" in message
    assert "红线值" in catalog("zh-Hans")["issue.zero_target_count"]
    assert "紅線值" in catalog("zh-Hant")["issue.zero_target_count"]


def test_with_a_floor_column_no_warning_and_partial_credit():
    header = ["部门", "维度", "指标名称", "方向", "目标值", "红线值", "实际值"]
    rows = [
        ["2026年10月 安全部"],
        [],
        header,
        ["安全部", "内部流程", "安全事故", "越低越好", 0, 4, 1],
    ]
    loaded = load(("a.xlsx", xlsx(rows)))
    (row,) = score(loaded.kpis).itertuples()
    assert (row.method, row.score) == (FLOOR, pytest.approx(75.0))
    assert (loaded.issues["code"] != "zero_target_count").all()

"""Errors point at the cell at fault (SPEC §2): a floor, threshold, stretch value or range
bound on the wrong side names its own column, as the sheet writes it, and its value; an
unknown direction names the direction cell."""

import pytest

from tests.workbooks import load, xlsx

TITLE = ["2026年10月 市场部 KPI 考核表"]
# canonical column -> header as written, in three sheets' languages
HEADERS = {
    "zh-Hans": ["部门", "维度", "指标名称", "指标方向", "权重", "红线值", "门槛值", "目标值",
                "挑战值", "目标下限", "目标上限", "实际值"],
    "zh-Hant": ["部門", "維度", "指標名稱", "指標極性", "權重", "紅線值", "門檻值", "目標值",
                "挑戰值", "目標下限", "目標上限", "實際值"],
    "en": ["Department", "Perspective", "KPI name", "Direction", "Weight", "Floor", "Threshold",
           "Target", "Stretch", "Target low", "Target high", "Actual"],
}  # fmt: skip
DIRECTION, FLOOR, THRESHOLD, TARGET, STRETCH, LOW, HIGH = 3, 5, 6, 7, 8, 9, 10


def row(direction, floor=None, threshold=None, target=None, stretch=None, low=None, high=None):
    return ["市场部", "财务", "K", direction, 1, floor, threshold, target, stretch, low, high, 90]


CASES = [
    # (row, index of the column at fault, its value, code)
    (row("越高越好", floor=120, target=100), FLOOR, 120, "higher_floor"),
    (row("越低越好", floor=80, target=100), FLOOR, 80, "lower_floor"),
    (row("越高越好", threshold=110, target=100), THRESHOLD, 110, "higher_threshold"),
    (row("越低越好", threshold=90, target=100), THRESHOLD, 90, "lower_threshold"),
    (row("越高越好", threshold=80, target=100, stretch=95), STRETCH, 95, "higher_stretch"),
    (row("越低越好", threshold=120, target=100, stretch=105), STRETCH, 105, "lower_stretch"),
    (row("区间", low=10, high=5), LOW, 10, "range_order"),
    (row("区间", low=5), HIGH, None, "range_missing"),
    (row("区间", high=5), LOW, None, "range_missing"),
    (row("区间", floor=7, low=5, high=10), FLOOR, 7, "range_floor"),
    (row("越高越好", target=-5), TARGET, -5, "higher_target"),
]


@pytest.mark.slow
@pytest.mark.parametrize("lang", list(HEADERS))
@pytest.mark.parametrize(("kpi", "at", "value", "code"), CASES)
def test_an_anchor_on_the_wrong_side_names_its_own_column(lang, kpi, at, value, code):
    header = HEADERS[lang]
    loaded = load(("m.xlsx", xlsx([TITLE, header, kpi])))
    errors = loaded.errors
    assert list(errors["code"]) == [code]
    assert list(errors["column"]) == [header[at]]
    assert errors["value"].iloc[0] == value
    assert int(errors["row"].iloc[0]) == 3


@pytest.mark.slow
@pytest.mark.parametrize("lang", list(HEADERS))
def test_an_unknown_direction_names_the_direction_cell(lang):
    header = HEADERS[lang]
    loaded = load(("m.xlsx", xlsx([TITLE, header, row("斜向", target=100)])))
    errors = loaded.errors
    assert errors[["column", "value", "code"]].values.tolist() == [
        [header[DIRECTION], "斜向", "unknown_direction"]
    ]

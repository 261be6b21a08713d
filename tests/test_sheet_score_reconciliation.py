"""SPEC §5.10: the sheet's own 得分 / 考核得分 / 加权得分 / 完成率 is compared with the
engine's number (a difference above 0.5 points, or 0.5 percentage points, is a warning
naming the cell, both numbers shown; the engine's number stands); an actual 20 times its
target or a twentieth of it, and weights written in two forms, are warnings too. The Data
page shows them, in the manager's language, before the rows are stored."""

import os

import pytest

from kpi_engine import build, score
from kpi_engine.core.settings import DATA_DIR_ENV
from kpi_engine.store import connect, current_kpis
from tests.apps import open_page, start
from tests.workbooks import load, xlsx

TITLE = ["2026年10月 市场部 KPI 考核表"]
HEADER = ["维度", "指标名称", "方向", "权重", "目标值", "实际值"]


def sheet(extra: list[str], *rows: list[object], header: list[str] = HEADER, **options):
    """A monthly form of 市场部 with the columns `extra` after the definition columns."""
    return xlsx([TITLE, [*header, *extra], *rows], **options)


def warnings(loaded, code: str):
    issues = loaded.issues
    return issues[issues["code"] == code]


def engine_scores(loaded):
    return score(loaded.kpis).set_index("kpi_name")["score"]


def test_a_score_within_half_a_point_passes_and_one_further_off_is_named_with_both_numbers():
    # 营收: 100 × 91.3 / 100 = 91.3; 成本 (lower): 100 × (2 - 90/100) = 110
    loaded = load(
        (
            "m.xlsx",
            sheet(
                ["得分"],
                ["财务", "营收", "越高越好", 50, 100, 91.3, 91.0],
                ["财务", "成本", "越低越好", 50, 100, 90, 100],
            ),
        )
    )
    engine = engine_scores(loaded)
    assert engine["营收"] == pytest.approx(91.3)
    found = warnings(loaded, "own_score_differs")
    assert len(found) == 1
    issue = found.iloc[0]
    assert (issue["row"], issue["column"], issue["value"]) == (4, "得分", 100)
    assert issue["params"]["cell"] == "G4"
    assert issue["params"]["written"] == "100"
    assert issue["params"]["engine"] == f"{engine['成本']:g}" == "110"
    assert "G4" in issue["message"] and "100" in issue["message"] and "110" in issue["message"]
    assert issue["severity"] == "warning"


def test_the_engines_score_stands():
    claimed = ["财务", "营收", "越高越好", 100, 100, 80, 100]  # 100 × 80 / 100 = 80, not 100
    loaded = load(("m.xlsx", sheet(["考核得分"], claimed)))
    assert len(warnings(loaded, "own_score_differs")) == 1
    card = build(loaded.kpis, period="2026-10")
    assert card.kpis["score"].tolist() == [80]
    assert card.departments["score"].tolist() == [80]


@pytest.mark.parametrize(
    ("weights", "shares"),
    [
        ([40, 60], [0.4, 0.6]),  # out of 100
        ([0.4, 0.6], [0.4, 0.6]),  # shares of 1
        (["40%", "60%"], [0.4, 0.6]),  # percent strings
    ],
)
def test_a_weighted_score_is_the_score_times_the_weight_as_a_share(weights, shares):
    # scores 90 and 120 (capped); the sheet is right for the first, 2 points off for the second
    first, second = 90 * shares[0], 120 * shares[1] - 2
    loaded = load(
        (
            "m.xlsx",
            sheet(
                ["加权得分"],
                ["财务", "营收", "越高越好", weights[0], 100, 90, first + 0.4],
                ["客户", "客户数", "越高越好", weights[1], 100, 130, second],
            ),
        )
    )
    found = warnings(loaded, "own_weighted_score_differs")
    assert list(found["row"]) == [4]
    assert found.iloc[0]["params"]["engine"] == f"{120 * shares[1]:g}"
    assert found.iloc[0]["params"]["written"] == f"{second:g}"
    assert found.iloc[0]["params"]["cell"] == "G4"


@pytest.mark.parametrize(
    ("header", "cell", "formats"),
    [
        ("完成率", "90%", None),  # a percent string
        ("完成率", 0.9, {"G3": "0%"}),  # an Excel percent cell
        ("完成率(%)", 90, None),  # percent points, plain numbers
        ("completion rate", 0.9, None),
    ],
)
def test_a_completion_rate_is_actual_over_target(header, cell, formats):
    # 营收 90 / 100 = 90 %: as written. 客户数 130 / 100 = 130 %: the sheet says 120 %.
    wrong = {"90%": "120%", 0.9: 1.2, 90: 120}[cell]
    loaded = load(
        (
            "m.xlsx",
            sheet(
                [header],
                ["财务", "营收", "越高越好", 50, 100, 90, cell],
                ["客户", "客户数", "越高越好", 50, 100, 130, wrong],
                formats=formats,
            ),
        )
    )
    found = warnings(loaded, "own_completion_differs")
    assert list(found["row"]) == [4]
    assert found.iloc[0]["params"]["engine"] == "130%"
    assert found.iloc[0]["params"]["written"] == "120%"


def test_a_completion_rate_within_half_a_percentage_point_passes():
    loaded = load(
        (
            "m.xlsx",
            sheet(
                ["完成率"],
                ["财务", "营收", "越高越好", 100, 300, 200, "66.7%"],  # 66.67 %
                ["客户", "投诉", "越低越好", 100, 10, 5, "200%"],  # lower: not compared
            ),
        )
    )
    assert warnings(loaded, "own_completion_differs").empty


@pytest.mark.parametrize(
    "header",
    [
        ["維度", "指標名稱", "方向", "權重", "目標值", "實際值", "加權得分"],
        ["Perspective", "KPI name", "Direction", "Weight", "Target", "Actual", "Weighted score"],
    ],
)
def test_traditional_and_english_headers_are_checked_too(header):
    loaded = load(
        (
            "m.xlsx",
            xlsx(
                [TITLE, header, ["financial", "Revenue", "higher", 50, 100, 80, 30]],
            ),
        )
    )
    found = warnings(loaded, "own_weighted_score_differs")
    assert found.iloc[0]["params"]["engine"] == "40"


def test_the_total_row_of_the_score_column_is_skipped_as_a_total():
    loaded = load(
        (
            "m.xlsx",
            sheet(
                ["得分"],
                ["财务", "营收", "越高越好", 50, 100, 90, 90],
                ["客户", "客户数", "越高越好", 50, 100, 100, 100],
                ["总分", None, None, 100, None, None, 95],
                ["合计", None, None, 100, None, None, 190],
            ),
        )
    )
    assert list(loaded.kpis["kpi_name"]) == ["营收", "客户数"]
    assert list(warnings(loaded, "total_row")["row"]) == [5, 6]
    assert warnings(loaded, "own_score_differs").empty
    assert loaded.errors.empty


@pytest.mark.parametrize(
    ("target", "actual", "code"),
    [
        (100, 2001, "actual_far_above"),  # 元 against 万元
        (96, 0.96, "actual_far_below"),  # 96 against 96 %
        (-100, -2500, "actual_far_above"),
    ],
)
def test_an_actual_twenty_times_its_target_or_a_twentieth_of_it_is_named(target, actual, code):
    floor = -200 if target < 0 else None
    header = [*HEADER, "红线值"]
    loaded = load(
        (
            "m.xlsx",
            sheet([], ["财务", "营收", "越高越好", 1, target, actual, floor], header=header),
        )
    )
    found = warnings(loaded, code)
    assert list(found["row"]) == [3]
    assert found.iloc[0]["column"] == "实际值"
    assert found.iloc[0]["params"] == {"actual": f"{actual:,g}", "target": f"{target:g}"}
    assert len(loaded.kpis) == 1  # scored as written


@pytest.mark.parametrize(("target", "actual"), [(100, 2000), (100, 5), (0, 3), (5, 0)])
def test_twenty_times_or_a_twentieth_exactly_a_zero_target_or_a_zero_actual_pass(target, actual):
    # a lower-is-better count with a floor: target 0 is meaningful
    header = [*HEADER, "红线值"]
    loaded = load(
        ("m.xlsx", sheet([], ["客户", "投诉", "越低越好", 1, target, actual, 10000], header=header))
    )
    assert len(loaded.kpis) == 1
    assert warnings(loaded, "actual_far_above").empty
    assert warnings(loaded, "actual_far_below").empty


def test_weights_as_percent_strings_beside_plain_numbers_above_one_are_named():
    loaded = load(
        (
            "m.xlsx",
            sheet(
                [],
                ["财务", "营收", "越高越好", 30, 100, 90],
                ["客户", "客户数", "越高越好", "20%", 100, 90],
                ["客户", "满意度", "越高越好", "50%", 100, 90],
            ),
        )
    )
    found = warnings(loaded, "mixed_weight_forms")
    assert len(found) == 1
    assert (found.iloc[0]["row"], found.iloc[0]["column"], found.iloc[0]["value"]) == (
        4,
        "权重",
        "20%",
    )
    assert found.iloc[0]["params"] == {"percent": "20%", "share": "0.2", "plain": "30"}


@pytest.mark.parametrize("weights", [[30, 70], ["30%", "70%"], [0.3, "70%"]])
def test_weights_written_one_way_are_no_warning(weights):
    loaded = load(
        (
            "m.xlsx",
            sheet(
                [],
                ["财务", "营收", "越高越好", weights[0], 100, 90],
                ["客户", "客户数", "越高越好", weights[1], 100, 90],
            ),
        )
    )
    assert warnings(loaded, "mixed_weight_forms").empty


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("lang", "words", "button"),
    [
        ("zh-Hans", "表内自带的得分（H3）为 100，系统计算为 80", "已核对，导入这些行"),
        ("zh-Hant", "表內自帶的得分（H3）為 100，系統計算為 80", "已核對，匯入這些列"),
        ("en", "the sheet's own score in H3 is 100, the engine scores 80", "Checked: import"),
    ],
)
def test_the_data_page_shows_the_warning_in_the_users_language_before_storing(
    monkeypatch, tmp_path, lang, words, button
):
    workbook = xlsx(
        [
            ["2026年10月 质量管理部 KPI 考核表"],
            ["部门", *HEADER, "得分"],
            ["质量管理部", "客户", "一次合格率", "越高越好", 100, 100, 80, 100],
        ]
    )
    at = start(monkeypatch, tmp_path)
    at.sidebar.selectbox[0].set_value(lang).run()
    open_page(at, "data")
    at.file_uploader(key="uploader").upload("qa.xlsx", workbook, XLSX).run()
    assert not at.exception
    cards = [str(c.value) for c in (*at.error, *at.warning)]  # one card per issue
    assert any(words in c for c in cards), cards
    stored = connect(data_dir=os.environ[DATA_DIR_ENV])
    assert "质量管理部" not in set(current_kpis(stored)["department"])
    assert at.warning  # the page says why it waits
    accept = next(b for b in at.button if b.label.startswith(button))
    accept.click().run()
    assert "质量管理部" in set(current_kpis(stored)["department"])

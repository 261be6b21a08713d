"""The What-if page, driven with AppTest: sliders move the organisation score as the engine
says, a method's weights applied and then saved keep their method, and nothing a scenario
does reaches the stored data or the other pages.

The sample company writes its weights across each department, which `auto` weighting
scores department-wide, where perspective sliders move nothing (SPEC §5.3, see
test_department_weights.py); these tests store the `perspective` rule so the sliders apply.
"""

import os
from fractions import Fraction

import pandas as pd
import pytest

from kpi_engine import DEFAULTS, PERSPECTIVES, build, load_files, store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.settings import DATA_DIR_ENV, PERSPECTIVE
from kpi_engine.core.whatif import Scenario, compare, percentages, prepare
from tests.apps import open_page, start
from ui import data
from ui import whatif as ui

PERIOD = "2026-10"
SETTINGS = DEFAULTS.with_(weighting=PERSPECTIVE)  # every department by perspective weights


@pytest.fixture(scope="module")
def company():
    return load_files(list(data.sample_files())).kpis


@pytest.fixture
def at(monkeypatch, tmp_path):
    app = start(monkeypatch, tmp_path)
    engine = store.connect(data_dir=os.environ[DATA_DIR_ENV])
    store.save_settings(engine, SETTINGS, user=Actor("ana", ADMIN))
    engine.dispose()
    app = open_page(app, "whatif")
    assert not app.exception, [e.message for e in app.exception]
    return app


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


def table(at, column):
    """The dataframe (or editor) that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def slider(at, perspective):
    return at.slider(key=ui.slider_key(perspective))


def test_the_page_shows_baseline_and_scenario_with_normalised_slider_labels(at, company):
    assert at.session_state["period"] == PERIOD
    assert [slider(at, p).label for p in PERSPECTIVES] == [
        "财务 · 30.0%",
        "客户 · 30.0%",
        "内部流程 · 25.0%",
        "学习与成长 · 15.0%",
    ]
    organisation = build(company, period=PERIOD, settings=SETTINGS).organization["score"].iloc[0]
    assert metric(at, "组织总分 · 基准").value == f"{organisation:.1f}"
    assert metric(at, "组织总分 · 情景").value == f"{organisation:.1f}"


def test_moving_a_slider_changes_the_organisation_score_as_the_engine_says(at, company):
    before = metric(at, "组织总分 · 情景").value
    slider(at, "customer").set_value(70.0).run()
    assert not at.exception
    assert slider(at, "customer").label == "客户 · 50.0%"  # 70 / 140
    assert slider(at, "financial").label == "财务 · 21.4%"
    after = metric(at, "组织总分 · 情景").value
    assert after != before
    weights = {
        "financial": 30.0,
        "customer": 70.0,
        "internal_process": 25.0,
        "learning_growth": 15.0,
    }
    expected = compare(company, SETTINGS, Scenario(perspective_weights=weights), period=PERIOD)
    assert after == f"{expected.organization['scenario'].iloc[0]:.1f}"
    assert metric(at, "组织总分 · 基准").value == before  # the baseline does not move
    comparison = table(at, "基准排名")
    assert list(comparison.columns)[:3] == ["部门", "基准", "模拟情景"]
    assert len(comparison) == 7


def test_ahp_weights_applied_then_saved_keep_their_exact_weights_and_method(at):
    # "financial compared with customer" = 1/3: customer is 3 times as important
    assert ui.SAATY[10] == Fraction(1, 3)
    at.select_slider(key=ui.pair_key("financial", "customer")).set_value(ui.SAATY[10]).run()
    # a browser that lost the judgement's state sends back its default: 1/3 here, not 9
    assert at.select_slider(key=ui.pair_key("financial", "customer")).proto.default == [10]
    at.button(key="whatif_apply_ahp").click().run()
    assert not at.exception
    assert at.text_input(key=ui.NAME).value == "层次分析法 1"  # named, not yet saved
    assert any("层次分析法 1（未保存）" in c.value for c in at.caption)
    at.button(key="whatif_save").click().run()
    saved = ui.saved(data.scenarios())
    assert list(saved) == ["层次分析法 1"]
    scenario = saved["层次分析法 1"]
    assert scenario.method == "ahp"
    shares = percentages(scenario.perspective_weights)
    assert shares["customer"] > shares["financial"]
    assert round(shares["customer"], 1) != shares["customer"]  # AHP's, not the slider's
    assert slider(at, "customer").value == pytest.approx(round(shares["customer"], 1))
    assert table(at, "赋权方式")["情景名称"].tolist() == ["层次分析法 1"]
    assert any(c.value.startswith("情景：层次分析法 1 ·") for c in at.caption)


def test_reset_returns_to_the_baseline(at):
    baseline = metric(at, "组织总分 · 基准").value
    slider(at, "financial").set_value(90.0).run()
    assert metric(at, "组织总分 · 情景").value != baseline
    at.button(key="whatif_reset").click().run()
    assert slider(at, "financial").value == 30.0
    assert metric(at, "组织总分 · 情景").value == baseline


def test_kpi_target_edits_count_and_change_scores(at, company):
    at.session_state[ui.KPI_TARGETS] = {("市场部", "MKT-01"): 20000.0}
    at.run()
    assert not at.exception
    assert any("修改了 1 个指标" in c.value for c in at.caption)
    scenario = Scenario(kpi_targets={("市场部", "MKT-01"): 20000.0})
    expected = compare(company, SETTINGS, scenario, period=PERIOD).organization
    assert metric(at, "组织总分 · 情景").value == f"{expected['scenario'].iloc[0]:.1f}"


def test_a_scenario_leaves_the_stored_data_and_other_pages_unchanged(at, company):
    stored = data.kpis().copy(deep=True)
    slider(at, "learning_growth").set_value(80.0).run()
    at.session_state[ui.KPI_TARGETS] = {("市场部", "MKT-04"): 1.0}
    at.session_state[ui.KPI_WEIGHTS] = {("技术部", "TEC-01"): 50.0}
    at.run()
    at.button(key="whatif_apply_ahp").click().run()
    assert not at.exception
    pd.testing.assert_frame_equal(data.kpis(), stored)
    pd.testing.assert_frame_equal(data.kpis(), company)
    open_page(at, "overview")
    organisation = build(company, period=PERIOD, settings=SETTINGS).organization["score"].iloc[0]
    assert metric(at, "组织总分").value == f"{organisation:.1f}"


def test_rank_stability_names_the_departments_whose_rank_depends_on_the_weights(at, company):
    at.slider(key=ui.SPREAD).set_value(1).run()
    narrow = at.markdown[-1].value
    at.slider(key=ui.SPREAD).set_value(30).run()
    wide = at.markdown[-1].value
    assert "±30" in wide and "、" in wide
    prepared = prepare(company, period=PERIOD, settings=SETTINGS)
    assert prepared.baseline.departments["department"].nunique() == 7
    assert narrow != wide


def test_english_labels(at):
    at.sidebar.selectbox[0].set_value("en").run()
    labels = [m.label for m in at.metric]
    assert "Scenario score" in labels and "Baseline score" in labels
    assert slider(at, "customer").label == "Customer · 30.0%"


def without_data(spec):
    spec = dict(spec)
    name = spec.pop("data")["name"]
    return spec, spec.pop("datasets")[name]


def test_chart_specs_after_a_move_equal_a_fresh_altair_build():
    from kpi_engine.charts import specs as charts

    first = pd.DataFrame(
        {
            "department": ["甲部", "乙部", "丙部"],
            "baseline": [100.0, 95.5, 80.0],
            "scenario": [101.0, 94.0, None],
        }
    )
    moved = first.assign(scenario=[99.0, 96.2, 81.3])
    ui.comparison_spec(first, "zh-Hans", DEFAULTS)  # builds the shape once
    swapped = ui.comparison_spec(moved, "zh-Hans", DEFAULTS)
    fresh = charts.baseline_vs_scenario(moved, lang="zh-Hans", settings=DEFAULTS).to_dict()
    assert without_data(swapped) == without_data(fresh)

    ranges = pd.DataFrame(
        {
            "period": PERIOD,
            "department": ["甲部", "乙部"],
            "baseline_rank": [1, 2],
            "min_rank": [1, 1],
            "max_rank": [2, 2],
            "depends": [True, True],
            "stable_share": [0.5, 0.7],
        }
    )
    order = ["乙部", "甲部"]
    ui.rank_spec(ranges, "en", order)
    later = ranges.assign(stable_share=[0.9, 0.1], depends=[True, False])
    swapped = ui.rank_spec(later, "en", order)
    assert without_data(swapped) == without_data(
        ui.rank_chart(later, lang="en", order=order).to_dict()
    )


def test_sliders_whose_widget_state_is_dropped_come_back_at_their_last_values(at, company):
    """Streamlit drops a widget's state when a run does not draw it: on a trip to another
    page, and (seen in a browser, under rapid key presses on one slider) between fragment
    reruns, where another slider came back at its minimum 0 and silently took its
    perspective out of the scenario. The sliders come back where the analyst left them."""
    slider(at, "financial").set_value(40.0).run()
    slider(at, "customer").set_value(70.0).run()
    at = open_page(open_page(at, "heatmap"), "whatif")
    assert not at.exception
    assert [slider(at, p).value for p in PERSPECTIVES] == [40.0, 70.0, 25.0, 15.0]
    # what a browser that lost a slider's state sends back: its default, here where it was
    assert [slider(at, p).proto.default for p in PERSPECTIVES] == [[40.0], [70.0], [25.0], [15.0]]
    assert slider(at, "financial").label == "财务 · 26.7%"  # 40 / 150
    weights = dict(zip(PERSPECTIVES, [40.0, 70.0, 25.0, 15.0], strict=True))
    expected = compare(company, SETTINGS, Scenario(perspective_weights=weights), period=PERIOD)
    scenario = metric(at, "组织总分 · 情景").value
    assert scenario == f"{expected.organization['scenario'].iloc[0]:.1f}"

"""The What-if page says what it does (issue 16, Deliver 5), driven with AppTest: applying
AHP or entropy weights changes the current scenario and stores nothing (the Save button
stores); inconsistent AHP judgements (CR >= 0.1) apply only once their CR is confirmed;
targets are typed in the unit shown (98 for 98 %), and a target 50 times away from the
stored one waits for a confirmation; a saved scenario is seen by another session, as the
caption says; two saved scenarios are compared by department; the export reads back with
the leadership workbook's formats.

As in test_whatif_page.py, the store holds the `perspective` weighting rule, so that the
perspective sliders move every department of the sample company.
"""

import os
from io import BytesIO

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpi_engine import DEFAULTS, PERSPECTIVES, load_files, store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.settings import DATA_DIR_ENV, PERSPECTIVE
from kpi_engine.core.weights import ahp, pairwise_matrix
from kpi_engine.core.whatif import (
    Scenario,
    compare,
    compare_scenarios,
    entropy_shares,
    percentages,
    prepare,
    rank_ranges,
)
from kpi_engine.i18n import change_text, score_text
from kpi_engine.reports.whatif import whatif_xlsx
from kpi_engine.reports.xlsx import CHANGE_FORMAT, SCORE_FORMAT, SHARE_FORMAT
from tests.apps import open_page, run_app, start
from ui import data
from ui import whatif as ui

PERIOD = "2026-10"
SETTINGS = DEFAULTS.with_(weighting=PERSPECTIVE)
ANA = Actor("ana", ADMIN)
RETENTION = ("市场部", "MKT-05")  # 客户留存率: unit %, target 88 % held as 0.88
REVENUE = ("市场部", "MKT-01")  # 营业收入: 9,720 万元


@pytest.fixture(scope="module")
def company():
    return load_files(list(data.sample_files())).kpis


@pytest.fixture(scope="module")
def october(company):
    return prepare(company, settings=SETTINGS, period=PERIOD)


def stored_scenarios() -> pd.DataFrame:
    """The scenarios in the store itself, read past the app's caches."""
    engine = store.connect(data_dir=os.environ[DATA_DIR_ENV])
    try:
        return store.list_scenarios(engine)
    finally:
        engine.dispose()


def save_directly(*scenarios: Scenario) -> None:
    engine = store.connect(data_dir=os.environ[DATA_DIR_ENV])
    try:
        for scenario in scenarios:
            store.save_scenario(engine, scenario, user=ANA)
    finally:
        engine.dispose()


@pytest.fixture
def at(monkeypatch, tmp_path):
    app = start(monkeypatch, tmp_path)
    engine = store.connect(data_dir=os.environ[DATA_DIR_ENV])
    store.save_settings(engine, SETTINGS, user=ANA)
    engine.dispose()
    app = open_page(app, "whatif")
    assert not app.exception, [e.message for e in app.exception]
    return app


def scenario_score(at) -> str:
    return next(m for m in at.metric if m.label == "组织总分 · 情景").value


def sliders(at) -> dict[str, float]:
    return {p: at.slider(key=ui.slider_key(p)).value for p in PERSPECTIVES}


def judgements(at) -> dict[tuple[str, str], float]:
    """The AHP pairs' judgements as the page holds them."""
    return {(a, b): float(at.session_state[ui.pair_key(a, b)]) for a, b in ui.pairs()}


def expected_score(company, scenario: Scenario) -> str:
    found = compare(company, SETTINGS, scenario, period=PERIOD).organization
    return score_text(found["scenario"].iloc[0])


# --- applying a method's weights --------------------------------------------------------------


def test_applying_ahp_weights_changes_the_current_scenario_and_stores_nothing(at):
    pair = ui.pair_key("financial", "customer")
    at.select_slider(key=pair).set_value(ui.SAATY[10]).run()  # customer 3x financial
    before = sliders(at)
    at.button(key="whatif_apply_ahp").click().run()
    assert not at.exception
    assert stored_scenarios().empty  # saving is the Save button's
    weights = ahp(pairwise_matrix(judgements(at), PERSPECTIVES))
    shares = percentages(dict(zip(PERSPECTIVES, weights.weights, strict=True)))
    assert sliders(at) == {p: round(shares[p], 1) for p in PERSPECTIVES} != before
    assert any("（未保存）" in c.value for c in at.caption)


def test_applying_entropy_weights_changes_the_current_scenario_and_stores_nothing(at, october):
    at.button(key="whatif_apply_entropy").click().run()
    assert not at.exception
    assert stored_scenarios().empty
    shares = entropy_shares(october, "perspective")["weight"]
    expected = percentages({p: 100 * w for p, w in shares.items()})
    assert sliders(at) == {p: round(expected[p], 1) for p in PERSPECTIVES}
    at.button(key="whatif_save").click().run()  # the Save button stores it
    assert list(stored_scenarios()["name"]) == ["熵权法 1"]
    assert not any("（未保存）" in c.value for c in at.caption)


def test_inconsistent_ahp_judgements_apply_only_after_their_cr_is_confirmed(at):
    # financial > customer > internal process > financial, each 9 times: a circle
    for (a, b), value in {
        ("financial", "customer"): ui.SAATY[0],
        ("customer", "internal_process"): ui.SAATY[0],
        ("financial", "internal_process"): ui.SAATY[-1],
    }.items():
        at.select_slider(key=ui.pair_key(a, b)).set_value(value).run()
    result = ahp(pairwise_matrix(judgements(at), PERSPECTIVES))
    assert result.cr >= 0.1
    cr = f"{result.cr:.3f}"
    assert any(f"CR = {cr}" in w.value for w in at.warning)
    assert at.button(key="whatif_apply_ahp").disabled
    before = sliders(at)
    confirm = next(c for c in at.checkbox if f"CR = {cr}" in c.label)
    confirm.check().run()
    assert not at.button(key="whatif_apply_ahp").disabled
    at.button(key="whatif_apply_ahp").click().run()
    assert not at.exception
    assert sliders(at) != before
    assert stored_scenarios().empty


# --- targets in the unit shown ----------------------------------------------------------------


def edit_target(at, kpi: tuple[str, str], shown: float) -> None:
    """Type `shown` in the KPI's target cell of its department's editor, then rerun."""
    department, key = kpi
    at.selectbox(key=ui.KPI_DEPARTMENT).set_value(department).run()
    found = next(d for d in at.data_editor if "kpi_id" in d.value.columns)
    row = list(found.value["kpi_id"]).index(key)
    at.session_state[found.key] = {
        "edited_rows": {row: {"target": shown}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def editor(at) -> pd.DataFrame:
    return next(d.value for d in at.data_editor if "kpi_id" in d.value.columns)


def test_a_percent_target_is_typed_as_shown_and_held_as_the_data_holds_it(at, company):
    at.selectbox(key=ui.KPI_DEPARTMENT).set_value("市场部").run()
    frame = editor(at).set_index("kpi_id")
    assert list(frame.columns)[-2:] == ["actual", "target"]  # the actual beside the target
    retention = frame.loc["MKT-05"]
    assert retention["unit"] == "%"
    assert retention["target"] == pytest.approx(88.0)  # 88 %, not 0.88
    assert retention["actual"] == pytest.approx(86.66)
    assert frame.loc["MKT-01", "target"] == pytest.approx(9720.0)  # other units as stored

    edit_target(at, RETENTION, 98.0)
    assert at.session_state[ui.KPI_TARGETS] == {RETENTION: pytest.approx(0.98)}
    assert scenario_score(at) == expected_score(company, Scenario(kpi_targets={RETENTION: 0.98}))
    assert not any("50 倍" in w.value for w in at.warning)


@pytest.mark.parametrize(
    ("kpi", "shown", "held", "said"),
    [
        (RETENTION, 0.98, 0.0098, "0.98 %（原目标 88 %）"),  # 0.98 typed for 98 %
        (REVENUE, 972_000.0, 972_000.0, "972,000 万元（原目标 9,720 万元）"),  # 100x
    ],
)
def test_a_target_fifty_times_away_is_used_only_after_a_confirmation(
    at, company, kpi, shown, held, said
):
    baseline = scenario_score(at)
    edit_target(at, kpi, shown)
    assert at.session_state[ui.KPI_TARGETS] == {}
    assert scenario_score(at) == baseline
    warning = next(w.value for w in at.warning if "50 倍" in w.value)
    assert said in warning
    at.button(key="whatif_far_confirm").click().run()
    assert at.session_state[ui.KPI_TARGETS] == {kpi: pytest.approx(held)}
    assert scenario_score(at) == expected_score(company, Scenario(kpi_targets={kpi: held}))
    assert not any("50 倍" in w.value for w in at.warning)


# --- where scenarios are kept ---------------------------------------------------------------


def test_a_saved_scenario_is_seen_by_another_session_as_the_caption_says(at):
    intro = at.caption[0].value
    assert "本组织的数据库" in intro and "所有使用本看板的人" in intro
    at.slider(key=ui.slider_key("customer")).set_value(60.0).run()
    at.text_input(key=ui.NAME).input("客户优先").run()
    assert any("客户优先（未保存）" in c.value for c in at.caption)
    at.button(key="whatif_save").click().run()
    assert any(c.value.startswith("情景：客户优先 ·") for c in at.caption)
    other = open_page(run_app(), "whatif")  # a second browser session on the same store
    assert other.selectbox(key=ui.LOAD_CHOICE).options == ["客户优先"]


# --- two saved scenarios by department --------------------------------------------------------


def test_two_saved_scenarios_are_compared_by_department(at, october):
    first = Scenario(name="A 均衡", perspective_weights=dict.fromkeys(PERSPECTIVES, 1.0))
    second = Scenario(name="B 客户", perspective_weights={"customer": 3.0, "financial": 1.0})
    save_directly(first, second)
    at.run()
    assert at.selectbox(key=ui.PAIR_FIRST).value == "A 均衡"
    assert at.selectbox(key=ui.PAIR_SECOND).value == "B 客户"
    shown = next(d.value for d in at.dataframe if "差异（B 客户 − A 均衡）" in d.value.columns)
    expected = compare_scenarios(october, first, second)
    assert list(shown["部门"]) == list(expected["department"])  # baseline rank order
    assert len(shown) == 7
    assert list(shown["A 均衡 · 得分"]) == [score_text(v) for v in expected["first_score"]]
    assert list(shown["B 客户 · 较基准"]) == [change_text(v) for v in expected["second_change"]]
    assert list(shown["B 客户 · 排名"]) == [str(v) for v in expected["second_rank"]]
    assert list(shown["B 客户 · 等级"]) == list(expected["second_grade"])
    assert list(shown["差异（B 客户 − A 均衡）"]) == [
        change_text(b - a)
        for a, b in zip(expected["first_score"], expected["second_score"], strict=True)
    ]
    # the ranks and changes are the ones `compare` gives each scenario alone
    alone = compare(october, SETTINGS, second).departments.set_index("department")
    by_department = expected.set_index("department")
    alone = alone.loc[by_department.index]
    assert list(by_department["second_rank"]) == list(alone["scenario_rank"])
    assert by_department["second_change"].to_numpy() == pytest.approx(alone["change"].to_numpy())


# --- the export ---------------------------------------------------------------------------------


def test_the_export_reads_back_with_the_leadership_workbooks_formats(october):
    scenario = Scenario(
        name="营销优先",
        perspective_weights={"financial": 20, "customer": 50, "internal_process": 20},
        kpi_targets={RETENTION: 0.98},
    )
    comparison = compare(october, SETTINGS, scenario)
    ranges = rank_ranges(
        comparison.scenario.perspectives,
        weights=scenario.settings(SETTINGS).perspective_weights,
        departments=comparison.scenario.departments,
        samples=100,
    )
    book = load_workbook(
        BytesIO(
            whatif_xlsx(
                comparison, scenario, SETTINGS, lang="zh-Hans", period=PERIOD, ranges=ranges
            )
        )
    )
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title  # the header stays in view
        assert sheet["A1"].font.bold
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet.column_dimensions["A"].width > 0
    departments = book["部门对比"]
    assert departments["C1"].value == "基准"
    assert departments["C2"].number_format == SCORE_FORMAT
    assert isinstance(departments["C2"].value, float)  # unrounded, shown rounded
    assert departments["E2"].number_format == CHANGE_FORMAT
    assert departments["F2"].number_format == "0"
    weights = {row[1].value: row for row in book["权重"].iter_rows(min_row=2)}
    assert weights["客户"][3].value == pytest.approx(50 / 90)
    assert weights["客户"][3].number_format == SHARE_FORMAT
    assert weights["市场部"][3].number_format != SHARE_FORMAT  # a relative weight
    edit = next(book["指标修改"].iter_rows(min_row=2))
    assert [c.value for c in edit] == ["市场部", "MKT-05", "%", None, pytest.approx(0.98)]
    assert edit[4].number_format == SHARE_FORMAT  # 98.0 %, as the data page shows it
    share = book["排名稳定性"]["G2"]
    assert share.number_format.endswith("%") and 0 <= share.value <= 1

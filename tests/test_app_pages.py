"""Every page, driven as a person uses it: numbers on screen are the engine's numbers."""

import pytest

from kpi_engine import build, load_files
from kpi_engine.core import insights
from tests.apps import PAGES, open_page, seen, start
from tests.paths import sample_files
from tests.workbooks import form, xlsx
from ui import data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def engine():
    """The sample company through the engine directly, as a script would see it."""
    loaded = load_files(list(sample_files()))
    months = insights.period_labels(loaded.kpis, grain="month")
    return loaded.kpis, months[-1]


@pytest.fixture
def at(monkeypatch, tmp_path):
    return start(monkeypatch, tmp_path)


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_an_exception(at, page):
    open_page(at, page)
    assert not at.exception, [e.message for e in at.exception]


def test_first_start_shows_the_sample_company_for_the_latest_month(at, engine):
    kpis, latest = engine
    assert at.session_state["period"] == latest
    organisation = build(kpis, period=latest).organization
    assert metric(at, "组织总分").value == f"{organisation['score'].iloc[0]:.1f}"


def test_scorecard_shows_the_engines_department_score(at, engine):
    kpis, latest = engine
    open_page(at, "scorecard")
    department = at.selectbox(key="scorecard_department").value
    scores = build(kpis, period=latest).departments
    expected = scores.loc[scores["department"] == department, "score"].iloc[0]
    assert metric(at, "部门总分").value == f"{expected:.1f}"
    assert at.title[0].value == f"{department} 计分卡"


def test_quarter_grain_scores_the_quarter(at, engine):
    kpis, _ = engine
    at.sidebar.segmented_control[0].set_value("quarter").run()
    quarter = at.session_state["period"]
    assert quarter.endswith(("Q1", "Q2", "Q3", "Q4"))
    expected = build(kpis, period=quarter).organization["score"].iloc[0]
    assert metric(at, "组织总分").value == f"{expected:.1f}"


@pytest.mark.parametrize(
    ("lang", "overview", "perspective"),
    [("en", "Organisation score", "Financial"), ("zh-Hant", "組織總分", "財務")],
)
def test_language_switch_changes_the_labels(at, lang, overview, perspective):
    at.sidebar.selectbox[0].set_value(lang).run()
    labels = [m.label for m in at.metric]
    assert overview in labels
    assert perspective in labels
    assert "组织总分" not in labels


def test_an_upload_joins_every_page(at):
    workbook = xlsx(
        form(
            ["质量管理部", "客户", "QA-1", "客户投诉率", "越低越好", "50%", "2%", "1.5%"],
            ["质量管理部", "内部流程", "QA-2", "一次合格率", "越高越好", "50%", "98%", "97%"],
            title="2026年10月 质量管理部 KPI 考核表",
        )
    )
    open_page(at, "data")
    at.file_uploader[0].upload("质量管理部_2026年10月.xlsx", workbook, XLSX).run()
    assert not at.exception
    assert any("质量管理部_2026年10月.xlsx" in seen(m.value) for m in at.markdown)
    open_page(at, "scorecard")
    assert "质量管理部" in at.selectbox(key="scorecard_department").options


def test_a_file_with_errors_waits_for_the_user_to_accept_its_good_rows(at):
    workbook = xlsx(
        form(
            ["质量管理部", "客户", "QA-1", "客户投诉率", "越低越好", 0.5, 0.02, 0.015],
            ["质量管理部", "客户", "QA-2", "返工率", "越低越好", -1, 0.05, 0.04],
            title="2026年10月 质量管理部 KPI 考核表",
        )
    )
    open_page(at, "data")
    at.file_uploader[0].upload("qa.xlsx", workbook, XLSX).run()
    (card,) = [e.value for e in at.error]  # the one bad row, where it is
    assert "第 5 行" in seen(card)
    assert "质量管理部" not in at.sidebar.multiselect[0].options
    at.button[0].click().run()
    assert "质量管理部" in at.sidebar.multiselect[0].options
    open_page(at, "scorecard")
    assert "质量管理部" in at.selectbox(key="scorecard_department").options


def test_the_app_seeds_the_sample_files_the_engine_tests_read():
    assert data.sample_files() == sample_files()

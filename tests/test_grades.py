"""Grades (SPEC §5.9): scores read as a person reads them, an editable grade table with
coefficients and presets, the lowest grade for a vetoed department, the organisation's
grade, and the grade in the CLI JSON, the stored settings, the reports and every page."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from kpi_engine import build, load_files, store
from kpi_engine.core import grades, insights
from kpi_engine.core.settings import DEFAULTS, GRADE_PRESETS, Grade, grade_table, problems
from kpi_engine.i18n import t
from kpi_engine.reports.plain import scorecard_json
from kpi_engine.reports.xlsx import report_xlsx
from tests.apps import PAGES, open_page, start
from tests.fixtures.make_store_dump import ADMIN_USER
from tests.kpi_rows import kpi
from tests.paths import sample_files
from tests.shown import none_words, table_cells, texts
from tests.store_files import fresh_store

LEVELS = DEFAULTS.with_(grades=GRADE_PRESETS["levels_zh-Hans"])


def graded(scores, settings=DEFAULTS, vetoed=None) -> list:
    return list(grades.grades(np.array(scores, dtype=float), settings, vetoed=vetoed))


def test_the_default_table_is_s_a_b_c_d_at_110_100_90_80():
    assert [g.name for g in DEFAULTS.grades] == ["S", "A", "B", "C", "D"]
    assert [g.lowest for g in DEFAULTS.grades] == [110.0, 100.0, 90.0, 80.0, None]
    assert problems(DEFAULTS) == []


def test_boundaries_belong_to_the_grade_they_open():
    scores = [120, 110, 109.99, 100, 99.99, 90, 89.99, 80, 79.99, 0, np.nan]
    assert graded(scores) == ["S", "S", "A", "A", "B", "B", "C", "C", "D", "D", None]


def test_a_score_that_reads_100_is_an_a_never_a_b():
    assert graded([99.99999999999999, 109.99999999999999]) == ["A", "S"]
    # the same through the roll-up: three KPIs exactly on target
    rows = pd.DataFrame([kpi(kpi_name=f"k{i}", actual=0.17, target=0.17) for i in range(3)])
    card = build(rows)
    assert card.departments["grade"].tolist() == ["A"]


def test_names_thresholds_and_coefficients_are_editable():
    table = grade_table([("金", 95.0, 1.5, None), ("银", 85.0, 1.0, None), ("铜", None, 0.5, None)])
    settings = DEFAULTS.with_(grades=table)
    assert problems(settings) == []
    index = grades.grade_index(np.array([96.0, 90.0, 10.0]), table)
    assert list(grades.names(index, table)) == ["金", "银", "铜"]
    assert list(grades.coefficients(index, table)) == [1.5, 1.0, 0.5]
    rows = pd.DataFrame([kpi(actual=96.0, target=100.0)])
    card = build(rows, settings=settings)
    assert card.departments[["grade", "coefficient"]].values.tolist() == [["金", 1.5]]


def test_the_four_level_preset():
    assert [g.name for g in LEVELS.grades] == ["优秀", "良好", "合格", "不合格"]
    assert graded([100, 95, 80, 79.9], LEVELS) == ["优秀", "良好", "合格", "不合格"]
    assert GRADE_PRESETS["levels_zh-Hant"][0].name == "優秀"
    assert all(problems(DEFAULTS.with_(grades=p)) == [] for p in GRADE_PRESETS.values())


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ([("A", 100.0), ("A", None)], "grade_name_unique"),
        ([("", 100.0), ("B", None)], "grade_name"),
        ([("A", 90.0), ("B", 95.0), ("C", None)], "grade_threshold_order"),
        ([("A", 90.0), ("B", 90.0), ("C", None)], "grade_threshold_order"),
        ([("A", 500.0), ("B", None)], "grade_threshold_range"),
        ([("A", None)], "grade_count"),
        ([("A", 100.0, -1.0), ("B", None)], "grade_coefficient_range"),
        ([("A", 100.0, None, 120.0), ("B", None)], "grade_quota_range"),
        ([("A", 100.0), ("B", None, None, 100.0)], "grade_quota_range"),
    ],
)
def test_unusable_grade_tables_are_named(table, problem):
    assert problem in problems(DEFAULTS.with_(grades=table))


def test_a_vetoed_department_takes_the_lowest_grade():
    assert graded([115.0, 115.0], vetoed=[True, False]) == ["D", "S"]
    # a departments table with VB's `veto` column (a dict for the failing KPI, else None)
    frame = pd.DataFrame(
        {
            "department": ["生产部", "市场部"],
            "period": ["2026-10", "2026-10"],
            "score": [95.0, 95.0],
            "veto": [{"kpi_name": "重大安全事故"}, None],
        }
    )
    out = grades.with_grades(frame, DEFAULTS, counted=np.array([True, True]))
    assert out["grade"].tolist() == ["D", "B"]


def test_the_organisation_carries_its_grade():
    rows = pd.DataFrame(
        [
            kpi(department="市场部", actual=120.0, target=100.0),
            kpi(department="财务部", actual=90.0, target=100.0),
        ]
    )
    card = build(rows)
    assert card.organization["score"].tolist() == [105.0]
    assert card.organization["grade"].tolist() == ["A"]
    view = insights.overview(card, "2026-10")
    assert view.grade == "A" and view.coefficient is None


def test_the_cli_json_has_grades_on_department_and_organisation_rows():
    card = build(load_files(list(sample_files())).kpis, period="2026-10")
    doc = json.loads(json.dumps(scorecard_json(card)))
    overall = [r for r in doc["departments"] if r["perspective"] is None]
    assert overall and all(r["grade"] in {"S", "A", "B", "C", "D"} for r in overall)
    assert all("coefficient" in r for r in overall)
    for row in overall:
        assert row["grade"] == graded([row["score"]])[0]
    (org,) = doc["organization"]
    assert org["grade"] == graded([org["score"]])[0]
    assert "distribution_grade" not in overall[0]  # off by default


def test_grade_settings_round_trip_through_the_store(tmp_path):
    engine = fresh_store(tmp_path)
    table = grade_table([("优", 95.0, 1.2, 20.0), ("良", 85.0, 1.0, None), ("差", None, 0.6, 10.0)])
    settings = DEFAULTS.with_(grades=table, forced_distribution=True)
    store.save_settings(engine, settings, user=ADMIN_USER)
    loaded = store.load_settings(engine)
    engine.dispose()
    assert loaded == settings
    assert all(isinstance(g, Grade) for g in loaded.grades)


def test_the_excel_report_carries_grades_and_coefficients():
    kpis = load_files(list(sample_files())).kpis
    table = grade_table(
        [
            (g.name, g.lowest, c, g.quota)
            for g, c in zip(LEVELS.grades, (1.2, 1.0, 0.8, 0.5), strict=True)
        ]
    )
    settings = DEFAULTS.with_(grades=table)
    history = insights.history(kpis, insights.period_labels(kpis, grain="month"), settings=settings)
    book = load_workbook(io.BytesIO(report_xlsx(history, "2026-10", settings=settings)))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[5]]
    grade_at = header.index(t("common.grade")) + 1
    coefficient_at = header.index(t("common.coefficient")) + 1
    shown = {
        sheet.cell(row=r, column=1).value: (
            sheet.cell(row=r, column=grade_at).value,
            sheet.cell(row=r, column=coefficient_at).value,
        )
        for r in range(6, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value
    }
    at = history.departments[history.departments["period"] == "2026-10"]
    assert shown == {
        d: (g, c) for d, g, c in zip(at["department"], at["grade"], at["coefficient"], strict=True)
    }
    org_header = [c.value for c in sheet[2]]
    org_grade = sheet.cell(row=3, column=org_header.index(t("common.grade")) + 1).value
    assert org_grade == history.organization.set_index("period").loc["2026-10", "grade"]


valid_tables = st.lists(
    st.floats(min_value=1.0, max_value=120.0, allow_nan=False), min_size=1, max_size=6, unique=True
).map(
    lambda cuts: grade_table(
        [(f"G{i}", cut, None, None) for i, cut in enumerate(sorted(cuts, reverse=True))]
        + [("Z", None, None, None)]
    )
)


@given(
    table=valid_tables,
    scores=st.lists(st.floats(min_value=0.0, max_value=120.0, allow_nan=False), min_size=2),
)
def test_grades_are_monotone_in_the_score(table, scores):
    """A higher score never earns a worse grade, for any valid grade table."""
    ordered = np.sort(np.array(scores))
    index = grades.grade_index(ordered, table)
    assert (np.diff(index) <= 0).all()  # index 0 is the best grade


@pytest.fixture
def at(monkeypatch, tmp_path):
    return start(monkeypatch, tmp_path)


def test_one_click_switches_to_the_four_levels_everywhere(at):
    open_page(at, "settings")
    at.button(key="settings_preset_levels_zh-Hans").click().run()
    assert not at.exception
    open_page(at, "overview")
    words = {text for _, text in table_cells(at)}
    assert words & {"优秀", "良好", "合格", "不合格"}
    open_page(at, "scorecard")
    grade = next(m for m in at.metric if m.label == t("common.grade"))
    assert grade.value in {"优秀", "良好", "合格", "不合格"}
    for page in PAGES:
        open_page(at, page)
        assert not at.exception, (page, [e.message for e in at.exception])
        shown = [*texts(at), *(text for _, text in table_cells(at))]
        assert none_words(shown) == [], page

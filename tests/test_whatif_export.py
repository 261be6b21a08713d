"""The What-if workbook (`reports.whatif`): every table of the comparison in the reader's
language, scores unrounded, and names that look like formulas kept as text. Pure engine:
no Streamlit."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kpi_engine import DEFAULTS, load_paths
from kpi_engine.core.whatif import Scenario, compare, prepare, rank_ranges
from kpi_engine.reports.whatif import whatif_xlsx
from tests.report_data import SAMPLE_FILES, SAMPLE_PERIOD

EQUAL = {"financial": 1, "customer": 1, "internal_process": 1, "learning_growth": 1}


@pytest.fixture(scope="module")
def prepared():
    return prepare(load_paths(SAMPLE_FILES).kpis, period=SAMPLE_PERIOD)


def test_excel_export_has_every_table_and_keeps_text_as_text(prepared):
    scenario = Scenario(
        name="=HYPERLINK(1)",
        perspective_weights=EQUAL,
        kpi_targets={("市场部", "MKT-04"): 95.0},
    )
    comparison = compare(prepared, DEFAULTS, scenario)
    book = load_workbook(
        BytesIO(whatif_xlsx(comparison, scenario, DEFAULTS, lang="en", period=SAMPLE_PERIOD))
    )
    assert book.sheetnames == ["Departments", "Organisation", "Weights", "KPI edits", "Scenario"]
    departments = list(book["Departments"].values)
    assert departments[0][:4] == ("Period", "Department", "Baseline", "Scenario")
    assert len(departments) == 1 + 7
    assert isinstance(departments[1][2], float)  # scores unrounded, as numbers
    about = book["Scenario"]["A2"]
    assert about.value == "=HYPERLINK(1)" and about.data_type == "s"  # text, not a formula
    assert list(book["KPI edits"].values)[1] == ("市场部", "MKT-04", None, None, 95.0)  # no unit
    weights = {row[1]: row[2:] for row in book["Weights"].values}
    assert weights["Customer"] == (0.3, 0.25)


def test_rank_ranges_and_department_weights_are_in_the_workbook(prepared):
    scenario = Scenario(name="营销优先", department_weights={"市场部": 3.0}, method="ahp")
    comparison = compare(prepared, DEFAULTS, scenario)
    ranges = rank_ranges(
        comparison.scenario.perspectives,
        weights=scenario.settings(DEFAULTS).perspective_weights,
        departments=comparison.scenario.departments,
        samples=200,
    )
    book = load_workbook(
        BytesIO(
            whatif_xlsx(
                comparison, scenario, DEFAULTS, lang="zh-Hans", period=SAMPLE_PERIOD, ranges=ranges
            )
        )
    )
    assert len(book.sheetnames) == 6
    ranks = list(book[book.sheetnames[4]].values)
    assert len(ranks) == 1 + len(ranges)
    assert [row[1] for row in ranks[1:]] == list(ranges["department"])
    weights = {row[1]: row[2:] for row in book[book.sheetnames[2]].values}
    assert weights["市场部"] == (1.0, 3.0)  # baseline 1 unless set, the scenario's 3
    about = list(book[book.sheetnames[5]].values)[1]
    assert about == ("营销优先", SAMPLE_PERIOD, "层次分析法")

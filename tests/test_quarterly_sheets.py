"""Quarterly, half-year and annual assessment (SPEC §5.1, §5.12): every spelling of such a
period in a period column, the title, the sheet name or the file name; the frequency
column; a KPI expected only in periods of its own frequency; coarser views that aggregate
the finer KPIs with those reported at their grain; `score --period` of any grain."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine import build, load_paths
from kpi_engine.core import insights, periods
from kpi_engine.core.periods import (
    containing,
    find_label,
    grain_of,
    months_of,
    ordinal,
    parse_label,
    shift_period,
    year_ago,
)
from kpi_engine.i18n import period_label
from tests.apps import PAGES, XLSX, open_page, start
from tests.commands import cli
from tests.edge_company import visit
from tests.workbooks import HEADER, load, messages, xlsx
from ui.state import GRAINS

SPELLINGS = {
    "2026-Q1": [
        "2026年第一季度",
        "2026年一季度",
        "2026年1季度",
        "2026Q1",
        "2026-Q1",
        "Q1 2026",
        "2026年第一季",  # traditional usage
        "２０２６年第１季度",  # full-width
    ],
    "2026-Q3": ["2026年第三季度", "2026年三季度", "2026 Q3", "Q3-2026"],
    "2026-H1": ["2026年上半年", "2026H1", "2026-H1", "2026年上半年度", "H1 2026"],
    "2026-H2": ["2026年下半年", "2026H2"],
    "2026": ["2026年度", "2026年", "FY2026"],
}
CASES = [(spelling, label) for label, spellings in SPELLINGS.items() for spelling in spellings]
ROW = ["市场部", "财务", "M1", "季度利润", "越高越好", 1, 100, 90]


def one_period(loaded) -> str:
    assert not messages(loaded), messages(loaded)
    (period,) = set(loaded.kpis["period"])
    return period


# -- every spelling, everywhere a month is read ------------------------------------------------


@pytest.mark.parametrize(("spelling", "label"), CASES)
def test_every_spelling_in_a_period_column(spelling, label):
    rows = [[*HEADER, "期间"], [*ROW, spelling]]
    assert one_period(load(("kpi.xlsx", xlsx(rows)))) == label


@pytest.mark.parametrize(("spelling", "label"), CASES)
def test_every_spelling_in_the_title(spelling, label):
    rows = [[f"{spelling} 市场部 KPI 考核表"], [], HEADER, ROW]
    assert one_period(load(("kpi.xlsx", xlsx(rows)))) == label


@pytest.mark.parametrize(("spelling", "label"), CASES)
def test_every_spelling_in_the_sheet_name(spelling, label):
    data = xlsx([HEADER, ROW], sheet=spelling)
    assert one_period(load(("kpi.xlsx", data))) == label


@pytest.mark.parametrize(("spelling", "label"), CASES)
def test_every_spelling_in_the_file_name(spelling, label):
    assert one_period(load((f"市场部_{spelling}_考核表.xlsx", xlsx([HEADER, ROW])))) == label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年10月 考核表", "2026-10"),  # a bare year never swallows a month
        ("2026年 10月 考核表", "2026-10"),
        ("2026年度 考核表（2026-04-02 更新）", "2026"),  # the earliest mention wins
        ("FY2026 Q3 review", "2026-Q3"),
        ("2026年度第二季度", "2026-Q2"),
        ("2026年1-3月", None),  # a range of months is not one period
        ("KPI 2026", None),  # a bare number may be anything
    ],
)
def test_find_label_reads_the_period_a_person_means(text, expected):
    assert find_label(text) == expected


def test_a_year_over_month_columns_is_the_year_of_those_months():
    rows = [["2026年 市场部 KPI"], ["部门", "维度", "指标名称", "目标值", "1月", "2月", "3月"]]
    rows.append(["市场部", "财务", "营收", 100, 90, 100, 110])
    loaded = load(("市场部.xlsx", xlsx(rows)))
    assert not messages(loaded)
    assert list(loaded.kpis["period"]) == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize(
    ("title", "sheet", "file", "expected"),
    [
        ("2026年 市场部 KPI", "Sheet1", "市场部_2026年10月.xlsx", "2026-10"),
        ("2026年度 考核表", "Sheet1", "市场部_2026年第二季度.xlsx", "2026-Q2"),
        (None, "1月", "市场部_2026年KPI.xlsx", "2026-01"),
        ("2026年第一季度 KPI", "Sheet1", "市场部_2025年10月.xlsx", "2026-Q1"),  # not inside
    ],
)
def test_a_finer_period_inside_the_first_one_named_wins(title, sheet, file, expected):
    rows = [[title], [], HEADER, ROW] if title else [HEADER, ROW]
    assert one_period(load((file, xlsx(rows, sheet=sheet)))) == expected


def test_a_half_year_file_name_over_month_columns_is_their_year():
    rows = [["部门", "维度", "指标名称", "目标值", "1月", "2月"]]
    rows.append(["财务部", "财务", "营收", 100, 90, 100])
    loaded = load(("財務部_2026上半年.xlsx", xlsx(rows)))
    assert list(loaded.kpis["period"]) == ["2026-01", "2026-02"]


# -- a quarterly sheet loads and scores -------------------------------------------------------


def quarterly_sheet(*rows, title="2026年第一季度 市场部 KPI 考核表") -> bytes:
    return xlsx([[title], [], HEADER, *rows])


def test_a_quarterly_sheet_loads_and_scores_at_its_quarter():
    loaded = load(("q.xlsx", quarterly_sheet(ROW)))
    card = build(loaded.kpis, period="2026-Q1")
    assert card.kpis["score"].tolist() == [pytest.approx(90.0)]
    assert card.organization["score"].tolist() == [pytest.approx(90.0)]


def test_an_unreadable_period_names_the_forms_accepted():
    loaded = load(("kpi.xlsx", xlsx([[*HEADER, "期间"], [*ROW, "2026年第五季度"]])))
    (message,) = messages(loaded)
    for form in ("2026-10", "2026年第一季度", "2026年上半年", "2026年度"):
        assert form in message


def test_a_sheet_without_any_period_says_a_quarter_or_year_will_do():
    (message,) = messages(load(("市场部.xlsx", xlsx([HEADER, ROW]))))
    assert "2026年第一季度" in message and "2026年度" in message


def test_a_quarter_that_has_not_begun_is_a_future_period():
    loaded = load(("kpi.xlsx", xlsx([[*HEADER, "期间"], [*ROW, "2099年第一季度"]])))
    assert loaded.issues["message"].str.contains("later than").any()


# -- the frequency column ---------------------------------------------------------------------

FREQ_HEADER = [*HEADER, "考核频率"]


def monthly_sheet_with_frequencies(*rows, header=FREQ_HEADER) -> bytes:
    return xlsx([["2026年3月 市场部 KPI 考核表"], [], header, *rows])


def test_a_quarterly_kpi_on_a_march_sheet_is_assessed_for_the_quarter():
    data = monthly_sheet_with_frequencies(
        ["市场部", "客户", "M2", "满意度", "越高越好", 1, 90, 95, "月度"],
        ["市场部", "客户", "M3", "投诉次数", "越低越好", 1, 10, 8, "季度"],
        ["市场部", "财务", "M4", "年度利润", "越高越好", 1, 1000, 900, "annual"],
    )
    loaded = load(("m.xlsx", data))
    assert not messages(loaded)
    assert dict(zip(loaded.kpis["kpi_id"], loaded.kpis["period"], strict=True)) == {
        "M2": "2026-03",
        "M3": "2026-Q1",
        "M4": "2026",
    }


@pytest.mark.parametrize("header", ["考核周期", "频次", "頻次", "考核頻率", "Frequency"])
def test_frequency_header_spellings(header):
    row = ["市场部", "客户", "M3", "投诉次数", "越低越好", 1, 10, 8, "quarterly"]
    loaded = load(("m.xlsx", monthly_sheet_with_frequencies(row, header=[*HEADER, header])))
    assert list(loaded.kpis["period"]) == ["2026-Q1"]


def test_a_frequency_finer_than_the_sheet_or_unknown_is_an_error_naming_the_cell():
    rows = [[*HEADER, "考核频率"]]
    rows.append([*ROW, "月度"])
    rows.append(["市场部", "客户", "M5", "投诉", "越低越好", 1, 10, 8, "每周"])
    loaded = load(("市场部_2026年第一季度.xlsx", xlsx(rows)))
    errors = loaded.errors.sort_values("row")
    assert errors["row"].tolist() == [2, 3]
    assert errors["column"].tolist() == ["考核频率", "考核频率"]
    assert errors["value"].tolist() == ["月度", "每周"]
    assert "finer" in errors["message"].iloc[0]
    assert "季度" in errors["message"].iloc[1]
    assert loaded.kpis.empty


# -- expected only in periods of its frequency -------------------------------------------------


def january_and_quarter():
    """Monthly KPI M1 in January-March (sum), quarterly KPI Q1 in the first quarter."""
    months = [
        xlsx(
            [
                [f"2026年{m}月 市场部"],
                [*HEADER, "汇总方式"],
                ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, actual, "求和"],
            ]
        )
        for m, actual in ((1, 80), (2, 100), (3, 120))
    ]
    quarter = quarterly_sheet(["市场部", "客户", "Q1", "客户满意度", "越高越好", 1, 90, 72])
    files = [(f"m{i}.xlsx", data) for i, data in enumerate(months)] + [("q.xlsx", quarter)]
    loaded = load(*files)
    assert not messages(loaded)
    return loaded.kpis


def test_a_quarterly_kpi_is_not_missing_in_january():
    kpis = january_and_quarter()
    card = build(kpis, period="2026-01")
    assert card.kpis["kpi_id"].tolist() == ["M1"]
    assert card.departments["coverage"].eq(1.0).all()
    history = insights.history(kpis, ["2026-01"])
    assert insights.overview(history, "2026-01").status_counts["missing"] == 0
    warnings = insights.warnings(history, "2026-01")
    assert not warnings["kind"].isin(["low_coverage", "no_upload"]).any()


def test_month_labels_list_months_only():
    kpis = january_and_quarter()
    assert insights.period_labels(kpis, grain="month") == ["2026-01", "2026-02", "2026-03"]
    assert insights.period_labels(kpis, grain="quarter") == ["2026-Q1"]
    assert insights.period_labels(kpis, grain="half") == ["2026-H1"]
    assert insights.period_labels(kpis, grain="year") == ["2026"]
    assert insights.period_labels(kpis, grain="ytd") == ["2026-03-YTD"]


@pytest.mark.parametrize("view", ["2026-Q1", "2026-H1", "2026", "2026-03-YTD"])
def test_coarser_views_score_monthly_kpis_aggregated_with_the_quarterly_ones(view):
    card = build(january_and_quarter(), period=view)
    by_id = card.kpis.set_index("kpi_id")
    assert by_id.loc["M1", "actual"] == 300 and by_id.loc["M1", "target"] == 300
    assert by_id.loc["Q1", "actual"] == 72 and by_id.loc["Q1", "score"] == pytest.approx(80)
    assert set(card.kpis["period"]) == {view}


def test_a_half_year_view_aggregates_quarters_and_a_year_view_half_years():
    rows = [[*HEADER, "期间", "汇总方式"]]
    for period, actual in (("2026年第一季度", 40), ("2026年第二季度", 50), ("2026年第三季度", 60)):
        rows.append(["市场部", "财务", "Q", "季度利润", "越高越好", 1, 50, actual, period, "求和"])
    for period, actual in (("2026年上半年", 0.9), ("2026年下半年", 0.7)):
        rows.append(["市场部", "客户", "H", "满意度", "越高越好", 1, 0.8, actual, period, "平均"])
    loaded = load(("kpi.xlsx", xlsx(rows)))
    assert not messages(loaded)
    half = build(loaded.kpis, period="2026-H1").kpis.set_index("kpi_id")
    assert (half.loc["Q", "actual"], half.loc["Q", "target"]) == (90, 100)
    assert half.loc["H", "actual"] == pytest.approx(0.9)
    year = build(loaded.kpis, period="2026").kpis.set_index("kpi_id")
    assert (year.loc["Q", "actual"], year.loc["Q", "target"]) == (150, 150)
    assert year.loc["H", "actual"] == pytest.approx(0.8)
    # the third quarter is not in a year to date through June, and H2 is not yet done
    ytd = build(loaded.kpis, period="2026-06-YTD").kpis.set_index("kpi_id")
    assert ytd.loc["Q", "actual"] == 90 and ytd.loc["H", "actual"] == pytest.approx(0.9)


def test_early_warnings_and_trends_at_the_quarter_grain():
    rows = [[*HEADER, "期间"]]
    for quarter, actual in (("2026Q1", 60), ("2026Q2", 70), ("2026Q3", 95)):
        rows.append(["市场部", "财务", "Q", "季度利润", "越高越好", 1, 100, actual, quarter])
    kpis = load(("kpi.xlsx", xlsx(rows))).kpis
    labels = insights.period_labels(kpis, grain="quarter")
    history = insights.history(kpis, insights.comparison_labels(labels))
    streak = insights.warnings(history, "2026-Q2")
    assert streak.loc[streak["kind"] == "red_streak", "periods"].tolist() == [2]
    trend = insights.trend(history, level="organization", labels=labels)
    assert trend["period"].tolist() == labels
    assert trend["mom_change"].tolist()[1:] == [pytest.approx(10), pytest.approx(25)]
    projected = insights.projection(trend)
    assert projected["period"].tolist() == ["2026-Q4"]


# -- laws of labels ---------------------------------------------------------------------------

labels = st.one_of(
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2002, 2088), st.integers(1, 12)),
    st.builds(lambda y, q: f"{y}-Q{q}", st.integers(2002, 2088), st.integers(1, 4)),
    st.builds(lambda y, h: f"{y}-H{h}", st.integers(2002, 2088), st.integers(1, 2)),
    st.builds(str, st.integers(2002, 2088)),
)


@given(labels, st.integers(-12, 12))
def test_every_label_round_trips_and_shifts_back(label, steps):
    assert parse_label(label) == label
    grain = grain_of(label)
    assert grain in periods.DATA_GRAINS
    there = shift_period(label, steps)
    assert grain_of(there) == grain
    assert ordinal(there) - ordinal(label) == steps
    assert shift_period(there, -steps) == label
    assert months_of(year_ago(label)) == [f"{int(m[:4]) - 1}{m[4:]}" for m in months_of(label)]


@given(labels, st.sampled_from(periods.DATA_GRAINS))
def test_a_period_lies_in_the_coarser_period_holding_it(label, grain):
    if periods.finer(grain, grain_of(label)):
        with pytest.raises(ValueError):
            containing(label, grain)
        return
    holder = containing(label, grain)
    assert set(months_of(label)) <= set(months_of(holder))
    assert label in periods.parts_of(holder, available=[label])


@given(st.lists(st.one_of(labels, st.none()), max_size=30))
def test_every_grains_labels_at_once_are_each_grains_own(written):
    """`grain_labels` reads the periods once for every grain (the sidebar's lists, 1.8 M
    rows at 500 units): each grain's list is `period_labels`' own, in any mix of grains."""
    kpis = pd.DataFrame({"period": pd.Series(written, dtype=object)})
    at_once = insights.grain_labels(kpis)
    assert list(at_once) == list(periods.GRAINS)
    for grain in periods.GRAINS:
        assert at_once[grain] == insights.period_labels(kpis, grain=grain)


# -- the command line: --period of any grain, and the default ----------------------------------


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """March (monthly KPI M1, quarterly Q-freq KPI F) and a first-quarter sheet (Q1)."""
    folder = tmp_path_factory.mktemp("quarterly")
    march = folder / "市场部_2026年3月.xlsx"
    march.write_bytes(
        monthly_sheet_with_frequencies(
            ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90, "月度"],
            ["市场部", "客户", "F", "投诉次数", "越低越好", 1, 10, 8, "季度"],
        )
    )
    quarter = folder / "市场部_2026年第一季度.xlsx"
    quarter.write_bytes(quarterly_sheet(["市场部", "客户", "Q1", "满意度", "越高越好", 1, 90, 72]))
    return [str(march), str(quarter)]


def score_json(files, *args):
    done = cli("score", *files, *args, "--json", env={})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_score_without_a_period_scores_each_period_at_its_own_grain(workbooks):
    doc = score_json(workbooks)
    kpis = {(k["kpi_id"], k["period"]) for k in doc["kpis"]}
    assert kpis == {("M1", "2026-03"), ("F", "2026-Q1"), ("Q1", "2026-Q1")}
    assert {o["period"] for o in doc["organization"]} == {"2026-03", "2026-Q1"}


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2026-03", "2026-Q1", "2026-H1", "2026"])
def test_score_period_of_any_grain(workbooks, period):
    doc = score_json(workbooks, "--period", period)
    expected = build(load_paths(workbooks).kpis, period=period)
    got = {k["kpi_id"]: k["score"] for k in doc["kpis"]}
    want = dict(zip(expected.kpis["kpi_id"], expected.kpis["score"], strict=True))
    assert got == pytest.approx(want)
    assert set(got) == ({"M1"} if period == "2026-03" else {"M1", "F", "Q1"})
    (org,) = doc["organization"]
    assert org["period"] == period
    assert org["score"] == pytest.approx(expected.organization["score"].iloc[0])


@pytest.mark.slow
def test_score_period_rejects_a_label_of_no_grain(workbooks):
    done = cli("score", *workbooks, "--period", "2026-Q5", env={})
    assert done.returncode == 2


@pytest.mark.slow
def test_report_of_a_quarter_only_data_set_defaults_to_its_quarter(workbooks, tmp_path):
    out = tmp_path / "r.xlsx"
    done = cli("report", workbooks[1], "--out", str(out), "--lang", "en", env={})
    assert done.returncode == 0, done.stderr
    assert "2026-Q1" in done.stdout and out.stat().st_size > 0


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("zh-Hans", ["2026年第1季度", "2026年上半年", "2026年度", "2026年1-10月累计", "2026-03"]),
        ("zh-Hant", ["2026年第1季", "2026年上半年", "2026年度", "2026年1-10月累計", "2026-03"]),
        ("en", ["2026 Q1", "2026 H1", "2026", "2026 YTD Jan–Oct", "2026-03"]),
    ],
)
def test_period_labels_show_as_people_write_them(lang, shown):
    labels = ("2026-Q1", "2026-H1", "2026", "2026-10-YTD", "2026-03")
    assert [period_label(p, lang) for p in labels] == shown


# -- the app: every page at every grain with a department that reports quarterly ---------------

AUDIT = "审计部"


@pytest.mark.slow
def test_every_page_at_every_grain_shows_a_quarterly_department(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="en")
    open_page(at, "data")
    sheet = quarterly_sheet(
        [AUDIT, "内部流程", "A-1", "审计覆盖率", "越高越好", 1, 100, 85],
        title=f"2026年第三季度 {AUDIT} KPI 考核表",
    )
    at.file_uploader[0].upload(f"{AUDIT}_2026年第三季度.xlsx", sheet, XLSX).run()
    assert not at.exception, [e.message for e in at.exception]
    for grain in GRAINS:
        at.sidebar.segmented_control[0].set_value(grain).run()
        labels = at.sidebar.selectbox[1].options
        if grain in ("quarter", "half", "year"):
            holder = containing("2026-Q3", grain)
            at.sidebar.selectbox[1].set_value(holder).run()
            assert period_label(holder, "en") in labels
        for page in PAGES:
            visit(at, page, AUDIT)
            assert not at.exception, (grain, page, [e.message for e in at.exception])
    at.sidebar.segmented_control[0].set_value("quarter").run()
    at.sidebar.selectbox[1].set_value("2026-Q3").run()
    visit(at, "scorecard", AUDIT)
    shown = next(m.value for m in at.metric if m.label == "Department score")
    assert shown == "85.0"
    at.sidebar.segmented_control[0].set_value("month").run()
    visit(at, "scorecard", AUDIT)
    assert next(m.value for m in at.metric if m.label == "Department score") == "—"

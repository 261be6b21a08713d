"""Wherever a department's score is shown, a veto says why (一票否决：重大安全事故 实际 1，目标 0)
and a score moved by bonus and penalty items shows the weighted score and the points
beside it (SPEC §5.6, §5.7): Overview, Scorecard, Heatmap, Trends, What-if, the PDF and the
Excel report. The veto KPIs and the items have sections of their own, not a perspective.

Two departments are uploaded beside the sample company through the Data page, as a
manager would: 质量安全部, whose 重大安全事故 (a veto gate, target 0) happened once in
2026-10, and 品牌部, with a 加分项 of 3 points and a 扣分项 of 2. Their weighted scores are
worked out here by hand: 质量安全部 (80 + 100) / 2 = 90, 品牌部 (90 + 100) / 2 = 95, so
品牌部 ends at 95 + 3 - 2 = 96 and 质量安全部 at the veto score.
"""

from __future__ import annotations

import io
from functools import cache, partial

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpi_engine import Scorecard, load_files
from kpi_engine.charts import specs as charts
from kpi_engine.charts.palette import RED
from kpi_engine.core import insights
from kpi_engine.core.scorecard import department_statuses
from kpi_engine.core.settings import CONVERT, DEFAULTS
from kpi_engine.i18n import adjustment_text, t, veto_text
from kpi_engine.i18n.script import shown_name
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx
from tests.apps import open_page, seen, start, upload
from tests.shown import charts as shown_charts
from tests.shown import none_words, table_cells, texts, tooltip_texts
from tests.test_report_pdf import fonts, report_pages, text_of
from tests.workbooks import HEADER, form, xlsx
from ui.state import PERIOD, SCORECARD_DEPARTMENT

MONTH = "2026-10"
VETOED, ADJUSTED = "质量安全部", "品牌部"
VETO_KPI = "重大安全事故"
BEFORE = {VETOED: 90.0, ADJUSTED: 95.0}  # the weighted scores, by hand (see above)
BONUS, PENALTY = 3.0, 2.0
# What a reader sees, by language: the veto's reason and the adjustment beside the score.
REASON = {
    "zh-Hans": "一票否决：重大安全事故 实际 1，目标 0",
    "zh-Hant": "一票否決：重大安全事故 實際 1，目標 0",
    "en": "Veto: 重大安全事故, actual 1, target 0",
}
POINTS = {
    "zh-Hans": "加权得分 95.0 ＋加分 3.0 －扣分 2.0",
    "zh-Hant": "加權得分 95.0 ＋加分 3.0 －扣分 2.0",
    "en": "Weighted score 95.0 + bonus 3.0 − penalty 2.0",
}
LANGS = tuple(REASON)


def files() -> dict[str, bytes]:
    """The two departments' October forms, with a 一票否决 column and a 分值 column."""
    header = [*HEADER, "一票否决", "分值"]
    vetoed = form(
        [VETOED, "财务", "Q-1", "质量成本达成率", "越高越好", 50, 100, 80, None, None],
        [VETOED, "财务", "Q-2", "预算执行率", "越高越好", 50, 100, 100, None, None],
        [VETOED, "否决指标", "Q-9", VETO_KPI, "越低越好", None, 0, 1, "是", None],
        title=f"2026年10月 {VETOED} KPI 考核表",
    )
    adjusted = form(
        [ADJUSTED, "客户", "B-1", "客户满意度", "越高越好", 50, 100, 90, None, None],
        [ADJUSTED, "客户", "B-2", "品牌曝光达成率", "越高越好", 50, 100, 100, None, None],
        [ADJUSTED, "加分项", "B-8", "获得省级奖项", None, None, None, None, None, BONUS],
        [ADJUSTED, "扣分项", "B-9", "客户有效投诉", None, None, None, None, None, -PENALTY],
        title=f"2026年10月 {ADJUSTED} KPI 考核表",
    )
    for sheet in (vetoed, adjusted):
        sheet[2] = header
    return {f"{VETOED}_2026-10.xlsx": xlsx(vetoed), f"{ADJUSTED}_2026-10.xlsx": xlsx(adjusted)}


@cache
def history() -> Scorecard:
    """What the engine scores for the two uploads, the month and the one before it."""
    kpis = load_files(list(files().items())).kpis
    return insights.history(kpis, insights.comparison_labels([MONTH]))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with the sample company and the two uploads, stored through the Data page."""
    return upload(tmp_path_factory.mktemp("veto-store"), files())


def app(env, store, lang: str, page: str, departments=(VETOED, ADJUSTED)):
    """`page` in `lang` for October, the sidebar narrowed to `departments`."""
    at = start(env, store, lang=lang)
    at.session_state[PERIOD] = MONTH
    at.sidebar.multiselect[0].set_value(list(departments)).run()
    open_page(at, page)
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state[PERIOD] == MONTH
    return at


def shown(at) -> list[str]:
    """Every text, table cell and chart tooltip of the page, as a person reads them."""
    found = [seen(x) for x in texts(at)]
    found += [cell for _, cell in table_cells(at)]
    for chart in shown_charts(at):
        found += list(tooltip_texts(chart))
    return found


def anywhere(needle: str, haystack: list[str]) -> bool:
    return any(needle in text for text in haystack)


def no_none(at) -> None:
    found = none_words(texts(at)) + [c for _, c in table_cells(at) if none_words([c])]
    for chart in shown_charts(at):
        found += none_words(tooltip_texts(chart))
    assert not found, found


# --- the engine's numbers, and the two sentences ----------------------------------------


def department(name: str) -> pd.Series:
    frame = history().departments
    return frame[(frame["department"] == name) & (frame["period"] == MONTH)].iloc[0]


def test_the_engine_gives_what_the_pages_show():
    vetoed, adjusted = department(VETOED), department(ADJUSTED)
    assert vetoed["score"] == DEFAULTS.veto_score
    assert vetoed["score_before"] == pytest.approx(BEFORE[VETOED])
    assert vetoed["veto"]["kpi_name"] == VETO_KPI
    assert adjusted["veto"] is None
    assert adjusted["score_before"] == pytest.approx(BEFORE[ADJUSTED])
    assert (adjusted["bonus"], adjusted["penalty"]) == (BONUS, PENALTY)
    assert adjusted["score"] == pytest.approx(BEFORE[ADJUSTED] + BONUS - PENALTY)


@pytest.mark.parametrize("lang", LANGS)
def test_the_reason_and_the_points_read_the_same_in_every_language(lang):
    vetoed, adjusted = department(VETOED), department(ADJUSTED)
    assert veto_text(vetoed["veto"], lang) == REASON[lang]
    row = adjusted[["score_before", "bonus", "penalty"]]
    assert adjustment_text(*row, lang) == POINTS[lang]
    assert veto_text(None, lang) == ""
    assert adjustment_text(float("nan"), 0, 0, lang) == ""


@pytest.mark.parametrize(
    ("veto", "zh", "en"),
    [
        (  # the floor decides: named after the target
            {"kpi_name": "合格率", "actual": 0.9, "target": 0.95, "floor": 0.92, "unit": "%"},
            "一票否决：合格率 实际 90.0%，目标 95.0%，红线 92.0%",
            "Veto: 合格率, actual 90.0%, target 95.0%, floor 92.0%",
        ),
        (  # a target range, and a KPI known by its id only
            {"kpi_id": "T-7", "kpi_name": None, "actual": 30.0, "target_low": 20.0,
             "target_high": 25.0, "target": None, "floor": None, "unit": None},
            "一票否决：T-7 实际 30，目标 20 – 25",
            "Veto: T-7, actual 30, target 20 – 25",
        ),
        (  # thousands as the app writes them
            {"kpi_name": "损失金额", "actual": 125000.0, "target": 0.0, "floor": None,
             "unit": "元"},
            "一票否决：损失金额 实际 125,000，目标 0",
            "Veto: 损失金额, actual 125,000, target 0",
        ),
    ],
)  # fmt: skip
def test_the_reason_names_the_floor_a_range_and_numbers_as_the_app_writes_them(veto, zh, en):
    assert veto_text(veto, "zh-Hans") == zh
    assert veto_text(veto, "en") == en


def test_a_part_without_points_is_left_out_of_the_sentence():
    assert adjustment_text(88.04, 0.0, 1.5, "zh-Hans") == "加权得分 88.0 －扣分 1.5"
    assert adjustment_text(88.0, 2.0, 0.0, "en") == "Weighted score 88.0 + bonus 2.0"


def test_a_vetoed_department_is_red_whatever_its_score():
    settings = DEFAULTS.with_(veto_score=DEFAULTS.green_at)
    frame = pd.DataFrame(
        {"score": [DEFAULTS.green_at, DEFAULTS.green_at], "veto": [{"kpi_name": "x"}, None]}
    )
    assert list(department_statuses(frame, settings=settings)) == ["red", "green"]
    rows = history().departments
    chart = charts.department_bars(rows, lang="zh-Hans", settings=settings, period=MONTH)
    spec = chart.to_dict()
    color = next(
        layer["encoding"]["color"] for layer in spec["layer"] if layer["mark"]["type"] == "bar"
    )
    (data,) = spec["datasets"].values()
    marked = {r["department"]: r for r in data}
    red = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
    assert red[marked[VETOED]["band"]] == RED  # the bar's colour: red, its own score green
    assert marked[VETOED]["vetoed"] and not marked[ADJUSTED]["vetoed"]
    assert marked[VETOED]["score_text"].endswith(t("veto.short", "zh-Hans"))
    assert marked[VETOED]["status_label"] == t("status.red", "zh-Hans")


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_overview_names_the_veto_and_lists_the_points(monkeypatch, store, lang):
    at = app(monkeypatch, store, lang, "overview")
    errors = [seen(e.value) for e in at.error]
    vetoed = shown_name(VETOED, lang, CONVERT)  # in the page's script (issue 16)
    assert any(vetoed in e and REASON[lang] in e for e in errors), errors
    cells = [c for _, c in table_cells(at)]
    for number in ("95.0", "3.0", "2.0", "96.0", "90.0", REASON[lang]):
        assert number in cells, number
    bars = shown_charts(at)[0]
    tooltips = list(tooltip_texts(bars))
    assert REASON[lang] in tooltips and POINTS[lang] in tooltips
    no_none(at)


@pytest.mark.parametrize("lang", LANGS)
def test_scorecard_of_a_vetoed_department_says_why_and_lists_its_veto_kpis(
    monkeypatch, store, lang
):
    at = app(monkeypatch, store, lang, "scorecard", departments=(VETOED,))
    assert at.selectbox(key=SCORECARD_DEPARTMENT).value == VETOED
    score = next(m for m in at.metric if m.label == t("scorecard.department_score", lang))
    assert score.value == f"{DEFAULTS.veto_score:.1f}"
    assert [seen(e.value) for e in at.error] == [REASON[lang]]
    assert adjustment_text(BEFORE[VETOED], 0, 0, lang) in [c.value for c in at.caption]
    headings = [h.value for h in at.subheader]
    assert t("section.veto", lang) in headings
    assert t("section.items", lang) not in headings
    veto_table = at.dataframe[-1].value
    assert list(veto_table[t("common.kpi", lang)]) == [VETO_KPI]
    assert list(veto_table[t("veto.result", lang)]) == [t("veto.failed", lang)]
    no_none(at)


@pytest.mark.parametrize("lang", LANGS)
def test_scorecard_lists_bonus_and_penalty_items_in_their_own_section(monkeypatch, store, lang):
    at = app(monkeypatch, store, lang, "scorecard", departments=(ADJUSTED,))
    score = next(m for m in at.metric if m.label == t("scorecard.department_score", lang))
    assert score.value == "96.0"
    assert POINTS[lang] in [c.value for c in at.caption]
    assert not at.error
    headings = [h.value for h in at.subheader]
    assert t("section.items", lang) in headings and t("section.veto", lang) not in headings
    items = at.dataframe[-1].value
    name = partial(shown_name, lang=lang, script=CONVERT)  # in the page's script (issue 16)
    assert list(items[t("section.item", lang)]) == [name("获得省级奖项"), name("客户有效投诉")]
    assert list(items[t("common.points", lang)]) == ["+3.0", "-2.0"]
    kinds = [t("section.bonus", lang), t("section.penalty", lang)]
    assert list(items[t("section.kind", lang)]) == kinds
    perspective_tables = [d.value for d in at.dataframe[:-1]]
    listed = {n for table in perspective_tables for n in table[t("common.kpi", lang)]}
    assert listed == {name("客户满意度"), name("品牌曝光达成率")}, "items are not KPIs"
    no_none(at)


@pytest.mark.parametrize("lang", ("zh-Hans", "en"))
def test_heatmap_marks_the_vetoed_department(monkeypatch, store, lang):
    at = app(monkeypatch, store, lang, "heatmap")
    cells, months = shown_charts(at)[:2]
    tooltips = list(tooltip_texts(cells))
    assert REASON[lang] in tooltips and POINTS[lang] in tooltips
    year = [r for records in months["datasets"].values() for r in records]
    october = {r["department"]: r for r in year if r.get("period") == MONTH}
    assert october[VETOED]["score_text"] == f"0.0 {t('veto.short', lang)}"
    assert october[VETOED]["veto_text"] == REASON[lang]
    assert october[ADJUSTED]["adjustment_text"] == POINTS[lang]
    no_none(at)


@pytest.mark.parametrize(("department", "lang"), [(VETOED, "zh-Hans"), (ADJUSTED, "zh-Hant")])
def test_heatmap_drilldown_gives_the_reason_and_the_points(monkeypatch, store, department, lang):
    """A click on a cell (AppTest cannot click a chart: the page is handed the cell the
    click would select) drills into the department with its reason and points above."""
    cell = {"department": department, "perspective": "financial"}
    monkeypatch.setattr("ui.tables.picked", lambda event, name: cell)
    at = app(monkeypatch, store, lang, "heatmap")
    assert t("heatmap.no_selection", lang) not in [i.value for i in at.info]
    captions = [c.value for c in at.caption]
    if department == VETOED:
        assert [seen(e.value) for e in at.error] == [REASON[lang]]
        assert adjustment_text(BEFORE[VETOED], 0, 0, lang) in captions
    else:
        assert not at.error
        assert POINTS[lang] in captions
    no_none(at)


@pytest.mark.parametrize("lang", ("zh-Hans", "en"))
def test_trends_mark_the_vetoed_month(monkeypatch, store, lang):
    at = app(monkeypatch, store, lang, "trends")
    assert set(at.multiselect[-1].value) <= {VETOED, ADJUSTED}
    at.multiselect[-1].set_value([VETOED, ADJUSTED]).run()
    chart = shown_charts(at)[-1]
    tooltips = list(tooltip_texts(chart))
    assert REASON[lang] in tooltips and POINTS[lang] in tooltips
    table = at.dataframe[-1].value
    assert REASON[lang] in list(table[t("veto.column", lang)])
    no_none(at)


@pytest.mark.parametrize("lang", ("zh-Hans", "en"))
def test_whatif_says_the_vetoed_department_stays_vetoed(monkeypatch, store, lang):
    at = app(monkeypatch, store, lang, "whatif")
    errors = [seen(e.value) for e in at.error]
    assert any(VETOED in e and ADJUSTED not in e for e in errors), errors
    table = next(d.value for d in at.dataframe if t("veto.column", lang) in d.value.columns)
    reasons = dict(
        zip(table[t("common.department", lang)], table[t("veto.column", lang)], strict=True)
    )
    assert reasons[VETOED] == REASON[lang] and reasons[ADJUSTED] == "—"
    no_none(at)


@pytest.mark.parametrize("page", ("data", "settings"))
def test_data_and_settings_pages_run_on_the_same_store(monkeypatch, store, page):
    at = app(monkeypatch, store, "zh-Hans", page)
    no_none(at)


# --- reports --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_lists_the_reason_and_the_points(lang):
    data = report_pdf(history(), MONTH, lang=lang)
    text = text_of(data)
    name = partial(shown_name, lang=lang, script=CONVERT)  # names in the report's script
    assert report_pages(data) == 1
    assert ("NotoSansCJKTC" if lang == "zh-Hant" else "NotoSansCJKSC") in fonts(data)
    assert t("overview.adjustments", lang) in text
    assert REASON[lang] in text
    section = text.split(t("overview.adjustments", lang), 1)[1].splitlines()
    line = next(x for x in section if x.strip().startswith(name(ADJUSTED)))
    assert line.split()[1:] == ["95.0", "3.0", "2.0", "96.0", "—"]
    own = text_of(report_pdf(history(), MONTH, lang=lang, department=VETOED))
    assert REASON[lang] in own and t("veto.failed", lang) in own
    items = text_of(report_pdf(history(), MONTH, lang=lang, department=ADJUSTED))
    assert name("获得省级奖项") in items and "+3.0" in items and "-2.0" in items


@pytest.mark.parametrize("lang", LANGS)
def test_the_workbook_carries_the_reason_the_points_and_the_sections(lang):
    book = load_workbook(io.BytesIO(report_xlsx(history(), MONTH, lang=lang)))
    name = partial(shown_name, lang=lang, script=CONVERT)  # names in the report's script
    summary = list(book[t("report.summary_sheet", lang)].iter_rows(values_only=True))
    header = next(r for r in summary if r[0] == t("common.department", lang))
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in summary[summary.index(header) + 1 :]}
    vetoed, adjusted = rows[name(VETOED)], rows[name(ADJUSTED)]
    assert vetoed[t("common.score", lang)] == DEFAULTS.veto_score
    assert vetoed[t("common.status", lang)] == t("status.red", lang)
    assert vetoed[t("common.score_before", lang)] == pytest.approx(BEFORE[VETOED])
    assert vetoed[t("veto.column", lang)] == REASON[lang]
    assert adjusted[t("common.score_before", lang)] == pytest.approx(BEFORE[ADJUSTED])
    assert (adjusted[t("common.bonus", lang)], adjusted[t("common.penalty", lang)]) == (3, 2)
    assert adjusted[t("common.score", lang)] == pytest.approx(96.0)
    assert adjusted[t("veto.column", lang)] is None

    sheet = [r for r in book[name(VETOED)].iter_rows(values_only=True)]
    assert any(REASON[lang] in r for r in sheet)
    start_at = next(i for i, r in enumerate(sheet) if r[0] == t("section.veto", lang))
    assert sheet[start_at + 2][1:3] == (name(VETO_KPI), 1)
    assert t("veto.failed", lang) in sheet[start_at + 2]

    sheet = [r for r in book[name(ADJUSTED)].iter_rows(values_only=True)]
    assert any(POINTS[lang] in r for r in sheet)
    start_at = next(i for i, r in enumerate(sheet) if r[0] == t("section.items", lang))
    lines = [r[:5] for r in sheet[start_at + 2 : start_at + 4]]
    assert [(r[2], r[4]) for r in lines] == [(name("获得省级奖项"), 3), (name("客户有效投诉"), -2)]
    assert [r[0] for r in lines] == [t("section.bonus", lang), t("section.penalty", lang)]
    kpi_names = {r[2] for r in sheet[:start_at]}
    assert name("获得省级奖项") not in kpi_names, "items are not KPIs of a perspective"

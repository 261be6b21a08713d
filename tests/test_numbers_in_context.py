"""Every number with its context: the Overview says which period and grain it shows and whose
numbers its tiles are, report buttons are named for the grain, the Scorecard gives each KPI
its unit, weights, direction, anchors and owner (enough to check a score by hand), trend
lines are coloured by status, and the drill-down gives actual and target in the unit."""

import re
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest

from kpi_engine import build, load_files
from kpi_engine.charts import specs as charts
from kpi_engine.charts.palette import MISSING_COLOR, STATUS_COLORS
from kpi_engine.core import adjust, insights
from kpi_engine.core.schema import owner_rows
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.i18n import period_heading, status_label, t
from tests.apps import open_page, start
from tests.kpi_rows import frame, kpi
from tests.paths import sample_files
from tests.test_chart_specs import walk
from ui import tables

LANGS = ("zh-Hans", "zh-Hant", "en")
LOGISTICS = "采购物流部"  # the sample department with a three-value KPI


@pytest.fixture(scope="module")
def sample():
    return load_files(list(sample_files())).kpis


def title(at) -> str:
    return at.title[0].value


def report_buttons(at) -> list[str]:
    return [b.label for b in at.get("download_button") if b.label not in ("PNG", "SVG")]


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


# --- the Overview's title and the report buttons ------------------------------------------


def test_the_period_heading_names_the_month_and_the_grain():
    assert period_heading("2026-10", "zh-Hans") == "2026年10月 · 月度"
    assert period_heading("2026-10", "zh-Hant") == "2026年10月 · 月度"
    assert period_heading("2026-10", "en") == "October 2026 · Monthly"
    assert period_heading("2026-Q3", "zh-Hans") == "2026年第3季度 · 季度"
    assert period_heading("2026-Q3", "en") == "2026 Q3 · Quarterly"
    assert period_heading("2026-H1", "zh-Hant").endswith("· 半年度")
    assert period_heading("2026-10-YTD", "en").endswith("· Year to date")


def test_the_overview_title_and_report_buttons_follow_grain_and_language(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    for lang in LANGS:
        at.sidebar.selectbox[0].set_value(lang).run()
        for grain in ("month", "quarter", "half", "year", "ytd"):
            at.sidebar.segmented_control[0].set_value(grain).run()
            assert not at.exception, [e.message for e in at.exception]
            period = at.session_state["period"]
            assert title(at) == period_heading(period, lang), (lang, grain)
            report = t(f"download.report_{grain}", lang)
            assert report_buttons(at) == [  # the deck: the organisation's only
                t("download.xlsx_report", lang, report=report),
                t("download.pdf_report", lang, report=report),
                t("download.pptx_report", lang, report=report),
            ]
    at.sidebar.selectbox[0].set_value("zh-Hans").run()
    at.sidebar.segmented_control[0].set_value("month").run()
    assert title(at) == "2026年10月 · 月度"
    assert report_buttons(at) == ["下载 Excel 月报", "下载 PDF 月报", "下载 PPT 月报"]
    at.sidebar.segmented_control[0].set_value("quarter").run()
    assert report_buttons(at) == ["下载 Excel 季报", "下载 PDF 季报", "下载 PPT 季报"]
    open_page(at, "scorecard")  # a department's reports are named alike
    assert report_buttons(at) == ["下载 Excel 季报", "下载 PDF 季报"]


# --- the tiles under the department filter ------------------------------------------------


def test_the_tiles_follow_the_department_filter(monkeypatch, tmp_path, sample):
    at = start(monkeypatch, tmp_path)
    assert at.caption[0].value.startswith("全组织")
    whole = metric(at, t("overview.org_score")).value
    period = at.session_state["period"]
    card = build(sample, period=period)
    chosen = ["财务部", "技术部"]
    at.sidebar.multiselect[0].set_value(chosen).run()
    assert not at.exception

    assert at.caption[0].value.startswith("所选部门：财务部、技术部")
    labels = [m.label for m in at.metric]
    assert t("overview.org_score") not in labels, "no tile claims the whole organisation"
    departments = card.departments.set_index("department")["score"]
    expected = departments[chosen].mean()  # equal department weights by default
    shown = metric(at, t("overview.chosen_score")).value
    assert shown == f"{expected:.1f}" and shown != whole

    mine = owner_rows(card.kpis)
    mine = mine[mine["department"].isin(chosen) & ~adjust.items(mine)]
    status = mine["status"].astype(object).where(mine["score"].notna(), "missing")
    for key in ("green", "amber", "red", "missing"):
        count = metric(at, tables.status_badge(key, "zh-Hans")).value
        assert count == t("overview.kpi_count", n=int((status == key).sum()))


def test_a_filtered_score_is_the_one_roll_up_with_department_weights(sample):
    labels = insights.comparison_labels(insights.period_labels(sample, grain="month"))
    settings = DEFAULTS.with_(department_weights={"财务部": 3.0, "行政部": 0.5})
    history = insights.history(sample, labels, settings=settings)
    chosen = ["财务部", "行政部", "市场部"]
    narrowed = insights.of_departments(history, chosen, settings=settings)
    rows = history.departments[history.departments["period"] == "2026-10"]
    scores = rows.set_index("department")["score"][chosen].to_numpy(float)
    expected = np.average(scores, weights=[3.0, 0.5, 1.0])
    view = insights.overview(narrowed, "2026-10", settings=settings)
    assert view.score == pytest.approx(expected)
    assert set(narrowed.departments["department"]) == set(chosen)
    every = insights.of_departments(history, sorted(rows["department"]), settings=settings)
    assert insights.overview(every, "2026-10").score == pytest.approx(
        insights.overview(history, "2026-10").score
    )
    assert insights.of_departments(history, (), settings=settings) is history


# --- the Scorecard: a three-value KPI checked by hand -------------------------------------


def number(cell: str) -> float:
    """A displayed number read back: `4.1%` -> 0.041, `7,725 万元` -> 7725."""
    text = cell.replace(",", "").strip()
    value = float(re.match(r"-?[\d.]+", text).group())
    return value / 100 if text.split()[0].endswith("%") else value


def anchor_score(header: str) -> float:
    """The score an anchor column's header gives its anchor: `门槛（60分）` -> 60."""
    return float(re.search(r"([\d.]+)", header).group(1))


def by_hand(actual, threshold, target, stretch, base, cap, arrow) -> float:
    """SPEC §3's three-value line, as a manager writes it out: through (threshold, base),
    (target, 100), (stretch, cap); 0 worse than the threshold, the cap beyond the stretch."""
    sign = -1.0 if arrow == "↓" else 1.0
    a, thr, tgt, st = (sign * v for v in (actual, threshold, target, stretch))
    if a < thr:
        return 0.0
    if a <= tgt:
        return base + (100 - base) * (a - thr) / (tgt - thr)
    if a >= st:
        return cap
    return 100 + (cap - 100) * (a - tgt) / (st - tgt)


def columns_of(lang, settings):
    return {
        "direction": t("scorecard.direction", lang),
        "actual": t("common.actual", lang),
        "target": t("common.target", lang),
        "threshold": tables.anchor_label("threshold", settings, lang),
        "stretch": tables.anchor_label("stretch", settings, lang),
        "score": t("common.score", lang),
    }


def check_by_hand(row: pd.Series, names: dict, tolerance: float) -> float:
    """The score worked out from the row's cells alone; asserts it is the shown score."""
    base = anchor_score(names["threshold"])
    cap = anchor_score(names["stretch"])
    worked = by_hand(
        number(row[names["actual"]]),
        number(row[names["threshold"]]),
        number(row[names["target"]]),
        number(row[names["stretch"]]),
        base,
        cap,
        row[names["direction"]],
    )
    assert abs(worked - float(row[names["score"]])) <= tolerance, (worked, row.to_dict())
    return worked


@pytest.mark.parametrize("lang", LANGS)
def test_a_three_value_kpi_is_checked_by_hand_from_the_row(lang):
    settings = DEFAULTS.with_(base_score=50.0, cap=150.0)  # the headers carry the settings
    rows = frame(
        kpi(
            kpi_name="回款率",
            actual=0.97,
            threshold=0.90,
            target=0.95,
            stretch=1.00,
            unit="%",
            owner="李娜",
            weight=30.0,
        ),
        kpi(
            kpi_name="物流费用",
            direction="lower",
            actual=262.0,
            threshold=300.0,
            target=270.0,
            stretch=250.0,
            unit="万元",
            weight=10.0,
        ),
        kpi(kpi_name="新客户数", actual=45.0, target=50.0, floor=20.0, unit="家", weight=10.0),
    )
    history = build(rows, settings=settings)
    shown = tables.kpi_rows(history, "市场部", "2026-10", lang, settings)
    panel = tables.of_one_perspective(shown, "financial", lang, settings)
    names = columns_of(lang, settings)
    assert names["threshold"] == t("scorecard.anchor_threshold", lang, score="50")
    assert names["stretch"] == t("scorecard.anchor_stretch", lang, score="150")
    first, second, third = (panel.iloc[i] for i in range(3))
    assert first[names["actual"]] == "97.0%" and first[names["target"]] == "95.0%"
    assert check_by_hand(first, names, 0.05) == pytest.approx(50 + 50 + 50 * 0.02 / 0.05)
    assert second[names["direction"]] == "↓"
    assert second[names["actual"]] == "262 万元" and second[names["target"]] == "270 万元"
    check_by_hand(second, names, 0.05)
    # a floor-line KPI shows its floor and scores 0 there; no threshold or stretch of its own
    assert third[tables.anchor_label("floor", settings, lang)] == "20 家"
    assert third[names["threshold"]] == "" and third[names["stretch"]] == ""
    assert list(panel[t("common.weight", lang)]) == ["60%", "20%", "20%"]
    assert first[t("common.owner", lang)] == "李娜" and first[t("common.unit", lang)] == "%"
    assert third[t("common.owner", lang)] == "—"


def test_a_panel_without_anchors_has_no_anchor_columns():
    rows = frame(kpi(kpi_name="营收", actual=90.0, target=100.0, perspective="customer"))
    shown = tables.kpi_rows(build(rows), "市场部", "2026-10", "zh-Hans", DEFAULTS)
    panel = tables.of_one_perspective(shown, "customer", "zh-Hans", DEFAULTS)
    assert not [c for c in panel.columns if "分）" in c]


def test_the_scorecard_page_gives_each_kpi_its_context(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    open_page(at, "scorecard")
    at.selectbox(key="scorecard_department").set_value(LOGISTICS).run()
    assert not at.exception
    headings = [h.value for h in at.subheader]
    assert headings[0].startswith("财务 · ") and headings[0].endswith("· 权重 30%")
    assert any(h.startswith("学习与成长 · ") and h.endswith("· 权重 15%") for h in headings)
    finance = at.dataframe[0].value
    for key in ("scorecard.direction", "common.unit", "common.weight", "common.owner"):
        assert t(key) in finance.columns
    names = columns_of("zh-Hans", DEFAULTS)
    assert {names["threshold"], names["stretch"]} <= set(finance.columns)
    three = finance[finance[names["threshold"]] != ""]
    assert len(three) == 1
    row = three.iloc[0]
    # the cells are rounded for reading: the hand result agrees within what rounding hides
    # (half the last shown digit of the actual, along the line's slope, plus the score's)
    target, stretch = number(row[names["target"]]), number(row[names["stretch"]])
    slope = (120 - 100) / (stretch - target)
    check_by_hand(row, names, tolerance=abs(slope) * 0.0005 + 0.05)

    colours = {status_label(k): c for k, c in STATUS_COLORS.items()}
    for table in at.dataframe[:4]:
        shown = table.value
        for status, line in zip(
            shown[t("common.status")], shown[t("scorecard.trend")], strict=True
        ):
            svg = unquote(line)
            assert svg.startswith("data:image/svg+xml")
            assert f'stroke="{colours.get(status, MISSING_COLOR)}"' in svg, status


# --- the drill-down -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_drilldown_gives_actual_target_and_unit_beside_the_score(lang):
    rows = frame(
        kpi(kpi_name="物流费用", direction="lower", actual=274.0, target=270.0, unit="万元"),
        kpi(kpi_name="回款率", actual=0.97, target=0.95, unit="%"),
    )
    history = build(rows)
    spec = charts.drilldown(
        history.kpis, "市场部", lang=lang, settings=DEFAULTS, period="2026-10"
    ).to_dict()
    (data,) = [d for d in spec["datasets"].values()]
    records = {r["kpi_name"]: r for r in data}
    cost = records["物流费用"]
    assert cost["actual_text"] == "274 万元" and cost["target_text"] == "270 万元"
    assert cost["bar_text"] == t(
        "heatmap.bar_text", lang, score=cost["score_text"], actual="274 万元", target="270 万元"
    )
    assert records["回款率"]["actual_text"] == "97.0%"
    texts = {
        layer["encoding"]["text"]["field"]
        for layer in walk(spec)
        if isinstance(layer.get("encoding"), dict) and "text" in layer["encoding"]
    }
    assert texts == {"bar_text"}, "each bar's printed value carries actual and target"
    titles = {
        tip["title"]
        for layer in walk(spec)
        for tip in (layer.get("encoding", {}).get("tooltip") or [])
        if isinstance(layer.get("encoding"), dict)
    }
    for key in ("common.actual", "common.target", "common.unit", "common.score"):
        assert t(key, lang) in titles

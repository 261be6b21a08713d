"""A board pack for the monthly review (issue 16, Deliver 8): the organisation PDF ranks
every department with its score, grade, status, change and coverage (further pages repeat
the table's header), a department's PDF carries its own KPI table and outlines its row in
the heatmap, the PDF's charts are vector graphics, a PowerPoint deck (title, overview,
heatmap, one slide per department, warnings) comes from the CLI and a button, and every
exported chart image carries its title and period."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pandas as pd
import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from kpi_engine import load_paths
from kpi_engine.charts import specs as charts
from kpi_engine.core import insights
from kpi_engine.core.periods import previous_period
from kpi_engine.core.schema import SECTIONS
from kpi_engine.core.scorecard import department_statuses
from kpi_engine.core.settings import CONVERT, DEFAULTS
from kpi_engine.i18n import (
    change_text,
    coefficient_text,
    percent_text,
    score_text,
    status_label,
    t,
)
from kpi_engine.i18n.script import shown_name
from kpi_engine.reports import images
from kpi_engine.reports.deck import report_pptx
from kpi_engine.reports.pdf import report_pdf
from tests.apps import open_page, start
from tests.commands import ROOT
from tests.report_data import SAMPLE_FILES, SAMPLE_PERIOD, company, forms, sample_history
from tests.test_report_pdf import poppler, report_pages, text_of

CJK = re.compile(r"[\u4e00-\u9fff]")
RANK_HEADER = re.compile(r"排名 +部门 +得分 +等级 +状态 +变化 +覆盖率")
KPI_HEADER = re.compile(r"维度 +指标 +实际值 +目标值 +单位 +得分 +状态 +变化")
FORCED = DEFAULTS.with_(
    forced_distribution=True,
    grades=tuple(
        g._replace(coefficient=c)
        for g, c in zip(DEFAULTS.grades, (1.2, 1.1, 1.0, 0.9, 0.8), strict=True)
    ),
)


def page_text(data: bytes, page: int) -> str:
    return poppler("pdftotext", data, "-layout", "-f", str(page), "-l", str(page)).decode()


def at_period(history, period: str = SAMPLE_PERIOD) -> pd.DataFrame:
    """The period's department rows, best first, from the history itself (what the
    reports must print, worked out without the report code)."""
    departments = history.departments
    rows = departments[departments["period"] == period]
    before = departments[departments["period"] == previous_period(period)]
    earlier = rows["department"].map(before.set_index("department")["score"])
    rows = rows.assign(
        status=department_statuses(rows, settings=DEFAULTS), change=rows["score"] - earlier
    )
    return rows.sort_values(["score", "department"], ascending=[False, True])


def ranked_rows(text: str) -> list[tuple[str, ...]]:
    """(rank, department, score, grade..., status, change, coverage) of each line of
    the ranked table (at the end of a line, the heatmap may stand to its left): a rank,
    a name, a score, the grades and status, a change and a percent."""
    line = re.compile(
        r"(?<!\S)(\d+) +(\S+) +(\d+\.\d) +((?:\S+ +){2,4}?)([+-]\d+\.\d|—) +(\d+%|—) *$", re.M
    )
    return [(r, d, s, *rest.split(), c, p) for r, d, s, rest, c, p in line.findall(text)]


def expected_rows(history, lang: str = "zh-Hans", *, forced: bool = False) -> list[tuple]:
    rows = at_period(history)
    out = []
    for rank, r in enumerate(rows.itertuples(index=False), start=1):
        grades = [r.grade]
        if forced:
            grades += [coefficient_text(r.coefficient), r.distribution_grade]
        status = status_label(r.status, lang)
        change, coverage = change_text(r.change), percent_text(r.coverage)
        out.append(
            (str(rank), r.department, score_text(r.score), *grades, status, change, coverage)
        )
    return out


def heatmap_and_ranking(text: str, lang: str = "zh-Hans") -> str:
    """The first page's text down to the movers (a department's KPI table follows its
    ranking, and its lines look like ranked lines)."""
    return text.split(t("pdf.kpi_table", lang, department=""))[0].split(
        t("overview.best_movers", lang)
    )[0]


@pytest.fixture(scope="module")
def organisation() -> bytes:
    return report_pdf(sample_history(), SAMPLE_PERIOD)


@pytest.fixture(scope="module")
def department() -> bytes:
    return report_pdf(sample_history(), SAMPLE_PERIOD, department="行政部")


@pytest.mark.slow
def test_the_organisation_pdf_ranks_every_department_with_grade_and_coverage(organisation):
    text = text_of(organisation)
    assert len(RANK_HEADER.findall(text)) == 1  # coverage is a column
    found = ranked_rows(heatmap_and_ranking(text))
    assert found == expected_rows(sample_history())
    assert len(found) == 7 and report_pages(organisation) == 1


@pytest.mark.slow
def test_with_the_forced_distribution_the_grade_by_quota_stands_beside_the_grade():
    kpis = load_paths(SAMPLE_FILES).kpis
    labels = insights.comparison_labels(insights.period_labels(kpis, grain="month"))
    forced = insights.history(kpis, labels, settings=FORCED)
    text = text_of(report_pdf(forced, SAMPLE_PERIOD, settings=FORCED))
    first = heatmap_and_ranking(text)
    assert t("grades.distribution_grade", "zh-Hans") in first
    assert t("common.coefficient", "zh-Hans") in first
    assert ranked_rows(first) == expected_rows(forced, forced=True)


def forty_departments():
    months = {
        f"2026年{m}月 部门{i:02d}部": [
            [f"部门{i:02d}部", "财务", "F-1", "利润", "越高越好", "100%", 100, 50 + i + m / 10]
        ]
        for m in (9, 10)
        for i in range(40)
    }
    return company(months)


@pytest.mark.slow
def test_forty_departments_continue_on_a_second_page_under_the_same_header():
    history = forty_departments()
    data = report_pdf(history, "2026-10")
    assert report_pages(data) == 2
    first, second = page_text(data, 1), page_text(data, 2)
    assert len(RANK_HEADER.findall(first)) == 1 and len(RANK_HEADER.findall(second)) == 1
    assert "各部门得分（续）" in second
    found = ranked_rows(heatmap_and_ranking(first)) + ranked_rows(second)
    expected = [
        (str(n), f"部门{i:02d}部") for n, i in enumerate(range(39, -1, -1), start=1)
    ]  # the higher the number, the higher the score
    assert [(r[0], r[1]) for r in found] == expected
    assert all(r[-1] == "100%" for r in found)


def own_kpis(history, name: str) -> pd.DataFrame:
    rows = history.kpis[
        (history.kpis["department"] == name) & (history.kpis["period"] == SAMPLE_PERIOD)
    ]
    rows = rows[rows["perspective"].notna()]
    if "section" in rows.columns:
        rows = rows[~rows["section"].isin(SECTIONS)]
    # named as the (simplified-Chinese) reports print them: one script (`i18n.script`)
    return rows.assign(kpi_name=[shown_name(n, "zh-Hans", CONVERT) for n in rows["kpi_name"]])


@pytest.mark.slow
def test_a_department_pdf_holds_its_kpi_table(department):
    text = text_of(department)
    assert "行政部 指标明细" in text
    heading = text.split("行政部 指标明细")[1]
    assert KPI_HEADER.search(heading)
    kpis = own_kpis(sample_history(), "行政部")
    assert len(kpis) >= 8
    lines = heading.splitlines()
    for row in kpis.itertuples(index=False):
        line = next(x for x in lines if f" {row.kpi_name} " in x)
        assert score_text(row.score) in line.split(), row.kpi_name
        assert status_label(row.status) in line.split()
    assert report_pages(department) == 1  # it fits beside the rest of the page


@pytest.mark.slow
def test_a_long_kpi_table_goes_on_further_pages_with_its_header():
    rows = [
        ["市场部", "财务", f"M{i:02d}", f"指标{i:02d}", "越高越好", 1, 100, 80 + i % 30]
        for i in range(60)
    ]
    history = company({"2026年9月 市场部": rows, "2026年10月 市场部": rows})
    data = report_pdf(history, "2026-10", department="市场部")
    count = report_pages(data)
    assert count >= 3
    named = []
    for page in range(2, count + 1):
        text = page_text(data, page)
        assert KPI_HEADER.search(text), page
        named += re.findall(r"指标(\d\d)", text)
    assert named == [f"{i:02d}" for i in range(60)]


def test_a_departments_heatmap_row_is_outlined():
    history = sample_history()
    cells = history.perspectives[history.perspectives["period"] == SAMPLE_PERIOD]
    spec = charts.heatmap(cells, lang="zh-Hans", settings=DEFAULTS, highlight="行政部").to_dict()
    outlined = [
        layer
        for layer in spec["layer"]
        if isinstance(layer.get("mark"), dict) and layer["mark"].get("filled") is False
    ]
    rows = [spec["datasets"][layer["data"]["name"]] for layer in outlined if "data" in layer]
    assert [{"department": "行政部"}] in rows
    plain = charts.heatmap(cells, lang="zh-Hans", settings=DEFAULTS).to_dict()
    assert len(spec["layer"]) == len(plain["layer"]) + 1


def image_objects(data: bytes) -> list[str]:
    listed = subprocess.run(
        ["pdfimages", "-list", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return listed.splitlines()[2:]  # past the two header lines


@pytest.mark.slow
def test_the_pdf_charts_are_vector_with_searchable_text(organisation, department):
    assert image_objects(organisation) == [] and image_objects(department) == []
    first = heatmap_and_ranking(text_of(organisation))
    cells = sample_history().perspectives
    row = cells[(cells["period"] == SAMPLE_PERIOD) & (cells["department"] == "技术部")]
    line = next(x for x in first.splitlines() if x.strip().startswith("技术部"))
    for score in row["score"].dropna():  # the heatmap's cells are text on the page
        assert score_text(score) in line


@pytest.fixture(scope="module")
def recorded_pngs():
    """The deck of the sample company, with what it asked vl-convert for."""
    calls: list[tuple[dict, float]] = []
    real = images.vlc.vegalite_to_png

    def record(spec, scale=1.0, **kwargs):
        calls.append((spec, scale))
        return real(spec, scale=scale, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(images.vlc, "vegalite_to_png", record)
        history = sample_history()
        data = report_pptx(
            history, SAMPLE_PERIOD, expected_departments=sorted(history.departments["department"])
        )
    return data, calls


def texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def runs(deck):
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    yield from paragraph.runs


@pytest.mark.slow
def test_the_deck_has_title_overview_heatmap_a_slide_per_department_and_warnings(
    recorded_pngs,
):
    data, _ = recorded_pngs
    deck = Presentation(io.BytesIO(data))
    ranked = at_period(sample_history())
    slides = list(deck.slides)
    assert len(slides) == 3 + len(ranked) + 1
    assert "全组织 KPI 报告 · 2026-10" in texts(slides[0])
    assert "2026-10 · 月度" in texts(slides[0])
    assert texts(slides[1])[0] == "全组织 · 2026-10"
    assert "组织总分" in texts(slides[1])
    assert texts(slides[2])[0] == "部门 × 维度热力图"
    for slide, row in zip(slides[3:-1], ranked.itertuples(index=False), strict=True):
        assert texts(slide)[0] == f"{row.department} 计分卡"
        assert f"得分 {score_text(row.score)}" in texts(slide)[1]
        assert f"等级 {row.grade}" in texts(slide)[1]
        (table,) = [s.table for s in slide.shapes if s.has_table]
        shown = {table.cell(r, 1).text for r in range(1, len(table.rows))}
        names = set(own_kpis(sample_history(), row.department)["kpi_name"])
        assert shown <= names and len(shown) == min(len(names), 14)
        assert sum(s.shape_type == 13 for s in slide.shapes) == 1  # its perspectives chart
    assert texts(slides[-1])[0] == "预警提示"
    (warnings,) = [s.table for s in slides[-1].shapes if s.has_table]
    assert "连续" in warnings.cell(1, 1).text


@pytest.mark.slow
def test_the_decks_chinese_text_names_an_east_asian_font(recorded_pngs):
    deck = Presentation(io.BytesIO(recorded_pngs[0]))
    chinese = [r for r in runs(deck) if CJK.search(r.text)]
    assert len(chinese) > 100
    for run in chinese:
        ea = run._r.rPr.find(qn("a:ea"))
        assert ea is not None and ea.get("typeface") == "Microsoft YaHei", run.text
        assert run._r.rPr.get("lang") == "zh-CN"


@pytest.mark.slow
def test_the_decks_charts_are_sharp_pngs_titled_with_the_period(recorded_pngs):
    _, calls = recorded_pngs
    departments = at_period(sample_history())["department"]
    assert len(calls) == 2 + len(departments)  # ranking, heatmap, one per department
    titles = [spec["title"]["text"] for spec, _ in calls]
    assert titles[:2] == ["各部门得分 · 2026-10", "部门 × 维度热力图 · 2026-10"]
    assert titles[2:] == [f"{d} 计分卡 · 2026-10" for d in departments]
    assert {scale for _, scale in calls} == {2.0}


def test_an_exported_chart_carries_its_title_and_period():
    history = sample_history()
    rows = history.departments[history.departments["period"] == SAMPLE_PERIOD]
    chart = charts.department_bars(rows, lang="zh-Hans", settings=DEFAULTS)
    title = images.chart_title(t("overview.department_scores", "zh-Hans"), "2026-Q3", "zh-Hans")
    assert title == "各部门得分 · 2026年第3季度"
    svg = images.svg(chart, title=title)
    assert title in svg and title not in images.svg(chart)  # text stays text in an SVG
    titled, plain = images.png(chart, title=title), images.png(chart)
    assert images.png_size(titled)[1] > images.png_size(plain)[1]  # room for the title


@pytest.mark.slow
def test_the_cli_writes_a_deck(tmp_path):
    rows = {
        f"2026年{m}月 {d}": [[d, "财务", f"{d[0]}1", "营收", "越高越好", 1, 100, 80 + m]]
        for m in (9, 10)
        for d in ("市场部", "财务部")
    }
    paths = []
    for name, data in forms(rows):
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    out = tmp_path / "deck.pptx"
    command = [sys.executable, "-m", "kpi_engine", "report", *paths, "--out", str(out)]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    deck = Presentation(str(out))
    assert len(deck.slides) == 3 + 2 + 1
    assert {texts(s)[0] for s in list(deck.slides)[3:5]} == {"市场部 计分卡", "财务部 计分卡"}
    refused = subprocess.run(
        [*command, "--department", "市场部"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "--department" in refused.stderr


@pytest.mark.slow
def test_the_overview_offers_the_deck_beside_the_pdf(tmp_path, monkeypatch):
    at = start(monkeypatch, tmp_path)
    open_page(at, "overview")
    deck = t("download.pptx_report", "zh-Hans", report=t("download.report_month", "zh-Hans"))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.index(deck) == 2  # the third report button, after Excel and PDF
    open_page(at, "scorecard")  # a department's page: its workbook and PDF only
    labels = [b.proto.label for b in at.get("download_button")]
    assert deck not in labels and len(labels) >= 2

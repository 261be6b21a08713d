"""The one-page monthly report: Chinese text embedded in Noto Sans CJK (extractable with
pdftotext), one page whatever the number of warnings, drawn (pdftoppm renders it); every
department named in a ranked table of scores (continued on a second page when there are
many), the heatmap drawn as vector graphics with its text in the CJK face."""

from __future__ import annotations

import re
import subprocess

import pytest
from PIL import Image

from kpi_engine.charts.palette import BAND_TINTS
from kpi_engine.core.schema import STATUSES
from kpi_engine.core.settings import CONVERT
from kpi_engine.i18n import LANGUAGES, change_text, score_text, status_label, t
from kpi_engine.i18n.script import shown_name
from kpi_engine.reports import pdf as pdf_report
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.tables import department_ranking
from tests.report_data import SAMPLE_PERIOD, company, sample_history


def poppler(tool: str, data: bytes, *args: str) -> bytes:
    done = subprocess.run(
        [tool, *args, "-", "-"], input=data, capture_output=True, timeout=60, check=True
    )
    return done.stdout


def text_of(data: bytes) -> str:
    return poppler("pdftotext", data, "-layout").decode()


def pages(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.decode().splitlines() if "Pages" in line))


def report_pages(data: bytes) -> int:
    """The report's own pages: when the score moved since the period before, why follows
    on a last page of its own (`core.explain`), not counted here."""
    count = pages(data)
    last = subprocess.run(
        ["pdftotext", "-f", str(count), "-l", str(count), "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return count - 1 if any(t("explain.title", lang) in last for lang in LANGUAGES) else count


def fonts(data: bytes) -> str:
    return subprocess.run(
        ["pdffonts", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture(scope="module")
def organisation() -> bytes:
    return report_pdf(sample_history(), SAMPLE_PERIOD)


@pytest.mark.slow
def test_organisation_report_has_scores_heatmap_movers_and_warnings(organisation):
    text = text_of(organisation)
    assert report_pages(organisation) == 1
    for words in ("全组织 KPI 报告", "2026-10", "与 2026-09 比较", "部门 × 维度热力图", "进步最大"):
        assert words in text
    assert "退步最大" in text and "预警提示" in text
    assert "财务部" in text and "采购物流部" in text  # department names in the movers
    assert "学习与成长" in text
    assert "连续" in text  # a red-streak warning, as the Overview words it
    embedded = fonts(organisation)
    assert "NotoSansCJKSC" in embedded and "yes" in embedded


@pytest.mark.slow
def test_page_renders_with_status_tints(organisation, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(organisation)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-singlefile", source, tmp_path / "page"],
        check=True,
        timeout=60,
    )
    page = Image.open(tmp_path / "page.png").convert("RGB")
    width, height = page.size
    assert height > width  # A4 portrait
    colours = {c for _, c in page.getcolors(maxcolors=width * height)}
    # the tiles of green perspectives and the warning labels are tinted as on screen
    for tint in (BAND_TINTS["green"], BAND_TINTS["red"]):
        assert tuple(int(tint[i : i + 2], 16) for i in (1, 3, 5)) in colours


@pytest.mark.slow
def test_department_report_in_traditional_chinese():
    data = report_pdf(sample_history(), SAMPLE_PERIOD, department="行政部", lang="zh-Hant")
    text = text_of(data)
    assert report_pages(data) == 1
    assert "行政部 KPI 報告 · 2026-10" in text
    assert "學習與成長" in text and "預警提示" in text
    assert "NotoSansCJKTC" in fonts(data)  # traditional glyph shapes


@pytest.mark.slow
def test_english_report():
    text = text_of(report_pdf(sample_history(), SAMPLE_PERIOD, lang="en"))
    assert "Organisation KPI report · 2026-10" in text and "Best movers" in text


@pytest.mark.slow
def test_many_warnings_still_fit_on_one_page():
    red = [["市场部", "财务", f"M{i}", f"指标{i}", "越高越好", 1, 100, 10] for i in range(60)]
    history = company({"2026年9月 市场部": red, "2026年10月 市场部": red})
    data = report_pdf(history, "2026-10")
    text = text_of(data)
    assert report_pages(data) == 1
    assert "另有" in text and "条预警未列出" in text
    assert "没有" not in text  # there is a previous period: movers are compared


@pytest.mark.slow
def test_no_previous_period_says_so():
    history = company(
        {"2026年10月 市场部": [["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]]}
    )
    text = text_of(report_pdf(history, "2026-10", department="市场部"))
    assert "没有上一期数据，无法比较" in text
    assert "市场部 KPI 报告" in text


# The grade beside the score (SPEC §5.9): `A`, or with a coefficient `A ×1.2`.
GRADE = r"(?:\S+(?: ×\S+)? +)?"


def ranked_lines(text: str, lang: str) -> list[tuple[str, str, str, str, str]]:
    """(rank, department, score, status, change) of each ranked-table line, in page order."""
    words = "|".join(re.escape(status_label(s, lang)) for s in (*STATUSES, None))
    rank = r"(\d+|—)"
    line = re.compile(
        rf"(?<!\S){rank} +(?!(?:{words}) )(\S+) +(\d+\.\d|—) +{GRADE}({words}) +([+-]\d+\.\d|—)(?!\S)"
    )
    return [m.groups() for m in line.finditer(text)]


def expected_ranking(history, period: str, lang: str) -> list[tuple[str, str, str, str, str]]:
    ranking = department_ranking(history, period)
    return [
        (
            "—" if r.rank is None or r.rank != r.rank else str(int(r.rank)),
            shown_name(r.department, lang, CONVERT),  # in the report's script (issue 16)
            score_text(r.score),
            status_label(r.status, lang),
            change_text(r.change),
        )
        for r in ranking.itertuples(index=False)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_department_is_named_in_rank_order_with_its_score(lang):
    history = sample_history()
    data = report_pdf(history, SAMPLE_PERIOD, lang=lang)
    found = ranked_lines(text_of(data), lang)
    expected = expected_ranking(history, SAMPLE_PERIOD, lang)
    assert found == expected
    assert [r[0] for r in found] == [str(n) for n in range(1, len(found) + 1)]
    assert len(found) == history.departments["period"].eq(SAMPLE_PERIOD).sum() == 7
    assert report_pages(data) == 1


@pytest.mark.slow
def test_a_department_without_a_score_is_listed_last_without_a_rank():
    rows = [["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]]
    history = company(
        {
            "2026年10月 市场部": rows,
            "2026年10月 财务部": [["财务部", "财务", "F1", "利润", "越高越好", 1, 100, None]],
        }
    )
    found = ranked_lines(text_of(report_pdf(history, "2026-10")), "zh-Hans")
    assert found == [("1", "市场部", "90.0", "关注", "—"), ("—", "财务部", "—", "缺失", "—")]


@pytest.mark.slow
def test_a_department_report_ranks_it_among_every_department():
    history = sample_history()
    data = report_pdf(history, SAMPLE_PERIOD, department="行政部")
    ranking = text_of(data).split("行政部 指标明细")[0]  # its own KPI table follows
    assert ranked_lines(ranking, "zh-Hans") == expected_ranking(history, SAMPLE_PERIOD, "zh-Hans")


@pytest.mark.slow
def test_many_departments_continue_the_table_on_a_second_page():
    months = {
        f"2026年{m}月 部门{i:02d}部": [
            [f"部门{i:02d}部", "财务", "F-1", "利润", "越高越好", "100%", 100, 60 + i + m]
        ]
        for m in (9, 10)
        for i in range(30)
    }
    history = company(months)
    data = report_pdf(history, "2026-10", lang="en")
    assert report_pages(data) == 2
    first = poppler("pdftotext", data, "-layout", "-l", "1").decode()
    second = poppler("pdftotext", data, "-layout", "-f", "2").decode()
    assert "Best movers" in first and "Best movers" not in second
    assert "Department scores (continued)" in second
    both = ranked_lines(first, "en") + ranked_lines(second, "en")
    assert both == expected_ranking(history, "2026-10", "en")
    assert len(ranked_lines(first, "en")) >= 15


@pytest.mark.slow
def test_the_heatmap_is_vector_with_searchable_cjk_text(organisation, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(organisation)
    listed = subprocess.run(["pdfimages", "-list", source], capture_output=True, check=True)
    images = listed.stdout.decode().splitlines()[2:]
    assert images == [], "no raster image: the heatmap is drawn as paths and text"
    text = text_of(organisation)
    heatmap_rows = [line for line in text.splitlines() if line.lstrip().startswith("采购物流部")]
    assert heatmap_rows, "the heatmap's department labels are text"
    embedded = fonts(organisation)
    assert "Helvetica" not in embedded and "Arial" not in embedded  # every glyph in Noto CJK


@pytest.mark.slow
def test_a_chart_fpdf2_cannot_draw_goes_in_as_a_sharp_png(monkeypatch, tmp_path):
    monkeypatch.setattr(
        pdf_report, "_svg_for_fpdf", lambda svg: '<svg width="9" height="9"><path d="Z"/></svg>'
    )
    source = tmp_path / "report.pdf"
    source.write_bytes(report_pdf(sample_history(), SAMPLE_PERIOD))
    listed = subprocess.run(["pdfimages", "-list", source], capture_output=True, check=True)
    found = listed.stdout.decode().splitlines()[2:]
    (image,) = [line for line in found if line.split()[0] == "1"]  # page 1: the heatmap
    assert int(image.split()[3]) > 1000  # the heatmap, 3 px per chart px

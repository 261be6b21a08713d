"""The meeting deck (PowerPoint, python-pptx): what the monthly review puts on the wall.

Slides: a title (organisation, period, grain); the overview (organisation score and
grade, the perspective tiles, KPI counts by status, the department ranking chart); the
department x perspective heatmap; one slide per department in rank order (score, grade,
status, its KPI table, its perspectives chart); the early warnings. The numbers and
tables are the PDF's (`insights`, `reports.tables`), so the deck says what the pages say.

Charts are PNGs at 2x (`images.png`) with their title and period, so a slide copied
into another deck still says what it shows. Every run of text names an East Asian font
(`a:ea`, which python-pptx does not set) as well as a Latin one: PowerPoint picks the
face for Chinese characters from `a:ea`, and without it falls back to a theme font that
may have no CJK glyphs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.text.text import _Run
from pptx.util import Emu, Inches, Pt

from kpi_engine.charts import specs as charts
from kpi_engine.charts.palette import BAND_TINTS, MISSING_COLOR, STATUS_COLORS
from kpi_engine.core import insights, periods
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, Settings
from kpi_engine.i18n import (
    DEFAULT_LANG,
    MISSING,
    change_text,
    grade_text,
    period_label,
    perspective_label,
    score_text,
    status_label,
    t,
)
from kpi_engine.reports import images
from kpi_engine.reports.tables import (
    kpi_table,
    printable_history,
    ranking_table,
    scoped,
    warning_sentences,
)

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# East Asian faces PowerPoint has on Windows and macOS (simplified, traditional glyphs).
EA_FONTS = {"zh-Hant": "Microsoft JhengHei"}
EA_FONT = "Microsoft YaHei"
LATIN_FONT = "Calibri"
EA_LANG = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
INK, MUTED = RGBColor(0x1F, 0x1F, 0x1F), RGBColor(0x6E, 0x6E, 0x6E)
HEAD_FILL = RGBColor(0xEE, 0xEE, 0xEE)
KPI_ROWS = 14  # a department slide's KPI table; more rows are counted under it
WARNING_ROWS = 12


def _color(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#"))


def _status_hex(status: str | None, colors: dict[str, str] | None = None) -> str:
    """A status's colour (or its tint, with `colors` BAND_TINTS); grey when missing."""
    return (colors or dict(STATUS_COLORS)).get(status or "", MISSING_COLOR)


def _fonted(run: _Run, lang: str) -> None:
    """Latin and East Asian faces on `run`, and its language, so Chinese shows in the
    face meant for it (`a:ea` follows `a:latin` in the schema's order)."""
    run.font.name = LATIN_FONT
    props = run._r.get_or_add_rPr()
    for old in props.findall(qn("a:ea")):
        props.remove(old)
    ea = props.makeelement(qn("a:ea"), {"typeface": EA_FONTS.get(lang, EA_FONT)})
    props.find(qn("a:latin")).addnext(ea)
    props.set("lang", EA_LANG.get(lang, "en-US"))


def _write(
    frame,  # a text frame (a shape's or a table cell's)
    text: str,
    lang: str,
    *,
    size: float,
    bold: bool = False,
    color: RGBColor = INK,
    align: PP_ALIGN | None = None,
) -> None:
    """`text` as the frame's only paragraph, in one run with the deck's fonts."""
    frame.clear()
    paragraph = frame.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color
    _fonted(run, lang)


def _textbox(
    slide: Slide,
    x: int,
    y: int,
    width: int,
    height: int,
    text: str,
    lang: str,
    *,
    size: float,
    bold: bool = False,
    color: RGBColor = INK,
) -> None:
    box = slide.shapes.add_textbox(Emu(x), Emu(y), Emu(width), Emu(height))
    box.text_frame.word_wrap = True
    _write(box.text_frame, text, lang, size=size, bold=bold, color=color)


def _slide(deck: Deck, title: str, lang: str) -> Slide:
    """A blank slide with `title` at the top left."""
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    _textbox(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.7), title, lang, size=26)
    slide.shapes[-1].text_frame.paragraphs[0].runs[0].font.bold = True
    return slide


def _picture(slide: Slide, png: bytes, x: int, y: int, width: int, height: int) -> None:
    """A PNG fitted into the box (aspect kept, centred across, at the top)."""
    px_w, px_h = images.png_size(png)
    scale = min(width / px_w, height / px_h)
    w, h = int(px_w * scale), int(px_h * scale)
    slide.shapes.add_picture(io.BytesIO(png), Emu(x + (width - w) // 2), Emu(y), Emu(w), Emu(h))


def _tile(
    slide: Slide,
    x: int,
    y: int,
    width: int,
    label: str,
    value: str,
    status: str | None,
    change: object,
    lang: str,
) -> None:
    """A score tile as on the Overview: tinted by status, a bar in the status colour, the
    label, the value and the status word with the change."""
    height = Inches(1.45)
    for fill, bar_width in ((dict(BAND_TINTS), width), (dict(STATUS_COLORS), Inches(0.09))):
        box = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(x), Emu(y), Emu(bar_width), height)
        box.fill.solid()
        box.fill.fore_color.rgb = _color(_status_hex(status, fill))
        box.line.fill.background()
        box.shadow.inherit = False  # flat, as on the page
    inner = width - Inches(0.25)
    left = x + Inches(0.2)
    _textbox(slide, left, y + Inches(0.05), inner, Inches(0.4), label, lang, size=14)
    _textbox(slide, left, y + Inches(0.4), inner, Inches(0.6), value, lang, size=28, bold=True)
    below = f"{status_label(status, lang)}  {change_text(change)}"
    _textbox(slide, left, y + Inches(1.0), inner, Inches(0.4), below, lang, size=13)


def _status(score: object, settings: Settings) -> str | None:
    return statuses(pd.Series([score], dtype=float), settings=settings)[0]


def _table(
    slide: Slide,
    x: int,
    y: int,
    width: int,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    lang: str,
    *,
    size: float = 12,
    tint_column: int | None = None,
    tints: Sequence[str | None] = (),
    right: Sequence[int] = (),
) -> None:
    """A table: grey header, one line per row; `widths` are shares of `width`; the
    `tint_column` cell of each row filled in its status tint (`tints`); the `right`
    columns (numbers) aligned right."""
    row_height = Inches(0.32)
    shape = slide.shapes.add_table(
        len(rows) + 1, len(header), Emu(x), Emu(y), Emu(width), row_height
    )
    table = shape.table
    total = sum(widths)
    for i, share in enumerate(widths):
        table.columns[i].width = int(width * share / total)
    for r, line in enumerate([list(header), *map(list, rows)]):
        table.rows[r].height = row_height
        for c, text in enumerate(line):
            cell = table.cell(r, c)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.fill.solid()
            fill = HEAD_FILL if r == 0 else RGBColor(0xFF, 0xFF, 0xFF)
            if r > 0 and c == tint_column:
                fill = _color(_status_hex(tints[r - 1], dict(BAND_TINTS)))
            cell.fill.fore_color.rgb = fill
            side = PP_ALIGN.RIGHT if c in right else None
            _write(cell.text_frame, text, lang, size=size, bold=r == 0, align=side)


def _title_slide(deck: Deck, period: str, lang: str) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    scope = t("common.organization", lang)
    grain = t(f"grain.{periods.grain_of(period)}", lang)
    _textbox(
        slide,
        MARGIN,
        Inches(2.5),
        WIDTH - 2 * MARGIN,
        Inches(1.2),
        t("report.title", lang, scope=scope, period=period_label(period, lang)),
        lang,
        size=40,
        bold=True,
    )
    line = f"{period_label(period, lang)} · {grain}"
    _textbox(slide, MARGIN, Inches(3.8), WIDTH - 2 * MARGIN, Inches(0.6), line, lang, size=22)


def _overview_slide(
    deck: Deck, history: Scorecard, period: str, lang: str, settings: Settings
) -> None:
    view = insights.overview(history, period, settings=settings)
    scope = t("common.organization", lang)
    slide = _slide(deck, f"{scope} · {period_label(period, lang)}", lang)
    gap = Inches(0.15)
    width = (WIDTH - 2 * MARGIN - 4 * gap) // 5
    top = Inches(1.1)
    score = score_text(view.score)
    if view.grade is not None:
        score = f"{score}  {grade_text(view.grade, view.coefficient)}"
    _tile(
        slide,
        MARGIN,
        top,
        width,
        t("overview.org_score", lang),
        score,
        _status(view.score, settings),
        view.change,
        lang,
    )
    for i, row in enumerate(view.perspectives.itertuples(index=False), start=1):
        _tile(
            slide,
            MARGIN + i * (width + gap),
            top,
            width,
            perspective_label(row.perspective, lang),
            score_text(row.score),
            _status(row.score, settings),
            row.change,
            lang,
        )
    counts = "   ".join(
        f"{status_label(s, lang)} {view.status_counts.get(s, 0)}"
        for s in ("green", "amber", "red", "missing")
    )
    _textbox(
        slide,
        MARGIN,
        top + Inches(1.55),
        WIDTH - 2 * MARGIN,
        Inches(0.4),
        f"{t('overview.kpi_counts', lang)}  {counts}",
        lang,
        size=14,
        color=MUTED,
    )
    at = history.departments[(history.departments["period"] == period).to_numpy(bool)]
    if at.empty:
        return
    chart = charts.department_bars(at, lang=lang, settings=settings)
    title = images.chart_title(t("overview.department_scores", lang), period, lang)
    chart_top = top + Inches(2.05)
    _picture(
        slide,
        images.png(chart, title=title),
        MARGIN,
        chart_top,
        WIDTH - 2 * MARGIN,
        HEIGHT - chart_top - Inches(0.3),
    )


def _heatmap_slide(
    deck: Deck, history: Scorecard, period: str, lang: str, settings: Settings
) -> None:
    slide = _slide(deck, t("heatmap.title", lang), lang)
    cells = history.perspectives[(history.perspectives["period"] == period).to_numpy(bool)]
    if cells.empty:
        _textbox(slide, MARGIN, Inches(1.2), Inches(6), Inches(0.5), MISSING, lang, size=16)
        return
    chart = charts.heatmap(cells, lang=lang, settings=settings, departments=history.departments)
    title = images.chart_title(t("heatmap.title", lang), period, lang)
    top = Inches(1.1)
    box = (WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.3))
    _picture(slide, images.png(chart, title=title), MARGIN, top, *box)


def _department_slide(
    deck: Deck,
    history: Scorecard,
    period: str,
    ranked: pd.Series,
    lang: str,
    settings: Settings,
) -> None:
    """One department: its rank, score, grade, status and change in the title line, its
    KPI table on the left, its perspectives chart on the right."""
    department = str(ranked["department"])
    slide = _slide(deck, t("scorecard.title", lang, department=department), lang)
    parts = [
        f"{t('pdf.rank', lang)} {ranked['rank'] if not pd.isna(ranked['rank']) else MISSING}",
        f"{t('common.score', lang)} {score_text(ranked['score'])}",
    ]
    if "grade" in ranked.index:
        parts.append(f"{t('common.grade', lang)} {ranked['grade']}")
    parts += [
        f"{t('common.status', lang)} {ranked['status']}",
        f"{t('scorecard.change', lang)} {change_text(ranked['change'])}",
        f"{t('common.coverage', lang)} {ranked['coverage']}",
    ]
    _textbox(
        slide,
        MARGIN,
        Inches(0.95),
        WIDTH - 2 * MARGIN,
        Inches(0.5),
        "   ".join(parts),
        lang,
        size=16,
        color=MUTED,
    )
    top = Inches(1.55)
    left_width = Inches(7.4)
    kpis = kpi_table(history, period, department, lang, settings=settings)
    status_of = {status_label(k, lang): k for k in ("green", "amber", "red")}
    shown = kpis.head(KPI_ROWS)
    status_column = list(kpis.columns).index(t("common.status", lang))
    _table(
        slide,
        MARGIN,
        top,
        left_width,
        list(kpis.columns),
        shown.to_numpy(dtype=object).tolist(),
        (1.1, 2.6, 1.0, 1.2, 0.7, 0.8, 0.8, 0.8),
        lang,
        size=11,
        tint_column=status_column,
        tints=[status_of.get(s) for s in shown.iloc[:, status_column]],
        right=(2, 3, 5, 7),  # actual, target, score, change
    )
    if len(kpis) > KPI_ROWS:
        more = t("pdf.more_rows", lang, n=len(kpis) - KPI_ROWS)
        y = top + Inches(0.32) * (KPI_ROWS + 1) + Inches(0.1)
        _textbox(slide, MARGIN, y, left_width, Inches(0.4), more, lang, size=12, color=MUTED)
    own = scoped(history, department).perspectives
    own = own[(own["period"] == period).to_numpy(bool)]
    chart = charts.perspective_bars(own, lang=lang, settings=settings)
    title = images.chart_title(t("scorecard.title", lang, department=department), period, lang)
    right = MARGIN + left_width + Inches(0.3)
    box = (WIDTH - right - MARGIN, Inches(4.0))
    _picture(slide, images.png(chart, title=title), right, top, *box)


def _warnings_slide(
    deck: Deck, history: Scorecard, period: str, lang: str, expected: Sequence[str]
) -> None:
    slide = _slide(deck, t("overview.early_warnings", lang), lang)
    found = insights.warnings(history, period, expected_departments=list(expected))
    lines = warning_sentences(found, period, lang)
    if not lines:
        _textbox(
            slide,
            MARGIN,
            Inches(1.2),
            WIDTH - 2 * MARGIN,
            Inches(0.5),
            t("overview.no_warnings", lang),
            lang,
            size=18,
        )
        return
    shown = lines[:WARNING_ROWS]
    _table(
        slide,
        MARGIN,
        Inches(1.2),
        WIDTH - 2 * MARGIN,
        [t("overview.early_warnings", lang), t("common.detail", lang)],
        [list(line) for line in shown],
        (1.0, 4.0),
        lang,
        size=14,
        tint_column=0,
        tints=["red"] * len(shown),
    )
    if len(lines) > WARNING_ROWS:
        more = t("pdf.more_warnings", lang, n=len(lines) - WARNING_ROWS)
        y = Inches(1.2) + Inches(0.32) * (WARNING_ROWS + 1) + Inches(0.2)
        _textbox(slide, MARGIN, y, WIDTH - 2 * MARGIN, Inches(0.4), more, lang, size=14)


def report_pptx(
    history: Scorecard,
    period: str,
    *,
    lang: str = DEFAULT_LANG,
    settings: Settings = DEFAULTS,
    expected_departments: Sequence[str] = (),
) -> bytes:
    """The meeting deck for `period` as .pptx bytes: title, overview, heatmap, one slide
    per department of the period (best first), early warnings. `history` as for
    `pdf.report_pdf` (`ui.data.history(grain)`)."""
    history, _ = printable_history(history, lang, settings)
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = t(
        "report.title", lang, scope=t("common.organization", lang), period=period
    )
    _title_slide(deck, period, lang)
    _overview_slide(deck, history, period, lang, settings)
    _heatmap_slide(deck, history, period, lang, settings)
    ranking = ranking_table(history, period, lang, settings=settings)
    for _, ranked in ranking.iterrows():  # one slide each, a handful to a few dozen
        _department_slide(deck, history, period, ranked, lang, settings)
    _warnings_slide(deck, history, period, lang, expected_departments)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()

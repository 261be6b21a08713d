"""The one-page monthly report (PDF) for leadership meetings: the organisation or one
department — scores and changes, the department x perspective heatmap, best and worst
movers, early warnings — all read from `insights`, so it says what the Overview says.

Every department is named in text: the ranked table of department scores the Overview
shows (`tables.ranking_table`: rank, score, grade, status, change, coverage) stands beside
the heatmap, and continues on further pages under its header when there are more
departments than fit beside it. A department's report outlines its row in the heatmap,
bolds it in the ranking and lists its own KPIs (actual, target, unit, score, status,
change): on the first page where they fit, else on the pages after it.

Drawn with fpdf2 in Noto Sans CJK, the face the charts use. Debian ships that font as
.ttc collections with CFF outlines; fpdf2 embeds those (subset, with a ToUnicode map, so
the text can be searched and copied), where ReportLab refuses CFF outlines. The heatmap
is the dashboard's own chart as vector graphics: vl-convert's SVG (`images.svg`) drawn
by fpdf2, its text set in the same embedded CJK face (so it stays sharp at any zoom and
can be searched). fpdf2's SVG support is partial (no empty paths, gradients drawn
wrong), so the PDF's heatmap has no colour legend (the footer gives the bands in words),
and a chart fpdf2 cannot read falls back to a PNG at 3x.
"""

from __future__ import annotations

import io
import re
from collections.abc import Hashable, Mapping, Sequence
from functools import cache
from pathlib import Path

import pandas as pd
from fontTools.ttLib import TTCollection
from fpdf import FPDF

from kpi_engine.charts import specs as charts
from kpi_engine.charts import waterfall
from kpi_engine.charts.palette import BAND_TINTS, MISSING_COLOR, STATUS_COLORS, rgb
from kpi_engine.core import insights
from kpi_engine.core.actions import OUTCOME_STATUS
from kpi_engine.core.adjust import is_veto, vetoed
from kpi_engine.core.schema import BONUS, GATE, PERSPECTIVES
from kpi_engine.core.scorecard import Scorecard, department_wide
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, Settings
from kpi_engine.i18n import (
    DEFAULT_LANG,
    MISSING,
    change_text,
    grade_text,
    number_text,
    perspective_label,
    points_change_text,
    score_text,
    status_label,
    t,
    text_or_missing,
    veto_text,
)
from kpi_engine.reports import images
from kpi_engine.reports.actions import action_table, for_report
from kpi_engine.reports.tables import (
    adjusted_departments,
    kpi_table,
    note_cell,
    note_rows,
    noted,
    printable_history,
    quota_sentence,
    ranking_headers,
    ranking_table,
    scoped,
    section_rows,
    warning_sentences,
)

FONT_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
FACES = {"zh-Hant": "Noto Sans CJK TC"}  # traditional glyph shapes, as on screen
DEFAULT_FACE = "Noto Sans CJK SC"
FAMILY = "noto"

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 12.0  # A4, millimetres
WIDTH = PAGE_WIDTH - 2 * MARGIN
GAP = 3.0
ROW = 5.6  # table row height
RANK_ROW = 4.8  # the ranked department table's row height
# Table columns are as wide as their widest text (`_widths`) within bounds in mm: the
# ranked department table's by `ranking_table` column (department names cut at the
# top bound), a department's KPI table's in `kpi_table` order (the KPI's name takes
# what the others leave).
RANK_BOUNDS = {"department": (16.0, 30.0)}
BOUNDS = (7.0, 24.0)
RANK_RIGHT = frozenset({"rank", "score", "coefficient", "change", "coverage"})
KPI_BOUNDS = ((12.0, 26.0), (0.0, 0.0), *[(10.0, 36.0)] * 2, (8.0, 16.0), *[(10.0, 20.0)] * 3)
HEATMAP_MAX_HEIGHT = 95.0
HEATMAP_ROW_STEP = 26  # px per department (the screen's 38 would waste the page)
HEATMAP_LABEL_PX = 12  # the charts' axis label size
PNG_SCALE = 3.0  # a chart fpdf2 cannot draw as vector goes in as a PNG this sharp
MOVERS = 5
SCORE_PARTS = 15  # rows of the score change's parts (the rest: a line saying how many)
ADJUSTED = 6  # rows of the adjustments table (departments, or a department's items)
# department, weighted score, bonus, penalty, score, veto reason (the rest of the width)
ADJUSTED_WIDTHS = (30.0, 24.0, 14.0, 14.0, 14.0)
# type, KPI or item, actual, target, points or veto result (the rest of the width)
SECTION_WIDTHS = (22.0, 50.0, 22.0, 22.0)
PX_MM = 25.4 / 96  # one CSS pixel (a chart's unit) in millimetres
INK, MUTED, RULE = (31, 31, 31), (110, 110, 110), (200, 200, 200)
HEAD_FILL = (238, 238, 238)
# The actions page's columns (`action_table` keys) and widths in mm; what takes the rest.
ACTION_COLUMNS = (
    ("common.period", 18.0),
    ("actions.target", 24.0),
    ("common.kpi", 28.0),
    ("actions.what", 0.0),
    ("actions.owner", 18.0),
    ("actions.due", 18.0),
    ("actions.state", 14.0),
    ("actions.outcome", 18.0),
)


STATUS_RGB = {status: rgb(color) for status, color in STATUS_COLORS.items()}
TINT_RGB = {status: rgb(color) for status, color in BAND_TINTS.items()}
MISSING_RGB = rgb(MISSING_COLOR)


class FontMissing(RuntimeError):
    """Noto Sans CJK is not installed (Debian: apt-get install fonts-noto-cjk)."""


@cache
def _face_index(path: Path, face: str) -> int:
    """The position of `face` in a .ttc collection, read from its name tables."""
    names = [font["name"].getDebugName(1) for font in TTCollection(str(path), lazy=True).fonts]
    return names.index(face)


def _new_pdf(lang: str) -> FPDF:
    """An A4 page with the CJK face of `lang` in regular and bold, no automatic breaks."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    face = FACES.get(lang, DEFAULT_FACE)
    for style, name in FONT_FILES.items():
        path = images.FONT_DIR / name
        if not path.is_file():
            raise FontMissing(f"{path} not found: install Debian's fonts-noto-cjk")
        pdf.add_font(FAMILY, style, path, collection_font_number=_face_index(path, face))
    pdf.add_page()
    return pdf


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut with an ellipsis so that it fits `width` in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _status(score: float | None, settings: Settings) -> str | None:
    return statuses(pd.Series([score], dtype=float), settings=settings)[0]


def _heading(pdf: FPDF, text: str, *, x: float = MARGIN, width: float = WIDTH) -> None:
    pdf.set_xy(x, pdf.get_y())
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(width, 7, _fit(pdf, text, width), new_x="LEFT", new_y="NEXT")


def _title(pdf: FPDF, scope: str, view: insights.Overview, lang: str) -> None:
    pdf.set_font(FAMILY, "B", 17)
    pdf.set_text_color(*INK)
    title = t("report.title", lang, scope=scope, period=view.period)
    pdf.cell(WIDTH, 9, _fit(pdf, title, WIDTH), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    line = t("pdf.compared_with", lang, previous=view.previous)
    if view.coverage is not None:
        line += f"  ·  {t('common.coverage', lang)} {view.coverage:.0%}"
    pdf.cell(WIDTH, 5, _fit(pdf, line, WIDTH), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _tile(
    pdf: FPDF,
    x: float,
    y: float,
    width: float,
    label: str,
    score: float | None,
    change: float | None,
    status: str | None,
    lang: str,
    grade: str | None = None,
) -> None:
    """One score tile: tinted by status with a bar in the status colour, the label, the
    score (and the grade beside it, where given), its status word and the change against
    the previous period."""
    height = 24.0
    pdf.set_fill_color(*TINT_RGB.get(status or "", MISSING_RGB))
    pdf.rect(x, y, width, height, style="F")
    pdf.set_fill_color(*STATUS_RGB.get(status or "", MISSING_RGB))
    pdf.rect(x, y, 1.6, height, style="F")
    inner = width - 5
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_xy(x + 3.5, y + 1.5)
    pdf.cell(inner, 5, _fit(pdf, label, inner))
    pdf.set_font(FAMILY, "B", 18)
    pdf.set_xy(x + 3.5, y + 6.5)
    pdf.cell(inner, 9, score_text(score))
    if grade is not None:
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_xy(x + 3.5 + pdf.get_string_width(score_text(score)) * 18 / 11 + 2, y + 8)
        pdf.cell(inner / 2, 7, _fit(pdf, grade, inner / 2))
    pdf.set_font(FAMILY, "", 8)
    pdf.set_xy(x + 3.5, y + 16.5)
    word = status_label(status, lang)
    pdf.cell(inner / 2, 5, _fit(pdf, word, inner / 2))
    if change is not None and not pd.isna(change) and round(change, 1) != 0:
        pdf.set_text_color(*STATUS_RGB["green" if change > 0 else "red"])
        arrow = "▲" if change > 0 else "▼"
        pdf.cell(inner / 2, 5, f"{arrow} {abs(change):.1f}", align="R")
    elif change is not None and not pd.isna(change):
        pdf.cell(inner / 2, 5, "0.0", align="R")
    else:
        pdf.cell(inner / 2, 5, MISSING, align="R")


def _tiles(
    pdf: FPDF,
    scope: str,
    view: insights.Overview,
    lang: str,
    settings: Settings,
    *,
    vetoed: bool = False,
) -> None:
    """The scope's score (red when the scope is a vetoed department, whatever its score)
    and its four perspectives, then the KPI count per status."""
    y = pdf.get_y()
    width = (WIDTH - 4 * GAP) / 5
    grade = None if view.grade is None else grade_text(view.grade, view.coefficient)
    status = "red" if vetoed else _status(view.score, settings)
    _tile(pdf, MARGIN, y, width, scope, view.score, view.change, status, lang, grade)
    perspectives = view.perspectives.assign(
        status=statuses(view.perspectives["score"], settings=settings)
    )
    for i, row in enumerate(perspectives.itertuples(index=False), start=1):
        x = MARGIN + i * (width + GAP)
        label = perspective_label(row.perspective, lang)
        _tile(pdf, x, y, width, label, row.score, row.change, row.status, lang)
    pdf.set_xy(MARGIN, y + 26)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        pdf.get_string_width(t("overview.kpi_counts", lang)) + 3, 5, t("overview.kpi_counts", lang)
    )
    for status in ("green", "amber", "red", "missing"):
        pdf.set_fill_color(*STATUS_RGB.get(status, MISSING_RGB))
        pdf.rect(pdf.get_x(), pdf.get_y() + 1.3, 2.6, 2.6, style="F")
        text = f"{status_label(status, lang)} {view.status_counts.get(status, 0)}"
        pdf.set_x(pdf.get_x() + 3.6)
        pdf.set_text_color(*INK)
        pdf.cell(pdf.get_string_width(text) + 5, 5, text)
    pdf.set_xy(MARGIN, y + 33)


_EMPTY_PATH = re.compile(r'<path[^>]*\sd=""[^>]*?(?:/>|>\s*</path>)')
_LINE = re.compile(r"<line\b[^>]*>")
_FONT_FAMILY = re.compile(r'font-family="[^"]*"')
_FONT_SIZE_PX = re.compile(r'font-size="([\d.]+)px"')
_SVG_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


def _line_with_ends(match: re.Match[str]) -> str:
    """SVG's default line ends (0) written out: fpdf2 requires x1, y1, x2 and y2."""
    tag = match.group(0)
    for name in ("x1", "y1", "x2", "y2"):
        if f' {name}="' not in tag:
            tag = tag.replace("<line", f'<line {name}="0"', 1)
    return tag


def _svg_for_fpdf(svg: str) -> str:
    """vl-convert's SVG as fpdf2 reads it: empty paths dropped (fpdf2 refuses them), line
    ends written out, font sizes in user units (fpdf2 turns `12px` into 9 pt but leaves
    the drawing in user units, so text would come out at three quarters of its size),
    and every text in the report's own CJK family."""
    svg = _EMPTY_PATH.sub("", svg)
    svg = _LINE.sub(_line_with_ends, svg)
    svg = _FONT_SIZE_PX.sub(r'font-size="\1"', svg)
    return _FONT_FAMILY.sub(f'font-family="{FAMILY}"', svg)


def _chart(
    pdf: FPDF, chart: charts.alt.TopLevelMixin, x: float, y: float, width: float, max_height: float
) -> float:
    """Draw a chart at (x, y) at most `width` wide and `max_height` tall, never larger
    than its own size; returns its height. Vector (SVG) where fpdf2 can draw it."""
    svg = _svg_for_fpdf(images.svg(chart))
    size = _SVG_SIZE.search(svg)
    if size is not None:
        px_w, px_h = float(size.group(1)), float(size.group(2))
        w = min(width, px_w * PX_MM, max_height * px_w / px_h)
        h = w * px_h / px_w
        try:
            with pdf.local_context():
                pdf.image(io.BytesIO(svg.encode("utf-8")), x=x + (width - w) / 2, y=y, w=w, h=h)
            return h
        except (ValueError, KeyError, NotImplementedError):  # an SVG feature fpdf2 lacks
            pass
    data = images.png(chart, scale=PNG_SCALE)
    px_w, px_h = (v / PNG_SCALE for v in images.png_size(data))
    w = min(width, px_w * PX_MM, max_height * px_w / px_h)
    h = w * px_h / px_w
    pdf.image(io.BytesIO(data), x=x + (width - w) / 2, y=y, w=w, h=h)
    return h


def _column_step(pdf: FPDF, lang: str) -> int:
    """Heatmap column width in px: the widest perspective name and some air, at least
    76 px (the screen's 120 px columns would shrink the chart's text on paper)."""
    with pdf.local_context():
        pdf.set_font(FAMILY, "", HEATMAP_LABEL_PX * 0.75)
        widest = max(pdf.get_string_width(perspective_label(p, lang)) for p in PERSPECTIVES)
    return max(76, int(widest / PX_MM) + 10)


def _widths(
    pdf: FPDF,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    bounds: Sequence[tuple[float, float]],
) -> list[float]:
    """Each column as wide as its widest text (in bold: the header, a highlighted row)
    plus the cell's padding, within its (lowest, highest) bounds."""
    with pdf.local_context():
        pdf.set_font(FAMILY, "B", 8.5)
        widest = [
            max(pdf.get_string_width(text) for text in column) + 2.5
            for column in zip(header, *rows, strict=True)
        ]
    return [min(max(w, low), high) for w, (low, high) in zip(widest, bounds, strict=True)]


def _ranking_cells(table: pd.DataFrame) -> list[list[str]]:
    """`ranking_table`'s rows as text: scores and changes as every page prints them."""
    shown = {"score": score_text, "change": change_text}
    return [
        [shown.get(c, text_or_missing)(v) for c, v in zip(table.columns, r, strict=True)]
        for r in table.itertuples(index=False)
    ]


def _ranking_widths(pdf: FPDF, table: pd.DataFrame, lang: str) -> list[float]:
    """The ranked table's column widths, from every row (so each page's part matches)."""
    bounds = [RANK_BOUNDS.get(c, BOUNDS) for c in table.columns]
    header = ranking_headers(table.columns, lang)
    return _widths(pdf, header, _ranking_cells(table), bounds)


def _ranking_table(
    pdf: FPDF,
    x: float,
    table: pd.DataFrame,
    lang: str,
    department: str | None,
    widths: Sequence[float],
) -> None:
    """Ranked departments (`ranking_table`: rank, department, score, grades, status,
    change, coverage) at `x`: the status cell in its tint, the change in green or red, the
    report's own department in bold."""
    columns = list(table.columns)
    status_of = {status_label(k, lang): k for k in ("green", "amber", "red")}
    _table(
        pdf,
        x,
        ranking_headers(columns, lang),
        _ranking_cells(table),
        widths,
        change_column=columns.index("change"),
        align="".join("R" if c in RANK_RIGHT else "L" for c in columns),
        row_height=RANK_ROW,
        tints=[status_of.get(s) for s in table["status"]],
        tint_column=columns.index("status"),
        bold=[d == department for d in table["department"]],
    )


def _heatmap_and_ranking(
    pdf: FPDF,
    history: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    department: str | None,
) -> tuple[pd.DataFrame, list[float]]:
    """The department x perspective heatmap (every department, so a department's report
    shows its row among its peers, outlined) beside the ranked table of department
    scores (the report's department in bold). Returns the ranked rows that did not fit
    beside the heatmap and the table's column widths (`_ranking_pages` prints those
    rows on the next pages)."""
    ranking = ranking_table(history, period, lang, settings=settings)
    widths = _ranking_widths(pdf, ranking, lang)
    table_width = sum(widths)
    left = WIDTH - table_width - 2 * GAP
    right = MARGIN + left + 2 * GAP
    top = pdf.get_y()
    _heading(pdf, t("heatmap.title", lang), width=left)
    cells = history.perspectives[(history.perspectives["period"] == period).to_numpy(bool)]
    bottom = pdf.get_y()
    if cells.empty:
        _note(pdf, MISSING, width=left)
        bottom = pdf.get_y()
    else:
        chart = charts.heatmap(
            cells,
            lang=lang,
            settings=settings,
            legend=False,
            departments=history.departments,
            highlight=department,
        ).properties(
            width=charts.alt.Step(_column_step(pdf, lang)),
            height=charts.alt.Step(HEATMAP_ROW_STEP),
        )
        bottom += 1 + _chart(pdf, chart, MARGIN, bottom + 1, left, HEATMAP_MAX_HEIGHT)

    pdf.set_y(top)
    _heading(pdf, t("overview.department_scores", lang), x=right, width=table_width)
    fit = max(int((HEATMAP_MAX_HEIGHT - RANK_ROW) // RANK_ROW), 1)
    _ranking_table(pdf, right, ranking.head(fit), lang, department, widths)
    notes = []
    if settings.forced_distribution:  # beside the grades by score, never in their place
        notes.append(quota_sentence(history.departments, period, lang))
    wide = department_wide(history.departments, period)
    if wide:  # which rule scored each department (SPEC §5.3), as the Overview says
        notes.append(
            t("overview.department_wide", lang, departments=t("common.list_sep", lang).join(wide))
        )
    for note in notes:
        pdf.set_xy(right, pdf.get_y() + 1)
        pdf.set_font(FAMILY, "", 7.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(table_width, 3.6, note, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(MARGIN, max(bottom, pdf.get_y()) + 3)
    return ranking.iloc[fit:], widths


def _continued(pdf: FPDF, lang: str, settings: Settings, title: str, width: float) -> None:
    """A new page for a table that goes on: the footer, and the title marked continued."""
    pdf.add_page()
    _footer(pdf, lang, settings)
    pdf.set_xy(MARGIN, MARGIN)
    _heading(pdf, t("pdf.continued", lang, title=title), width=width)


def _ranking_pages(
    pdf: FPDF,
    rest: pd.DataFrame,
    lang: str,
    settings: Settings,
    department: str | None,
    widths: Sequence[float],
) -> None:
    """The ranked departments that did not fit beside the heatmap, on further pages,
    each under the table's header."""
    per_page = int((PAGE_HEIGHT - 2 * MARGIN - 7 - 6) // RANK_ROW) - 1
    for start in range(0, len(rest), per_page):
        title = t("overview.department_scores", lang)
        _continued(pdf, lang, settings, title, sum(widths))
        part = rest.iloc[start : start + per_page]
        _ranking_table(pdf, MARGIN, part, lang, department, widths)


def _kpi_widths(pdf: FPDF, table: pd.DataFrame) -> list[float]:
    """A department's KPI table's column widths, from every row; the KPI's name takes
    the rest of the line."""
    noted = len(table.columns) > len(KPI_BOUNDS)  # a note column last (`kpi_table`)
    bounds = (*KPI_BOUNDS, (0.0, 0.0)) if noted else KPI_BOUNDS
    widths = _widths(pdf, list(table.columns), table.to_numpy(dtype=object).tolist(), bounds)
    rest = WIDTH - sum(widths)
    widths[1] = rest * 0.4 if noted else rest  # the note gets more: it is longer
    if noted:
        widths[-1] = rest - widths[1]
    return widths


def _kpi_rows(
    pdf: FPDF, table: pd.DataFrame, lang: str, title: str, widths: Sequence[float]
) -> None:
    """A department's KPI rows (`kpi_table`) under `title` at the current line: the
    status cell tinted, the change in green or red."""
    _heading(pdf, title)
    if table.empty:
        _note(pdf, MISSING)
        return
    rows = table.to_numpy(dtype=object).tolist()
    status_of = {status_label(k, lang): k for k in ("green", "amber", "red")}
    _table(
        pdf,
        MARGIN,
        list(table.columns),
        rows,
        widths,
        change_column=7,
        align="LLRRLRLR".ljust(len(table.columns), "L"),
        tints=[status_of.get(r[6]) for r in rows],
        tint_column=6,
    )
    pdf.set_xy(MARGIN, pdf.get_y() + 3)


def _kpis_first(pdf: FPDF, table: pd.DataFrame, view: insights.Overview, bottom: float) -> bool:
    """Whether a department's KPI table fits on the first page above the movers (their
    rows as `_movers` draws them) and two lines of warnings, all above `bottom`."""
    kpis = 7 + ROW * (max(len(table), 1) + 1) + 3
    movers = 7 + ROW * (min(MOVERS, max(len(view.best_movers), len(view.worst_movers), 1)) + 1)
    return pdf.get_y() + kpis + movers + 3 + 7 + 2 * ROW <= bottom


def _kpi_pages(pdf: FPDF, table: pd.DataFrame, lang: str, settings: Settings, title: str) -> None:
    """A department's KPI table on the pages after the first, its header on each."""
    widths = _kpi_widths(pdf, table)
    per_page = int((PAGE_HEIGHT - 2 * MARGIN - 7 - 6) // ROW) - 1
    for start in range(0, max(len(table), 1), per_page):
        pdf.add_page()
        _footer(pdf, lang, settings)
        pdf.set_xy(MARGIN, MARGIN)
        shown = title if start == 0 else t("pdf.continued", lang, title=title)
        _kpi_rows(pdf, table.iloc[start : start + per_page], lang, shown, widths)


def _note(pdf: FPDF, text: str, *, x: float = MARGIN, width: float = WIDTH) -> None:
    pdf.set_xy(x, pdf.get_y())
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(width, ROW, _fit(pdf, text, width), new_x="LEFT", new_y="NEXT")


def _table(
    pdf: FPDF,
    x: float,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    change_column: int | None = None,
    align: str | None = None,
    row_height: float = ROW,
    tints: Sequence[str | None] | None = None,
    tint_column: int | None = None,
    bold: Sequence[bool] | None = None,
    red_column: int | None = None,
    red: Sequence[bool] | None = None,
) -> None:
    """A small table: grey header, one line per row, text cut to its column; `align`
    gives each column's L or R (default: the last two, the numbers, right). The change
    column is green (up) or red (down); with `tints`, the `tint_column` cell of each row
    is filled in its status tint; `bold` rows stand out (the report's own department);
    the `red_column` cell of the rows `red` marks is red (a veto)."""
    align = align or "".join("R" if i >= len(widths) - 2 else "L" for i in range(len(widths)))
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.set_fill_color(*HEAD_FILL)
    pdf.set_text_color(*INK)
    pdf.set_x(x)
    for text, width, side in zip(header, widths, align, strict=True):
        pdf.cell(width, row_height, _fit(pdf, text, width - 1.5), fill=True, align=side)
    pdf.ln(row_height)
    pdf.set_draw_color(*RULE)
    for n, row in enumerate(rows):
        pdf.set_font(FAMILY, "B" if bold is not None and bold[n] else "", 8.5)
        pdf.set_x(x)
        for i, (text, width, side) in enumerate(zip(row, widths, align, strict=True)):
            color = INK
            if i == change_column and text.startswith(("+", "-")) and text[1:] != "0.0":
                color = STATUS_RGB["red" if text.startswith("-") else "green"]
            if i == red_column and red is not None and red[n]:
                color = STATUS_RGB["red"]
            fill = tints is not None and i == tint_column
            if fill:
                pdf.set_fill_color(*TINT_RGB.get(tints[n] or "", MISSING_RGB))  # type: ignore[index]
            pdf.set_text_color(*color)
            pdf.cell(
                width,
                row_height,
                _fit(pdf, text, width - 1.5),
                border="B",
                align=side,
                fill=fill,
            )
        pdf.ln(row_height)


def _movers(pdf: FPDF, view: insights.Overview, lang: str, *, by_department: bool) -> None:
    """Best and worst movers side by side (KPI, department, score, change)."""
    half = (WIDTH - 2 * GAP) / 2
    top = pdf.get_y()
    bottom = top
    for i, (key, frame) in enumerate(
        (("overview.best_movers", view.best_movers), ("overview.worst_movers", view.worst_movers))
    ):
        x = MARGIN + i * (half + 2 * GAP)
        pdf.set_y(top)
        _heading(pdf, t(key, lang), x=x, width=half)
        if view.previous_score is None:
            _note(pdf, t("overview.no_previous", lang), x=x, width=half)
        elif frame.empty:
            _note(pdf, MISSING, x=x, width=half)
        else:
            header = [t("common.kpi", lang)]
            widths = [half - 36]
            if by_department:
                header.append(t("common.department", lang))
                widths = [half - 62, 26]
            header += [t("common.score", lang), t("scorecard.change", lang)]
            widths += [18, 18]
            rows = [
                [
                    str(r.kpi_name),
                    *([str(r.department)] if by_department else []),
                    score_text(r.score),
                    change_text(r.change),
                ]
                for r in frame.head(MOVERS).itertuples(index=False)
            ]
            _table(pdf, x, header, rows, widths, change_column=len(widths) - 1)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(MARGIN, bottom + 3)


def _adjustments(
    pdf: FPDF,
    history: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    department: str | None,
) -> None:
    """The departments whose score is not their weighted score (SPEC §5.6, §5.7): weighted
    score, bonus, penalty, score and the veto's reason in red; for a department's report,
    also its veto KPIs and bonus and penalty items. Nothing when there are none; at most
    `ADJUSTED` rows each, a last line saying how many more."""
    adjusted = adjusted_departments(history, period, settings=settings)
    if department is not None:
        adjusted = adjusted[(adjusted["department"] == department).to_numpy(bool)]
    items = section_rows(history, period, department) if department is not None else None
    if adjusted.empty and (items is None or items.empty):
        return
    _heading(pdf, t("overview.adjustments", lang))
    if not adjusted.empty:
        header = [
            *(t(k, lang) for k in ("common.department", "common.score_before")),
            *(t(k, lang) for k in ("common.bonus", "common.penalty", "common.score")),
            t("veto.column", lang),
        ]
        rows = [
            [
                str(r.department),
                score_text(r.score_before),
                score_text(r.bonus),
                score_text(r.penalty),
                score_text(r.score),
                veto_text(r.veto, lang) or MISSING,
            ]
            for r in adjusted.head(ADJUSTED).itertuples(index=False)
        ]
        widths = (*ADJUSTED_WIDTHS, WIDTH - sum(ADJUSTED_WIDTHS))
        reds = [is_veto(v) for v in adjusted["veto"].head(ADJUSTED)]
        _table(pdf, MARGIN, header, rows, widths, align="LRRRRL", red_column=5, red=reds)
        if len(adjusted) > ADJUSTED:
            _note(pdf, t("pdf.more_rows", lang, n=len(adjusted) - ADJUSTED))
    item_widths = (*SECTION_WIDTHS, WIDTH - sum(SECTION_WIDTHS))
    if items is not None and not items.empty:
        header = [
            *(t(k, lang) for k in ("section.kind", "common.kpi", "common.actual")),
            *(t(k, lang) for k in ("common.target", "common.points")),
        ]
        rows = [_section_line(r, lang) for r in items.head(ADJUSTED).to_dict("records")]
        reds = list(items["failed"].head(ADJUSTED))
        _table(pdf, MARGIN, header, rows, item_widths, align="LLRRL", red_column=4, red=reds)
        if len(items) > ADJUSTED:
            _note(pdf, t("pdf.more_rows", lang, n=len(items) - ADJUSTED))
    pdf.set_xy(MARGIN, pdf.get_y() + 3)


def _section_line(row: Mapping[Hashable, object], lang: str) -> list[str]:
    """A veto KPI (its target, and whether it vetoed) or a bonus or penalty item (its
    points, signed) as a line of the adjustments' item table (`section_rows`)."""
    unit, section = row["unit"], row["section"]
    if section == GATE:
        kind, target = t("section.veto", lang), number_text(row["target"], unit)
        last = t("veto.failed", lang) if row["failed"] else ""
    else:
        kind, target = t(f"section.{section}", lang), ""
        sign = 1.0 if section == BONUS else -1.0
        last = change_text(sign * float(row["points"]))  # type: ignore[arg-type]
    return [kind, str(row["kpi_name"]), number_text(row["actual"], unit), target, last]


def _warnings(pdf: FPDF, found: pd.DataFrame, period: str, lang: str, bottom: float) -> None:
    """Early warnings, one line each (kind, then the sentence), as many as fit above
    `bottom`; a last line says how many were left out."""
    _heading(pdf, t("overview.early_warnings", lang))
    lines = warning_sentences(found, period, lang)
    if not lines:
        _note(pdf, t("overview.no_warnings", lang))
        return
    room = max(int((bottom - pdf.get_y()) // ROW), 1)
    shown = lines if len(lines) <= room else lines[: room - 1]
    pdf.set_font(FAMILY, "B", 8.5)
    widest = max(pdf.get_string_width(kind) for kind, _ in shown)
    kind_width = min(widest + 6, WIDTH / 3)
    for kind, sentence in shown:
        pdf.set_x(MARGIN)
        pdf.set_fill_color(*TINT_RGB["red"])
        pdf.set_text_color(*STATUS_RGB["red"])
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.cell(kind_width - 2, ROW - 0.8, _fit(pdf, kind, kind_width - 4), fill=True)
        pdf.set_x(MARGIN + kind_width)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "", 8.5)
        rest = WIDTH - kind_width
        pdf.cell(rest, ROW - 0.8, _fit(pdf, sentence, rest), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    if len(shown) < len(lines):
        _note(pdf, t("pdf.more_warnings", lang, n=len(lines) - len(shown)))


def _notes(
    pdf: FPDF,
    history: Scorecard,
    period: str,
    department: str | None,
    lang: str,
    settings: Settings,
) -> None:
    """Every note of the period's KPIs (the department's, or the organisation's) in full,
    on pages of their own after the rest: the table cuts a note to its column."""
    rows = note_rows(history, period, department)
    if rows.empty:
        return
    bottom = PAGE_HEIGHT - MARGIN - 6
    pdf.add_page()
    _footer(pdf, lang, settings)
    pdf.set_xy(MARGIN, MARGIN)
    _heading(pdf, t("notes.pdf_title", lang))
    for row in rows.itertuples(index=False):
        head = t("notes.pdf_kpi", lang, department=row.department, kpi=row.kpi_name)
        body = note_cell(row.cause, row.measure, lang)
        pdf.set_font(FAMILY, "", 8.5)
        lines = len(pdf.multi_cell(WIDTH, ROW - 1, body, dry_run=True, output="LINES"))  # type: ignore[arg-type]  # LINES: a list
        if pdf.get_y() + ROW * (lines + 1) > bottom:
            pdf.add_page()
            _footer(pdf, lang, settings)
            pdf.set_xy(MARGIN, MARGIN)
        pdf.set_x(MARGIN)
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.set_text_color(*(STATUS_RGB["red"] if row.status == "red" else INK))
        pdf.cell(WIDTH, ROW, _fit(pdf, head, WIDTH), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 8.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(WIDTH, ROW - 1, body, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)


def _footer(pdf: FPDF, lang: str, settings: Settings) -> float:
    """The status bands at the foot of the page; returns where the content must end."""
    y = PAGE_HEIGHT - MARGIN - 4
    pdf.set_xy(MARGIN, y)
    pdf.set_font(FAMILY, "", 7.5)
    pdf.set_text_color(*MUTED)
    text = t("pdf.bands", lang, green=f"{settings.green_at:g}", amber=f"{settings.amber_at:g}")
    pdf.cell(WIDTH, 4, _fit(pdf, text, WIDTH))
    return y - 2


def _actions_pages(pdf: FPDF, listed: pd.DataFrame, lang: str, settings: Settings) -> None:
    """The meeting actions (`reports.actions.for_report`) on pages of their own after the
    report, each under the table's header: the outcome cell in its status tint."""
    table = action_table(listed, lang, script=settings.script, zone=settings.time_zone)
    table = table[[t(key, lang) for key, _ in ACTION_COLUMNS]]
    widths = [w for _, w in ACTION_COLUMNS]
    widths[3] = WIDTH - sum(widths)
    rows = table.to_numpy(dtype=object).tolist()
    tints = [OUTCOME_STATUS.get(o) for o in listed["outcome"]]
    per_page = int((PAGE_HEIGHT - 2 * MARGIN - 7 - 6) // ROW) - 1
    title = t("actions.sheet", lang)
    for start in range(0, len(rows), per_page):
        pdf.add_page()
        _footer(pdf, lang, settings)
        pdf.set_xy(MARGIN, MARGIN)
        _heading(pdf, title if start == 0 else t("pdf.continued", lang, title=title))
        _table(
            pdf,
            MARGIN,
            list(table.columns),
            rows[start : start + per_page],
            widths,
            align="L" * len(widths),
            tints=tints[start : start + per_page],
            tint_column=len(widths) - 1,
        )


def _score_change(
    pdf: FPDF,
    history: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    department: str | None,
    previous_settings: Settings | None,
) -> None:
    """Why the score moved (issue 17, `charts.waterfall.score_change`), on a page of its
    own: the waterfall from the previous period's score and its largest parts with their
    points. Nothing when there is no previous score to compare with, or no change."""
    shown = waterfall.score_change(
        history,
        period,
        lang,
        settings,
        department=department,
        previous_settings=previous_settings,
    )
    if isinstance(shown, str):
        return
    pdf.add_page()
    _footer(pdf, lang, settings)
    pdf.set_xy(MARGIN, MARGIN)
    _heading(pdf, t("explain.title", lang))
    _note(pdf, shown.caption)
    y = pdf.get_y() + 2
    pdf.set_y(y + _chart(pdf, shown.chart, MARGIN, y, WIDTH, 110.0) + 3)
    header = [t(k, lang) for k in ("explain.part", "explain.kind", "explain.points")]
    rows = [
        [str(r.label), t(f"explain.kind_{r.kind}", lang), points_change_text(r.points, lang)]
        for r in shown.labelled.head(SCORE_PARTS).itertuples(index=False)
    ]
    widths = (WIDTH - 60.0, 36.0, 24.0)
    _table(pdf, MARGIN, header, rows, widths, change_column=2, align="LLR")
    if len(shown.parts) > SCORE_PARTS:
        _note(pdf, t("pdf.more_rows", lang, n=len(shown.parts) - SCORE_PARTS))


def report_pdf(
    history: Scorecard,
    period: str,
    *,
    department: str | None = None,
    lang: str = DEFAULT_LANG,
    settings: Settings = DEFAULTS,
    expected_departments: Sequence[str] = (),
    actions: pd.DataFrame | None = None,
    previous_settings: Settings | None = None,
    notes: pd.DataFrame | None = None,
) -> bytes:
    """The one-page report for `period` as PDF bytes: the organisation, or `department`;
    on a further page, why the score moved since the previous period (`previous_settings`:
    those it was scored with, for a settings part, see `core.explain`).

    `history` is an `insights.history` holding `period` and the periods before it (for
    changes and red streaks), as `ui.data.history(grain)` returns. `expected_departments`
    are departments that should have reported (a missing one is an early warning). With
    `actions` (`store.actions`), the period's meeting actions and the previous meeting's
    with their outcome follow on pages of their own (none when there are none).
    With `notes` (`store.notes`), a department's KPI table has a note column and every
    note of the period follows in full on a page of its own.
    """
    history, department = printable_history(noted(history, notes), lang, settings, department)
    scope_history = scoped(history, department)
    scope = department if department is not None else t("common.organization", lang)
    view = insights.overview(scope_history, period, settings=settings, movers=MOVERS)
    expected = [department] if department is not None else list(expected_departments)
    found = insights.warnings(scope_history, period, expected_departments=expected)

    pdf = _new_pdf(lang)
    pdf.set_title(t("report.title", lang, scope=scope, period=period))
    bottom = _footer(pdf, lang, settings)
    pdf.set_xy(MARGIN, MARGIN)
    _title(pdf, scope, view, lang)
    own = scope_history.departments  # a department's own row: vetoed or not (SPEC §5.6)
    scope_vetoed = department is not None and bool(vetoed(own[own["period"] == period]).any())
    _tiles(pdf, scope, view, lang, settings, vetoed=scope_vetoed)
    rest, widths = _heatmap_and_ranking(pdf, history, period, lang, settings, department)
    _adjustments(pdf, history, period, lang, settings, department)
    kpis, later = None, False
    if department is not None:  # its own KPIs: on the first page where they fit
        kpis = kpi_table(history, period, department, lang, settings=settings)
        later = not _kpis_first(pdf, kpis, view, bottom)
        if not later:
            title = t("pdf.kpi_table", lang, department=department)
            _kpi_rows(pdf, kpis, lang, title, _kpi_widths(pdf, kpis))
    _movers(pdf, view, lang, by_department=department is None)
    _warnings(pdf, found, period, lang, bottom)
    _ranking_pages(pdf, rest, lang, settings, department, widths)
    if kpis is not None and later:
        _kpi_pages(pdf, kpis, lang, settings, t("pdf.kpi_table", lang, department=department))
    _score_change(pdf, history, period, lang, settings, department, previous_settings)
    if actions is not None:
        listed = for_report(actions, history, period, settings=settings, department=department)
        if len(listed):
            _actions_pages(pdf, listed, lang, settings)
    _notes(pdf, history, period, department, lang, settings)
    return bytes(pdf.output())

"""The one-page monthly report (PDF) for leadership meetings: the organisation or one
department — scores and changes, the department x perspective heatmap, best and worst
movers, early warnings — all read from `insights`, so it says what the Overview says.

Drawn with fpdf2 in Noto Sans CJK, the face the charts use. Debian ships that font as
.ttc collections with CFF outlines; fpdf2 embeds those (subset, with a ToUnicode map, so
the text can be searched and copied), where ReportLab refuses CFF outlines. The heatmap
is the dashboard's own chart rendered by vl-convert (`images.png`).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pandas as pd
from fontTools.ttLib import TTCollection
from fpdf import FPDF

from . import charts, images, insights
from .i18n import DEFAULT_LANG, perspective_label, status_label, t
from .report_tables import scoped, warning_sentences
from .scorecard import Scorecard
from .scoring import statuses
from .settings import DEFAULTS, Settings

FONT_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
FACES = {"zh-Hant": "Noto Sans CJK TC"}  # traditional glyph shapes, as on screen
DEFAULT_FACE = "Noto Sans CJK SC"
FAMILY = "noto"

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 12.0  # A4, millimetres
WIDTH = PAGE_WIDTH - 2 * MARGIN
GAP = 3.0
ROW = 5.6  # table row height
HEATMAP_MAX_HEIGHT = 95.0
MOVERS = 5
PX_MM = 25.4 / 96  # one CSS pixel (a chart's unit) in millimetres
INK, MUTED, RULE = (31, 31, 31), (110, 110, 110), (200, 200, 200)
HEAD_FILL = (238, 238, 238)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


STATUS_RGB = {"green": _rgb(charts.GREEN), "amber": _rgb(charts.AMBER), "red": _rgb(charts.RED)}
TINT_RGB = {k: _rgb(v) for k, v in charts.BAND_TINTS.items()}
MISSING_RGB = _rgb(charts.MISSING_COLOR)


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


def _number(value: float | None, fmt: str = "{:.1f}") -> str:
    return "—" if value is None or pd.isna(value) else fmt.format(value)


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
) -> None:
    """One score tile: tinted by status with a bar in the status colour, the label, the
    score, its status word and the change against the previous period."""
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
    pdf.cell(inner, 9, _number(score))
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
        pdf.cell(inner / 2, 5, "—", align="R")


def _tiles(pdf: FPDF, scope: str, view: insights.Overview, lang: str, settings: Settings) -> None:
    """The scope's score and its four perspectives, then the KPI count per status."""
    y = pdf.get_y()
    width = (WIDTH - 4 * GAP) / 5
    _tile(
        pdf, MARGIN, y, width, scope, view.score, view.change, _status(view.score, settings), lang
    )
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


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header chunk."""
    return struct.unpack(">II", data[16:24])


def _heatmap(pdf: FPDF, history: Scorecard, period: str, lang: str, settings: Settings) -> None:
    """The dashboard's heatmap for the period, every department (a department's report
    shows its row among its peers), scaled to the page and at most `HEATMAP_MAX_HEIGHT`
    tall (many departments shrink it rather than spill over)."""
    _heading(pdf, t("heatmap.title", lang))
    cells = history.perspectives[(history.perspectives["period"] == period).to_numpy(bool)]
    if cells.empty:
        _note(pdf, "—")
        return
    scale = 2.0
    data = images.png(charts.heatmap(cells, lang=lang, settings=settings), scale=scale)
    px_w, px_h = _png_size(data)
    width = min(WIDTH, px_w / scale * PX_MM, HEATMAP_MAX_HEIGHT * px_w / px_h)
    height = width * px_h / px_w
    y = pdf.get_y() + 1
    pdf.image(io.BytesIO(data), x=MARGIN + (WIDTH - width) / 2, y=y, w=width, h=height)
    pdf.set_xy(MARGIN, y + height + 3)


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
) -> None:
    """A small table: grey header, one line per row, text cut to its column, numbers
    right-aligned; the change column in green (up) or red (down)."""
    numeric = [i >= len(widths) - 2 for i in range(len(widths))]
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.set_fill_color(*HEAD_FILL)
    pdf.set_text_color(*INK)
    pdf.set_x(x)
    for text, width, right in zip(header, widths, numeric, strict=True):
        pdf.cell(width, ROW, _fit(pdf, text, width - 1.5), fill=True, align="R" if right else "L")
    pdf.ln(ROW)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_draw_color(*RULE)
    for row in rows:
        pdf.set_x(x)
        for i, (text, width, right) in enumerate(zip(row, widths, numeric, strict=True)):
            color = INK
            if i == change_column and text not in ("—", ""):
                color = STATUS_RGB["red" if text.startswith("-") else "green"]
            pdf.set_text_color(*color)
            pdf.cell(
                width, ROW, _fit(pdf, text, width - 1.5), border="B", align="R" if right else "L"
            )
        pdf.ln(ROW)


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
            _note(pdf, "—", x=x, width=half)
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
                    _number(r.score),
                    _number(r.change, "{:+.1f}"),
                ]
                for r in frame.head(MOVERS).itertuples(index=False)
            ]
            _table(pdf, x, header, rows, widths, change_column=len(widths) - 1)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(MARGIN, bottom + 3)


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


def _footer(pdf: FPDF, lang: str, settings: Settings) -> float:
    """The status bands at the foot of the page; returns where the content must end."""
    y = PAGE_HEIGHT - MARGIN - 4
    pdf.set_xy(MARGIN, y)
    pdf.set_font(FAMILY, "", 7.5)
    pdf.set_text_color(*MUTED)
    text = t("pdf.bands", lang, green=f"{settings.green_at:g}", amber=f"{settings.amber_at:g}")
    pdf.cell(WIDTH, 4, _fit(pdf, text, WIDTH))
    return y - 2


def report_pdf(
    history: Scorecard,
    period: str,
    *,
    department: str | None = None,
    lang: str = DEFAULT_LANG,
    settings: Settings = DEFAULTS,
    expected_departments: Sequence[str] = (),
) -> bytes:
    """The one-page report for `period` as PDF bytes: the organisation, or `department`.

    `history` is an `insights.history` holding `period` and the periods before it (for
    changes and red streaks), as `ui.data.history(grain)` returns. `expected_departments`
    are departments that should have reported (a missing one is an early warning).
    """
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
    _tiles(pdf, scope, view, lang, settings)
    _heatmap(pdf, history, period, lang, settings)
    _movers(pdf, view, lang, by_department=department is None)
    _warnings(pdf, found, period, lang, bottom)
    return bytes(pdf.output())

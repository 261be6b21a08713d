"""Nothing stored can break a writer (issue 12): a name holding a control character, an
XML non-character or a bidirectional override (stored before ingest refused them) gives a
chart image, a PDF and workbooks that open, in a process that lives on."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]

WRITE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import pandas as pd

    from kpi_engine import build

    from kpi_engine.charts import specs as charts

    from kpi_engine.reports import images
    from kpi_engine.reports.pdf import report_pdf
    from kpi_engine.reports.plain import write_xlsx
    from kpi_engine.core.settings import DEFAULTS
    from kpi_engine.reports.xlsx import report_xlsx
    from tests.kpi_rows import frame, kpi

    name, out = sys.argv[1].encode().decode("unicode_escape"), Path(sys.argv[2])
    rows = frame(
        kpi(department=name, kpi_name=name + "指标", unit=name, actual=90.0, target=100.0),
        kpi(department="财务部", actual=100.0, target=100.0, shared_with=(name,)),
    )
    history = build(rows)
    spec = charts.department_bars(history.departments, lang="zh-Hans", settings=DEFAULTS)
    (out / "chart.png").write_bytes(images.png(spec))
    (out / "chart.svg").write_text(images.svg(spec), encoding="utf-8")
    (out / "report.pdf").write_bytes(report_pdf(history, "2026-10", settings=DEFAULTS))
    (out / "report.xlsx").write_bytes(report_xlsx(history, "2026-10", settings=DEFAULTS))
    write_xlsx(history, pd.DataFrame(columns=["severity"]), out / "score.xlsx")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("char", ["\x01", "\x00", "\ufffe", "\uffff", "\u202e", "\u200b"])
def test_every_writer_survives_a_stored_name_with_an_unsafe_character(tmp_path, char):
    name = f"市场{char}部"
    done = subprocess.run(
        [sys.executable, "-c", WRITE, name.encode("unicode_escape").decode(), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert "市场部" in (tmp_path / "chart.svg").read_text(encoding="utf-8")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "市场部" in text and char not in text
    for book in ("report.xlsx", "score.xlsx"):
        cells = [
            c
            for sheet in load_workbook(io.BytesIO((tmp_path / book).read_bytes())).worksheets
            for row in sheet.iter_rows(values_only=True)
            for c in row
            if isinstance(c, str)
        ]
        assert any("市场部" in c for c in cells) and not any(char in c for c in cells)

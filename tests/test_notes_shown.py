"""Notes are shown where the KPIs are (issue 17): a manager writes one on the Scorecard and
sees it beside the KPI, with its versions; a viewer reads it and has no editor; a red KPI
without one is marked when notes are required; the heatmap's drill-down lists it; the
Excel workbook and the PDF print it."""

from __future__ import annotations

import io
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from kpi_engine import store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, MANAGER, VIEWER, Actor
from kpi_engine.core import names
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx
from tests import apps
from tests.apps import APP, open_page
from tests.report_data import SAMPLE_PERIOD, sample_history
from tests.test_report_pdf import text_of
from ui.state import SCORECARD_DEPARTMENT

PASSWORD = "correct horse battery"
CAUSE, MEASURE = "渠道调整，新客获取放缓", "十一月上线新渠道"
COLUMN = "说明（原因分析；改进措施）"
NEEDED = "⚠ 红灯指标，需填写说明"


def _note_column(at: AppTest) -> list[str]:
    return [c for df in at.dataframe if COLUMN in df.value.columns for c in df.value[COLUMN]]


def _scorecard(at: AppTest) -> AppTest:
    open_page(at, "scorecard")
    return at.selectbox(key=SCORECARD_DEPARTMENT).set_value("市场部").run()


@pytest.mark.slow
def test_a_manager_writes_a_note_a_viewer_reads_it(monkeypatch, tmp_path):
    apps.use_data_dir(monkeypatch, tmp_path)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"])
    users.add("周总", PASSWORD, VIEWER)
    users.add("张伟", PASSWORD, ADMIN)
    engine = store.connect(data_dir=tmp_path)
    at = apps.sign_in(AppTest.from_file(str(APP), default_timeout=120).run(), "王磊", PASSWORD)
    required = replace(store.load_settings(engine), notes_required=True)  # after the first
    store.save_settings(engine, required, user=Actor("张伟", ADMIN))  # run stored the sample

    at = _scorecard(at)
    assert not at.exception
    picker = at.selectbox(key="note_kpi")
    first = picker.value
    assert first.startswith("id:") and "（预警）" in picker.options[0]  # red KPIs first
    assert _note_column(at).count(NEEDED) == 1  # 市场部's one red KPI: a note is required
    assert any("1 个红灯指标尚无说明" in w.value for w in at.warning)
    at.text_area(key="note_cause").input(CAUSE)
    at.text_area(key="note_measure").input(MEASURE)
    at.button(key="note_save").click().run()
    assert not at.exception
    assert f"原因：{CAUSE}；措施：{MEASURE}" in _note_column(at)  # beside the KPI at once
    assert NEEDED not in _note_column(at) and not at.warning
    assert at.text_area(key="note_cause").value == CAUSE  # prefilled with the note shown
    assert any("历史版本（1）" in e.label for e in at.expander)
    shown = store.notes(engine)
    assert list(shown[["kpi_key", "author", "cause"]].iloc[0]) == [first, "王磊", CAUSE]

    at.selectbox(key=SCORECARD_DEPARTMENT).set_value("财务部").run()
    assert not at.exception and not at.get("text_area")  # not their department: no editor

    viewer = AppTest.from_file(str(APP), default_timeout=120).run()
    viewer = _scorecard(apps.sign_in(viewer, "周总", PASSWORD))
    assert not viewer.exception
    assert f"原因：{CAUSE}；措施：{MEASURE}" in _note_column(viewer)
    assert not viewer.get("text_area") and not [b for b in viewer.button if b.key == "note_save"]

    open_page(viewer, "heatmap")  # the cell's tooltip: its red KPIs explained, the first note
    assert not viewer.exception
    charts = [e.proto.SerializeToString() for e in viewer.main.children.values()]
    assert any("已说明 1 个".encode() in c and CAUSE.encode() in c for c in charts)


def _sample_note() -> tuple[pd.DataFrame, str]:
    """A note on the sample company's first red KPI of 市场部, as `store.notes` gives it."""
    history = sample_history()
    rows = history.kpis
    red = rows[
        (rows["department"] == "市场部")
        & (rows["period"] == SAMPLE_PERIOD)
        & (rows["status"] == "red")
    ].head(1)
    assert len(red) == 1
    notes = pd.DataFrame(
        {
            "dept_key": [names.department_key("市场部")],
            "department": ["市场部"],
            "period": [SAMPLE_PERIOD],
            "kpi_key": names.kpi_text_keys(red).tolist(),
            "kpi": red["kpi_id"].tolist(),
            "cause": [CAUSE],
            "measure": [MEASURE],
            "author": ["王磊"],
            "written_at": [pd.Timestamp("2026-11-04 01:30", tz="UTC")],
            "upload_id": [None],
            "version": [1],
        }
    )
    return notes, str(red["kpi_name"].iloc[0])


@pytest.mark.slow
def test_the_workbook_and_the_pdf_print_the_notes():
    notes, kpi = _sample_note()
    data = report_xlsx(sample_history(), SAMPLE_PERIOD, department="市场部", notes=notes)
    sheet = load_workbook(io.BytesIO(data))["市场部"]
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if COLUMN in r)
    at = header.index(COLUMN)
    line = next(r for r in rows if kpi in r)
    assert line[at] == f"原因：{CAUSE}；措施：{MEASURE}"
    plain = report_xlsx(sample_history(), SAMPLE_PERIOD, department="市场部")
    assert COLUMN not in str(list(load_workbook(io.BytesIO(plain))["市场部"].values))

    for department in ("市场部", None):
        text = text_of(
            report_pdf(sample_history(), SAMPLE_PERIOD, department=department, notes=notes)
        )
        flat = "".join(text.split())
        assert CAUSE in flat and MEASURE in flat, department
        assert "KPI说明（原因分析与改进措施）" in flat
    assert MEASURE not in "".join(text_of(report_pdf(sample_history(), SAMPLE_PERIOD)).split())

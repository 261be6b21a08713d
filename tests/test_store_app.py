"""The app on the stored history: what one session accepts, every later session shows."""

import os

from streamlit.testing.v1 import AppTest

from kpi_engine.core.settings import DATA_DIR_ENV
from kpi_engine.store import db as store
from tests.apps import APP, open_page, start
from tests.workbooks import form, xlsx
from ui import auth

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def quality_form() -> bytes:
    return xlsx(
        form(
            ["质量管理部", "客户", "QA-1", "客户投诉率", "越低越好", 0.5, 0.02, 0.015],
            ["质量管理部", "内部流程", "QA-2", "一次合格率", "越高越好", 0.5, 0.98, 0.97],
            title="2026年10月 质量管理部 KPI 考核表",
        )
    )


def test_an_accepted_upload_is_stored_and_shown_to_a_new_session(monkeypatch, tmp_path):
    first = start(monkeypatch, tmp_path)  # a store of its own, seeded with the sample company
    directory = os.environ[DATA_DIR_ENV]
    assert os.path.exists(os.path.join(directory, store.SQLITE_FILE))
    open_page(first, "data")
    first.file_uploader[0].upload("质量管理部_2026年10月.xlsx", quality_form(), XLSX).run()
    assert not first.exception

    second = AppTest.from_file(str(APP), default_timeout=120).run()  # another browser
    open_page(second, "scorecard")
    assert "质量管理部" in second.selectbox(key="scorecard_department").options

    engine = store.connect(data_dir=directory)
    latest = store.history(engine).iloc[0]
    assert latest["name"] == "质量管理部_2026年10月.xlsx"
    assert latest["uploader"] == auth.OPEN.name and latest["rows_accepted"] == 2
    shown = store.current_kpis(engine)
    assert set(shown.loc[shown["department"] == "质量管理部", "kpi_id"]) == {"QA-1", "QA-2"}


def test_the_same_file_in_a_new_session_is_not_stored_twice(monkeypatch, tmp_path):
    workbook = quality_form()  # one file: the bytes carry the time it was written
    first = start(monkeypatch, tmp_path)
    directory = os.environ[DATA_DIR_ENV]
    open_page(first, "data")
    first.file_uploader[0].upload("qa.xlsx", workbook, XLSX).run()
    second = AppTest.from_file(str(APP), default_timeout=120).run()
    open_page(second, "data")
    second.file_uploader[0].upload("qa.xlsx", workbook, XLSX).run()
    assert not second.exception
    history = store.history(store.connect(data_dir=directory))
    assert list(history["name"]).count("qa.xlsx") == 1


def test_the_data_page_lists_the_stored_uploads_of_every_session(monkeypatch, tmp_path):
    first = start(monkeypatch, tmp_path)
    open_page(first, "data")
    first.file_uploader[0].upload("质量管理部_2026年10月.xlsx", quality_form(), XLSX).run()

    second = AppTest.from_file(str(APP), default_timeout=120).run()  # another browser
    open_page(second, "data")
    history = next(d.value for d in second.dataframe if "已接受行数" in d.value.columns)
    assert history["文件"].iloc[0] == "质量管理部_2026年10月.xlsx"
    assert history["已接受行数"].iloc[0] == 2
    assert "kpi_definitions.xlsx" in set(history["文件"])  # the seeded sample company

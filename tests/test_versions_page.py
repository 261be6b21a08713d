"""The Data page's versions: re-upload makes a new version, restore, a confirmed delete and
its undo, the same file again changing nothing — each seen by the pages and the store."""

import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine.core.settings import DATA_DIR_ENV
from kpi_engine.store import db as store
from tests.apps import open_page, seen, start
from tests.workbooks import form, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEPARTMENT, PERIOD = "质量管理部", "2026-10"


def quality_form(complaints: float) -> bytes:
    return xlsx(
        form(
            [DEPARTMENT, "客户", "QA-1", "客户投诉率", "越低越好", 0.5, 0.02, complaints],
            [DEPARTMENT, "内部流程", "QA-2", "一次合格率", "越高越好", 0.5, 0.98, 0.97],
            title=f"2026年10月 {DEPARTMENT} KPI 考核表",
        )
    )


def shown_complaints() -> float:
    """QA-1's actual as every page now reads it from the store."""
    kpis = store.current_kpis(store.connect(data_dir=os.environ[DATA_DIR_ENV]))
    return float(kpis.loc[kpis["kpi_id"] == "QA-1", "actual"].iloc[0])


def texts(at: AppTest, kind: str) -> list[str]:
    return [seen(e.value) for e in getattr(at, kind)]


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    return at.file_uploader(key="uploader").upload(name, content, XLSX).run()


def two_versions(env: pytest.MonkeyPatch, directory: Path) -> AppTest:
    at = start(env, directory)
    open_page(at, "data")
    upload(at, "qa_v1.xlsx", quality_form(0.015))
    upload(at, "qa_v2.xlsx", quality_form(0.030))
    assert not at.exception
    return at


def pick(at: AppTest, department: str, period: str) -> AppTest:
    at.selectbox(key="version_department").select(department).run()
    return at.selectbox(key="version_period").select(period).run()


def version_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "版本" in d.value.columns)


def test_a_reupload_is_a_new_version_that_every_page_shows(monkeypatch, tmp_path):
    at = two_versions(monkeypatch, tmp_path)
    assert any(f"{DEPARTMENT} {PERIOD} 第 2 版" in s for s in texts(at, "success"))
    assert shown_complaints() == 0.030
    pick(at, DEPARTMENT, PERIOD)
    table = version_table(at)
    assert list(table["版本"]) == ["v1", "v2"]
    assert list(table["文件"]) == ["qa_v1.xlsx", "qa_v2.xlsx"]
    assert list(table["状态"]) == ["较早版本", "当前显示"]


def test_restoring_an_earlier_version_shows_it_again(monkeypatch, tmp_path):
    at = two_versions(monkeypatch, tmp_path)
    pick(at, DEPARTMENT, PERIOD)
    versions = store.versions(store.connect(data_dir=os.environ[DATA_DIR_ENV]), DEPARTMENT, PERIOD)
    first = int(versions["upload_id"].iloc[0])
    assert at.button(key="restore").disabled  # the current version is picked first
    at.selectbox(key="version_pick").select(first).run()
    at.button(key="restore").click().run()
    assert not at.exception
    assert shown_complaints() == 0.015
    assert list(version_table(at)["状态"]) == ["当前显示", "较早版本"]


def test_a_delete_asks_first_then_can_be_undone(monkeypatch, tmp_path):
    at = two_versions(monkeypatch, tmp_path)
    pick(at, DEPARTMENT, PERIOD)
    at.button(key="delete").click().run()
    assert any("确定删除 qa_v2.xlsx" in w for w in texts(at, "warning"))
    assert shown_complaints() == 0.030  # nothing happens before the confirmation

    at.button(key="cancel_delete").click().run()
    assert not any("确定删除" in w for w in texts(at, "warning"))
    assert shown_complaints() == 0.030

    at.button(key="delete").click().run()
    at.button(key="confirm_delete").click().run()
    assert not at.exception
    assert shown_complaints() == 0.015  # the previous version is shown again
    assert any("已删除 qa_v2.xlsx" in i for i in texts(at, "info"))
    assert list(version_table(at)["状态"]) == ["当前显示", "已删除"]

    at.button(key="undo").click().run()
    assert shown_complaints() == 0.030
    assert list(version_table(at)["状态"]) == ["较早版本", "当前显示"]
    actions = store.audit_log(store.connect(data_dir=os.environ[DATA_DIR_ENV]))["action"]
    assert list(actions[:2]) == ["undo_delete", "delete"]


def test_the_same_file_again_changes_nothing_and_says_so(monkeypatch, tmp_path):
    content = quality_form(0.015)
    at = start(monkeypatch, tmp_path)
    open_page(at, "data")
    upload(at, "qa.xlsx", content)
    directory = os.environ[DATA_DIR_ENV]
    before = store.revision(store.connect(data_dir=directory))

    other = AppTest.from_file(str(at._script_path), default_timeout=120).run()  # another browser
    open_page(other, "data")
    upload(other, "qa (copy).xlsx", content)
    assert not other.exception
    assert any("完全相同" in i for i in texts(other, "info"))
    assert store.revision(store.connect(data_dir=directory)) == before

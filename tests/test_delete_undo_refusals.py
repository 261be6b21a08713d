"""Deleting an upload that is already deleted, or undoing the delete of one that is live,
is refused with the reason (another session got there first), changes nothing, and the
Data page says so instead of failing."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import Engine

from kpi_engine import store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.settings import DATA_DIR_ENV
from tests.apps import seen
from tests.store_files import monthly
from tests.test_versions_page import DEPARTMENT, PERIOD, pick, shown_complaints, two_versions

ADMIN_A, ADMIN_B = Actor("张伟", ADMIN), Actor("李娜", ADMIN)


@pytest.mark.slow
def test_deleting_a_deleted_upload_is_refused_and_keeps_who_deleted_it(engine):
    upload = monthly().save(engine)
    store.delete(engine, upload.upload_id, user=ADMIN_A)
    before = (store.revision(engine), store.history(engine).to_json(date_format="iso"))
    with pytest.raises(store.Refused) as refused:
        store.delete(engine, upload.upload_id, user=ADMIN_B)
    assert refused.value.code == "already_deleted"
    assert refused.value.params == {"file": upload_name(engine), "user": "张伟"}
    assert (store.revision(engine), store.history(engine).to_json(date_format="iso")) == before


@pytest.mark.slow
def test_undoing_the_delete_of_a_live_upload_is_refused(engine):
    upload = monthly().save(engine)
    before = store.revision(engine)
    with pytest.raises(store.Refused) as refused:
        store.undo_delete(engine, upload.upload_id, user=ADMIN_A)
    assert refused.value.code == "not_deleted" and "nothing to undo" in str(refused.value)
    store.delete(engine, upload.upload_id, user=ADMIN_A)
    store.undo_delete(engine, upload.upload_id, user=ADMIN_B)
    with pytest.raises(store.Refused):
        store.undo_delete(engine, upload.upload_id, user=ADMIN_A)
    actions = list(store.audit_log(engine)["action"])
    assert actions[:2] == ["undo_delete", "delete"] and store.revision(engine) > before


def upload_name(engine) -> str:
    return str(store.history(engine)["name"].iloc[0])


def other_session() -> Engine:
    return store.connect(data_dir=os.environ[DATA_DIR_ENV])


@pytest.mark.parametrize(
    ("first", "then", "words", "shown"),
    [
        # the page deletes; another session undoes it; the page's Undo is refused
        ("confirm_delete", "undo", "无需撤销", 0.030),
        # the page asks to delete; another session deletes it; the confirmation is refused
        ("delete", "confirm_delete", "李娜", 0.015),
    ],
)
def test_the_data_page_says_another_session_got_there_first(
    monkeypatch, tmp_path, first, then, words, shown
):
    at = two_versions(monkeypatch, tmp_path)
    pick(at, DEPARTMENT, PERIOD)
    at.button(key="delete").click().run()
    if first == "confirm_delete":
        at.button(key="confirm_delete").click().run()
    newest = int(store.history(other_session())["upload_id"].max())
    change = store.undo_delete if first == "confirm_delete" else store.delete
    change(other_session(), newest, user=ADMIN_B)
    at.button(key=then).click().run()
    assert not at.exception
    assert any("qa_v2.xlsx" in seen(t.value) and words in t.value for t in at.toast)
    assert shown_complaints() == shown

"""The store keeps the organisation tree each upload states (issue 18): the tree shown
takes each unit's parent from the newest upload that counts, so a later upload moves a
unit, and deleting, undoing and restoring uploads move it back and forth."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from kpi_engine import DEFAULTS, load_files, store
from kpi_engine.auth.roles import ADMIN, MANAGER, Actor, Forbidden
from kpi_engine.core.schema import ORG_COLUMNS
from kpi_engine.store import migrations
from tests.group_data import HIERARCHY_FILE, TREE, hierarchy_workbook
from tests.store_files import Upload, monthly
from tests.workbooks import HEADER, xlsx

ADMIN_USER = Actor("王磊", ADMIN)


def tree(engine, **options) -> dict[str, str]:
    found = store.org_edges(engine, **options)
    assert list(found.columns) == list(ORG_COLUMNS)
    return dict(zip(found["unit"], found["parent"], strict=True))


def hierarchy_upload() -> Upload:
    data = hierarchy_workbook()
    return Upload(HIERARCHY_FILE, data, load_files([(HIERARCHY_FILE, data)]))


def placed(department: str, parent: str, actual: float = 90.0) -> Upload:
    """`department`'s form for 2026-10 with a 上级单位 column naming `parent`."""
    rows = [
        [f"2026年10月 {department} KPI 考核表"],
        [],
        [*HEADER, "上级单位"],
        [department, "财务", "K-1", "营业收入", "越高越好", 1, 100, actual, parent],
    ]
    name = f"{department}_{parent}_{actual:g}.xlsx"
    data = xlsx(rows)
    return Upload(name, data, load_files([(name, data)]))


def test_a_store_without_a_tree_gives_an_empty_frame_of_edges(engine):
    monthly("市场部").save(engine)
    assert tree(engine) == {}


def test_a_hierarchy_only_upload_is_stored_and_read_back(engine):
    upload = hierarchy_upload()
    result = upload.save(engine)
    assert result.stored and result.versions == ()
    assert tree(engine) == TREE
    assert upload.save(engine).status == store.DUPLICATE
    assert store.history(engine)["name"].tolist() == [HIERARCHY_FILE]


def test_the_latest_upload_wins_per_unit(engine):
    hierarchy_upload().save(engine)
    placed("市场部", "新零售事业部").save(engine)
    expected = {**TREE, "市场部": "新零售事业部"}
    assert tree(engine) == expected
    placed("市場部", "营销中心", actual=91).save(engine)  # the same department, traditional
    assert tree(engine)["市场部"] == "营销中心"
    assert len(store.org_edges(engine)) == len(TREE)


def test_delete_undo_and_restore_change_the_tree(engine):
    first = hierarchy_upload().save(engine)
    moved = placed("市场部", "新零售事业部").save(engine)
    store.delete(engine, moved.upload_id, user=ADMIN_USER)
    assert tree(engine) == TREE
    store.undo_delete(engine, moved.upload_id, user=ADMIN_USER)
    assert tree(engine)["市场部"] == "新零售事业部"
    store.restore(engine, first.upload_id, user=ADMIN_USER)  # the tree file is newest again
    assert tree(engine) == TREE
    store.delete(engine, first.upload_id, user=ADMIN_USER)
    assert tree(engine) == {"市场部": "新零售事业部"}


def test_a_pending_upload_places_its_department_only_for_those_who_see_it(engine):
    store.save_settings(engine, replace(DEFAULTS, approval_required=True), user=ADMIN_USER)
    hierarchy_upload().save(engine)
    manager = Actor("林晓雯", MANAGER, departments=("市场部",))
    result = placed("市场部", "新零售事业部").save(engine, uploader=manager)
    assert result.state == "pending"
    assert tree(engine)["市场部"] == TREE["市场部"]
    assert tree(engine, pending=[result.upload_id])["市场部"] == "新零售事业部"


def test_a_manager_may_not_place_other_units(engine):
    manager = Actor("林晓雯", MANAGER, departments=("市场部",))
    with pytest.raises(Forbidden):
        hierarchy_upload().save(engine, uploader=manager)
    assert tree(engine) == {} and store.history(engine).empty


def test_migrating_a_version_3_store_keeps_its_data_and_takes_a_tree(tmp_path, monkeypatch):
    engine = store.connect(data_dir=tmp_path)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    assert store.migrate(engine) == 3
    monthly("市场部", actual=70).save(engine)
    before = store.current_kpis(engine)
    monkeypatch.undo()
    assert store.migrate(engine) == store.SCHEMA_VERSION == 4
    pd.testing.assert_frame_equal(store.current_kpis(engine), before)
    assert tree(engine) == {}
    placed("市场部", "营销事业部", actual=71).save(engine)
    assert tree(engine) == {"市场部": "营销事业部"}

"""A hierarchy-only workbook (组织架构) uploaded on the Data page is stored for its tree,
and the page says how many nodes it places (issue 18)."""

from __future__ import annotations

import pytest

from kpi_engine import store
from kpi_engine.i18n import t
from tests.apps import XLSX, open_page, start
from tests.group_data import HIERARCHY_FILE, TREE, hierarchy_workbook


@pytest.mark.slow
def test_a_hierarchy_workbook_uploaded_on_the_data_page_is_stored(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    open_page(at, "data")
    at.file_uploader[0].upload(HIERARCHY_FILE, hierarchy_workbook(), XLSX).run()
    assert not at.exception, [e.message for e in at.exception]
    said = t("data.org_placed", "zh-Hans", count=len(TREE))
    assert said in [c.value for c in at.caption]
    engine = store.connect(data_dir=tmp_path)
    assert dict(store.org_edges(engine).itertuples(index=False, name=None)) == TREE
    assert HIERARCHY_FILE in set(store.history(engine)["name"])

"""A group seeded into a new store in one batch (`store.seed`, as the app's first start and
benchmarks/scale.py's data directory do) keeps the tree its files state."""

from __future__ import annotations

import pytest

from kpi_engine import load_files, store
from kpi_engine.core.schema import org_table
from tests.group_data import HIERARCHY_FILE, TREE, group_files, hierarchy_workbook
from tests.store_files import fresh_store


@pytest.mark.parametrize("layout", ["sheet", "column"])
def test_a_seeded_group_shows_the_tree_its_files_state(tmp_path, layout):
    engine = fresh_store(tmp_path)
    files = group_files(layout=layout, months=["2024-11"])
    loaded = load_files(files)
    assert not loaded.org.empty
    assert store.seed(engine, files, loaded=loaded)
    shown = store.org_edges(engine)
    assert dict(zip(shown["unit"], shown["parent"], strict=True)) == dict(
        zip(org_table(loaded.org)["unit"], org_table(loaded.org)["parent"], strict=True)
    )
    assert len(store.current_kpis(engine)) == len(loaded.kpis)


def test_a_hierarchy_workbook_first_in_the_batch_is_stored_though_it_has_no_rows(tmp_path):
    engine = fresh_store(tmp_path)
    files = [(HIERARCHY_FILE, hierarchy_workbook()), *group_files(months=["2024-11"])[1:]]
    loaded = load_files(files)
    assert store.seed(engine, files, loaded=loaded)
    shown = store.org_edges(engine)
    placed = dict(zip(shown["unit"], shown["parent"], strict=True))
    assert placed == {unit: parent for unit, parent in TREE.items() if parent}
    assert HIERARCHY_FILE in set(store.history(engine)["name"])

"""The published rows worked out from those read before (`store.stored_rows`): after
uploads only their department-months are read again, and the result is exactly a whole
read's; any other change of the data, or another store, reads everything."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine import DEFAULTS, store
from kpi_engine.auth.roles import ADMIN, MANAGER, Actor
from kpi_engine.core.names import department_key
from kpi_engine.store import uploads
from tests.store_files import fresh_store, monthly

ADMIN_USER = Actor("王磊", ADMIN)


def seeded(engine) -> store.StoredRows:
    """Three months of two departments stored, and the rows read."""
    monthly("市场部", month=9, n=4).save(engine)
    monthly("销售部", month=9, n=3).save(engine)
    monthly("市场部", month=10, n=4).save(engine)
    return store.stored_rows(engine)


def same_as_a_whole_read(engine, found: store.StoredRows) -> None:
    pd.testing.assert_frame_equal(found.rows, store.stored_rows(engine).rows)
    pd.testing.assert_frame_equal(store.shown_rows(engine, found), store.current_kpis(engine))


def test_new_uploads_are_put_in_place_of_their_department_months_only(engine, reads):
    before = seeded(engine)
    monthly("市场部", month=10, n=2, actual=70).save(engine)  # a new version: fewer KPIs
    monthly("采购部", month=10, n=3).save(engine)  # a department new to the store
    monthly("销售部", month=11, n=3).save(engine)  # a month new to the store
    after = store.stored_rows(engine, before)
    assert len(reads) == 2 and reads[1] is not None  # a whole read, then the three's
    new = [("市场部", "2026-10"), ("采购部", "2026-10"), ("销售部", "2026-11")]
    assert sorted(reads[1]) == sorted((department_key(d), p) for d, p in new)
    mine = after.rows[(after.rows["department"] == "市场部") & (after.rows["period"] == "2026-10")]
    assert list(mine["actual"]) == [70.0, 71.0]
    same_as_a_whole_read(engine, after)
    assert store.stored_rows(engine, after) is after  # nothing new: nothing read


def test_a_pending_upload_leaves_the_published_rows_as_they_were(engine, reads):
    before = seeded(engine)
    store.save_settings(engine, replace(DEFAULTS, approval_required=True), user=ADMIN_USER)
    manager = Actor("林晓雯", MANAGER, departments=("市场部",))
    assert monthly("市场部", month=10, actual=10).save(engine, manager).state == "pending"
    after = store.stored_rows(engine, before)
    assert reads[1:] == []  # its department-month is not published: nothing to read
    pd.testing.assert_frame_equal(after.rows, before.rows)
    same_as_a_whole_read(engine, after)


@pytest.mark.parametrize("change", ["delete", "restore"])
def test_any_other_change_reads_everything(engine, reads, change):
    before = seeded(engine)
    first = store.history(engine)["upload_id"].min()
    if change == "delete":
        store.delete(engine, int(first), user=ADMIN_USER)
    else:
        store.restore(engine, int(first), user=ADMIN_USER)
    monthly("销售部", month=11).save(engine)
    after = store.stored_rows(engine, before)
    assert reads[-1] is None
    same_as_a_whole_read(engine, after)


def test_rows_of_another_store_are_never_built_on(engine, tmp_path_factory, reads):
    other = fresh_store(tmp_path_factory.mktemp("other"))
    monthly("财务部", month=9, n=2).save(other)
    monthly("财务部", month=10, n=2).save(other)
    elsewhere = store.stored_rows(other)
    other.dispose()
    seeded(engine)
    after = store.stored_rows(engine, elsewhere)
    assert reads[-1] is None
    same_as_a_whole_read(engine, after)


@given(st.lists(st.booleans(), max_size=40))
def test_the_runs_kept_are_the_rows_not_dropped_in_order(dropped):
    """`_kept_runs` (slices of the rows between dropped ones, for one copy) holds exactly
    the rows a boolean take of the others would, in order, with their kinds."""
    rows = pd.DataFrame(
        {
            "department": pd.Series([f"部门{i}" for i in range(len(dropped))], dtype=object),
            "actual": [float(i) for i in range(len(dropped))],
            "method": pd.Categorical(["a", "b"] * (len(dropped) // 2) + ["a"] * (len(dropped) % 2)),
        }
    )
    mask = np.array(dropped, dtype=bool)
    runs = uploads._kept_runs(rows, mask)
    assert all(len(run) for run in runs)
    expected = rows[~mask].reset_index(drop=True)
    if runs:
        pd.testing.assert_frame_equal(pd.concat(runs, ignore_index=True), expected)
    else:
        assert expected.empty


def test_a_read_gives_each_distinct_text_one_object_shared_by_its_rows(engine):
    """At 500 units a column of names is 1.8 M rows: one object per distinct name, not per
    row, and every grouping after hashes each once."""
    rows = seeded(engine).rows
    for column in ("department", "kpi_name", "period", "dept_key"):
        values = rows[column]
        assert len({id(v) for v in values}) == values.nunique(), column

"""The copy of the published rows kept beside the store (`store.snapshot`): it reads back
exactly what was read whole, a new server starts from it and reads only what changed
since, and a copy that is unreadable, half written, of another version or of another
store is never used."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from kpi_engine import store
from kpi_engine.store import snapshot
from tests.apps import start
from tests.store_files import fresh_store, monthly
from tests.test_stored_rows import same_as_a_whole_read, seeded
from ui import data
from ui.state import PERIOD


def kept_at(tmp_path: Path) -> Path:
    return tmp_path / "copies" / "rows.pickle"


def written() -> None:
    """Wait for the app's copies being written aside."""
    for thread in threading.enumerate():
        if thread.name == "kpi-rows":
            thread.join()


def test_a_copy_reads_back_exactly_the_rows_and_the_data_action_it_was_made_of(tmp_path):
    engine = store.start(data_dir=tmp_path / "store", sample=data._sample)
    read = store.stored_rows(engine)
    rows = read.rows
    assert rows["shared_with"].map(len).gt(0).any()  # tuples, text and missing cells
    assert rows["perspective"].isna().any() and rows["extras"].notna().any()
    path = kept_at(tmp_path)
    store.write_snapshot(path, read)
    back = store.read_snapshot(path)
    assert back is not None and back.since == read.since and not back.whole
    pd.testing.assert_frame_equal(back.rows, rows)
    assert (back.rows.dtypes == rows.dtypes).all()
    extras = back.rows["extras"].dropna()
    assert len({id(e) for e in extras}) == len(extras)  # each row's own dict, as read
    assert path.stat().st_mode & 0o777 == 0o600  # the store's rows: the app's user's alone
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # nothing left aside


def test_a_store_read_from_a_copy_reads_only_what_changed_since(engine, reads, tmp_path):
    path = kept_at(tmp_path)
    store.write_snapshot(path, seeded(engine))
    monthly("市场部", month=10, n=2, actual=70).save(engine)
    monthly("销售部", month=11, n=3).save(engine)
    after = store.stored_rows(engine, store.read_snapshot(path))
    assert reads[0] is None and reads[1] is not None and len(reads) == 2
    same_as_a_whole_read(engine, after)


def test_a_copy_of_another_store_is_never_built_on(engine, reads, tmp_path):
    other = fresh_store(tmp_path / "other")
    monthly("财务部", month=9, n=2).save(other)
    path = kept_at(tmp_path)
    store.write_snapshot(path, store.stored_rows(other))
    other.dispose()
    seeded(engine)
    after = store.stored_rows(engine, store.read_snapshot(path))
    assert reads[-1] is None  # read whole
    same_as_a_whole_read(engine, after)


@pytest.mark.parametrize("damage", ["missing", "garbage", "half written", "another version"])
def test_a_copy_that_cannot_be_used_is_not_used(engine, tmp_path, monkeypatch, damage):
    path = kept_at(tmp_path)
    store.write_snapshot(path, seeded(engine))
    whole = path.read_bytes()
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x80\x05not a pickle at all")
    elif damage == "half written":
        path.write_bytes(whole[: len(whole) // 2])
    else:
        monkeypatch.setattr(snapshot, "_HEADER", (*snapshot._HEADER[:1], snapshot.FORMAT + 1))
    assert store.read_snapshot(path) is None


def test_a_directory_that_cannot_be_written_keeps_no_copy(engine, tmp_path):
    read = seeded(engine)
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    store.write_snapshot(blocker / "cache" / "rows.pickle", read)  # no directory: nothing
    taken = tmp_path / "taken" / "rows.pickle"
    taken.mkdir(parents=True)  # the name is a directory: the rename fails
    (taken / "x").write_text("x")
    store.write_snapshot(taken, read)
    assert sorted(p.name for p in taken.parent.iterdir()) == ["rows.pickle"]  # no temp left
    assert store.read_snapshot(taken) is None


def test_a_new_server_starts_from_the_copy_and_reads_only_what_changed(
    monkeypatch, tmp_path, reads
):
    first = start(monkeypatch, tmp_path)  # the sample company: read whole, a copy kept
    assert not first.exception
    months = list(first.selectbox(key=PERIOD).options)
    written()
    engine = store.connect(data_dir=tmp_path)
    kept = store.read_snapshot(store.snapshot_path(tmp_path, str(engine.url)))
    assert kept is not None and reads == [None]
    monthly("市场部", month=12).save(engine)  # stored while no server runs
    engine.dispose()
    monkeypatch.setattr(data, "_ROWS", {})  # a new server process: nothing read yet
    again = start(monkeypatch, tmp_path)
    assert not again.exception
    assert reads[0] is None and len(reads) == 2 and reads[1] is not None  # its month only
    assert len(again.selectbox(key=PERIOD).options) == len(months) + 1
    engine = store.connect(data_dir=tmp_path)
    shown = data._ROWS[str(engine.url)]
    same_as_a_whole_read(engine, shown)
    engine.dispose()


def test_what_a_killed_write_left_is_removed_by_the_next_one(engine, tmp_path):
    path = kept_at(tmp_path)
    path.parent.mkdir()
    abandoned, going_on = path.parent / ".rows-old.tmp", path.parent / ".rows-new.tmp"
    abandoned.write_bytes(b"half")
    going_on.write_bytes(b"half")
    hours_ago = time.time() - 2 * 3600
    os.utime(abandoned, (hours_ago, hours_ago))
    store.write_snapshot(path, seeded(engine))
    assert sorted(p.name for p in path.parent.iterdir()) == [going_on.name, path.name]

"""An upload is one transaction: a failure part-way, or a writer killed mid-upload, leaves
the stored data exactly as it was."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi_engine import store
from tests.store_files import monthly

FORK = multiprocessing.get_context("fork")


def snapshot(engine) -> dict[str, object]:
    """Everything stored: every table's rows, and what the app would show."""
    with engine.connect() as conn:
        tables = {
            t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
            for t in store.schema.metadata.sorted_tables
        }
    return {"tables": tables, "kpis": store.current_kpis(engine), "history": store.history(engine)}


def assert_same(before: dict, after: dict) -> None:
    assert after["tables"] == before["tables"]
    pd.testing.assert_frame_equal(after["kpis"], before["kpis"])
    pd.testing.assert_frame_equal(after["history"], before["history"])


@pytest.fixture
def engine(tmp_path):
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    monthly("市场部", actual=90, n=5).save(engine)
    monthly("销售部", actual=50, n=2).save(engine)
    yield engine
    engine.dispose()


class Boom(RuntimeError):
    pass


def test_a_failure_in_the_middle_of_the_rows_leaves_earlier_data_as_it_was(engine, monkeypatch):
    before = snapshot(engine)
    chunks = []

    def fail_after_first_chunk(conn, stage):
        if stage == "kpi_rows":
            chunks.append(stage)
            if len(chunks) == 2:  # the second chunk of this upload is in: fail
                chunks.clear()
                raise Boom("disk full")

    monkeypatch.setattr(store.uploads, "CHUNK_ROWS", 2)
    monkeypatch.setattr(store.uploads, "_inside_transaction", fail_after_first_chunk)
    with pytest.raises(Boom):
        monthly("市场部", actual=10, n=5).save(engine)  # a new version of a stored period
    with pytest.raises(Boom):
        monthly("人力资源部", actual=10, n=5).save(engine)  # a new department
    assert_same(before, snapshot(engine))

    monkeypatch.setattr(store.uploads, "_inside_transaction", lambda conn, stage: None)
    result = monthly("市场部", actual=10, n=5).save(engine)  # the store still takes writes
    assert result.stored and result.versions == (("市场部", "2026-10", 2),)


def test_a_failure_after_every_row_is_written_still_leaves_nothing(engine, monkeypatch):
    before = snapshot(engine)

    def fail_at_the_end(conn, stage):
        if stage == "done":
            raise Boom("lost connection")

    monkeypatch.setattr(store.uploads, "_inside_transaction", fail_at_the_end)
    with pytest.raises(Boom):
        monthly("市场部", actual=10, n=5).save(engine)
    assert_same(before, snapshot(engine))


def _slow_writer(url: str, started, upload) -> None:
    """Child process: write the upload, then hang inside the transaction until killed."""

    def hang(conn, stage):
        if stage == "kpi_rows":
            started.set()
            time.sleep(120)

    store.uploads.CHUNK_ROWS = 2
    store.uploads._inside_transaction = hang
    upload.save(store.connect(url))


@pytest.mark.slow
def test_a_writer_killed_mid_upload_leaves_no_trace(engine):
    before = snapshot(engine)
    url = engine.url.render_as_string(hide_password=False)
    started = FORK.Event()
    writer = FORK.Process(target=_slow_writer, args=(url, started, monthly(actual=10, n=6)))
    writer.start()
    try:
        assert started.wait(60), "the writer never reached its transaction"
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(30)
    finally:
        if writer.is_alive():
            writer.kill()
            writer.join()
    assert writer.exitcode == -signal.SIGKILL
    engine.dispose()  # a fresh connection, as after a restart
    assert_same(before, snapshot(engine))
    assert monthly(actual=10, n=6).save(engine).stored  # the killed writer's lock is gone

"""Concurrent uploads on the SQLite store: several processes upload at the same moment and
every upload lands; a reader running meanwhile never sees part of an upload."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from kpi_engine import load_files, store
from tests.store_files import monthly

FORK = multiprocessing.get_context("fork")
WRITERS = 4
VERSIONS = 3  # uploads per writer, one after another


def _writer(url: str, barrier, uploads, results) -> None:
    """Upload each file in turn, slowly (a pause between row chunks inside the
    transaction), starting together with the other writers."""
    store.uploads.CHUNK_ROWS = 3

    def pause(conn, stage):
        time.sleep(0.01)

    store.uploads._inside_transaction = pause
    engine = store.connect(url)
    barrier.wait(30)
    for upload in uploads:
        result = upload.save(engine, uploader=upload.name)
        results.put((upload.name, result.status))


def _reader(url: str, stop, observations) -> None:
    """Read what the app would show, again and again: the row count of each file."""
    engine = store.connect(url)
    seen = []
    while not stop.is_set():
        kpis = store.current_kpis(engine)
        seen.append(kpis.groupby("file").size().to_dict())
    observations.put(seen)


@pytest.fixture
def url(tmp_path):
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    engine.dispose()
    return engine.url.render_as_string(hide_password=False)


def _run(processes, timeout: float = 120) -> None:
    for process in processes:
        process.start()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(deadline - time.monotonic(), 1))
    alive = [p for p in processes if p.is_alive()]
    for process in alive:
        process.kill()
        process.join()
    assert not alive, "a process hung"
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]


@pytest.mark.slow
def test_simultaneous_uploads_all_land_and_a_reader_never_sees_half_of_one(url):
    departments = ["市场部", "销售部", "财务部", "人力资源部"][:WRITERS]
    # writer w uploads VERSIONS versions of its department's month, sizes differ per version
    plans = [
        [monthly(dept, actual=10 * (v + 1), n=4 + 3 * v) for v in range(VERSIONS)]
        for dept in departments
    ]
    sizes = {u.name: u.loaded.rows_accepted for plan in plans for u in plan}
    barrier = FORK.Barrier(WRITERS + 1)
    results = FORK.Queue()
    stop, observations = FORK.Event(), FORK.Queue()
    reader = FORK.Process(target=_reader, args=(url, stop, observations))
    reader.start()
    writers = [FORK.Process(target=_writer, args=(url, barrier, p, results)) for p in plans]
    for w in writers:
        w.start()
    barrier.wait(30)  # the parent lets them all go at once
    for w in writers:
        w.join(120)
    stop.set()
    seen = observations.get(timeout=60)
    reader.join(30)
    assert all(w.exitcode == 0 for w in writers) and reader.exitcode == 0

    landed = dict(results.get(timeout=5) for _ in range(WRITERS * VERSIONS))
    assert set(landed.values()) == {store.STORED} and len(landed) == WRITERS * VERSIONS

    engine = store.connect(url)
    history = store.history(engine)
    assert len(history) == WRITERS * VERSIONS
    for dept, plan in zip(departments, plans, strict=True):
        versions = store.versions(engine, dept, "2026-10")
        assert list(versions["name"]) == [u.name for u in plan]
        assert list(versions["current"]) == [False] * (VERSIONS - 1) + [True]
    final = store.current_kpis(engine).groupby("file").size().to_dict()
    assert final == {plan[-1].name: sizes[plan[-1].name] for plan in plans}

    assert len(seen) > 1
    for counts in seen:  # each file is either wholly shown or not at all
        assert all(sizes[name] == n for name, n in counts.items()), counts
        # and one version per department: never an old and a new one together
        shown = [name.split("_")[0] for name in counts]
        assert len(shown) == len(set(shown)), counts


@pytest.mark.slow
def test_processes_migrating_and_seeding_at_once_store_the_sample_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    seeds = [monthly("市场部", n=2), monthly("销售部", n=3)]
    files = [(u.name, u.data) for u in seeds]
    processes = [FORK.Process(target=_start, args=(url, files)) for _ in range(3)]
    _run(processes)
    engine = store.connect(url)
    assert store.version(engine) == store.SCHEMA_VERSION
    assert len(store.history(engine)) == 2
    assert len(store.current_kpis(engine)) == 5


def _start(url: str, files) -> None:
    store.start(url, sample=lambda: (files, load_files(files)))

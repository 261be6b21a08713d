"""The load benchmark (benchmarks/load_browser.py) runs end to end at a tiny size: sessions browse
while workbooks are uploaded, nothing goes wrong and every upload reaches the store.
Speed is never asserted."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.load_browser import BROWSED, benchmark, workbooks
from kpi_engine import store


def test_sessions_browse_while_uploads_reach_the_store(fresh_app_url: str, tmp_path: Path):
    # A thread of its own: the other browser tests' sync Playwright runs an event loop here.
    with ThreadPoolExecutor(1) as thread:
        run = benchmark(fresh_app_url, sessions=3, rounds=1, uploads=2, timeout=120)
        result = thread.submit(asyncio.run, run).result()

    assert result.errors() == []
    names = [name for name, _ in workbooks(2)]
    assert result.loaded.stored == names
    # fresh_app_url's server keeps its store beside its log, in tmp_path/data
    history = store.history(store.connect(data_dir=tmp_path / "data"))
    assert set(names) <= set(history["name"])
    assert all(len(result.loaded.renders[page]) == 3 for page in BROWSED)
    assert all(len(result.alone.renders[page]) == 1 for page in BROWSED)
    assert len(result.loaded.opens) == 3
    assert result.loaded.rss and min(result.loaded.rss) > 0

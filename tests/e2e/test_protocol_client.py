"""The load benchmark's client (benchmarks/protocol.py) against the real server, without a
browser: sessions run every page over Streamlit's own protocol, each run ends without an
exception, and an upload stored meanwhile (the benchmark's own way, the CLI) shows on a
later run. Speed is never asserted."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from benchmarks.browser import PAGES
from benchmarks.load import Load, Uploads, path_of, upload, uploader, workbooks
from benchmarks.protocol import Run, Session

T = TypeVar("T")


def in_thread(coroutine: Coroutine[object, object, T]) -> T:
    """`asyncio.run` in a thread of its own: the session's Chromium (a sync Playwright,
    tests/e2e/conftest.py) keeps an event loop running in the test's thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def every_page(url: str, order: list[str]) -> list[Run]:
    session = await Session.open(url)
    try:
        return [await session.run(path_of(page)) for page in order]
    finally:
        await session.close()


async def upload_seen(url: str, plan: Uploads) -> tuple[Run, Load, Run]:
    """The Data page before an upload, the upload, the Data page again (a rerun)."""
    session = await Session.open(url, keep=True)
    try:
        before = await session.run("data")
        stored = Load()
        await upload(plan, stored, asyncio.Event())
        after = await session.run("data")
        return before, stored, after
    finally:
        await session.close()


def test_sessions_run_every_page_and_see_an_upload(fresh_app_url: str, tmp_path: Path):
    pages = list(PAGES)
    orders = [pages, pages[3:] + pages[:3], pages[::-1]]

    async def browse() -> list[list[Run]]:
        return await asyncio.gather(*(every_page(fresh_app_url, order) for order in orders))

    sessions = in_thread(browse())

    for order, runs in zip(orders, sessions, strict=True):
        assert [run.page for run in runs] == [path_of(page) for page in order]
        for run in runs:
            assert run.errors == [], run.errors
            assert run.elements > 0 and run.seconds > 0

    # fresh_app_url's server keeps its store beside its log, in tmp_path/data
    env = {**os.environ, "KPI_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    (tmp_path / "uploads").mkdir()
    plan = Uploads(1, 0.0, uploader(tmp_path / "uploads", env), tmp_path / "uploads")
    [(name, _)] = workbooks(1)

    before, stored, after = in_thread(upload_seen(fresh_app_url, plan))

    assert stored.errors == [] and stored.stored == [name]
    assert not before.shows(name)
    assert after.errors == [] and after.shows(name)

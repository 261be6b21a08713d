"""Benchmark: page render times in a real browser, 30 sessions at once, while uploads go on.

    python3 benchmarks/load.py [--sessions 30] [--rounds 3] [--uploads 20] [--timeout 600]

Starts `streamlit run app.py` on 127.0.0.1 with a store of its own (tests/e2e/conftest.py)
and one headless Chromium. Each session is a browser context (a Streamlit session) that
opens the overview, scorecard, heatmap, trends and data pages `--rounds` times, starting
at a different page; meanwhile one more session stores `--uploads` distinct monthly
workbooks through the Data page's file input, spread over the browsing. A render time runs
from `goto` until the run is over and what it sent is drawn (as tests/e2e waits for it).
Errors: an exception box, a console error, an uncaught page error, a failed or HTTP-error
request, a wait that timed out. The server's resident memory is sampled from /proc.

The baseline, measured first on the same server after one warm-up pass: one session, the
same page loads, no uploads. Printed: render time p50/p95/max per page and in all, the
ratio of the p95 under load to the p95 alone, uploads stored, errors, the server's RSS.
Exit 1 on any error, on `--timeout`, or when the peak RSS exceeds `--max-rss-mib`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import BrowserContext, ConsoleMessage, Page, Request, Response  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from kpi_engine.i18n import t  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, _serve  # noqa: E402
from tests.e2e.test_browser import CHART, DRAWN, EXCEPTION, IDLE, PAGES, XLSX_MIME  # noqa: E402
from tests.workbooks import form, xlsx  # noqa: E402

BROWSED = ("overview", "scorecard", "heatmap", "trends", "data")
WAIT_MS = 120_000  # one page's wait under load before it counts as an error
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
TITLE = '[data-testid="stMain"] h1'  # the page's title: its run has begun sending
DEPARTMENTS = ("市场部", "财务部", "生产部", "技术部")  # from the sample company
RSS_EVERY = 0.5  # seconds between samples of the server's memory
MIB = 1024 * 1024


@dataclass
class Run:
    """What one measurement saw."""

    renders: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in BROWSED})
    upload_seconds: list[float] = field(default_factory=list)  # file set -> page settled
    stored: list[str] = field(default_factory=list)  # names the Data page said it stored
    errors: list[str] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # server resident memory samples, bytes

    def all_renders(self) -> list[float]:
        return [s for times in self.renders.values() for s in times]


class Progress:
    """Page loads done so far: the uploads wait on it, so they are spread over the browsing
    rather than all over before the sessions get going."""

    def __init__(self) -> None:
        self.done = 0
        self.changed = asyncio.Condition()

    async def step(self) -> None:
        async with self.changed:
            self.done += 1
            self.changed.notify_all()

    async def reached(self, loads: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.done >= loads)


def workbooks(count: int) -> list[tuple[str, bytes]]:
    """`count` monthly forms, each a new version of a sample department's month: the
    department and the month change with the index, and so do the values."""
    files = []
    for i in range(count):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        month = 10 - (i // len(DEPARTMENTS)) % 10  # 2026-10 back to 2026-01
        actual = f"{80 + i * 0.5:.1f}%"
        rows = form(
            [department, "财务", "LD1", "预算执行率", "越高越好", "25%", "90%", actual],
            [department, "客户", "LD2", "客户满意度", "越高越好", "25%", "85%", actual],
            [department, "内部流程", "LD3", "流程按时完成率", "越高越好", "25%", "95%", actual],
            [department, "学习与成长", "LD4", "培训覆盖率", "越高越好", "25%", "90%", actual],
            title=f"2026年{month}月 {department} KPI 考核表",
        )
        files.append((f"{department}_2026年{month}月_负载{i + 1}.xlsx", xlsx(rows)))
    return files


def server_pid(url: str) -> int:
    """The process serving `url`: the streamlit command line naming its port."""
    port = str(urlsplit(url).port)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours
            continue
        if b"streamlit" in args and port.encode() in args and b"--server.port" in args:
            return int(cmdline.parent.name)
    raise RuntimeError(f"no streamlit process serving {url}")


def rss(pid: int) -> int:
    """Resident memory of `pid` in bytes (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def sample_rss(pid: int, samples: list[int]) -> None:
    while True:
        samples.append(rss(pid))
        await asyncio.sleep(RSS_EVERY)


def watch(page: Page, errors: list[str], who: str) -> None:
    """Record what goes wrong besides the page's own content: console errors, uncaught
    script errors, requests that failed or answered with an HTTP error."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{who}: console error: {message.text} ({page.url})")

    def failed(request: Request) -> None:
        errors.append(f"{who}: request failed: {request.url}: {request.failure}")

    def answered(response: Response) -> None:
        if response.status >= 400:
            errors.append(f"{who}: HTTP {response.status}: {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"{who}: page error: {error} ({page.url})"))
    page.on("requestfailed", failed)
    page.on("response", answered)


async def settled(page: Page, *, chart: bool = False) -> None:
    """The run is over and what it sent is drawn (a chart where one is expected); an
    exception box is raised as an error with its text."""
    await page.locator(TITLE).first.wait_for(state="attached")
    await page.locator(IDLE).wait_for(state="attached")
    if chart:
        await page.locator(f"{CHART} svg, {CHART} canvas").first.wait_for(state="attached")
    await page.wait_for_function(DRAWN)
    if await page.locator(EXCEPTION).count():
        raise RuntimeError(f"exception box: {await page.locator(EXCEPTION).first.inner_text()}")


async def browse(
    context: BrowserContext, url: str, index: int, rounds: int, run: Run, progress: Progress
) -> None:
    """One session: every page `rounds` times, in an order that starts at page `index`."""
    page = await context.new_page()
    who = f"session {index + 1}"
    watch(page, run.errors, who)
    order = BROWSED[index % len(BROWSED) :] + BROWSED[: index % len(BROWSED)]
    for _ in range(rounds):
        for name in order:
            path, _title, chart = PAGES[name]
            began = time.perf_counter()
            try:
                await page.goto(f"{url}/{path}")
                await settled(page, chart=chart)
            except (PlaywrightError, RuntimeError) as error:
                run.errors.append(f"{who}: {name}: {error}")
            else:
                run.renders[name].append(time.perf_counter() - began)
            await progress.step()


async def upload(
    context: BrowserContext,
    url: str,
    files: Sequence[tuple[str, bytes]],
    loads: int,
    run: Run,
    progress: Progress,
) -> None:
    """The uploader: each workbook through the Data page's file input in a fresh page
    (a fresh session, so the picker holds one file), the i-th after i/M of the loads."""
    page = await context.new_page()
    watch(page, run.errors, "uploader")
    stored = page.get_by_text(t("data.joined"))
    for i, (name, content) in enumerate(files):
        await progress.reached(i * loads // len(files))
        try:
            await page.goto(f"{url}/data")
            await settled(page)
            began = time.perf_counter()
            await page.locator(UPLOAD_INPUT).set_input_files(
                files=[{"name": name, "mimeType": XLSX_MIME, "buffer": content}]
            )
            await stored.or_(page.locator(EXCEPTION)).first.wait_for()
            await settled(page)
        except (PlaywrightError, RuntimeError) as error:
            run.errors.append(f"uploader: {name}: {error}")
        else:
            run.upload_seconds.append(time.perf_counter() - began)
            run.stored.append(name)


async def measure(
    url: str, *, sessions: int, rounds: int, uploads: int, timeout: float
) -> Run:
    """`sessions` browser sessions each load every page `rounds` times while `uploads`
    workbooks are stored; everything stops after `timeout` seconds (an error)."""
    run = Run()
    progress = Progress()
    files = workbooks(uploads)
    sampler = asyncio.create_task(sample_rss(server_pid(url), run.rss))
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            contexts = []
            for _ in range(sessions + bool(files)):
                context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
                context.set_default_timeout(WAIT_MS)
                contexts.append(context)
            try:
                async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
                    for index in range(sessions):
                        group.create_task(
                            browse(contexts[index], url, index, rounds, run, progress)
                        )
                    if files:
                        loads = sessions * rounds * len(BROWSED)
                        group.create_task(upload(contexts[-1], url, files, loads, run, progress))
            except TimeoutError:
                run.errors.append(f"stopped: not done after {timeout:.0f} s")
            finally:
                await browser.close()
    finally:
        sampler.cancel()
    return run


def figures(times: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95 and max in seconds (NaN for none)."""
    if not times:
        return (float("nan"),) * 3
    p50, p95 = np.percentile(times, [50, 95])
    return float(p50), float(p95), max(times)


def report(alone: Run, loaded: Run, *, sessions: int, uploads: int, max_rss_mib: int) -> int:
    """Print the figures; 0 when nothing went wrong and memory stayed under the bound."""
    errors = alone.errors + loaded.errors
    print(f"sessions: {sessions}, page loads: {len(loaded.all_renders())} under load")
    print(f"uploads stored: {len(loaded.stored)} of {uploads}", end="")
    if loaded.upload_seconds:
        p50, p95, worst = figures(loaded.upload_seconds)
        print(f" (file set -> page settled: p50 {p50:.2f} s, p95 {p95:.2f} s, max {worst:.2f} s)")
    else:
        print()
    print(f"errors: {len(errors)}")
    for error in errors[:400]:
        print(f"  {error}")
    print(f"{'render time (s)':<16}{'p50':>7}{'p95':>7}{'max':>7}   alone: p50   p95")
    rows = [(name, loaded.renders[name], alone.renders[name]) for name in BROWSED]
    for name, under, single in [*rows, ("all pages", loaded.all_renders(), alone.all_renders())]:
        p50, p95, worst = figures(under)
        print(f"  {name:<14}{p50:7.2f}{p95:7.2f}{worst:7.2f}   {figures(single)[0]:10.2f}", end="")
        print(f"{figures(single)[1]:6.2f}")
    ratio = figures(loaded.all_renders())[1] / figures(alone.all_renders())[1]
    print(f"ratio p95 under load / p95 alone (1 session, no uploads): {ratio:.1f}x")
    start, peak, end = (loaded.rss[0], max(loaded.rss), loaded.rss[-1]) if loaded.rss else (0,) * 3
    within = peak <= max_rss_mib * MIB
    print(
        f"server RSS: start {start / MIB:.0f} MiB, peak {peak / MIB:.0f} MiB, "
        f"end {end / MIB:.0f} MiB (bound {max_rss_mib} MiB: {'met' if within else 'EXCEEDED'})"
    )
    return 0 if within and not errors and len(loaded.stored) == uploads else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="page loops per session")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the load")
    parser.add_argument("--max-rss-mib", type=int, default=2048)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _serve(Path(folder) / "server.log") as url:
        warm = asyncio.run(measure(url, sessions=1, rounds=1, uploads=0, timeout=args.timeout))
        alone = asyncio.run(
            measure(url, sessions=1, rounds=args.rounds, uploads=0, timeout=args.timeout)
        )
        alone.errors[:0] = warm.errors
        loaded = asyncio.run(
            measure(
                url,
                sessions=args.sessions,
                rounds=args.rounds,
                uploads=args.uploads,
                timeout=args.timeout,
            )
        )
    return report(
        alone,
        loaded,
        sessions=args.sessions,
        uploads=args.uploads,
        max_rss_mib=args.max_rss_mib,
    )


if __name__ == "__main__":
    sys.exit(main())

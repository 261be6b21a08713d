"""Benchmark: page render times in a real browser, 30 sessions at once, while uploads go on.

    python3 benchmarks/load_browser.py [--sessions 30] [--rounds 2] [--uploads 20]
                                       [--timeout 900] [--max-rss-mib 2048] [--cold]

Starts `streamlit run app.py` on 127.0.0.1 with a store of its own (browser.py)
and one headless Chromium; nothing leaves loopback. Each session is a browser context (a
Streamlit session): it opens the app, then goes through the overview, scorecard, heatmap,
trends and data pages `--rounds` times with the sidebar links, each session starting at
another page. Meanwhile one more session stores `--uploads` distinct monthly workbooks
through the Data page's file input, spread over the browsing. A render time runs from the
click until the run is over and what it sent is drawn (browser.py's signals). Errors: an
exception box, a console error, an uncaught page error, a failed or HTTP-error request, a
wait over 120 s. The server's resident memory is sampled from /proc.

Passes: a warm-up (every page once: the first start parses the sample workbooks), the
baseline (one session, the same page loads, no uploads), then the load; `--cold` skips
the warm-up and runs the load first. Printed: render time p50/p95/max per page and in all,
the ratio of the p95 under load to the p95 alone, uploads stored, errors, the server's
RSS. Exit 1 on any error, a missing upload, `--timeout` (for everything), or a peak RSS
over `--max-rss-mib`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.browser import (  # noqa: E402
    CHART,
    CHROMIUM,
    CHROMIUM_ARGS,
    DRAWN,
    EXCEPTION,
    IDLE,
    NAV,
    PAGES,
    VIEWPORT,
    XLSX_MIME,
    serve,
)
from benchmarks.load import cpu_seconds, rss, server_pid, workbooks  # noqa: E402
from kpi_engine.i18n import t  # noqa: E402

BROWSED = ("overview", "scorecard", "heatmap", "trends", "data")
WAIT_MS = 120_000  # one page's wait under load before it counts as an error
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
CHIP_DELETE = '[data-testid="stFileChipDeleteBtn"]'  # takes a file out of the picker
MAIN = '[data-testid="stMain"]'
TITLE = f"{MAIN} h1"  # the page's title: its run has begun sending
RSS_EVERY = 0.5  # seconds between samples of the server's memory
MIB = 1024 * 1024
MAX_LISTED = 50  # errors printed one by one


@dataclass
class Run:
    """What one measurement saw."""

    renders: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in BROWSED})
    upload_seconds: list[float] = field(default_factory=list)  # file set -> page settled
    stored: list[str] = field(default_factory=list)  # names the Data page said it stored
    opens: list[float] = field(default_factory=list)  # goto -> first page settled
    errors: list[str] = field(default_factory=list)
    outside: set[str] = field(default_factory=set)  # requests off loopback, refused
    rss: list[int] = field(default_factory=list)  # server resident memory samples, bytes
    seconds: float = 0.0  # wall time of the pass
    server_cpu: float = 0.0  # CPU seconds the server used in it

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


async def sample_rss(pid: int, samples: list[int]) -> None:
    while True:
        samples.append(rss(pid))
        await asyncio.sleep(RSS_EVERY)


def watch(page: Page, url: str, run: Run, who: str) -> None:
    """Record what goes wrong besides the page's own content: console errors, uncaught
    script errors, requests that failed or answered with an HTTP error.

    Not errors: opened at a page's path, Streamlit's frontend first looks for the server
    under that path (404 on `/<page>/_stcore/health` and `host-config`) and then at the
    root, by design; requests off loopback are refused (see `measure`) and listed apart."""

    def expected(request_url: str) -> bool:
        if not request_url.startswith(f"{url}/"):
            run.outside.add(request_url)
            return True
        probe = request_url.endswith(("/_stcore/health", "/_stcore/host-config"))
        return probe and request_url.count("/") > 4

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not expected(message.location.get("url", "")):
            run.errors.append(f"{who}: console error: {message.text} ({page.url})")

    def failed(request: Request) -> None:
        if not expected(request.url):
            run.errors.append(f"{who}: request failed: {request.url}: {request.failure}")

    def answered(response: Response) -> None:
        if response.status >= 400 and not expected(response.url):
            run.errors.append(f"{who}: HTTP {response.status}: {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: run.errors.append(f"{who}: page error: {error}"))
    page.on("requestfailed", failed)
    page.on("response", answered)


async def settled(page: Page, *, chart: bool = False) -> None:
    """The run is over and what it sent is drawn (a chart where one is expected); an
    exception box is raised as an error with its text."""
    await page.locator(TITLE).or_(page.locator(EXCEPTION)).first.wait_for(state="attached")
    await page.locator(IDLE).wait_for(state="attached")
    if await page.locator(EXCEPTION).count():
        raise RuntimeError(f"exception box: {await page.locator(EXCEPTION).first.inner_text()}")
    if chart:
        await page.locator(f"{CHART} svg, {CHART} canvas").first.wait_for(state="attached")
    await page.wait_for_function(DRAWN)
    if await page.locator(EXCEPTION).count():
        raise RuntimeError(f"exception box: {await page.locator(EXCEPTION).first.inner_text()}")


def heading(name: str) -> str:
    """A regular expression for the title page `name` shows (the scorecard's names the
    department picked)."""
    title = PAGES[name][1] or t("scorecard.title", department="@@")
    return "^" + re.escape(title).replace("@@", ".+") + "$"


# The run is over and the title is the new page's (or an exception box shows): a stale
# title stays on screen while the next page runs, so this cannot hold before the switch.
SWITCHED = """pattern => {
    const app = document.querySelector('[data-testid="stApp"]');
    const title = document.querySelector('[data-testid="stMain"] h1');
    const shown = document.querySelector('[data-testid="stException"]') !== null
        || (title !== null && new RegExp(pattern).test(title.textContent.trim()));
    return app.getAttribute('data-test-script-state') === 'notRunning' && shown;
}"""


async def switch(page: Page, name: str) -> None:
    """Go to page `name` with its sidebar link, as a user does (same session)."""
    await page.locator(f"{NAV} a").filter(has_text=t(f"page.{name}")).click()
    await page.wait_for_function(SWITCHED, arg=heading(name))
    await settled(page, chart=PAGES[name][2])


@dataclass(frozen=True)
class Pace:
    """How people arrive and read: session i opens the app `ramp` * i seconds after the
    first (a meeting room filling, not 30 tabs at one instant), and each stays `think`
    seconds on a page before the next click. Zero for both: as fast as possible."""

    ramp: float = 0.0
    think: float = 0.0


async def browse(
    context: BrowserContext,
    url: str,
    index: int,
    rounds: int,
    run: Run,
    progress: Progress,
    pace: Pace,
) -> None:
    """One session: opens the app, then every page `rounds` times through the sidebar, in
    an order that starts at page `index`."""
    await asyncio.sleep(index * pace.ramp)
    page = await context.new_page()
    who = f"session {index + 1}"
    watch(page, url, run, who)
    order = BROWSED[index % len(BROWSED) :] + BROWSED[: index % len(BROWSED)]
    began = time.perf_counter()
    try:
        path, _title, chart = PAGES[order[-1]]  # so that the first switch changes page
        await page.goto(f"{url}/{path}")
        await settled(page, chart=chart)
    except (PlaywrightError, RuntimeError) as error:
        run.errors.append(f"{who}: opening the app: {error}")
        return
    run.opens.append(time.perf_counter() - began)
    for _ in range(rounds):
        for name in order:
            began = time.perf_counter()
            try:
                await switch(page, name)
            except (PlaywrightError, RuntimeError) as error:
                run.errors.append(f"{who}: {name}: {error}")
            else:
                run.renders[name].append(time.perf_counter() - began)
            await progress.step()
            await asyncio.sleep(pace.think)


async def upload(
    context: BrowserContext,
    url: str,
    files: Sequence[tuple[str, bytes]],
    loads: int,
    run: Run,
    progress: Progress,
) -> None:
    """The uploader: one session on the Data page puts each workbook into its file input,
    the i-th once i/M of the page loads are done, and takes the file out of the picker
    again (so that the page checks one file, not all of them, on every rerun)."""
    page = await context.new_page()
    watch(page, url, run, "uploader")
    stored = page.get_by_text(t("data.joined"))
    outcome = (  # whatever the Data page says once the file is checked
        stored.or_(page.get_by_text(t("data.duplicate")))
        .or_(page.get_by_role("button", name=t("data.accept_good_rows")))
        .or_(page.locator(EXCEPTION))
    )
    try:
        await page.goto(f"{url}/data")
        await settled(page)
    except (PlaywrightError, RuntimeError) as error:
        run.errors.append(f"uploader: opening the Data page: {error}")
        return
    for i, (name, content) in enumerate(files):
        await progress.reached(i * loads // len(files))
        try:
            if i:  # the previous file out: its message goes when that rerun is over
                await page.locator(CHIP_DELETE).first.click()
                await stored.wait_for(state="detached")
                await settled(page)
            began = time.perf_counter()
            await page.locator(UPLOAD_INPUT).set_input_files(
                files=[{"name": name, "mimeType": XLSX_MIME, "buffer": content}]
            )
            await outcome.first.wait_for()
            await settled(page)
            if not await stored.count():
                raise RuntimeError(f"not stored: {await page.locator(MAIN).inner_text()}")
        except (PlaywrightError, RuntimeError) as error:
            run.errors.append(f"uploader: {name}: {error}")
        else:
            run.upload_seconds.append(time.perf_counter() - began)
            run.stored.append(name)


async def measure(
    browser: Browser,
    url: str,
    run: Run,
    *,
    sessions: int,
    rounds: int,
    uploads: int,
    pace: Pace,
) -> None:
    """Into `run`: `sessions` browser sessions each load every page `rounds` times while
    `uploads` workbooks are stored, the server's memory sampled meanwhile."""
    progress = Progress()
    files = workbooks(uploads)
    contexts = []
    for _ in range(sessions + bool(files)):
        context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(WAIT_MS)
        # nothing leaves loopback (the favicon, a material symbol, is fetched from Google)
        await context.route(lambda u: not u.startswith(f"{url}/"), lambda r: r.abort())
        contexts.append(context)
    pid = server_pid(url)
    sampler = asyncio.create_task(sample_rss(pid, run.rss))
    began, cpu = time.perf_counter(), cpu_seconds(pid)
    try:
        async with asyncio.TaskGroup() as group:
            for index in range(sessions):
                group.create_task(browse(contexts[index], url, index, rounds, run, progress, pace))
            if files:
                loads = sessions * rounds * len(BROWSED)
                group.create_task(upload(contexts[-1], url, files, loads, run, progress))
    finally:
        sampler.cancel()
        run.seconds, run.server_cpu = time.perf_counter() - began, cpu_seconds(pid) - cpu
        for context in contexts:
            await context.close()


@dataclass
class Benchmark:
    """The three passes on one server: the warm-up (every page once, so that the first
    start's parsing of the sample workbooks is not timed), alone (the baseline) and under
    load."""

    warm_up: Run = field(default_factory=Run)
    alone: Run = field(default_factory=Run)
    loaded: Run = field(default_factory=Run)

    def errors(self) -> list[str]:
        return self.warm_up.errors + self.alone.errors + self.loaded.errors


async def benchmark(
    url: str,
    *,
    sessions: int,
    rounds: int,
    uploads: int,
    timeout: float,
    cold: bool = False,
    pace: Pace = Pace(),
) -> Benchmark:
    """Warm-up, baseline (1 session, no uploads), then `sessions` sessions while `uploads`
    workbooks are stored; all stopped after `timeout` seconds (an error). `cold` skips the
    warm-up and runs the load first, on the server's first requests."""
    result = Benchmark()
    passes = [
        (result.warm_up, 1, 1, 0),
        (result.alone, 1, rounds, 0),
        (result.loaded, sessions, rounds, uploads),
    ]
    if cold:
        passes = [passes[2], passes[1]]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            async with asyncio.timeout(timeout):
                for run, n, r, m in passes:
                    await measure(browser, url, run, sessions=n, rounds=r, uploads=m, pace=pace)
        except TimeoutError:
            result.loaded.errors.append(f"stopped: not done after {timeout:.0f} s")
        finally:
            await browser.close()
    return result


def figures(times: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95 and max in seconds (NaN for none)."""
    if not times:
        return (float("nan"),) * 3
    p50, p95 = np.percentile(times, [50, 95])
    return float(p50), float(p95), max(times)


def line(label: str, times: Sequence[float]) -> str:
    p50, p95, worst = figures(times)
    return f"  {label:<22}{p50:7.2f}{p95:7.2f}{worst:7.2f}   n={len(times)}"


def report(result: Benchmark, *, sessions: int, uploads: int, max_rss_mib: int) -> int:
    """Print the figures; 0 when nothing went wrong, every upload was stored and the
    server's memory stayed under the bound."""
    alone, loaded = result.alone, result.loaded
    errors = result.errors()
    print(f"sessions: {sessions}, page loads under load: {len(loaded.all_renders())}")
    print(f"uploads stored: {len(loaded.stored)} of {uploads}")
    print(f"errors: {len(errors)}")
    for error in errors[:MAX_LISTED]:
        print(f"  {error}")
    if len(errors) > MAX_LISTED:
        print(f"  ... {len(errors) - MAX_LISTED} more")
    outside = sorted(alone.outside | loaded.outside)
    if outside:
        print(f"requests off loopback, refused (not counted as errors): {', '.join(outside)}")
    print(f"{'seconds':<24}{'p50':>7}{'p95':>7}{'max':>7}")
    for title, run in (
        ("alone (1 session, no uploads):", alone),
        (f"under load ({sessions} sessions, {uploads} uploads):", loaded),
    ):
        print(title)
        for name in BROWSED:
            print(line(name, run.renders[name]))
        print(line("all pages", run.all_renders()))
        print(line("opening the app", run.opens))
    print(line("upload -> stored", loaded.upload_seconds))
    ratio = figures(loaded.all_renders())[1] / figures(alone.all_renders())[1]
    print(f"ratio p95 under load / p95 alone: {ratio:.1f}x")
    print(
        f"load pass: {loaded.seconds:.0f} s, server CPU {loaded.server_cpu:.0f} s "
        f"({loaded.server_cpu / max(loaded.seconds, 1e-9):.0%} of one core)"
    )
    samples = loaded.rss or [0]
    peak = max(samples + alone.rss + result.warm_up.rss)
    within = peak <= max_rss_mib * MIB
    print(
        f"server RSS: {samples[0] / MIB:.0f} MiB as the load began, {samples[-1] / MIB:.0f} MiB "
        f"at its end, peak {peak / MIB:.0f} MiB (bound {max_rss_mib} MiB: "
        + ("met)" if within else "EXCEEDED)")
    )
    return 0 if within and not errors and len(loaded.stored) == uploads else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2, help="page loops per session")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=900, help="seconds for all of it")
    parser.add_argument("--max-rss-mib", type=int, default=2048)
    parser.add_argument("--cold", action="store_true", help="no warm-up: load first")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds between arrivals")
    parser.add_argument("--think", type=float, default=2.0, help="seconds on each page")
    args = parser.parse_args()
    # `kill`/`timeout` stop it as Ctrl-C does, so the browser closes and the server stops
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory() as folder, serve(Path(folder) / "server.log") as url:
        result = asyncio.run(
            benchmark(
                url,
                sessions=args.sessions,
                rounds=args.rounds,
                uploads=args.uploads,
                timeout=args.timeout,
                cold=args.cold,
                pace=Pace(args.ramp, args.think),
            )
        )
    return report(
        result, sessions=args.sessions, uploads=args.uploads, max_rss_mib=args.max_rss_mib
    )


if __name__ == "__main__":
    sys.exit(main())

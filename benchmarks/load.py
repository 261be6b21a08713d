"""Benchmark: a hundred viewers. Server latency per page while N sessions switch pages
and workbooks are uploaded, over Streamlit's own protocol (protocol.py), no browser.

    python3 benchmarks/load.py [--sessions 100] [--rounds 2] [--think 3] [--ramp 0.3]
                               [--uploads 10] [--upload-every 5] [--timeout 900]
    python3 benchmarks/load.py --url URL --server-pid PID [--server-pid PID] ...

Without `--url` it starts `streamlit run app.py` on 127.0.0.1 with a fresh
`KPI_DATA_DIR` under a temporary directory (browser.py's `serve`), and times the cold
start: from launching the process (the store created and given the sample company) to
the first page's end. With `--url` it measures servers already running (the two-instance
benchmark behind nginx, pair.py); `--server-pid` names each server's process, whose
CPU and memory are read from /proc with their children's.

Then, on the warm server: every page once (one session), a new session's first page
(`--new-sessions` sessions one after another, each opening the Overview), and the load:
session i opens `ramp * i` seconds after the first at page i mod P, then goes through
the pages (`--pages`) `--rounds` times, staying `--think` seconds (+-50 %, seeded) on
each. Meanwhile one upload every `--upload-every` seconds, `--uploads` in all:
`python -m kpi_engine upload` of a new monthly workbook of a sample department, as a
user of a users file of its own (the server stays in open mode), into the store the
server reads (its KPI_DATA_DIR; with `--url`, the store this process's DATABASE_URL or
KPI_DATA_DIR names). Every run is timed from the request to the server's
`script_finished` (protocol.py).

Printed: p50/p95/p99/max per page under load, the sessions' first pages under load,
errors (an exception in a page, a page not found, a lost connection, a wait over 120 s,
a failed upload), uploads stored, the servers' CPU (% of one core) and RSS (start, peak),
the CPU of this client (which shares the machine with the servers) and of the upload
commands, the machine's cores and load average, and each aim: p95 < 1.5 s under load, a new
session's first page < 1 s, cold start < 10 s. Exit 1 on an error or `--timeout`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.browser import serve  # noqa: E402
from benchmarks.protocol import Run, Session  # noqa: E402
from benchmarks.run import form_workbook  # noqa: E402

PAGES = ("overview", "scorecard", "heatmap", "trends", "data")
DEFAULT = "overview"  # where a new session lands (the URL path "")
WAIT = 120.0  # seconds one run may take under load before it counts as an error
DEPARTMENTS = ("市场部", "财务部", "生产部", "技术部")  # from the sample company
UPLOADER = "load-uploader"  # the CLI's user, in a users file of the benchmark's own
SAMPLE_EVERY = 0.5  # seconds between samples of the servers' memory
MIB = 1024 * 1024
MAX_LISTED = 30  # errors printed one by one
AIM_P95, AIM_FIRST, AIM_COLD = 1.5, 1.0, 10.0  # seconds (README "A hundred viewers")


def path_of(page: str) -> str:
    """The URL path of a page (st.navigation names it after its file; the default is "")."""
    return "" if page == DEFAULT else page


def workbooks(count: int) -> list[tuple[str, bytes]]:
    """`count` monthly forms, each a new version of a sample department's month: the
    department and the month change with the index, and so do the values. KPI names of
    their own, so that no sample definition fills (and contradicts) their rows."""
    files = []
    for i in range(count):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        month = 10 - (i // len(DEPARTMENTS)) % 10  # 2026-10 back to 2026-01
        row = ["越高越好", "25%", "90%", f"{80 + i * 0.5:.1f}%", "平均"]  # direction ..
        rows = [
            [department, f"LD{k}", f"负载测试指标{k}", perspective, *row]
            for k, perspective in enumerate(("财务", "客户", "内部流程", "学习与成长"), 1)
        ]
        out = io.BytesIO()
        form_workbook(f"2026年{month}月 {department} KPI 考核表", rows).save(out)
        files.append((f"{department}_2026年{month}月_负载{i + 1}.xlsx", out.getvalue()))
    return files


# -- the server's processes, from /proc --------------------------------------------------


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


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree(roots: Sequence[int]) -> list[int]:
    """`roots` and every process below them (a parser pool's workers, a subprocess)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(_stat(int(stat.parent.name))[1])
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
    found, todo = set(roots), list(roots)
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return sorted(found)


def rss(pid: int) -> int:
    """Resident memory of `pid` in bytes (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time `pid` and its finished children have used (user + system)."""
    fields = _stat(pid)
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _summed(measure, roots: Sequence[int]) -> float:  # type: ignore[no-untyped-def]
    total = 0.0
    for pid in tree(roots):
        try:
            total += measure(pid)
        except (OSError, RuntimeError):  # ended meanwhile
            continue
    return total


def tree_rss(roots: Sequence[int]) -> int:
    return int(_summed(rss, roots))


def tree_cpu(roots: Sequence[int]) -> float:
    return _summed(cpu_seconds, roots)


# -- the passes ---------------------------------------------------------------------------


@dataclass
class Load:
    """What the load pass saw."""

    runs: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    opens: list[float] = field(default_factory=list)  # each session's first page
    errors: list[str] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)  # seconds each stored upload took
    stored: list[str] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds the servers used during the pass
    client_cpu: float = 0.0  # CPU seconds this process (the sessions) used meanwhile
    uploads_cpu: float = 0.0  # CPU seconds of the upload commands (children of this one)

    def all_runs(self) -> list[float]:
        return [s for times in self.runs.values() for s in times]


def _checked(run: Run, errors: list[str], who: str) -> bool:
    errors.extend(f"{who}: {error}" for error in run.errors)
    return not run.errors


async def _timed(session: Session, page: str) -> Run:
    return await asyncio.wait_for(session.run(path_of(page)), WAIT)


async def browse(
    url: str, index: int, pages: Sequence[str], rounds: int, pace: Pace, result: Load
) -> None:
    """One session: opens the app at a page of its own, then every page `rounds` times."""
    who = f"session {index + 1}"
    rng = random.Random(index)
    await asyncio.sleep(index * pace.ramp)
    order = [*pages[index % len(pages) :], *pages[: index % len(pages)]]
    try:
        session = await Session.open(url)
    except (OSError, TimeoutError) as error:
        result.errors.append(f"{who}: connecting: {error!r}")
        return
    try:
        run = await _timed(session, order[-1])  # so that the first switch changes page
        if _checked(run, result.errors, who):
            result.opens.append(run.seconds)
        for _ in range(rounds):
            for page in order:
                await asyncio.sleep(pace.think * rng.uniform(0.5, 1.5))
                run = await _timed(session, page)
                if _checked(run, result.errors, who):
                    result.runs[page].append(run.seconds)
    except TimeoutError:
        result.errors.append(f"{who}: a run not over after {WAIT:.0f} s")
    except Exception as error:  # a closed connection: the session is lost
        result.errors.append(f"{who}: {error!r}")
    finally:
        await session.close()


@dataclass(frozen=True)
class Pace:
    """Session i opens `ramp` * i seconds after the first (people arriving over a minute,
    not at one instant), and stays about `think` seconds on each page."""

    ramp: float = 0.3
    think: float = 3.0


@dataclass(frozen=True)
class Uploads:
    """`count` uploads, one every `every` seconds, with the CLI into the store `env` names."""

    count: int
    every: float
    env: dict[str, str]
    folder: Path


def uploader(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """A users file of the benchmark's own with one admin, and the CLI's environment."""
    users_file = folder / "load-users.json"
    env = {**env, "KPI_USERS_FILE": str(users_file), "KPI_PASSWORD": "load-benchmark-pass-1"}
    subprocess.run(
        [sys.executable, "-m", "kpi_engine", "users", "add", UPLOADER, "--role", "admin"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


async def upload(plan: Uploads, result: Load, done: asyncio.Event) -> None:
    """The uploads, one after another at their pace, until all are stored or the sessions
    are done."""
    for i, (name, content) in enumerate(workbooks(plan.count)):
        if i:
            try:
                await asyncio.wait_for(done.wait(), plan.every)
                return  # the sessions finished first
            except TimeoutError:
                pass
        path = plan.folder / name
        path.write_bytes(content)
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "kpi_engine", "upload", "--user", UPLOADER, str(path)),
            cwd=ROOT,
            env=plan.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), WAIT)
        except TimeoutError:
            process.kill()
            await process.wait()
            result.errors.append(f"upload {name}: not done after {WAIT:.0f} s")
            continue
        if process.returncode:
            result.errors.append(f"upload {name}: exit {process.returncode}: {out.decode()}")
            continue
        result.uploads.append(time.perf_counter() - began)
        result.stored.append(name)


async def sample(roots: Sequence[int], samples: list[int]) -> None:
    while True:
        samples.append(tree_rss(roots))
        await asyncio.sleep(SAMPLE_EVERY)


async def load(
    url: str,
    roots: Sequence[int],
    *,
    sessions: int,
    rounds: int,
    pages: Sequence[str],
    pace: Pace,
    uploads: Uploads | None,
    result: Load,
) -> None:
    """Into `result`: `sessions` sessions browse `pages` while `uploads` are stored."""
    done = asyncio.Event()
    sampler = asyncio.create_task(sample(roots, result.rss))
    began, cpu, own = time.perf_counter(), tree_cpu(roots), os.times()
    try:
        async with asyncio.TaskGroup() as group:
            if uploads is not None and uploads.count:
                group.create_task(upload(uploads, result, done))
            browsing = [
                group.create_task(browse(url, i, pages, rounds, pace, result))
                for i in range(sessions)
            ]
            await asyncio.gather(*browsing)
            done.set()
    finally:
        sampler.cancel()
        result.seconds, result.cpu = time.perf_counter() - began, tree_cpu(roots) - cpu
        now = os.times()
        result.client_cpu = now.user + now.system - own.user - own.system
        result.uploads_cpu = (
            now.children_user + now.children_system - own.children_user - own.children_system
        )


async def every_page(url: str, pages: Sequence[str], errors: list[str]) -> dict[str, float]:
    """One session, each page once: the warm-up (and what one page costs alone)."""
    session = await Session.open(url)
    try:
        times = {}
        for page in pages:
            run = await _timed(session, page)
            _checked(run, errors, "warm-up")
            times[page] = run.seconds
        return times
    finally:
        await session.close()


async def first_pages(url: str, count: int, errors: list[str]) -> list[float]:
    """`count` new sessions one after another, each opening the app (the Overview)."""
    times = []
    for _ in range(count):
        session = await Session.open(url)
        try:
            run = await _timed(session, DEFAULT)
        finally:
            await session.close()
        if _checked(run, errors, "new session"):
            times.append(run.seconds)
    return times


@dataclass
class Benchmark:
    cold_health: float | None = None  # launch -> /_stcore/health answers
    cold_first: float | None = None  # launch -> first page's script_finished
    alone: dict[str, float] = field(default_factory=dict)
    first: list[float] = field(default_factory=list)
    loaded: Load = field(default_factory=Load)
    errors: list[str] = field(default_factory=list)
    rss_start: int = 0


async def measure(
    url: str,
    roots: Sequence[int],
    args: argparse.Namespace,
    uploads: Uploads | None,
    result: Benchmark,
) -> None:
    """Into `result` (what was measured stays there when `--timeout` stops it): every page
    alone, new sessions' first pages, then the load."""
    pages = tuple(args.pages.split(","))
    result.alone = await every_page(url, pages, result.errors)
    result.first = await first_pages(url, args.new_sessions, result.errors)
    result.rss_start = tree_rss(roots)
    await load(
        url,
        roots,
        sessions=args.sessions,
        rounds=args.rounds,
        pages=pages,
        pace=Pace(args.ramp, args.think),
        uploads=uploads,
        result=result.loaded,
    )


async def bounded(timeout: float, *steps: Coroutine[Any, Any, None]) -> list[str]:
    """Run `steps` one after another within `timeout` seconds; the error, if not."""
    try:
        async with asyncio.timeout(timeout):
            for step in steps:
                await step
    except TimeoutError:
        for step in steps:
            step.close()  # those never started
        return [f"stopped: not done after {timeout:.0f} s"]
    return []


async def cold_start(url: str, launched: float, healthy: float, result: Benchmark) -> None:
    """The first page of a server just started on a fresh data directory."""
    result.cold_health = healthy - launched
    session = await Session.open(url)
    try:
        run = await asyncio.wait_for(session.run(), WAIT)
    finally:
        await session.close()
    _checked(run, result.errors, "cold start")
    result.cold_first = time.perf_counter() - launched


# -- the report ---------------------------------------------------------------------------


def figures(times: Sequence[float]) -> tuple[float, ...]:
    """p50, p95, p99 and max in seconds (NaN for none)."""
    if not times:
        return (float("nan"),) * 4
    return (*(float(x) for x in np.percentile(times, [50, 95, 99])), max(times))


def line(label: str, times: Sequence[float]) -> str:
    return f"  {label:<26}" + "".join(f"{x:8.2f}" for x in figures(times)) + f"   n={len(times)}"


def verdict(value: float | None, aim: float) -> str:
    if value is None or value != value:
        return "not measured"
    return f"{value:.2f} s, aim < {aim:g} s: " + ("met" if value < aim else "MISSED")


def report(result: Benchmark, args: argparse.Namespace, load_before: tuple[float, ...]) -> int:
    loaded = result.loaded
    errors = result.errors + loaded.errors
    one, five, fifteen = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores; load average {load_before[0]:.2f} before, "
        f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) after"
    )
    if result.cold_first is not None:
        print(
            f"cold start on a fresh data directory: healthy after {result.cold_health:.2f} s, "
            f"first page after {verdict(result.cold_first, AIM_COLD)}"
        )
    print(
        "one session alone, each page once (s): "
        + ", ".join(f"{page} {seconds:.2f}" for page, seconds in result.alone.items())
    )
    first = figures(result.first)
    print(
        f"a new session's first page, warm server, {len(result.first)} sessions: "
        f"p50 {first[0]:.2f} s, max {first[3]:.2f} s; p50 {verdict(first[0], AIM_FIRST)}"
    )
    print(
        f"load: {args.sessions} sessions x {args.rounds} rounds, think {args.think:g} s, "
        f"ramp {args.ramp:g} s; {len(loaded.all_runs())} page switches in {loaded.seconds:.0f} s; "
        f"uploads stored: {len(loaded.stored)} of {args.uploads} (none after the sessions end)"
    )
    print(f"  {'seconds':<26}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
    for page in args.pages.split(","):
        print(line(page, loaded.runs[page]))
    print(line("all page switches", loaded.all_runs()))
    print(line("first page under load", loaded.opens))
    print(line("upload (CLI, whole)", loaded.uploads))
    p95 = figures(loaded.all_runs())[1]
    print(f"p95 under load: {verdict(p95, AIM_P95)}")
    peak = max(loaded.rss or [0])
    print(
        f"server CPU: {loaded.cpu:.0f} s in {loaded.seconds:.0f} s = "
        f"{loaded.cpu / max(loaded.seconds, 1e-9):.0%} of one core; RSS {result.rss_start / MIB:.0f} "
        f"MiB as the load began, peak {peak / MIB:.0f} MiB"
    )
    print(
        f"load client's own CPU: {loaded.client_cpu:.0f} s "
        f"({loaded.client_cpu / max(loaded.seconds, 1e-9):.0%} of one core); "
        f"the upload commands' {loaded.uploads_cpu:.0f} s"
    )
    runs = len(loaded.all_runs()) + len(loaded.opens)
    if runs and loaded.cpu:
        per_run = loaded.cpu / runs
        cores = os.cpu_count() or 1
        asked = args.sessions / args.think
        print(
            f"server CPU per page run under load: {per_run:.3f} s; {cores} cores to itself would "
            f"serve at most {cores / per_run:.1f} runs/s; {args.sessions} sessions every "
            f"{args.think:g} s ask up to {asked:.1f}/s"
        )
    print(f"errors: {len(errors)}")
    for error in errors[:MAX_LISTED]:
        print(f"  {error}")
    if len(errors) > MAX_LISTED:
        print(f"  ... {len(errors) - MAX_LISTED} more")
    return 1 if errors else 0  # uploads left when the sessions are done are not errors


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2, help="times each session sees each page")
    parser.add_argument("--think", type=float, default=3.0, help="seconds on a page (+-50%%)")
    parser.add_argument("--ramp", type=float, default=0.3, help="seconds between arrivals")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages")
    parser.add_argument("--uploads", type=int, default=10)
    parser.add_argument("--upload-every", type=float, default=5.0, help="seconds")
    parser.add_argument("--new-sessions", type=int, default=5, help="first pages, warm")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for all of it")
    parser.add_argument("--url", help="a server already running (no cold start)")
    parser.add_argument("--server-pid", type=int, action="append", default=[], help="with --url")
    args = parser.parse_args()
    if args.url and not args.server_pid:
        parser.error("--url needs --server-pid (each server's process)")
    unknown = (
        set(args.pages.split(",")) - set(PAGES) - {"whatif", "actions", "submissions", "settings"}
    )
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    return args


def main() -> int:
    args = options()
    # `kill`/`timeout` stop it as Ctrl-C does, so that the server stops too
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    before = os.getloadavg()
    result = Benchmark()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.url:  # the uploads go to the store this process's environment names
            plan = Uploads(
                args.uploads, args.upload_every, uploader(folder, {**os.environ}), folder
            )
            steps = [measure(args.url, args.server_pid, args, plan, result)]
            result.errors += asyncio.run(bounded(args.timeout, *steps))
            return report(result, args, before)
        log = folder / "server.log"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["KPI_DATA_DIR"] = str(folder / "data")  # the server's store (browser.serve)
        plan = Uploads(args.uploads, args.upload_every, uploader(folder, env), folder)
        launched = time.perf_counter()
        with serve(log) as url:
            healthy = time.perf_counter()
            steps = [
                cold_start(url, launched, healthy, result),
                measure(url, [server_pid(url)], args, plan, result),
            ]
            result.errors += asyncio.run(bounded(args.timeout, *steps))
    return report(result, args, before)


if __name__ == "__main__":
    sys.exit(main())

"""The app in a real browser, for the load benchmarks (load_browser.py, load.py) and the browser tests
(tests/e2e): `streamlit run app.py` on a free loopback port with a store of its own, the
system's headless Chromium, and the app's own signals that a run is over and drawn.

Waiting is on those signals, never on sleeps: Streamlit sets
`data-test-script-state="notRunning"` on `stApp` when a run has finished (`IDLE`), and Vega
puts an <svg> (or <canvas>) into each chart once it is drawn (`DRAWN`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kpi_engine.i18n import period_heading, t

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 60  # seconds for the server to answer its health check
VIEWPORT = {"width": 1400, "height": 900}

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stVegaLiteChart"]'
NAV = '[data-testid="stSidebarNav"]'
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# url path (from st.navigation: the file name of pages/*.py, "" for the default page),
# the title the page shows in simplified Chinese (None: the scorecard's title names the
# department picked, checked in the test), and whether it draws a chart.
SAMPLE_MONTH = "2026-10"  # the sample company's latest month, where the pages open
PAGES = {
    "overview": ("", period_heading(SAMPLE_MONTH), True),  # titled by period and grain
    "scorecard": ("scorecard", None, True),
    "heatmap": ("heatmap", t("heatmap.title"), True),
    "trends": ("trends", t("page.trends"), True),
    "whatif": ("whatif", t("page.whatif"), True),
    "actions": ("actions", t("actions.title"), False),
    "data": ("data", t("page.data"), False),
    "submissions": ("submissions", t("page.submissions"), False),
    "settings": ("settings", t("page.settings"), False),
}


# Every element the run sent has been drawn: no lazily loaded element still shows its
# skeleton, every visible Vega chart has its <svg> (or <canvas>), every visible dataframe
# its grid canvas.
DRAWN = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || main.querySelector('[data-testid="stSkeleton"]')) return false;
    const drawn = (selector, inner) =>
        [...main.querySelectorAll(selector)]
            .filter(e => e.checkVisibility())  // not inside a closed expander
            .every(e => e.querySelector(inner));
    return drawn('[data-testid="stVegaLiteChart"]', 'svg, canvas')
        && drawn('[data-testid="stDataFrame"]', '[data-testid="data-grid-canvas"]');
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass(frozen=True)
class Server:
    """A running `streamlit run app.py`: its base URL and process id (for its CPU and
    memory in /proc)."""

    url: str
    pid: int


@contextlib.contextmanager
def serve(log_path: Path) -> Iterator[str]:
    """`streamlit run app.py` from the repository root; yields its base URL once healthy."""
    with start(log_path) as server:
        yield server.url


@contextlib.contextmanager
def start(log_path: Path, *, database_url: str | None = None) -> Iterator[Server]:
    """`streamlit run app.py` on a free loopback port, its data directory beside its log
    (`log_path.parent / "data"`), on the SQLite file there or on `database_url`; yields
    it once healthy and stops it on the way out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # no module reloads when a source file changes under a running test or benchmark
        # (someone editing the tree): a page running meanwhile would fail half-reloaded
        "--server.fileWatcherType",
        "none",
    ]
    # a store of its own beside the log: a run never sees an earlier run's uploads
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KPI_DATA_DIR"] = str(log_path.parent / "data")
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _healthy(url):
                if process.poll() is not None:
                    raise RuntimeError(
                        f"streamlit exited with {process.returncode}:\n{log_path.read_text()}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"streamlit not healthy after {START_TIMEOUT}s:\n{log_path.read_text()}"
                    )
                time.sleep(0.2)
            yield Server(url, process.pid)
        finally:
            _stop(process)

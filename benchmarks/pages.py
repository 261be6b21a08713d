"""Benchmark: how long each page takes to render on the sample data, server side.

    python3 benchmarks/pages.py [--repeats 5]

Drives the app with Streamlit's AppTest (no browser), as a user switching pages would,
after one warm-up pass so that the workbook cache is filled. The baseline, measured in
the same process, is AppTest running a one-line app: Streamlit's own cost of a rerun.
Printed per page: best seconds, the ratio to that baseline, and the best CPU seconds of
the process over a run (what a run costs the server, whatever else the machine runs).
Aim: every page under 1 s.

    python3 benchmarks/pages.py --uploads 5

also measures what each upload made elsewhere costs the server: `--uploads` times, the
CLI stores a new monthly workbook of a sample department (as benchmarks/load.py does),
then each page the load browses runs once, the first run of the new revision. Printed
per page: its CPU then against its warm CPU, and the CPU over the warm runs' that one
upload costs, summed over the pages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.apptest import PAGES, open_page, run_app, use_data_dir  # noqa: E402
from benchmarks.load import PAGES as BROWSED  # noqa: E402
from benchmarks.load import UPLOADER, uploader, workbooks  # noqa: E402


def best(run, repeats: int, clock=time.perf_counter) -> float:
    """The least time `clock` counts over a run; `time.process_time`: the CPU time of this
    process, what a page run costs the server whatever else the machine runs."""
    times = []
    for _ in range(repeats):
        began = clock()
        run()
        times.append(clock() - began)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--uploads", type=int, default=0, help="uploads made elsewhere")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        trivial = Path(folder) / "trivial.py"
        trivial.write_text("import streamlit as st\nst.write('hello')\n", encoding="utf-8")
        empty = AppTest.from_file(str(trivial))
        baseline = best(empty.run, args.repeats)
        use_data_dir(Path(folder) / "data")  # a store of its own
        began = time.perf_counter()
        at = run_app()
        first = time.perf_counter() - began
        for page in PAGES:  # warm-up: every page once
            open_page(at, page)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"first start (parses the sample workbooks): {first:.2f} s")
        print(f"baseline: AppTest rerun of a one-line app   {baseline:.4f} s")
        worst = 0.0
        warm = {}
        for page in PAGES:
            seconds = best(lambda page=page: open_page(at, page), args.repeats)
            cpu = best(lambda page=page: open_page(at, page), args.repeats, time.process_time)
            worst = max(worst, seconds)
            warm[page] = cpu
            print(
                f"  {page:<12} {seconds:7.3f} s   {seconds / baseline:7.1f}x baseline"
                f"   CPU {cpu:6.3f} s"
            )
        if args.uploads:
            after_uploads(at, Path(folder), args.uploads, warm)
    print(f"slowest page switch: {worst:.3f} s (aim < 1 s: {'met' if worst < 1 else 'MISSED'})")
    return 0


def after_uploads(at: AppTest, folder: Path, count: int, warm: dict[str, float]) -> None:
    """Each browsed page's CPU in the first run after each of `count` uploads made by the
    CLI into the app's store, against its warm CPU."""
    env = uploader(folder, {**os.environ})
    after: dict[str, list[float]] = {page: [] for page in BROWSED}
    for name, content in workbooks(count):
        path = folder / name
        path.write_bytes(content)
        command = [sys.executable, "-m", "kpi_engine", "upload", "--user", UPLOADER, str(path)]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        for page in BROWSED:
            began = time.process_time()
            at = open_page(at, page)
            after[page].append(time.process_time() - began)
            if at.exception:
                raise SystemExit(f"{page} after {name}: {at.exception[0].message}")
    print(f"the first run of each page after an upload elsewhere, CPU, mean of {count} uploads:")
    extra = 0.0
    for page, seconds in after.items():
        mean = sum(seconds) / len(seconds)
        extra += mean - warm[page]
        print(f"  {page:<12} {mean:6.3f} s   {mean / warm[page]:6.1f}x its warm run")
    print(f"CPU one upload costs the server over the warm runs, these pages: {extra:.2f} s")


if __name__ == "__main__":
    sys.exit(main())

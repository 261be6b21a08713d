"""Benchmark: what-if rescoring and the What-if page's rerun, on the benchmark data set.

    python3 benchmarks/whatif.py                 # 50 departments x 100 KPIs x 36 months
    python3 benchmarks/whatif.py --quick         # 3 x 5 x 2, a smoke run
    python3 benchmarks/whatif.py --repeats 20

The workbooks are the ones benchmarks/run.py generates (and caches) under benchmarks/.data;
they are loaded once with `load_files`, then everything is timed on the rows in memory.

(a) Engine: after a perspective-weight change (a slider move), a department-weight change,
a KPI-weight edit and a KPI-target edit, the scenario's department and organisation scores
(`whatif.rescore` from the prepared period, and the whole `whatif.compare` with ranks),
for the page's case (one month, 5,000 KPI rows) and for all 36 months at once (180,000
rows). The floor, measured on the same rows in the same process: one pandas groupby of
weight x score by department, period and perspective plus one numpy matrix product of the
department x perspective scores with the weight vector, the least any roll-up can do. A
full `build` of the edited rows is shown too: what rescoring would cost without
`whatif.prepare`. Aim: under 50 ms.

(b) Page: AppTest reruns of the What-if page after a slider move, on the sample company and
with the benchmark data set stored as the app's uploads (a store of its own), server time; also
the what-if fragment's own time (what a slider move costs in the browser, where only the
fragment reruns), which the page records in session state. Baseline: AppTest's rerun of a
one-line app. Aim: under 300 ms.

Speed is reported, never asserted; the exit code is non-zero only when a step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import run  # noqa: E402  (benchmarks/run.py: the data generator and loader)

from kpi_engine import DEFAULTS, PERSPECTIVES, Loaded, build, load_files, store  # noqa: E402
from kpi_engine.core.names import kpi_labels  # noqa: E402
from kpi_engine.core.whatif import Scenario, apply, compare, prepare, rescore  # noqa: E402

# Workbooks as read from disk and what `load_files` made of them.
Stored = tuple[list[tuple[str, bytes]], Loaded]

ENGINE_AIM_MS = 50.0
PAGE_AIM_MS = 300.0


def best_ms(fn: Callable[[], Any], repeats: int) -> float:
    """Smallest wall time of `repeats` calls after one warm-up, in milliseconds."""
    fn()
    best = float("inf")
    for _ in range(max(1, repeats)):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return 1000.0 * best


def floor(rows: pd.DataFrame, scored: pd.DataFrame) -> Callable[[], Any]:
    """One groupby of w * s over the rows, then one matrix product with the weights."""
    keys = ["department", "period", "perspective"]
    w = pd.to_numeric(rows["weight"], errors="coerce").to_numpy(dtype=float)
    s = scored["score"].to_numpy(dtype=float)
    groups = rows[keys].assign(ws=w * s, w=w)
    pw = np.array([DEFAULTS.perspective_weights[p] for p in PERSPECTIVES])

    def once() -> Any:
        sums = groups.groupby(keys, observed=True, sort=False)[["ws", "w"]].sum()
        cells = (sums["ws"] / sums["w"]).unstack("perspective").reindex(columns=list(PERSPECTIVES))
        return np.nan_to_num(cells.to_numpy()) @ pw

    return once


def scenarios(rows: pd.DataFrame) -> dict[str, Scenario]:
    """One of each edit an analyst makes, on KPIs the data has."""
    first = rows.iloc[0]
    key = (first["department"], kpi_labels(rows.iloc[:1]).iloc[0])
    departments = list(pd.unique(rows["department"]))
    return {
        "perspective weights (slider)": Scenario(
            perspective_weights={
                "financial": 25,
                "customer": 40,
                "internal_process": 20,
                "learning_growth": 15,
            }
        ),
        "department weight": Scenario(department_weights={departments[0]: 3.0}),
        "KPI weight edit": Scenario(kpi_weights={key: float(first["weight"]) * 2 + 1}),
        "KPI target edit": Scenario(kpi_targets={key: float(first["target"]) * 1.1}),
    }


def bench_engine(kpis: pd.DataFrame, repeats: int, results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    latest = max(p for p in pd.unique(kpis["period"]) if len(p) == 7)
    engine: dict[str, Any] = {}
    results["engine"] = engine
    for label, period in ((f"one month ({latest})", latest), ("all months", None)):
        prepare_ms = best_ms(lambda period=period: prepare(kpis, period=period), 1)
        prepared = prepare(kpis, period=period)
        rows = prepared.rows
        floor_ms = best_ms(floor(rows, prepared.scored), repeats)
        print(
            f"\n  {label}: {len(rows):,} KPI rows; prepare (once per data and period) {prepare_ms:.1f} ms"
        )
        print(
            f"  {'after a change of':<30} {'rescore':>9} {'compare':>9} {'full build':>11} {'vs floor':>9}"
        )
        print(f"  {'floor: groupby + matmul':<30} {floor_ms:9.2f}")
        part: dict[str, Any] = {
            "rows": len(rows),
            "prepare_ms": round(prepare_ms, 2),
            "floor_ms": round(floor_ms, 3),
        }
        worst = 0.0
        for name, scenario in scenarios(rows).items():
            re_ms = best_ms(lambda s=scenario, p=prepared: rescore(p, s), repeats)
            cmp_ms = best_ms(lambda s=scenario, p=prepared: compare(p, DEFAULTS, s), repeats)
            settings = scenario.settings(DEFAULTS)
            full_ms = best_ms(
                lambda s=scenario, st=settings, r=rows: build(apply(r, s), settings=st),
                max(1, repeats // 4),
            )
            worst = max(worst, cmp_ms)
            print(
                f"  {name:<30} {re_ms:9.2f} {cmp_ms:9.2f} {full_ms:11.1f} {cmp_ms / floor_ms:8.2f}x"
            )
            part[name] = {
                "rescore_ms": round(re_ms, 3),
                "compare_ms": round(cmp_ms, 3),
                "full_build_ms": round(full_ms, 2),
                "compare_vs_floor": round(cmp_ms / floor_ms, 3),
            }
        verdict = "met" if worst < ENGINE_AIM_MS else "MISSED"
        part["worst_compare_ms"] = round(worst, 3)
        engine[label] = part
        lines.append(
            f"what-if rescoring, {label}: slowest edit {worst:.1f} ms "
            f"(aim < {ENGINE_AIM_MS:g} ms: {verdict}); slider move "
            f"{part['perspective weights (slider)']['compare_ms']:.2f} ms = "
            f"{part['perspective weights (slider)']['compare_vs_floor']:.2f}x the floor"
        )
    return lines


def page_times(stored: Stored | None, repeats: int) -> dict[str, float]:
    """Server time of What-if reruns after a slider move (AppTest), on a store of its own
    holding `stored` (the workbooks and what `load_files` made of them), or the sample
    company that the app seeds into an empty store (None)."""
    from benchmarks.apptest import open_page, run_app, use_data_dir
    from ui import whatif as ui

    with tempfile.TemporaryDirectory() as folder:
        if stored is not None:  # the benchmark's rows as uploads: the app seeds no sample
            engine = store.connect(data_dir=Path(folder))
            try:
                store.migrate(engine)
                files, loaded = stored
                store.seed(engine, files, loaded=loaded, uploader="benchmark")
            finally:
                engine.dispose()
        use_data_dir(Path(folder))
        at = open_page(run_app(), "whatif")
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        # a new value every move: nothing the page caches on its inputs can be reused
        values = iter(np.linspace(31.0, 99.0, 3 * repeats + 4))

        def move() -> None:
            at.slider(key=ui.slider_key("customer")).set_value(float(next(values))).run()

        full_ms = best_ms(move, repeats)
        fragment_ms = []
        for _ in range(repeats):
            move()
            fragment_ms.append(float(at.session_state[ui.SERVER_MS]))
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        return {"rerun_ms": full_ms, "fragment_ms": min(fragment_ms)}


def bench_page(stored: Stored, repeats: int, results: dict[str, Any]) -> list[str]:
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as folder:
        trivial = Path(folder) / "trivial.py"
        trivial.write_text("import streamlit as st\nst.write('hello')\n", encoding="utf-8")
        empty = AppTest.from_file(str(trivial))
        baseline_ms = best_ms(empty.run, repeats)
    print(f"\n  baseline: AppTest rerun of a one-line app {baseline_ms:8.1f} ms")
    print(f"  {'What-if page, slider move':<44} {'rerun':>8} {'vs base':>8} {'fragment':>9}")
    page: dict[str, Any] = {"baseline_ms": round(baseline_ms, 2)}
    results["page"] = page
    lines = []
    for label, data_set in (("sample company", None), ("benchmark data stored", stored)):
        times = page_times(data_set, repeats)
        rerun_ms, fragment_ms = times["rerun_ms"], times["fragment_ms"]
        print(f"  {label:<44} {rerun_ms:8.1f} {rerun_ms / baseline_ms:7.1f}x {fragment_ms:9.1f}")
        page[label] = {
            "rerun_ms": round(rerun_ms, 2),
            "fragment_ms": round(fragment_ms, 2),
            "vs_baseline": round(rerun_ms / baseline_ms, 2),
        }
        verdict = "met" if rerun_ms < PAGE_AIM_MS else "MISSED"
        lines.append(
            f"What-if page rerun, {label}: {rerun_ms:.0f} ms server time, fragment alone "
            f"{fragment_ms:.0f} ms (aim < {PAGE_AIM_MS:g} ms: {verdict})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 x 5 x 2, a smoke run")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="generator jobs")
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest page timings")
    parser.add_argument("--results", type=Path, help="JSON output (default under --data-dir)")
    args = parser.parse_args(argv)

    size = run.QUICK_SIZE if args.quick else run.FULL_SIZE
    folder = run.ensure_data(args.data_dir, size, args.jobs, False)
    began = time.perf_counter()
    files = run.read_files(folder)
    loaded = load_files(files)
    kpis = loaded.kpis
    departments, n_kpis, months = size
    print(
        f"What-if benchmark: {departments} departments x {n_kpis} KPIs x {months} months = "
        f"{len(kpis):,} KPI rows (loaded in {time.perf_counter() - began:.1f} s)"
    )
    results: dict[str, Any] = {
        "size": {"departments": departments, "kpis": n_kpis, "months": months},
        "rows": len(kpis),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    lines: list[str] = []
    failed = False
    try:
        print("\n[a] engine: rescoring after a change", flush=True)
        lines += bench_engine(kpis, args.repeats, results)
    except Exception as exc:  # report, keep going
        failed = True
        lines.append(f"what-if rescoring: not run ({type(exc).__name__}: {exc})")
    if not args.no_page:
        try:
            print("\n[b] page: What-if reruns (AppTest, server time)", flush=True)
            lines += bench_page((files, loaded), max(3, args.repeats // 2), results)
        except Exception as exc:
            failed = True
            lines.append(f"What-if page: not run ({type(exc).__name__}: {exc})")
    print()
    for line in lines:
        print(line)
    results["lines"] = lines
    out = args.results or args.data_dir / ("whatif-quick.json" if args.quick else "whatif.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

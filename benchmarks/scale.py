"""Benchmark: a group of 500 units against today's 50 departments, every step in one run.

    python3 benchmarks/scale.py                            # 50 and 500 departments x 100 KPIs x 36 months
    python3 benchmarks/scale.py --database-url postgresql+psycopg://user@host/db
    python3 benchmarks/scale.py --quick                    # 3 and 30 departments x 5 KPIs x 2 months
    python3 benchmarks/scale.py --seed-data-dir DIR        # a data directory holding the group, then:
    KPI_DATA_DIR=DIR streamlit run app.py
    python3 benchmarks/scale.py --scoring-only             # scoring and histories only, in a minute

Both sizes are benchmarks/run.py's monthly forms (generated once per size and cached under
benchmarks/.data), plus a hierarchy workbook `组织架构.xlsx` (单位 / 上级单位) that puts every
ten departments under a unit and every ten units under a subsidiary; the subsidiaries sit
directly under the group (500 departments: 50 units, 5 subsidiaries). Each step runs at the
small size, then at the large one, and its growth is printed beside the growth of the rows
(10x): linear growth is the aim.

Steps, each with its floor measured in the same process where there is one:
- ingest: `load_files` of every workbook (one call, as a batch upload is read);
- scoring: `scorecard.build` (score, shared KPIs, roll-ups of departments, units and the
  organisation) against one numpy clip + one groupby mean (aim within 3x);
- store save: every workbook stored as one upload each through `store.seed`, the store's
  bulk path (one transaction: what a new store does with the sample company), on SQLite
  and on PostgreSQL (`--database-url`, or `KPI_TEST_DATABASE_URL`, in a schema of its own
  that is dropped at the end);
- store read-back: what the Overview reads after the store changed (`store.current_kpis`
  and `store.definitions`, as `ui.data._stored`) against a bare SELECT of the same KPI
  columns of the same rows (aim within 2x);
- pages: each page's server-side render (Streamlit AppTest, no browser) on the SQLite
  store just written, best of `--page-repeats` after one warm pass (aim under 2 s at the
  large size), and the first page of a new server (scores every period once).

`--scoring-only` skips the 18,000 workbooks: it reads the small size's workbooks, makes
the large size's rows from them (each department's rows again under the next departments'
names and KPI ids, values repeating every small-size departments; every text its own
object, as the store reads them) and times, both sizes in one process, the scoring floor,
`build` with the tree, and `insights.history` of every period of the month, quarter and
year grains with their comparison labels (what the app's first page of a grain builds).

Speed is reported, never asserted; the exit code is non-zero only when a step failed.
"""

from __future__ import annotations

import argparse
import inspect
import io
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import run  # benchmarks/run.py: the workbook generator; it also puts the repo on sys.path
import sqlalchemy as sa
import store as store_benchmark  # benchmarks/store.py: a PostgreSQL schema of its own

from kpi_engine import Loaded, load_files, store
from kpi_engine.core import scorecard
from kpi_engine.core.names import per_distinct
from kpi_engine.core.schema import KPI_COLUMNS

SMALL, LARGE = (50, 100, 36), (500, 100, 36)
QUICK_SMALL, QUICK_LARGE = (3, 5, 2), (30, 5, 2)
PER_UNIT = 10  # departments under a unit, units under a subsidiary
SCORING_AIM = 3.0  # build within 3x a numpy clip + groupby mean
READ_AIM = 2.0  # the Overview's read-back within 2x a bare SELECT of the same rows
PAGE_AIM_S = 2.0  # each page's server-side render at the large size
PG_ENV = "KPI_TEST_DATABASE_URL"
HIERARCHY = "组织架构.xlsx"

Files = list[tuple[str, bytes]]


# -- the group ----------------------------------------------------------------------------


def unit_name(u: int) -> str:
    return f"单位{u:02d}"


def subsidiary_name(s: int) -> str:
    return f"子公司{s}"


def tree_edges(departments: int) -> list[tuple[str, str]]:
    """(单位, 上级单位): each department under a unit of ten, each unit under a subsidiary
    of ten units; the subsidiaries have no parent (they sit under the group)."""
    units = (departments + PER_UNIT - 1) // PER_UNIT
    edges = [
        (run.department_name(d), unit_name((d - 1) // PER_UNIT + 1))
        for d in range(1, departments + 1)
    ]
    edges += [(unit_name(u), subsidiary_name((u - 1) // PER_UNIT + 1)) for u in range(1, units + 1)]
    return edges


def hierarchy_workbook(departments: int) -> tuple[str, bytes]:
    """The tree as a hierarchy workbook: sheet 组织架构 with columns 单位 / 上级单位."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("组织架构")
    ws.append(["单位", "上级单位"])
    for edge in tree_edges(departments):
        ws.append(list(edge))
    buffer = io.BytesIO()
    wb.save(buffer)
    return HIERARCHY, buffer.getvalue()


def group_files(size: tuple[int, int, int], data_dir: Path, jobs: int) -> Files:
    """The hierarchy workbook, then every monthly form of `size` (generated when absent)."""
    forms = run.read_files(run.ensure_data(data_dir, size, jobs, False))
    return [hierarchy_workbook(size[0]), *forms]


# -- timing -------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def best(fn: Callable[[], Any], repeats: int) -> float:
    """Smallest wall time of `repeats` calls after one warm-up call; 0: one call, cold
    (at 1.8 M rows on a busy machine, a repeat can cost minutes)."""
    if repeats <= 0:
        return timed(fn)[0]
    fn()
    return min(timed(fn)[0] for _ in range(max(1, repeats)))


def build_with_tree(kpis: pd.DataFrame, org: pd.DataFrame) -> scorecard.Scorecard:
    """`scorecard.build` with the tree when the engine takes one (issue 18's ORG-CORE)."""
    if "org" in inspect.signature(scorecard.build).parameters:
        return scorecard.build(kpis, org=org)  # type: ignore[call-arg]
    return scorecard.build(kpis)


def bare_select(engine: sa.Engine) -> pd.DataFrame:
    """The floor for reading: the KPI columns of every stored row (each department-month
    is stored once here, so these are the rows the Overview shows), no version choice."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*(store.schema.kpi_rows.c[c] for c in KPI_COLUMNS))).all()
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def overview_read(engine: sa.Engine) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What the Overview reads after the store changed (`ui.data._stored`): the rows shown,
    the definitions and the tree."""
    return store.current_kpis(engine), store.definitions(engine), store.org_edges(engine)


def store_steps(
    label: str, engine: sa.Engine, files: Files, loaded: Loaded, repeats: int
) -> dict[str, float]:
    """Save every workbook through the store's bulk path, then time the read-back."""
    store.migrate(engine)
    save_s, stored = timed(lambda: store.seed(engine, files, loaded=loaded, uploader="benchmark"))
    if not stored:
        raise RuntimeError(f"{label}: the store already held uploads")
    floor_s = best(lambda: bare_select(engine), repeats)
    read_s = best(lambda: overview_read(engine), repeats)
    shown = len(store.current_kpis(engine))
    if shown != len(loaded.kpis):
        print(f"  {label}: {shown:,} rows shown of {len(loaded.kpis):,} stored", flush=True)
    return {
        f"{label} save, every workbook (store.seed)": save_s,
        f"{label} bare SELECT of the rows (floor)": floor_s,
        f"{label} Overview read-back": read_s,
    }


@contextmanager
def sqlite_store(folder: Path) -> Iterator[sa.Engine]:
    engine = store.connect(data_dir=folder)
    try:
        yield engine
    finally:
        engine.dispose()


def page_steps(data_dir: Path, repeats: int) -> dict[str, float]:
    """Each page's server-side render on the store in `data_dir` (AppTest, no browser):
    the first page of a new server (from the copy of the rows kept beside the store, when
    one is there: `store.snapshot`), then each page's best after a warm pass."""
    from benchmarks.apptest import PAGES, open_page, run_app, use_data_dir

    use_data_dir(data_dir)
    with sqlite_store(data_dir) as engine:
        kept = store.snapshot_path(data_dir, str(engine.url)).exists()
    first = "first page of a new server" + (", from the copy" if kept else "")
    first_s, at = timed(run_app)
    for page in PAGES:  # warm: every page once
        open_page(at, page)
    times = {first: first_s}
    print(f"  {first:<52} {first_s:9.3f} s", flush=True)
    for page in PAGES:
        times[f"page {page}"] = best(lambda page=page: open_page(at, page), repeats - 1)
        print(f"  {'page ' + page:<52} {times[f'page {page}']:9.3f} s", flush=True)
    return times


# -- one size -----------------------------------------------------------------------------


def measure(
    size: tuple[int, int, int],
    files: Files,
    args: argparse.Namespace,
    pg_url: str | None,
    keep: Path,
) -> dict[str, float]:
    """Every step at one size; `keep` is the data directory its SQLite store is written to."""
    departments, kpis, months = size
    print(f"\n== {departments} departments x {kpis} KPIs x {months} months", flush=True)
    times: dict[str, float] = {}

    def note(name: str, seconds: float) -> None:
        times[name] = seconds
        print(f"  {name:<52} {seconds:9.3f} s", flush=True)

    load_files(files[:3])  # warm-up
    seconds, loaded = timed(lambda: load_files(files))
    note("ingest: load_files", seconds)
    print(f"  ({len(loaded.kpis):,} rows, {len(loaded.org)} tree edges read)", flush=True)
    note("scoring floor: numpy clip + groupby", best(run.numpy_floor(loaded.kpis), args.repeats))
    note(
        "scoring + all roll-ups: build (with tree)",
        best(lambda: build_with_tree(loaded.kpis, loaded.org), args.repeats),
    )
    targets: list[tuple[str, Callable[[], Any]]] = [("SQLite", lambda: sqlite_store(keep))]
    if pg_url:
        targets.append(("PostgreSQL", lambda: store_benchmark.postgres_store(pg_url)))
    for label, open_store in targets:
        with open_store() as engine:
            for name, value in store_steps(label, engine, files, loaded, args.repeats).items():
                note(name, value)
    if not args.no_pages:
        times.update(page_steps(keep, args.page_repeats))  # printed as they come
    return times


def aim_of(step: str) -> str:
    if step.startswith("scoring + "):
        return f"<= {SCORING_AIM:g}x floor"
    if step.endswith("Overview read-back"):
        return f"<= {READ_AIM:g}x SELECT"
    if step.startswith("page "):
        return f"< {PAGE_AIM_S:g} s"
    return "linear"


def report(small: dict[str, float], large: dict[str, float], rows_growth: float) -> list[str]:
    """The table: each step at both sizes, its growth, and the aims met or missed."""
    lines = [
        f"{'step':<52} {'small s':>9} {'large s':>9} {'growth':>8}  aim (rows grew {rows_growth:g}x)"
    ]
    for step, big in large.items():
        little = small.get(step, float("nan"))
        lines.append(f"{step:<52} {little:9.3f} {big:9.3f} {big / little:7.1f}x  {aim_of(step)}")
    lines.append("")
    for name, times in (("small", small), ("large", large)):
        ratio = (
            times["scoring + all roll-ups: build (with tree)"]
            / times["scoring floor: numpy clip + groupby"]
        )
        verdict = "met" if ratio <= SCORING_AIM else "MISSED"
        lines.append(
            f"{name}: scoring + roll-ups / numpy floor: {ratio:.2f}x (aim {SCORING_AIM:g}x: {verdict})"
        )
        for db in ("SQLite", "PostgreSQL"):
            if f"{db} Overview read-back" in times:
                ratio = (
                    times[f"{db} Overview read-back"]
                    / times[f"{db} bare SELECT of the rows (floor)"]
                )
                verdict = "met" if ratio <= READ_AIM else "MISSED"
                lines.append(
                    f"{name}: {db} read-back / bare SELECT: {ratio:.2f}x (aim {READ_AIM:g}x: {verdict})"
                )
    pages = {k: v for k, v in large.items() if k.startswith("page ")}
    if pages:
        slowest = max(pages, key=pages.__getitem__)
        verdict = "met" if pages[slowest] < PAGE_AIM_S else "MISSED"
        lines.append(
            f"large: slowest page {slowest[5:]} {pages[slowest]:.2f} s (aim < {PAGE_AIM_S:g} s: {verdict})"
        )
    return lines


HISTORY_GRAINS = ("month", "quarter", "year")


def replicated(kpis: pd.DataFrame, departments: int, copies: int) -> pd.DataFrame:
    """`kpis` of `departments` departments `copies` times, the c-th copy's department d
    named and its KPI ids numbered as department d + c x `departments` (`run.department_name`,
    `D07-K001`): the rows of a group `copies` times larger, without its workbooks, their
    texts as the store reads them (`as_stored`)."""
    names = kpis["department"].astype(str)
    number = names.str.removeprefix("部门").astype(int).to_numpy()
    suffix = kpis["kpi_id"].astype(str).str.split("-", n=1).str[1]
    parts = []
    for c in range(copies):
        d = pd.Series(number + c * departments, index=kpis.index).map("{:02d}".format)
        parts.append(kpis.assign(department="部门" + d, kpi_id="D" + d + "-" + suffix))
    return as_stored(pd.concat(parts, ignore_index=True))


def as_stored(kpis: pd.DataFrame) -> pd.DataFrame:
    """`kpis` with their texts as the store reads them (`store.codec.frame`): object
    columns, one object per distinct text, shared by its rows."""
    texts = ["department", "kpi_id", "kpi_name", "perspective", "direction", "aggregation"]
    return kpis.assign(**{c: per_distinct(kpis[c], lambda v: v) for c in [*texts, "period"]})


def scoring_steps(kpis: pd.DataFrame, org: pd.DataFrame, repeats: int) -> dict[str, float]:
    """The scoring floor, `build` with the tree, and each grain's history, on `kpis`."""
    from kpi_engine.core import insights

    times = {
        "scoring floor: numpy clip + groupby": best(run.numpy_floor(kpis), repeats),
        "scoring + all roll-ups: build (with tree)": best(
            lambda: build_with_tree(kpis, org), repeats
        ),
    }
    for grain in HISTORY_GRAINS:
        labels = insights.comparison_labels(insights.period_labels(kpis, grain=grain))
        times[f"history, every {grain} ({len(labels)} labels)"] = best(
            lambda labels=labels: insights.history(kpis, labels, org=org), repeats
        )
    for name, seconds in times.items():
        print(f"  {name:<52} {seconds:9.3f} s", flush=True)
    return times


def scoring_only(
    small: tuple[int, int, int], large: tuple[int, int, int], args: argparse.Namespace
) -> int:
    """Scoring and the histories at both sizes in one process, the large size's rows made
    from the small size's (`replicated`): the scoring figures in a minute, not an hour."""
    files = group_files(small, args.data_dir, args.jobs)
    seconds, loaded = timed(lambda: load_files(files))
    print(
        f"read {len(files):,} workbooks in {seconds:.1f} s: {len(loaded.kpis):,} rows", flush=True
    )
    big = replicated(loaded.kpis, small[0], large[0] // small[0])
    org = pd.DataFrame(tree_edges(large[0]), columns=["unit", "parent"])
    times = {}
    for name, size, kpis, edges in (
        ("small", small, as_stored(loaded.kpis), loaded.org),
        ("large", large, big, org),
    ):
        shape = f"{size[0]} departments x {size[1]} KPIs x {size[2]} months"
        placed = f"{len(kpis):,} rows of {kpis['department'].nunique()} departments"
        print(f"\n== {shape}: {placed}; load average {os.getloadavg()[0]:.1f}", flush=True)
        times[name] = scoring_steps(kpis, edges, args.repeats)
    rows_growth = (large[0] * large[1] * large[2]) / (small[0] * small[1] * small[2])
    print("\n" + "\n".join(report(times["small"], times["large"], rows_growth)))
    for name in ("small", "large"):
        floor = times[name]["scoring floor: numpy clip + groupby"]
        ratios = ", ".join(
            f"{step.split(' (')[0].removeprefix('history, every ')} {seconds / floor:.1f}x"
            for step, seconds in times[name].items()
            if step.startswith("history")
        )
        print(f"{name}: histories / numpy floor: {ratios}")
    print(f"cores {os.cpu_count()}; load average at end: {[round(x, 2) for x in os.getloadavg()]}")
    return 0


def keep_copy(engine: sa.Engine, folder: Path) -> None:
    """Read the published rows whole and keep the copy a new server starts from, as the
    app does after its first read (`ui.data._published_rows`)."""
    store.write_snapshot(store.snapshot_path(folder, str(engine.url)), store.stored_rows(engine))


def seed_data_dir(folder: Path, size: tuple[int, int, int], data_dir: Path, jobs: int) -> int:
    """A data directory holding the group: the app finds uploads there and seeds no sample,
    and the copy of its rows a new server starts from."""
    files = group_files(size, data_dir, jobs)
    seconds, loaded = timed(lambda: load_files(files))
    print(f"read {len(files):,} workbooks in {seconds:.1f} s: {len(loaded.kpis):,} rows")
    with sqlite_store(folder) as engine:
        store.migrate(engine)
        seconds, stored = timed(
            lambda: store.seed(engine, files, loaded=loaded, uploader="benchmark")
        )
        if not stored:
            print(f"{folder} already holds uploads: nothing stored")
            return 1
        print(f"stored in {seconds:.1f} s", flush=True)
        seconds, _ = timed(lambda: keep_copy(engine, folder))
    print(f"read whole and kept beside the store in {seconds:.1f} s; open it with")
    print(f"  KPI_DATA_DIR={folder} streamlit run app.py")
    return 0


def measure_store(folder: Path, args: argparse.Namespace) -> int:
    """The read-back and the pages on a data directory written before (`--seed-data-dir`):
    to measure a page change again without ingesting and storing the group again."""
    times: dict[str, float] = {}
    with sqlite_store(folder) as engine:
        rows = len(store.current_kpis(engine))
        times["SQLite bare SELECT of the rows (floor)"] = best(
            lambda: bare_select(engine), args.repeats
        )
        times["SQLite Overview read-back"] = best(lambda: overview_read(engine), args.repeats)
    print(f"{folder}: {rows:,} KPI rows shown; load average {os.getloadavg()[0]:.1f}", flush=True)
    for name, seconds in times.items():
        print(f"  {name:<52} {seconds:9.3f} s", flush=True)
    if not args.no_pages:
        times.update(page_steps(folder, args.page_repeats))
    ratio = times["SQLite Overview read-back"] / times["SQLite bare SELECT of the rows (floor)"]
    print(f"read-back / bare SELECT: {ratio:.2f}x; load average {os.getloadavg()[0]:.1f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 and 30 departments x 5 KPIs x 2 months"
    )
    parser.add_argument("--database-url", help=f"PostgreSQL too (default ${PG_ENV})")
    parser.add_argument("--repeats", type=int, default=3, help="scoring and read-back repeats")
    parser.add_argument("--page-repeats", type=int, default=3, help="renders of each page")
    parser.add_argument("--no-pages", action="store_true", help="skip the page renders")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="generator jobs")
    parser.add_argument("--data-dir", type=Path, default=run.HERE / ".data")
    parser.add_argument("--results", type=Path, help="JSON output (default under --data-dir)")
    parser.add_argument(
        "--seed-data-dir",
        type=Path,
        metavar="DIR",
        help="write the large group's store to DIR and stop",
    )
    parser.add_argument(
        "--scoring-only",
        action="store_true",
        help="scoring, roll-ups and histories only, the large size made from the small one's rows",
    )
    parser.add_argument(
        "--store-dir",
        type=Path,
        metavar="DIR",
        help="only the read-back and the pages, on a data directory --seed-data-dir wrote",
    )
    args = parser.parse_args(argv)
    if args.store_dir:
        return measure_store(args.store_dir, args)
    small, large = (QUICK_SMALL, QUICK_LARGE) if args.quick else (SMALL, LARGE)
    if args.seed_data_dir:
        return seed_data_dir(args.seed_data_dir, large, args.data_dir, args.jobs)
    if args.scoring_only:
        return scoring_only(small, large, args)

    pg_url = args.database_url or os.environ.get(PG_ENV)
    env = {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "load average at start": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"Scale benchmark: {small[0]} and {large[0]} departments; "
        + ", ".join(f"{k} {v}" for k, v in env.items())
    )
    if not pg_url:
        print(f"  (no PostgreSQL: pass --database-url or set {PG_ENV})")
    results: dict[str, Any] = {"environment": env}
    try:
        with ExitStack() as stack:
            times = {}
            for name, size in (("small", small), ("large", large)):
                keep = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpi-scale-")))
                files = group_files(size, args.data_dir, args.jobs)
                times[name] = measure(size, files, args, pg_url, keep)
                results[name] = {
                    "size": dict(zip(("departments", "kpis", "months"), size, strict=True)),
                    "seconds": {k: round(v, 4) for k, v in times[name].items()},
                }
    except Exception:
        traceback.print_exc()
        return 1
    rows_growth = (large[0] * large[1] * large[2]) / (small[0] * small[1] * small[2])
    lines = report(times["small"], times["large"], rows_growth)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["lines"] = lines
    print("\n" + "\n".join(lines))
    print(f"load average at end: {results['load_average_at_end']}")
    out = args.results or args.data_dir / ("scale-quick.json" if args.quick else "scale.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

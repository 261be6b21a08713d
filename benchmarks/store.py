"""Benchmark: a year of uploads into the stored history, then the Overview's read-back.

    python3 benchmarks/store.py                 # 50 departments x 12 months = 600 workbooks
    python3 benchmarks/store.py --database-url postgresql+psycopg://user@host/db
    python3 benchmarks/store.py --quick         # 3 departments x 2 months, a smoke run

The workbooks are benchmarks/run.py's monthly forms (100 KPIs each, generated once and
cached under benchmarks/.data). Each is parsed with `load_files` and stored with
`store.save_upload`, one upload per workbook, as the Data page does: into a fresh SQLite
store in a temporary directory, and also into PostgreSQL when `--database-url` or
`KPI_TEST_DATABASE_URL` names a server. There the benchmark works in a schema of its own,
`kpi_bench_<random>`, and drops it at the end; nothing else on the server is touched.

Timed, each against a floor measured on the same database in the same process:
- save: all 600 `save_upload` calls, against a bare `executemany` of the same rows (read
  back from `kpi_rows`) into a plain table, one transaction per workbook;
- read-back: what the Overview page runs after the store changes (`ui.data._current`,
  `_history` and pages/overview.py): `store.revision`, `store.current_kpis`,
  `store.definitions`, `insights.history` over the month labels, `insights.overview` and
  `insights.early_warnings` of the latest month; against `pd.read_sql` of the same KPI
  columns of every stored row. Aim: under 1 s.

Speed is reported, never asserted; the exit code is non-zero only when a step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import run  # benchmarks/run.py: the workbook generator; it also puts the repo on sys.path
import sqlalchemy as sa

from kpi_engine import Loaded, load_files, store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core import insights
from kpi_engine.core.schema import KPI_COLUMNS

MONTHS = 12  # a year of uploads
READ_AIM_S = 1.0
UPLOADER = Actor("benchmark", ADMIN)
PG_ENV = "KPI_TEST_DATABASE_URL"


@dataclass(frozen=True)
class Parsed:
    name: str
    data: bytes
    loaded: Loaded


def parse(files: Sequence[tuple[str, bytes]]) -> list[Parsed]:
    """Each workbook parsed on its own, as the Data page checks one upload at a time."""
    return [Parsed(name, data, load_files([(name, data)])) for name, data in files]


def save_all(engine: sa.Engine, parsed: Sequence[Parsed]) -> None:
    for p in parsed:
        store.save_upload(engine, name=p.name, data=p.data, loaded=p.loaded, uploader=UPLOADER)


def bare_insert(engine: sa.Engine) -> Callable[[], None]:
    """The floor for saving: the stored KPI rows, per upload, inserted again into a plain
    table (no keys, no versions, no audit) with one executemany in one transaction each."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.schema.kpi_rows).order_by("upload_id", "ordinal")).all()
    by_upload: dict[int, list[dict]] = {}
    for row in rows:
        by_upload.setdefault(row.upload_id, []).append(row._asdict())
    table = sa.Table(
        f"bench_bare_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        *(sa.Column(c.name, c.type) for c in store.schema.kpi_rows.columns),
    )

    def once() -> None:
        table.create(engine)
        try:
            for records in by_upload.values():
                with engine.begin() as conn:
                    conn.execute(table.insert(), records)
        finally:
            table.drop(engine)

    return once


def overview_steps(engine: sa.Engine) -> dict[str, float]:
    """Seconds of each step the Overview page runs after the store changed, uncached."""
    times: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        times[name], result = timed(fn)
        return result

    step("store.revision", lambda: store.revision(engine))
    kpis = step("store.current_kpis", lambda: store.current_kpis(engine))
    step("store.definitions", lambda: store.definitions(engine))
    months = insights.period_labels(kpis, grain="month")
    labels = insights.comparison_labels(months)
    history = step("insights.history, month grain", lambda: insights.history(kpis, labels))
    departments = sorted(kpis["department"].unique())
    step(
        "insights.early_warnings, latest month",
        lambda: insights.early_warnings(history, months[-1], expected_departments=departments),
    )
    step("insights.overview, latest month", lambda: insights.overview(history, months[-1]))
    return times


def read_sql(engine: sa.Engine) -> pd.DataFrame:
    """The floor for reading: every stored KPI row's columns, no version selection."""
    with engine.connect() as conn:
        return pd.read_sql(sa.select(*(store.schema.kpi_rows.c[c] for c in KPI_COLUMNS)), conn)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def best(fn: Callable[[], Any], repeats: int) -> float:
    """Smallest wall time of `repeats` calls after one warm-up call."""
    fn()
    return min(timed(fn)[0] for _ in range(max(1, repeats)))


def bench(
    label: str, engine: sa.Engine, parsed: Sequence[Parsed], repeats: int
) -> tuple[dict[str, Any], list[str]]:
    """Save every workbook into a freshly migrated store, then time the read-back."""
    store.migrate(engine)
    save_s, _ = timed(lambda: save_all(engine, parsed))
    bare_s = best(bare_insert(engine), 1)
    read_sql_s = best(lambda: read_sql(engine), repeats)
    overview_steps(engine)  # warm-up
    runs = [overview_steps(engine) for _ in range(max(1, repeats))]
    steps = min(runs, key=lambda run: sum(run.values()))  # the fastest whole read-back
    read_s = sum(steps.values())
    kpis = store.current_kpis(engine)
    latest = insights.period_labels(kpis, grain="month")[-1]
    n = len(parsed)
    print(f"\n  {label}: {n:,} workbooks stored, {len(kpis):,} KPI rows shown, {latest} latest")
    print(f"  {'step':<56} {'seconds':>8} {'vs floor':>9}")
    table = [
        ("bare executemany, one transaction per workbook (floor)", bare_s, bare_s),
        (f"store.save_upload of each of the {n} workbooks", save_s, bare_s),
        ("pd.read_sql of every stored KPI row (floor)", read_sql_s, read_sql_s),
        *((f"  {name}", seconds, read_sql_s) for name, seconds in steps.items()),
        ("Overview read-back, all of the above", read_s, read_sql_s),
    ]
    for name, seconds, floor in table:
        print(f"  {name:<56} {seconds:8.3f} {seconds / floor:8.2f}x")
    verdict = "met" if read_s < READ_AIM_S else "MISSED"
    figures = {
        "workbooks": n,
        "rows_shown": len(kpis),
        "latest_period": latest,
        "save_s": round(save_s, 3),
        "save_per_workbook_ms": round(1000 * save_s / n, 2),
        "bare_insert_s": round(bare_s, 3),
        "save_vs_bare_insert": round(save_s / bare_s, 2),
        "read_sql_s": round(read_sql_s, 4),
        "read_back_s": round(read_s, 4),
        "read_back_steps_s": {name: round(seconds, 4) for name, seconds in steps.items()},
        "read_back_vs_read_sql": round(read_s / read_sql_s, 2),
    }
    lines = [
        f"{label} save: {save_s:.2f} s for {n} workbooks, {1000 * save_s / n:.1f} ms each "
        f"= {save_s / bare_s:.2f}x a bare executemany",
        f"{label} read-back: {read_s:.3f} s (aim < {READ_AIM_S:g} s: {verdict}) "
        f"= {read_s / read_sql_s:.2f}x pd.read_sql of the rows",
    ]
    return figures, lines


@contextmanager
def sqlite_store() -> Iterator[sa.Engine]:
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as folder:
        engine = store.connect(data_dir=folder)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_store(url: str) -> Iterator[sa.Engine]:
    """A store in a new schema of its own on the server, dropped afterwards."""
    schema = f"kpi_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = store.connect(scoped.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 departments x 5 KPIs x 2 months")
    parser.add_argument("--database-url", help=f"PostgreSQL too (default ${PG_ENV})")
    parser.add_argument("--repeats", type=int, default=5, help="read-back repeats (default 5)")
    parser.add_argument("--data-dir", type=Path, default=run.HERE / ".data")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="generator jobs")
    parser.add_argument("--results", type=Path, help="JSON output (default under --data-dir)")
    args = parser.parse_args(argv)

    departments, kpis, _ = run.QUICK_SIZE if args.quick else run.FULL_SIZE
    size = (departments, kpis, run.QUICK_SIZE[2] if args.quick else MONTHS)
    files = run.read_files(run.ensure_data(args.data_dir, size, args.jobs, False))
    parse_s, parsed = timed(lambda: parse(files))
    print(
        f"Store benchmark: {departments} departments x {size[2]} months = {len(files):,} "
        f"workbooks of {kpis} KPIs (each parsed by load_files: {parse_s:.1f} s in all)"
    )
    results: dict[str, Any] = {
        "size": dict(zip(("departments", "kpis", "months"), size, strict=True)),
        "parse_s": round(parse_s, 2),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    targets: list[tuple[str, Callable[[], Any]]] = [("SQLite", sqlite_store)]
    url = args.database_url or os.environ.get(PG_ENV)
    if url:
        targets.append(("PostgreSQL", lambda: postgres_store(url)))
    results["lines"] = []
    for label, open_store in targets:
        try:
            with open_store() as engine:
                results[label], lines = bench(label, engine, parsed, args.repeats)
        except Exception as exc:  # report, keep going
            lines = [f"{label}: not run ({type(exc).__name__}: {exc})"]
        results["lines"] += lines
    print("\n" + "\n".join(results["lines"]))
    out = args.results or args.data_dir / ("store-quick.json" if args.quick else "store.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {out}")
    return 0 if all(label in results for label, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: ingest and scoring at scale, each against a floor measured in the same process.

    python3 benchmarks/run.py                      # 50 departments x 100 KPIs x 36 months
    python3 benchmarks/run.py --departments 10 --kpis 50 --months 12
    python3 benchmarks/run.py --quick              # tiny size, the smoke test's

The workbooks are generated once per size under benchmarks/.data/ (git-ignored) and read
back into memory, so only parsing is timed. See benchmarks/README.md for what each figure
means. Speed is reported, never asserted: the exit code is non-zero only when a step could
not run at all (an engine function is missing or raised).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import time
import traceback
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # benchmarks/whatif.py, imported by name
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python3 benchmarks/run.py` imports the repo's kpi_engine

# Bump when the generated workbooks change, so that cached data is regenerated.
GENERATOR_VERSION = 1

FULL_SIZE = (50, 100, 36)
QUICK_SIZE = (3, 5, 2)
FIRST_YEAR = 2024

INGEST_AIM = 1.2  # load_files in one process within 1.2x python-calamine's bare read
POOLED_AIM = 1.0  # load_files with a reader child per core below the same bare read
SCORING_AIM = 3.0  # score + expand_shared + rollup within 3x one numpy pass + one groupby

# --------------------------------------------------------------------------------------
# Data: one-sheet monthly forms, one per department per month
# --------------------------------------------------------------------------------------

HEADER = ("部门", "指标编号", "指标名称", "维度", "方向", "权重", "目标值", "实际值", "汇总方式")
PERSPECTIVES_ZH = ("财务", "客户", "内部流程", "学习与成长")
HIGHER_ZH, LOWER_ZH = "越高越好", "越低越好"
AGGREGATION_ZH = {"sum": "求和", "avg": "平均", "last": "期末"}

# name, kind: amount (a flow, summed), rate_high / rate_low (percent strings, averaged),
# count (summed), hours_low (a flow where less is better), balance_low (a closing balance).
CATALOG: dict[str, tuple[tuple[str, str], ...]] = {
    "财务": (
        ("营业收入", "amount"),
        ("数字化业务收入", "amount"),
        ("成本费用率", "rate_low"),
        ("毛利率", "rate_high"),
        ("应收账款余额", "balance_low"),
        ("IT投入产出比", "rate_high"),
        ("预算执行率", "rate_high"),
    ),
    "客户": (
        ("客户满意度", "rate_high"),
        ("客户投诉率", "rate_low"),
        ("线上渠道订单占比", "rate_high"),
        ("新客户数", "count"),
        ("客户留存率", "rate_high"),
        ("需求响应时长", "hours_low"),
    ),
    "内部流程": (
        ("流程自动化率", "rate_high"),
        ("系统可用率", "rate_high"),
        ("数据质量合格率", "rate_high"),
        ("项目按期交付率", "rate_high"),
        ("系统故障时长", "hours_low"),
        ("单据处理差错率", "rate_low"),
    ),
    "学习与成长": (
        ("数字化培训覆盖率", "rate_high"),
        ("数字技能认证人数", "count"),
        ("员工满意度", "rate_high"),
        ("创新提案数", "count"),
        ("核心人才流失率", "rate_low"),
    ),
}


def department_name(d: int) -> str:
    return f"部门{d:02d}"


def month_of(m: int) -> tuple[int, int]:
    return FIRST_YEAR + m // 12, m % 12 + 1


def kpi_definition(d: int, k: int, n_kpis: int) -> dict[str, Any]:
    """What stays the same for a KPI from month to month (seeded by department and KPI)."""
    rng = random.Random(f"def-{d}-{k}")
    perspective = PERSPECTIVES_ZH[k * 4 // n_kpis]
    first = next(i for i in range(n_kpis) if PERSPECTIVES_ZH[i * 4 // n_kpis] == perspective)
    j = k - first
    names = CATALOG[perspective]
    name, kind = names[j % len(names)]
    if j >= len(names):
        name = f"{name}{j // len(names) + 1}"
    lower = kind.endswith("_low")
    if kind == "amount":
        target, agg = round(rng.uniform(50, 5000), 1), "sum"
    elif kind == "count":
        target, agg = float(rng.randint(5, 200)), "sum"
    elif kind == "hours_low":
        target, agg = round(rng.uniform(2, 48), 1), "sum"
    elif kind == "balance_low":
        target, agg = round(rng.uniform(100, 3000), 1), "last"
    elif kind == "rate_low":
        target, agg = round(rng.uniform(0.5, 8), 1), "avg"  # percent
    else:
        target, agg = round(rng.uniform(70, 98), 1), "avg"  # percent
    return {
        "id": f"D{d:02d}-K{k + 1:03d}",
        "name": name,
        "perspective": perspective,
        "direction": LOWER_ZH if lower else HIGHER_ZH,
        "weight": rng.randint(1, 10),
        "target": target,
        "percent": kind.startswith("rate"),
        "aggregation": AGGREGATION_ZH[agg],
        "lower": lower,
    }


def form_rows(d: int, m: int, n_kpis: int) -> tuple[str, list[list[object]]]:
    """Title and KPI rows of department `d`'s form for month index `m`, as written."""
    year, month = month_of(m)
    title = f"{year}年{month}月 {department_name(d)} KPI 考核表"
    percent_weights = d % 3 == 0  # some departments write weights as `8%`
    rows: list[list[object]] = []
    for k in range(n_kpis):
        kpi = kpi_definition(d, k, n_kpis)
        rng = random.Random(f"act-{d}-{k}-{m}")
        target = kpi["target"]
        low, high = (0.8, 1.3) if kpi["lower"] else (0.75, 1.2)
        actual: object = round(target * rng.uniform(low, high), 1)
        if kpi["percent"]:
            actual = f"{min(float(actual), 100.0):g}%"
            target_cell: object = f"{target:g}%"
        else:
            target_cell = target
        if rng.random() < 0.005:
            actual = rng.choice(("N/A", "", "-", "待定"))
        weight: object = f"{kpi['weight']}%" if percent_weights else kpi["weight"]
        rows.append(
            [
                department_name(d),
                kpi["id"],
                kpi["name"],
                kpi["perspective"],
                kpi["direction"],
                weight,
                target_cell,
                actual,
                kpi["aggregation"],
            ]
        )
    return title, rows


def file_name(d: int, m: int) -> str:
    year, month = month_of(m)
    return f"{department_name(d)}_{year}{month:02d}_KPI考核表.xlsx"


def form_workbook(title: str, rows: Sequence[Sequence[object]]) -> Any:
    """A one-sheet monthly form (SPEC §2): the title row, `HEADER`, the KPI rows; an
    openpyxl write-only Workbook to save (here and in load.py's uploads)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考核表")
    ws.append([title])
    ws.append(list(HEADER))
    for row in rows:
        ws.append(list(row))
    return wb


def write_department(args: tuple[str, int, int, int]) -> int:
    """Write every month's form of one department; returns the bytes written."""
    folder, d, n_kpis, n_months = args
    total = 0
    for m in range(n_months):
        path = Path(folder) / file_name(d, m)
        tmp = path.with_suffix(".tmp")
        form_workbook(*form_rows(d, m, n_kpis)).save(tmp)
        tmp.replace(path)
        total += path.stat().st_size
    return total


def ensure_data(data_dir: Path, size: tuple[int, int, int], jobs: int, regenerate: bool) -> Path:
    """The folder of generated workbooks for `size`, generating it when absent."""
    departments, kpis, months = size
    folder = data_dir / f"v{GENERATOR_VERSION}_d{departments}_k{kpis}_m{months}"
    manifest = folder / "manifest.json"
    if manifest.exists() and not regenerate:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()
    manifest.unlink(missing_ok=True)
    n_files = departments * months
    print(f"generating {n_files:,} workbooks in {folder} ...", flush=True)
    start = time.perf_counter()
    work = [(str(folder), d, kpis, months) for d in range(1, departments + 1)]
    if jobs > 1 and departments > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, departments)) as pool:
            total = sum(pool.map(write_department, work))
    else:
        total = sum(map(write_department, work))
    seconds = time.perf_counter() - start
    info = {
        "generator_version": GENERATOR_VERSION,
        "departments": departments,
        "kpis": kpis,
        "months": months,
        "files": n_files,
        "bytes": total,
        "seconds": round(seconds, 2),
    }
    manifest.write_text(json.dumps(info, indent=2), encoding="utf-8")
    print(f"generated {n_files:,} workbooks ({total / 1e6:.1f} MB) in {seconds:.1f} s", flush=True)
    return folder


def read_files(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.xlsx"))]


# --------------------------------------------------------------------------------------
# Contenders
# --------------------------------------------------------------------------------------


def calamine_bare(files: Sequence[tuple[str, bytes]]) -> int:
    """Baseline 1: python-calamine's own read of every sheet to Python lists."""
    from python_calamine import CalamineWorkbook

    cells = 0
    for _, data in files:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in wb.sheet_names:
            cells += len(wb.get_sheet_by_name(name).to_python())
    return cells


def pandas_read_excel(engine: str) -> Callable[[Sequence[tuple[str, bytes]]], int]:
    def run(files: Sequence[tuple[str, bytes]]) -> int:
        import pandas as pd

        rows = 0
        for _, data in files:
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine=engine)
            rows += sum(len(frame) for frame in sheets.values())
        return rows

    return run


class Missing(Exception):
    """An engine function the benchmark needs is not there (yet)."""


def engine_function(name: str, module: str) -> Callable[..., Any]:
    """`kpi_engine.<name>`, else `kpi_engine.<module>.<name>`; `Missing` with the reason."""
    import importlib

    errors = []
    for where in ("kpi_engine", f"kpi_engine.{module}"):
        try:
            fn = getattr(importlib.import_module(where), name, None)
        except Exception as exc:
            errors.append(f"import {where}: {type(exc).__name__}: {exc}")
            continue
        if callable(fn):
            return fn
        errors.append(f"{where} has no {name}")
    raise Missing(f"kpi_engine.{name} is not available ({'; '.join(errors)})")


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Smallest wall time over `repeats` calls, and the last call's result."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def synthetic_kpis(size: tuple[int, int, int]) -> Any:
    """The generated rows as the tidy table `load_files` returns, built without Excel.

    Used for the scoring benchmark only when `load_files` is not available, so that the
    scoring figures do not wait on ingest.
    """
    import numpy as np
    import pandas as pd

    persp = dict(
        zip(
            PERSPECTIVES_ZH,
            ("financial", "customer", "internal_process", "learning_growth"),
            strict=True,
        )
    )
    direction = {HIGHER_ZH: "higher", LOWER_ZH: "lower"}
    agg = {v: k for k, v in AGGREGATION_ZH.items()}

    def number(cell: object) -> float:
        if isinstance(cell, str):
            text = cell.strip()
            if text.endswith("%"):
                return float(text[:-1]) / 100
            return float(text) if text and text[0].isdigit() else np.nan
        return float(cell)  # type: ignore[arg-type]

    departments, kpis, months = size
    records = []
    for d in range(1, departments + 1):
        for m in range(months):
            year, month = month_of(m)
            _, rows = form_rows(d, m, kpis)
            for i, (dept, kid, name, p, dr, w, t, a, ag) in enumerate(rows):
                records.append(
                    {
                        "file": file_name(d, m),
                        "sheet": "考核表",
                        "row": i + 3,
                        "department": dept,
                        "kpi_id": kid,
                        "kpi_name": name,
                        "perspective": persp[p],
                        "direction": direction[dr],
                        "weight": number(w),
                        "actual": number(a),
                        "target": number(t),
                        "aggregation": agg[ag],
                        "shared_with": (),
                        "period": f"{year}-{month:02d}",
                    }
                )
    frame = pd.DataFrame.from_records(records)
    for column in ("floor", "threshold", "stretch", "target_low", "target_high"):
        frame[column] = np.nan
    return frame


# --------------------------------------------------------------------------------------
# The two benchmarks
# --------------------------------------------------------------------------------------


def bench_ingest(
    files: list[tuple[str, bytes]],
    repeats: int,
    openpyxl_repeats: int,
    results: dict[str, Any],
) -> Any:
    """Times the baselines and `load_files`, in one process (`workers=0`) and with its
    reader children (one per core for a batch this large); returns the loaded KPI table
    (or None).

    The bare read and both `load_files` alternate round by round, so that their ratios
    are taken under the same conditions even on a machine that other work shares.
    """
    warm = files[: min(3, len(files))]
    ingest: dict[str, Any] = {"repeats": repeats}
    results["ingest"] = ingest
    timings: dict[str, float] = {}
    labels = {
        "calamine_bare_s": "python-calamine bare read (baseline 1)",
        "load_files_s": "kpi_engine.load_files, one process",
        "load_files_pooled_s": "kpi_engine.load_files, reader children",
        "pandas_calamine_s": "pandas.read_excel engine=calamine",
        "pandas_openpyxl_s": "pandas.read_excel engine=openpyxl (baseline 2)",
    }

    load_files: Callable[..., Any] | None = None
    try:
        load_files = engine_function("load_files", "ingest")
    except Missing as exc:
        ingest["error"] = str(exc)
        print(f"  kpi_engine.load_files: not run: {exc}", flush=True)

    calamine_bare(warm)
    loaded = None
    bare_runs: list[float] = []
    load_runs: dict[str, list[float]] = {"load_files_s": [], "load_files_pooled_s": []}
    # This process's CPU seconds per run: on a shared machine they vary far less than wall
    # time, and for the pooled run they are what stays in the parent (stacking, validating).
    cpu: dict[str, list[float]] = {"calamine_bare_s": [], **{key: [] for key in load_runs}}

    def timed(key: str, fn: Callable[[], Any]) -> tuple[float, Any]:
        start = time.process_time()
        seconds, result = best_of(fn, 1)
        cpu[key].append(time.process_time() - start)
        return seconds, result

    workers = {"load_files_s": {"workers": 0}, "load_files_pooled_s": {}}
    for _ in range(max(1, repeats)):
        bare_runs.append(timed("calamine_bare_s", lambda: calamine_bare(files))[0])
        if load_files is None:
            continue
        try:
            if loaded is None:
                load_files(warm, workers=0)
                load_files(warm * 6)  # starts the reader children's helper
            for key, options in workers.items():
                seconds, loaded = timed(key, lambda o=options: load_files(files, **o))  # noqa: B023
                load_runs[key].append(seconds)
        except Exception as exc:
            traceback.print_exc()
            ingest["error"] = f"load_files raised {type(exc).__name__}: {exc}"
            load_files = None
    timings["calamine_bare_s"] = min(bare_runs)
    print(f"  {labels['calamine_bare_s']:<48} {timings['calamine_bare_s']:9.3f} s", flush=True)
    if load_files is not None:
        for key, runs in load_runs.items():
            timings[key] = min(runs)
            print(f"  {labels[key]:<48} {timings[key]:9.3f} s", flush=True)

    others = [("pandas_calamine_s", pandas_read_excel("calamine"), repeats)]
    if openpyxl_repeats > 0:
        others.append(("pandas_openpyxl_s", pandas_read_excel("openpyxl"), openpyxl_repeats))
    for key, fn, n in others:
        fn(warm)
        timings[key] = best_of(lambda fn=fn: fn(files), n)[0]
        print(f"  {labels[key]:<48} {timings[key]:9.3f} s", flush=True)
    if openpyxl_repeats > 0:
        ingest["openpyxl_repeats"] = openpyxl_repeats
    ingest.update({key: round(value, 4) for key, value in timings.items()})
    bare = timings["calamine_bare_s"]

    kpis = None
    if "load_files_s" in timings:
        kpis = loaded.kpis
        issues = loaded.issues
        severity = issues["severity"] if "severity" in issues.columns else None
        ingest["rows_accepted"] = len(kpis)
        ingest["rows_rejected"] = int(getattr(loaded, "rows_rejected", -1))
        ingest["errors"] = int((severity == "error").sum()) if severity is not None else None
        ingest["warnings"] = int((severity == "warning").sum()) if severity is not None else None

    print()
    print(f"  {'ingest step':<48} {'best s':>9}   {'vs bare read':>12}")
    for key, seconds in sorted(timings.items(), key=lambda item: item[1]):
        print(f"  {labels[key]:<48} {seconds:9.3f}   {seconds / bare:11.2f}x")
    for key, seconds in timings.items():
        if key != "calamine_bare_s":
            ingest[key.replace("_s", "_vs_bare")] = round(seconds / bare, 3)
    if "load_files_s" in timings:
        ratio = timings["load_files_s"] / bare
        pooled = timings["load_files_pooled_s"] / bare
        ingest.update(ratio=round(ratio, 3), aim=INGEST_AIM, cores=os.cpu_count())
        ingest.update(pooled_ratio=round(pooled, 3), pooled_aim=POOLED_AIM)
        cpu_best = {key: min(runs) for key, runs in cpu.items()}
        ingest["cpu_s"] = {key: round(value, 4) for key, value in cpu_best.items()}
        print(
            f"  CPU seconds of this process: bare read {cpu_best['calamine_bare_s']:.2f}, "
            f"load_files in one process {cpu_best['load_files_s']:.2f} "
            f"({cpu_best['load_files_s'] / cpu_best['calamine_bare_s']:.2f}x), "
            f"with reader children {cpu_best['load_files_pooled_s']:.2f} in the parent "
            f"({cpu_best['load_files_pooled_s'] / cpu_best['calamine_bare_s']:.2f}x)"
        )
        ingest["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(
            f"  rows accepted {ingest['rows_accepted']:,}, rejected {ingest['rows_rejected']:,}, "
            f"errors {ingest['errors']}, warnings {ingest['warnings']}"
        )
        for label, value, aim, within in (
            ("ingest", ratio, f"<= {INGEST_AIM}x", ratio <= INGEST_AIM),
            (f"ingest on {os.cpu_count()} cores", pooled, f"< {POOLED_AIM}x", pooled < POOLED_AIM),
        ):
            results["ratio_lines"].append(
                f"ratio {label} / calamine bare read: {value:.2f}x "
                f"(aim {aim}, {'within aim' if within else 'OVER aim'}; "
                f"load average {ingest['load_average'][0]:.1f})"
            )
    else:
        results["ratio_lines"].append(
            f"ratio ingest / calamine bare read: n/a ({ingest.get('error')})"
        )
    return kpis


def bench_stages(files: Sequence[tuple[str, bytes]], repeats: int, results: dict[str, Any]) -> None:
    """Where `load_files(workers=0)`'s time goes: this process's CPU seconds for each
    stage (best of `repeats`), each against the bare read's in the same round: the
    hostile-zip checks (`workbook._check_zip`, run on their own: in full as in this
    process, and as a reader child runs them, without the scan of each sheet's XML for its
    grid), the rest of `read_workbook` (calamine's read and the cell checks), `parse_file`
    (headers, plans, cutting out the rows), `stack_rows`, `validate` and `names.unify`. Files are read and
    parsed one by one, each grid dropped once parsed, as `load_files` does (a batch of
    grids kept alive would make the garbage collector's passes the cost measured)."""
    from kpi_engine.core.names import unify
    from kpi_engine.core.settings import Limits
    from kpi_engine.ingest import load, workbook
    from kpi_engine.ingest.validate import validate

    limits = Limits.from_env()
    best: dict[str, float] = {}

    def cpu(stage: str, fn: Callable[..., Any], *args: Any, **options: Any) -> Any:
        start = time.process_time()
        result = fn(*args, **options)
        best[stage] = min(best.get(stage, float("inf")), time.process_time() - start)
        return result

    zip_read = (
        "hostile-zip checks",
        "in a child",
        "calamine's read and the cell checks",
        "parse",
    )
    for _ in range(max(1, repeats)):
        cpu("bare read", calamine_bare, files)
        spent, parsed = dict.fromkeys(zip_read, 0.0), []
        for name, data in files:
            start = time.process_time()
            workbook._check_zip(data, limits, scan=False)
            child = time.process_time()
            workbook._check_zip(data, limits)
            checked = time.process_time()
            sheets = workbook.read_workbook(name, data, limits=limits)
            read = time.process_time()
            parsed.append(load.parse_file(name, sheets))
            done = time.process_time()
            spent[zip_read[0]] += checked - child
            spent[zip_read[1]] += child - start
            spent[zip_read[2]] += read - checked - (checked - child)  # the checks ran again
            spent[zip_read[3]] += done - read
        for stage, seconds in spent.items():
            best[stage] = min(best.get(stage, float("inf")), seconds)
        sheets = [sheet for _, found in parsed for sheet in found if sheet[0] is not None]
        plans = [load.SheetPlan(*plan) for plan, _ in sheets]
        raw = cpu("stack", load.stack_rows, plans, [rows for _, rows in sheets])
        kpis, defs, *_ = cpu("validate", validate, raw, plans, limits=limits)
        cpu("unify", unify, kpis, preferred=defs["department"])
    bare = best["bare read"]
    ratios = {
        stage: round(best[stage] / bare, 3) for stage in (*zip_read, "stack", "validate", "unify")
    }
    results["ingest"]["stages_cpu_vs_bare"] = ratios
    print("  stages of load_files in one process, CPU vs the bare read's: ", end="")
    print(", ".join(f"{stage} {ratio:.2f}x" for stage, ratio in ratios.items()))
    floor = {part: round(seconds / bare, 3) for part, seconds in one_process_floor(files, repeats)}
    results["ingest"]["one_process_floor_vs_bare"] = floor
    print(
        "  the least any reader pays in one process before a row is parsed, CPU vs the bare "
        "read's: "
        + ", ".join(f"{part} {ratio:.2f}x" for part, ratio in floor.items())
        + f"; in all {sum(floor.values()):.2f}x (the one-process aim: {INGEST_AIM}x)"
    )


def one_process_floor(files: Sequence[tuple[str, bytes]], repeats: int) -> list[tuple[str, float]]:
    """CPU seconds (best of `repeats`) of what a reader in the server's own process cannot
    leave out, part by part: calamine's read of every cell from A1 (rows and columns are
    named in messages), unzipping each sheet's XML once (calamine cannot be asked for a
    grid's size before it allocates it whole: a value at XFD1048576 aborts the process,
    and it reads an error cell as an empty string), and two C-speed passes over that XML,
    the least bound on the grid (`workbook._FAR_CELL`) and the test for error cells."""
    from python_calamine import CalamineWorkbook

    from kpi_engine.ingest import workbook

    xmls: list[bytes] = []

    def read() -> None:
        for _, data in files:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def unzip() -> None:
        xmls.clear()
        for _, data in files:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                xmls.extend(
                    archive.read(member)
                    for member in archive.namelist()
                    if member.startswith("xl/worksheets/") and member.endswith(".xml")
                )

    def scan() -> None:
        for xml in xmls:
            workbook._FAR_CELL.search(xml)
            _ = b't="e"' in xml

    parts = (("calamine's read", read), ("unzipping the sheets", unzip), ("two scans", scan))
    best = dict.fromkeys((part for part, _ in parts), float("inf"))
    for _ in range(max(1, repeats)):
        for part, fn in parts:
            start = time.process_time()
            fn()
            best[part] = min(best[part], time.process_time() - start)
    return list(best.items())


def numpy_floor(kpis: Any) -> Callable[[], Any]:
    """The scoring floor: one numpy clip of actual / target and one groupby mean, the least
    any scoring plus roll-up can do (here and in scale.py)."""
    import numpy as np
    import pandas as pd

    keys = ["department", "period", "perspective"]
    a = pd.to_numeric(kpis["actual"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    t = pd.to_numeric(kpis["target"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    groups = kpis[keys]

    def floor() -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.clip(100 * a / t, 0, 120)
        return groups.assign(score=s).groupby(keys, observed=True)["score"].mean()

    return floor


def bench_scoring(kpis: Any, repeats: int, results: dict[str, Any]) -> None:
    scoring: dict[str, Any] = {"repeats": repeats, "rows": len(kpis)}
    results["scoring"] = scoring
    floor = numpy_floor(kpis)
    floor()
    floor_s, _ = best_of(floor, repeats)
    scoring["floor_s"] = round(floor_s, 4)

    try:
        score = engine_function("score", "scoring")
        expand_shared = engine_function("expand_shared", "rollup")
        rollup = engine_function("rollup", "rollup")
    except Missing as exc:
        scoring["error"] = str(exc)
        print(f"  scoring not run: {exc}", flush=True)
        results["ratio_lines"].append(f"ratio scoring / numpy floor: n/a ({exc})")
        return

    stages = {"score_s": [], "expand_shared_s": [], "rollup_s": [], "total_s": []}

    def pipeline() -> Any:
        t0 = time.perf_counter()
        scored = score(kpis)
        t1 = time.perf_counter()
        expanded = expand_shared(scored)
        t2 = time.perf_counter()
        rolled = rollup(expanded)
        t3 = time.perf_counter()
        for key, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
            stages[key].append(value)
        return rolled

    try:
        pipeline()  # warm-up, not counted
        for values in stages.values():
            values.clear()
        for _ in range(max(1, repeats)):
            rolled = pipeline()
    except Exception as exc:
        traceback.print_exc()
        scoring["error"] = f"scoring raised {type(exc).__name__}: {exc}"
        results["ratio_lines"].append(f"ratio scoring / numpy floor: n/a ({scoring['error']})")
        return

    best = {key: min(values) for key, values in stages.items()}
    scoring.update({key: round(value, 4) for key, value in best.items()})
    labels = {
        "score_s": "kpi_engine.score",
        "expand_shared_s": "kpi_engine.expand_shared",
        "rollup_s": "kpi_engine.rollup",
        "total_s": "score + expand_shared + rollup",
    }
    print(f"  {'scoring step':<48} {'best s':>9}   {'vs floor':>12}")
    print(f"  {'numpy clip + groupby mean (floor)':<48} {floor_s:9.4f}   {1:11.2f}x")
    for key, label in labels.items():
        print(f"  {label:<48} {best[key]:9.4f}   {best[key] / floor_s:11.2f}x")
    ratio = best["total_s"] / floor_s
    scoring["ratio"] = round(ratio, 3)
    scoring["aim"] = SCORING_AIM
    perspectives = getattr(rolled, "perspectives", None)
    if perspectives is not None:
        scoring["department_perspective_rows"] = len(perspectives)
    verdict = "within aim" if ratio <= SCORING_AIM else "OVER aim"
    results["ratio_lines"].append(
        f"ratio scoring / numpy floor: {ratio:.2f}x (aim <= {SCORING_AIM:g}x, {verdict})"
    )


# --------------------------------------------------------------------------------------


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--departments", type=int)
    parser.add_argument("--kpis", type=int, help="KPIs per department")
    parser.add_argument("--months", type=int)
    parser.add_argument("--quick", action="store_true", help="3 x 5 x 2, for the smoke test")
    parser.add_argument("--repeats", type=int, default=3, help="ingest repeats (default 3)")
    parser.add_argument("--scoring-repeats", type=int, default=3)
    parser.add_argument("--no-openpyxl", action="store_true", help="skip the slow baseline 2")
    parser.add_argument(
        "--stages", action="store_true", help="also time each stage of load_files on its own"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="generator jobs")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument("--regenerate", action="store_true", help="rewrite cached workbooks")
    parser.add_argument(
        "--results",
        type=Path,
        help="JSON output (default benchmarks/results.json; with --quick, under --data-dir)",
    )
    args = parser.parse_args(argv)

    default = QUICK_SIZE if args.quick else FULL_SIZE
    size = (
        args.departments or default[0],
        args.kpis or default[1],
        args.months or default[2],
    )
    if min(size) < 1:
        parser.error("--departments, --kpis and --months must be at least 1")
    repeats = max(1, args.repeats)
    # Baseline 2 takes about 30 s at the full size: once is enough to show its order.
    openpyxl_repeats = 0 if args.no_openpyxl else (repeats if args.quick else 1)
    results_path = args.results or (
        args.data_dir / "results-quick.json" if args.quick else HERE / "results.json"
    )

    folder = ensure_data(args.data_dir, size, args.jobs, args.regenerate)
    files = read_files(folder)
    total_bytes = sum(len(data) for _, data in files)
    departments, kpis, months = size
    print(
        f"KPI benchmark: {departments} departments x {kpis} KPIs x {months} months = "
        f"{departments * kpis * months:,} KPI-months in {len(files):,} workbooks "
        f"({total_bytes / 1e6:.1f} MB)"
    )
    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        **{p: version(p) for p in ("pandas", "numpy", "openpyxl", "python-calamine")},
    }
    print("  " + ", ".join(f"{k} {v}" for k, v in env.items()), flush=True)
    results: dict[str, Any] = {
        "size": {"departments": departments, "kpis": kpis, "months": months},
        "kpi_months": departments * kpis * months,
        "files": len(files),
        "bytes": total_bytes,
        "environment": env,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "ratio_lines": [],
    }

    print(f"\n[a] ingest ({os.cpu_count()} cores)", flush=True)
    loaded_kpis = bench_ingest(files, repeats, openpyxl_repeats, results)
    if args.stages:
        bench_stages(files, repeats, results)

    print("\n[b] scoring", flush=True)
    if loaded_kpis is None:
        print("  (load_files unavailable: scoring the generated rows built without Excel)")
        loaded_kpis = synthetic_kpis(size)
        results["scoring_input"] = "synthetic"
    else:
        results["scoring_input"] = "load_files"
    bench_scoring(loaded_kpis, args.scoring_repeats, results)

    print("\n[c] what-if rescoring (see benchmarks/whatif.py for the page's rerun)", flush=True)
    import whatif  # here, not at the top: benchmarks/whatif.py imports this module

    results["ratio_lines"] += whatif.bench_engine(loaded_kpis, args.scoring_repeats, results)

    print()
    for line in results["ratio_lines"]:
        print(line)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"figures written to {results_path}")
    failed = "error" in results["ingest"] or "error" in results.get("scoring", {"error": 1})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

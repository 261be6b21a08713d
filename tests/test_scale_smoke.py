"""benchmarks/scale.py runs end to end at a tiny size (3 and 30 departments, a tree) and
prints every step at both sizes; a data directory it seeds opens as the group. Speed
itself is never asserted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpi_engine import store

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "scale.py"
STEPS = (
    "ingest: load_files",
    "scoring floor: numpy clip + groupby",
    "scoring + all roll-ups: build (with tree)",
    "SQLite save, every workbook (store.seed)",
    "SQLite bare SELECT of the rows (floor)",
    "SQLite Overview read-back",
    "first page of a new server",
    "page overview",
    "page heatmap",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--jobs", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_scale_quick_prints_each_step_at_both_sizes_and_its_growth(tmp_path: Path) -> None:
    results = tmp_path / "scale.json"
    proc = run(
        "--data-dir", str(tmp_path / "data"), "--results", str(results), "--page-repeats", "1"
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert figures["small"]["size"]["departments"] == 3
    assert figures["large"]["size"]["departments"] == 30
    for step in STEPS:
        assert step in figures["small"]["seconds"], step
        assert step in figures["large"]["seconds"], step
        row = rf"^{re.escape(step)}\s+\d+\.\d+\s+\d+\.\d+\s+\d+\.\dx\s+\S"
        assert re.search(row, proc.stdout, re.M), f"{step} not in the table:\n{output}"
    assert "SQLite read-back / bare SELECT" in proc.stdout
    assert "tree edges read" in proc.stdout
    assert "cores" in proc.stdout and "load average" in proc.stdout


@pytest.mark.slow
def test_seed_data_dir_holds_the_group_with_its_tree(tmp_path: Path) -> None:
    folder = tmp_path / "group"
    proc = run("--data-dir", str(tmp_path / "data"), "--seed-data-dir", str(folder))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    engine = store.connect(data_dir=folder)
    try:
        kpis = store.current_kpis(engine)
        edges = store.org_edges(engine)
        kept = store.read_snapshot(store.snapshot_path(folder, str(engine.url)))
        assert kept is not None  # a new server starts from it
        pd.testing.assert_frame_equal(kept.rows, store.stored_rows(engine).rows)
    finally:
        engine.dispose()
    assert kpis["department"].nunique() == 30
    assert len(kpis) == 30 * 5 * 2
    placed = dict(zip(edges["unit"], edges["parent"], strict=True))
    assert placed["部门01"] == "单位01" and placed["部门30"] == "单位03"
    assert placed["单位03"] == "子公司1"
    assert "KPI_DATA_DIR=" in proc.stdout


@pytest.mark.slow
def test_scoring_only_times_scoring_and_each_grains_history_at_both_sizes(
    tmp_path: Path,
) -> None:
    proc = run("--data-dir", str(tmp_path / "data"), "--scoring-only", "--repeats", "1")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    # the large size's rows made from the small size's: ten times the departments
    assert "3 departments x 5 KPIs x 2 months: 30 rows of 3 departments" in proc.stdout
    assert "30 departments x 5 KPIs x 2 months: 300 rows of 30 departments" in proc.stdout
    steps = ["scoring floor: numpy clip + groupby", "scoring + all roll-ups: build (with tree)"]
    steps += [f"history, every {grain}" for grain in ("month", "quarter", "year")]
    for step in steps:
        row = rf"^{re.escape(step)}.*?\s+\d+\.\d+\s+\d+\.\d+\s+\d+\.\dx\s+\S"
        assert re.search(row, proc.stdout, re.M), f"{step} not in the table:\n{output}"
    assert re.search(r"^large: scoring \+ roll-ups / numpy floor: \d", proc.stdout, re.M)
    assert re.search(r"^large: histories / numpy floor: month \d", proc.stdout, re.M)
    assert "cores" in proc.stdout and "load average" in proc.stdout

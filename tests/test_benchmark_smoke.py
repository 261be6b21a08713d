"""The benchmark runs end to end at a tiny size. Speed itself is never asserted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_benchmark_quick_runs_and_prints_ratios(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--stages",
            "--jobs",
            "1",
            "--data-dir",
            str(tmp_path / "data"),
            "--results",
            str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"^ratio ingest / calamine bare read: \d+\.\d+x", proc.stdout, re.M), output
    pooled = r"^ratio ingest on \d+ cores / calamine bare read: \d+\.\d+x"
    assert re.search(pooled, proc.stdout, re.M), output
    assert re.search(r"^ratio scoring / numpy floor: \d+\.\d+x", proc.stdout, re.M), output

    figures = json.loads(results.read_text(encoding="utf-8"))
    assert figures["kpi_months"] == 3 * 5 * 2
    assert figures["files"] == 3 * 2
    assert figures["ingest"]["rows_accepted"] == 30
    assert figures["ingest"]["ratio"] > 0
    assert figures["ingest"]["pooled_ratio"] > 0
    assert figures["ingest"]["cores"] >= 1
    assert figures["scoring"]["ratio"] > 0
    stages = figures["ingest"]["stages_cpu_vs_bare"]
    assert {"parse", "stack", "validate", "unify"} <= set(stages)
    floor = figures["ingest"]["one_process_floor_vs_bare"]
    assert list(floor) == ["calamine's read", "unzipping the sheets", "two scans"]
    assert all(ratio > 0 for ratio in floor.values())
    assert re.search(r"before a row is parsed.* in all \d+\.\d+x", proc.stdout), output
    assert figures["scoring_input"] == "load_files"

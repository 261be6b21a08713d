"""Run `python -m kpi_engine` as an operator would: a child process from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    """`python -m kpi_engine ARGS` with `env` added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "kpi_engine", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )

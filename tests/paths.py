"""Where the committed sample company lies: plain paths, so that a test of the engine
that reads the sample imports neither Streamlit nor `ui` (test_app_pages checks that the
app seeds the same files)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = ROOT / "sample_data"
# Definitions first, then every monthly form: the order the app seeds them in.
SAMPLE_PATHS = (SAMPLE_DATA / "kpi_definitions.xlsx", *sorted(SAMPLE_DATA.glob("monthly/*/*.xlsx")))


@cache
def sample_files() -> tuple[tuple[str, bytes], ...]:
    """The sample company as managers send it: (file name, bytes) in `SAMPLE_PATHS` order."""
    return tuple((p.name, p.read_bytes()) for p in SAMPLE_PATHS)

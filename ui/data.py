"""All data access for the app: the stored history (`kpi_engine.store`), the bundled
sample company it starts with, and this session's uploads.

Pages never open files or call the loader themselves; they ask this module for the
current KPI rows and scorecards. Workbooks are parsed once per distinct content
(`st.cache_data` keyed by the bytes), so a rerun, a page switch or a what-if slider
never re-reads a file. Accepted uploads are stored (shared by every session and kept
across restarts); the rows shown are read once per change of the store (its revision).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kpi_engine import DEFAULTS, Loaded, Scorecard, Settings, insights, load_files, store
from ui import state

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
TEMPLATES = SAMPLE_DATA / "templates"

Files = tuple[tuple[str, bytes], ...]


@cache
def sample_files() -> Files:
    """The sample company as managers send it: definitions first, then every monthly form."""
    paths = [SAMPLE_DATA / "kpi_definitions.xlsx", *sorted(SAMPLE_DATA.glob("monthly/*/*.xlsx"))]
    return tuple((p.name, p.read_bytes()) for p in paths)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=64)
def load(files: Files, definitions: pd.DataFrame | None = None) -> Loaded:
    """Parse and validate workbooks; cached by their bytes (and the definitions used)."""
    return load_files(list(files), definitions=definitions)


def settings() -> Settings:
    return DEFAULTS


# Who stored an upload, until the app knows its users.
UPLOADER = "app"


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    """The store (created, migrated and given the sample company on first start)."""
    return store.start(url, seed_files=sample_files, seed_loaded=lambda: load(sample_files()))


def engine() -> Engine:
    """The store named by `DATABASE_URL`, else the SQLite file in `KPI_DATA_DIR`."""
    return _engine(store.database_url())


def uploads() -> Files:
    return tuple(st.session_state.get(state.UPLOADS, {}).values())


def accept(name: str, data: bytes) -> store.UploadResult:
    """Store an uploaded file's good rows: every session shows them from now on."""
    result = store.save_upload(
        engine(), name=name, data=data, loaded=check(((name, data),)), uploader=UPLOADER
    )
    st.session_state.setdefault(state.UPLOADS, {})[digest(data)] = (name, data)
    return result


@st.cache_data(show_spinner=False, max_entries=8)
def _stored(url: str, revision: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the store shows at a revision: KPI rows and definitions."""
    current = _engine(url)
    return store.current_kpis(current), store.definitions(current)


def _current() -> tuple[pd.DataFrame, pd.DataFrame]:
    current = engine()
    return _stored(store.database_url(), store.revision(current))


def kpis() -> pd.DataFrame:
    """The KPI rows every page shows: the newest version of each department's month."""
    return _current()[0]


def definitions() -> pd.DataFrame:
    return _current()[1]


def check(files: Files) -> Loaded:
    """Validate files the user just picked, against the definitions already known."""
    return load(files, definitions())


def history(grain: str) -> Scorecard:
    """Every period of a grain (and what each is compared with), for every page."""
    return _history(kpis(), grain, settings())


@st.cache_data(show_spinner=False, max_entries=16)
def _history(frame: pd.DataFrame, grain: str, current: Settings) -> Scorecard:
    labels = insights.comparison_labels(insights.period_labels(frame, grain=grain))
    return insights.history(frame, labels, settings=current)


def period_labels() -> dict[str, list[str]]:
    frame = kpis()
    return {g: insights.period_labels(frame, grain=g) for g in state.GRAINS}


def departments() -> list[str]:
    return sorted(kpis()["department"].unique())


def is_accepted(content: bytes) -> bool:
    return digest(content) in st.session_state.get(state.UPLOADS, {})


def templates() -> dict[str, Path]:
    """Blank workbooks to download, by the catalog key of their button."""
    return {
        "data.template_zh_hans": TEMPLATES / "KPI填报模板.xlsx",
        "data.template_zh_hant": TEMPLATES / "KPI填報範本.xlsx",
        "data.template_en": TEMPLATES / "kpi_template_en.xlsx",
    }


def year_scores(period: str | None) -> pd.DataFrame:
    """Each department's overall score for every month of the period's year."""
    months = history("month").departments
    if not period:
        return months
    return months[months["period"].str.startswith(period[:4])]


def upload_history() -> pd.DataFrame:
    """Every stored upload, newest first: what was loaded, by whom, when, and its counts."""
    return store.history(engine())

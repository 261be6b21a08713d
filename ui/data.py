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
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kpi_engine import Loaded, Scorecard, Settings, insights, load_files, store
from kpi_engine.i18n import t
from kpi_engine.whatif import Scenario
from ui import auth, state

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
def load(
    files: Files, definitions: pd.DataFrame | None = None, known: tuple[str, ...] = ()
) -> Loaded:
    """Parse and validate workbooks; cached by their bytes (and the definitions and known
    departments used)."""
    return load_files(list(files), definitions=definitions, known_departments=known)


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    """The store (created, migrated and given the sample company on first start)."""
    return store.start(url, seed_files=sample_files, seed_loaded=lambda: load(sample_files()))


def engine() -> Engine:
    """The store named by `DATABASE_URL`, else the SQLite file in `KPI_DATA_DIR`."""
    return _engine(store.database_url())


def uploads() -> list[str]:
    """The names of the files stored from this session, in the order they were stored."""
    return [name for name, _ in st.session_state.get(state.UPLOADS, {}).values()]


def accept(name: str, data: bytes) -> store.UploadResult:
    """Store an uploaded file's good rows: every session shows them from now on."""
    result = store.save_upload(
        engine(), name=name, data=data, loaded=check(((name, data),)), uploader=auth.actor()
    )
    st.session_state.setdefault(state.UPLOADS, {})[digest(data)] = (name, result)
    return result


def upload_result(content: bytes) -> store.UploadResult | None:
    """What storing this file did in this session (None: not stored yet)."""
    stored = st.session_state.get(state.UPLOADS, {}).get(digest(content))
    return None if stored is None else stored[1]


@st.cache_data(show_spinner=False, max_entries=8)
def _stored(url: str, revision: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the store shows at a revision of its data: KPI rows and definitions."""
    current = _engine(url)
    return store.current_kpis(current), store.definitions(current)


def _current() -> tuple[pd.DataFrame, pd.DataFrame]:
    current = engine()
    return _stored(store.database_url(), store.revision(current, store.DATA_ACTIONS))


@st.cache_data(show_spinner=False, max_entries=8)
def _settings(url: str, revision: int) -> Settings:
    return store.load_settings(_engine(url))


def settings() -> Settings:
    """The organisation's scoring settings: the latest stored, else SPEC's defaults."""
    current = engine()
    return _settings(store.database_url(), store.revision(current, store.SETTINGS_ACTIONS))


def save_settings(new: Settings) -> None:
    """Store new settings for every session; the change is logged with who made it."""
    store.save_settings(engine(), new, user=auth.actor())


def settings_history() -> pd.DataFrame:
    return store.settings_history(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def _scenarios(url: str, revision: int) -> pd.DataFrame:
    return store.list_scenarios(_engine(url))


def scenarios() -> pd.DataFrame:
    """Saved what-if scenarios shared by every session: name, scenario, saved_by, saved_at."""
    current = engine()
    return _scenarios(store.database_url(), store.revision(current, store.SCENARIO_ACTIONS))


def save_scenario(scenario: Scenario) -> None:
    store.save_scenario(engine(), scenario, user=auth.actor())


def delete_scenario(name: str) -> None:
    store.delete_scenario(engine(), name, user=auth.actor())


def kpis() -> pd.DataFrame:
    """The KPI rows every page shows: the newest version of each department's month."""
    return _current()[0]


def definitions() -> pd.DataFrame:
    return _current()[1]


def check(files: Files) -> Loaded:
    """Validate files the user just picked, against the definitions and departments
    already stored."""
    return load(files, definitions(), tuple(pd.unique(kpis()["department"].astype(object))))


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


def covered() -> pd.DataFrame:
    """Every department-month ever uploaded and its number of versions."""
    return store.covered(engine())


def versions(department: str, period: str) -> pd.DataFrame:
    """Every stored upload of a department's month, oldest first, the one shown marked."""
    return store.versions(engine(), department, period)


def restore(upload_id: int) -> None:
    """Show an earlier version again (and bring it back if it was deleted)."""
    store.restore(engine(), upload_id, user=auth.actor())


def delete(upload_id: int) -> bool:
    """Hide an upload everywhere; the version before it is shown again. Undoable. False
    (with the reason in a toast) when another session deleted it first."""
    return _unless_refused(store.delete, upload_id)


def undo_delete(upload_id: int) -> bool:
    """Bring a deleted upload back. False (with the reason in a toast) when it is not
    deleted, e.g. another session undid the delete first."""
    return _unless_refused(store.undo_delete, upload_id)


def _unless_refused(change: Callable[..., None], upload_id: int) -> bool:
    try:
        change(engine(), upload_id, user=auth.actor())
    except store.Refused as refusal:
        st.toast(t(f"data.{refusal.code}", state.lang(), **refusal.params), icon=":material/block:")
        return False
    return True

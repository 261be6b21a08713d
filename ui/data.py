"""The pages' one way to stored and uploaded data: the stored history (`kpi_engine.store`), the bundled
sample company it starts with, and this session's uploads.

Pages never open files or call the loader themselves; they ask this module for the
current KPI rows and scorecards. Workbooks are parsed once per distinct content
(`st.cache_data` keyed by the bytes), so a rerun, a page switch or a what-if slider
never re-reads a file. Accepted uploads are stored (shared by every session and kept
across restarts); the rows shown are read once per change of the store (its revision).

The large frames (the stored rows, every grain's scorecard, a node's view, the chosen
departments' roll-up) are `st.cache_resource` (`_shared`): every session gets the same
object, not a pickled copy per hit (at 500 units a copy of the 1.8 M-row history took
seconds). Nothing may write into what they return (pandas' copy-on-write keeps derived
frames apart; tests/test_shared_frames.py runs every page and checks the frames are
unchanged). Small values stay `st.cache_data`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from functools import cache, partial
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kpi_engine import Loaded, Scorecard, Settings, load_files, store
from kpi_engine.auth.roles import NOTE, Actor, Forbidden
from kpi_engine.core import explain, insights, org
from kpi_engine.core.names import in_department_order
from kpi_engine.core.periods import in_order
from kpi_engine.core.rollup import card_departments
from kpi_engine.core.settings import data_dir
from kpi_engine.core.whatif import Scenario
from kpi_engine.i18n import t
from kpi_engine.i18n.script import converter, shown_frame, shown_name, shown_scorecard
from kpi_engine.ingest.messages import CHECK_BEFORE_IMPORT
from kpi_engine.store import failures
from ui import auth, runs, state, text

_LOG = logging.getLogger(__name__)
T = TypeVar("T")


# A cache shared by every session without copying (`st.cache_resource`): for frames too
# big to pickle on every hit. What it returns is read only. Both kinds hash the settings
# once per object (`runs.HASH_FUNCS`).
_shared = partial(runs.cache_by_name, st.cache_resource, show_spinner=False)
_cached = partial(runs.cache_by_name, st.cache_data, show_spinner=False)

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
TEMPLATES = SAMPLE_DATA / "templates"

Files = tuple[tuple[str, bytes], ...]

# What storing a file did (`accept`, `upload_result`), for the Data page to say; pages
# reach the store through this module only.
UploadResult, DUPLICATE = store.UploadResult, store.DUPLICATE


@cache
def sample_files() -> Files:
    """The sample company as managers send it: definitions first, then every monthly form."""
    paths = [SAMPLE_DATA / "kpi_definitions.xlsx", *sorted(SAMPLE_DATA.glob("monthly/*/*.xlsx"))]
    return tuple((p.name, p.read_bytes()) for p in paths)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@_cached(max_entries=64)
def load(
    files: Files, definitions: pd.DataFrame | None = None, known: tuple[str, ...] = ()
) -> Loaded:
    """Parse and validate workbooks; cached by their bytes (and the definitions and known
    departments used)."""
    return load_files(list(files), definitions=definitions, known_departments=known)


def _sample() -> tuple[Files, Loaded]:
    """The sample company's files, read once, and their parse: what a new store is given."""
    files = sample_files()
    return files, load(files)


@_shared()
def _engine(url: str) -> Engine:
    """The store (created, migrated and given the sample company on first start)."""
    return store.start(url, sample=_sample)


def _url() -> str:
    return runs.once("url", store.database_url)


def engine() -> Engine:
    """The store named by `DATABASE_URL`, else the SQLite file in `KPI_DATA_DIR`."""
    return runs.once("engine", lambda: _engine(_url()))


def _revision_of(actions: tuple[str, ...]) -> int:
    """The store's revision for `actions` (`store.revision`): every action's last entry
    is read in one query once per run (`store.revisions`)."""
    return store.latest(runs.once("revisions", lambda: store.revisions(engine())), actions)


def _shown(error: Exception, lang: str) -> bool:
    """Say a failure of the store or the users file (`kpi_engine.failures`) as what to
    do, with the details in the server log; False when `error` is not one (a bug)."""
    code = failures.failure(error)
    if code is None:
        return False
    _LOG.error("%s failure", code, exc_info=error)
    st.error(t(f"failure.{code}", lang), icon=":material/error:")
    return True


@contextmanager
def failures_shown(lang: str) -> Iterator[None]:
    """Around each run (app.py): a data directory that cannot be written, a full disk, a
    damaged database or users file, an unreachable PostgreSQL ends the page with what to
    do, never a traceback naming paths or SQL. Nothing is cached on the way, so the
    next run after the fix works."""
    try:
        yield
    except Exception as error:
        if not _shown(error, lang):
            raise
        st.stop()


def _as_user(change: Callable[[Actor], T]) -> T | None:
    """A store write as the signed-in user (looked up again, as the store does too). A
    refusal or a failure is said in the user's words and stores nothing: None. Writes
    run from buttons' callbacks too, before app.py's guard, so they cannot just raise."""
    lang = state.lang()
    try:
        who = auth.current()
        if who is None:  # signed out since the page was drawn: the sign-in form says so
            return None
        try:
            return change(who)
        finally:
            runs.forget()  # the rest of the run sees what the change did
            st.session_state[WROTE] = True  # and the session's next runs, whoever is scoring
    except Forbidden as error:
        if error.code != "signed_out":
            st.error(auth.refused(error, lang), icon=":material/block:")
        return None
    except store.Refused as refusal:  # another session got there first, or a closed month
        said = text.md(f"data.{refusal.code}", lang, **refusal.params)
        if refusal.code == "period_closed":  # stays on the page: what to do about it
            st.error(said, icon=":material/lock:")
        else:
            st.toast(said, icon=":material/block:")
        return None
    except Exception as error:
        if not _shown(error, lang):
            raise
        return None


def _did(change: Callable[[Actor], object]) -> bool:
    """`_as_user` for a write that returns nothing: whether it was done."""
    return _as_user(lambda who: change(who) or True) is not None


def uploads() -> list[str]:
    """The names of the files stored from this session, in the order they were stored."""
    return [name for name, _ in st.session_state.get(state.UPLOADS, {}).values()]


def accept(name: str, data: bytes) -> store.UploadResult | None:
    """Store an uploaded file's good rows: every session shows them from now on. None when
    it was refused (another department's rows, a role that may not upload), said on the page."""
    loaded = check(((name, data),))
    result = _as_user(
        lambda who: store.save_upload(engine(), name=name, data=data, loaded=loaded, uploader=who)
    )
    if result is not None:
        st.session_state.setdefault(state.UPLOADS, {})[digest(data)] = (name, result)
    return result


def upload_result(content: bytes) -> store.UploadResult | None:
    """What storing this file did in this session (None: not stored yet)."""
    stored = st.session_state.get(state.UPLOADS, {}).get(digest(content))
    return None if stored is None else stored[1]


# A data revision and the pending uploads the session's actor sees (`store.shown_pending`):
# what cached frames are keyed by, so sessions that see the same data share them.
Revision = tuple[int, tuple[int, ...]]


def _revision() -> Revision:
    who = auth.actor()
    seen = runs.once(("pending", who), lambda: store.shown_pending(engine(), who))
    now = _revision_of(store.DATA_ACTIONS)
    if seen:  # someone's pending uploads: their own frames, always as stored now
        return now, seen
    return runs.once(("shown", now), lambda: (_shown_revision(_url(), now), ()))


# Per store: the newest data revision whose shared frames (the stored rows, the month
# history: what every run's sidebar needs) are made, and the one a run is making now.
_MADE: dict[str, int] = {}
_MAKING: dict[str, int] = {}
_MADE_LOCK = threading.Lock()
_SEEN = "data_revision_seen"  # session state: the newest data revision the session showed
WROTE = "data_written"  # session state: the session changed the data since its last run


def _shown_revision(url: str, now: int) -> int:
    """The data revision a run shows: `now`, except while another run is making the shared
    frames of a newer revision than those made (after an upload elsewhere) and this session
    has seen nothing newer and changed nothing itself: then the last made, so that a
    hundred viewers are not all held up by one upload's scoring; their next run shows it.
    The run that finds `now` new makes those frames before its page (`_make`)."""
    mine = bool(st.session_state.get(WROTE))
    with _MADE_LOCK:
        made, making = _MADE.get(url), _MAKING.get(url)
        stale = stale_choice(now, made, making, st.session_state.get(_SEEN, 0), mine)
        claim = stale is None and making is None and (made is None or now > made)
        if claim:
            _MAKING[url] = now
    shown = now if stale is None else stale
    if claim:
        _make(url, now)
    st.session_state[_SEEN] = max(shown, st.session_state.get(_SEEN, 0))
    st.session_state[WROTE] = False
    return shown


def stale_choice(
    now: int, made: int | None, making: int | None, seen: int, wrote: bool
) -> int | None:
    """The older revision to show instead of `now` (None: show `now`): the one made, when
    a run is making a newer one, and the session neither saw a newer one nor wrote."""
    if made is None or now <= made or making is None or wrote or seen > made:
        return None
    return made


def _make(url: str, now: int) -> None:
    """Make `now`'s shared frames (the stored rows, the month history) for every run; then
    runs show it. Whatever happens, `now` is no longer being made."""
    try:
        _history(url, (now, ()), "month", settings())  # scored aside of the turns
        with _MADE_LOCK:
            _MADE[url] = max(_MADE.get(url, now), now)
    finally:
        with _MADE_LOCK:
            if _MAKING.get(url) == now:
                del _MAKING[url]


@_shared(max_entries=4)
def _stored(url: str, revision: Revision) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the store shows at a revision of its data: KPI rows (with the pending uploads
    the revision names) and definitions."""
    current = _engine(url)
    if revision[1]:  # someone's pending uploads: read as they see them
        kpis = store.current_kpis(current, pending=revision[1])
    else:
        kpis = store.shown_rows(current, _published_rows(url))
    return kpis, store.definitions(current)


# Each store's published rows as this process last read them, the latest few stores only
# (a server has one; a test run opens hundreds).
_ROWS: dict[str, store.StoredRows] = {}
_ROWS_KEPT = 4
_ROWS_LOCK = threading.Lock()


def _published_rows(url: str) -> store.StoredRows:
    """The store's published rows now, from those this process read last
    (`store.stored_rows`): after an upload only its department-months are read again,
    not a whole group's history. A new process starts from the copy kept beside the
    store (`store.snapshot`), and keeps a new one, aside, after any whole read."""
    kept = store.snapshot_path(data_dir(), url)
    with _ROWS_LOCK:
        before = _ROWS.pop(url, None) or store.read_snapshot(kept)
        found = store.stored_rows(_engine(url), before)
        _ROWS[url] = found  # newest last
        while len(_ROWS) > _ROWS_KEPT:
            del _ROWS[next(iter(_ROWS))]
    if found.whole:
        threading.Thread(target=store.write_snapshot, args=(kept, found), name="kpi-rows").start()
    return found


def _current() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _stored(_url(), _revision())


@_shared(max_entries=8)
def _settings(url: str, revision: int) -> Settings:
    return store.load_settings(_engine(url))


def settings() -> Settings:
    """The organisation's scoring settings: the latest stored, else SPEC's defaults. Looked
    up once per run (a run asks eight times and more)."""
    return runs.once("settings", lambda: _settings(_url(), _revision_of(store.SETTINGS_ACTIONS)))


def save_settings(new: Settings) -> bool:
    """Store new settings for every session; the change is logged with who made it."""
    return _did(lambda who: store.save_settings(engine(), new, user=who))


@_cached(max_entries=8)
def _settings_history(url: str, revision: int) -> pd.DataFrame:
    return store.settings_history(_engine(url))


def settings_history() -> pd.DataFrame:
    """Every stored change of the settings (`store.settings_history`): read once per change."""
    return _settings_history(_url(), _revision_of(store.SETTINGS_ACTIONS))


def settings_then(period: str, time_zone: str) -> Settings | None:
    """The settings in force at the end of `period` (`explain.settings_then`), worked out
    once per change of the settings for every session: each Overview and Scorecard run
    asks for the previous period's."""
    return _settings_then(_url(), _revision_of(store.SETTINGS_ACTIONS), period, time_zone)


@_shared(max_entries=32)
def _settings_then(url: str, revision: int, period: str, time_zone: str) -> Settings | None:
    return explain.settings_then(_settings_history(url, revision), period, time_zone)


@_cached(max_entries=8)
def _scenarios(url: str, revision: int) -> pd.DataFrame:
    return store.list_scenarios(_engine(url))


def scenarios() -> pd.DataFrame:
    """Saved what-if scenarios shared by every session: name, scenario, saved_by, saved_at."""
    return _scenarios(_url(), _revision_of(store.SCENARIO_ACTIONS))


def save_scenario(scenario: Scenario) -> bool:
    return _did(lambda who: store.save_scenario(engine(), scenario, user=who))


def delete_scenario(name: str) -> bool:
    return _did(lambda who: store.delete_scenario(engine(), name, user=who))


def kpis() -> pd.DataFrame:
    """The KPI rows every page shows: the newest version of each department's month."""
    return _current()[0]


def shown_kpis() -> pd.DataFrame:
    """`kpis()` with names in the user's script (`i18n.script`), converted once per data
    revision, settings and language: the rows the What-if page scores and shows."""
    return _shown_kpis(*shown_kpis_key())


def shown_kpis_key() -> tuple[str, Revision, str, str]:
    """What `shown_kpis` is made from (store, data revision, script, language): the key
    of what is cached from those rows (the What-if page's baseline)."""
    url, revision, _, current, lang = _view("month")
    return url, revision, current.script, lang


@_shared(max_entries=8)
def _shown_kpis(url: str, revision: Revision, script: str, lang: str) -> pd.DataFrame:
    frame = _stored(url, revision)[0]
    return shown_frame(frame, lang, script) if lang else frame


def definitions() -> pd.DataFrame:
    return _current()[1]


def check(files: Files) -> Loaded:
    """Validate files the user just picked, against the definitions and departments
    already stored."""
    return load(files, definitions(), tuple(pd.unique(kpis()["department"].astype(object))))


def to_check(loaded: Loaded) -> bool:
    """Whether the file's numbers need a look before they are stored (SPEC §5.10: the
    sheet's own score disagrees, a unit slip): the page then waits for the manager."""
    return bool(loaded.issues["code"].isin(CHECK_BEFORE_IMPORT).any())


def history(grain: str) -> Scorecard:
    """Every period of a grain (and what each is compared with), for every page, with its
    names in the user's script (`i18n.script`): scored once per data, grain and settings,
    converted once per language, shared by every session."""
    view = _view(grain)
    return _remember(_shown_history(*view), ("history", *view))


# What a scorecard handed to a page was made from: `_view`'s inputs (and the departments
# chosen), each a cache key, so that what a page derives from the card (the waterfall of
# ui/explain) can be cached across sessions by them, not by hashing the card's frames.
# Keyed by the card's id while it lives (a cache hit is a new copy on every run).
Origin = tuple
_ORIGINS: runs.Kept = {}


def _remember(card: Scorecard, origin: Origin) -> Scorecard:
    runs.keep(_ORIGINS, card, origin)
    return card


def origin(card: Scorecard) -> Origin | None:
    """What `card` was made from (a cache key), if `history`, `history_at` or
    `chosen_history` made it."""
    return runs.kept(_ORIGINS, card)


def card(made_from: Origin) -> Scorecard:
    """The scorecard `origin` names, again (from the cache when it holds it)."""
    kind, *inputs = made_from
    made = {"history": _shown_history, "chosen": _chosen, "at": _seen}[kind]
    return made(*inputs)


def _view(grain: str) -> tuple[str, Revision, str, Settings, str]:
    """What a page's frames depend on: the store, its data revision, the grain, the
    settings and the language to convert names to ("" = as stored)."""
    chosen = settings()
    revision = _revision()
    lang = state.lang() if converter(state.lang(), chosen.script) else ""
    return _url(), revision, grain, chosen, lang


@_shared(max_entries=8)
def _edges(url: str, revision: Revision) -> pd.DataFrame:
    """The organisation tree's current edges (unit, parent) with the pending uploads the
    revision names, read once per data revision."""
    return store.org_edges(_engine(url), pending=revision[1])


@_shared(max_entries=12)
def _history(url: str, revision: Revision, grain: str, current: Settings) -> Scorecard:
    with runs.aside():  # scoring: the other sessions' runs need not wait for it
        frame = _stored(url, revision)[0]
        labels = insights.comparison_labels(_period_labels(url, revision)[grain])
        edges = _edges(url, revision)
        return insights.history(frame, labels, settings=current, org=edges)


@_shared(max_entries=12)
def _shown_history(
    url: str, revision: Revision, grain: str, current: Settings, lang: str
) -> Scorecard:
    scored = _history(url, revision, grain, current)
    return shown_scorecard(scored, lang, current.script) if lang else scored


def tree() -> org.Tree:
    """The organisation tree (stored names; falsy without one), as the histories use it."""
    url, revision, grain, current, _ = _view("month")
    return _tree(url, revision, grain, current)


@_cached(max_entries=16)
def _tree(url: str, revision: Revision, grain: str, current: Settings) -> org.Tree:
    """The history's tree on its own: a page asking whether there is one, or which it is,
    copies this small cached value, not the whole cached history."""
    return _history(url, revision, grain, current).tree


def history_at(grain: str, node: str | None) -> Scorecard:
    """`history(grain)` seen from a node of the tree (`org.at`: the node's children as
    the rows, its own score as the organisation's), names in the user's script; `history`
    itself without a tree. Worked out once per data, grain, settings, node and language,
    shared by every session looking at the same node."""
    inputs = (*_view(grain), node)
    return _remember(_seen(*inputs), ("at", *inputs))


def _seen(
    url: str, revision: Revision, grain: str, current: Settings, lang: str, node: str | None
) -> Scorecard:
    """`history_at` for a view's inputs (`_view`)."""
    if not _tree(url, revision, grain, current):
        return _shown_history(url, revision, grain, current, lang)
    return _at(url, revision, grain, current, node, lang)


@_shared(max_entries=32)
def _at(
    url: str, revision: Revision, grain: str, current: Settings, node: str | None, lang: str
) -> Scorecard:
    whole = _history(url, revision, grain, current)
    seen = org.at(whole, node)
    if not lang:
        return seen
    # what `org.at` passed on untouched (the group's KPI rows: 1.8 M at 500 units) is
    # taken from the whole history as shown, not converted a second time
    shown = _shown_history(url, revision, grain, current, lang)
    done = {
        f.name: getattr(shown, f.name)
        for f in fields(seen)
        if isinstance(getattr(seen, f.name), pd.DataFrame)
        and getattr(seen, f.name) is getattr(whole, f.name)
    }
    return shown_scorecard(seen, lang, current.script, done=done)


def shown() -> Callable[[str], str]:
    """How this run shows a stored name (`history`'s script): the `format_func` of widgets
    whose values stay stored names (the department filter, the version browser), so a
    choice survives a change of language. Fixed at this run's language and settings."""
    return partial(shown_name, lang=state.lang(), script=settings().script)


def chosen_history(grain: str, departments: tuple[str, ...]) -> Scorecard:
    """`history(grain)` for the chosen departments (stored names), their organisation score
    rolled up over them alone (`insights.of_departments`). None chosen: `history(grain)`
    itself, so that what pages derive from it is shared with the pages showing that."""
    if not departments:
        return history(grain)
    url, revision, grain, current, lang = _view(grain)
    inputs = (url, revision, grain, current, tuple(departments), lang)
    return _remember(_chosen(*inputs), ("chosen", *inputs))


@_shared(max_entries=16)
def _chosen(
    url: str,
    revision: Revision,
    grain: str,
    current: Settings,
    departments: tuple[str, ...],
    lang: str,
) -> Scorecard:
    scored = _history(url, revision, grain, current)
    chosen = insights.of_departments(scored, departments, settings=current)
    return shown_scorecard(chosen, lang, current.script) if lang else chosen


def period_labels() -> dict[str, list[str]]:
    """Every grain's periods: worked out once per change of the data, not copied out of
    the cache with every KPI row on every run of every session (the sidebar asks)."""
    return _period_labels(_url(), _revision())


@_cached(max_entries=8)
def _period_labels(url: str, revision: Revision) -> dict[str, list[str]]:
    return insights.grain_labels(_stored(url, revision)[0])


def departments() -> list[str]:
    """Departments with KPI rows of their own: the ones expected to report (once per
    change of the data, as `period_labels`)."""
    return _departments(_url(), _revision())


@_cached(max_entries=8)
def _departments(url: str, revision: Revision) -> list[str]:
    return sorted(_stored(url, revision)[0]["department"].unique())


def shown_departments(grain: str = "month", period: str | None = None) -> list[str]:
    """Every department with a scorecard, for the pickers: those with KPIs of their own
    and those that only share another department's KPIs (SPEC §3: shown, though not
    counted in the organisation score). Worked out once per change of the stored data.
    Listed as charts list them (`names.in_department_order`): the settings' order, else
    by score in `period` of `grain` (the grain's latest period when None or unknown)."""
    url, revision, grain, current, _ = _view(grain if grain in state.GRAINS else "month")
    return _ordered_departments(url, revision, grain, current, period)


@_cached(max_entries=32)
def _ordered_departments(
    url: str, revision: Revision, grain: str, current: Settings, period: str | None
) -> list[str]:
    """`shown_departments`, once per data, grain, settings and period for every session
    (the sidebar asks on every run), not a copy of the whole scorecard each time."""
    names = _shown_departments(url, revision)
    table = _history(url, revision, grain, current).departments  # stored names
    labels = in_order(pd.unique(table["period"].astype(object)))
    if period not in labels:
        period = labels[-1] if labels else None
    at = table[(table["period"] == period).to_numpy(bool)]
    scores = dict(zip(at["department"].astype(str), at["score"].astype(float), strict=True))
    return in_department_order(names, scores, order=current.department_order)


@_cached(max_entries=8)
def _shown_departments(url: str, revision: Revision) -> list[str]:
    """Every period at the grain it was reported in: a department that reports only
    quarterly has no month, and is still a department (SPEC §5.1)."""
    return card_departments(_stored(url, revision)[0])


def templates() -> dict[str, Path]:
    """Blank workbooks to download, by the catalog key of their button."""
    return {
        "data.template_zh_hans": TEMPLATES / "KPI填报模板.xlsx",
        "data.template_zh_hant": TEMPLATES / "KPI填報範本.xlsx",
        "data.template_en": TEMPLATES / "kpi_template_en.xlsx",
    }


def year_scores(period: str | None, node: str | None = None) -> pd.DataFrame:
    """Each department's overall score for every month of the period's year (with a tree,
    each child's of `node`), once per data, settings, language, node and year for every
    session."""
    return _year_scores(*_view("month"), node, period[:4] if period else None)


@_shared(max_entries=16)
def _year_scores(
    url: str,
    revision: Revision,
    grain: str,
    current: Settings,
    lang: str,
    node: str | None,
    year: str | None,
) -> pd.DataFrame:
    months = _seen(url, revision, grain, current, lang, node).departments
    if not year:
        return months
    return months[months["period"].str.startswith(year)]


def upload_history() -> pd.DataFrame:
    """Every stored upload, newest first: what was loaded, by whom, when, and its counts;
    its departments as this session shows them (`shown`). Read once per change of the
    uploads and language for every session, as the three below."""
    script = settings().script
    return _upload_history(_url(), _revision_of(store.DATA_ACTIONS), state.lang(), script)


@_cached(max_entries=8)
def _upload_history(url: str, revision: int, lang: str, script: str) -> pd.DataFrame:
    found, name = store.history(_engine(url)), partial(shown_name, lang=lang, script=script)
    return found.assign(departments=found["departments"].map(lambda d: tuple(map(name, d))))


def uploads_token() -> tuple[str, int, str]:
    """The store, the revision of its uploads and the settings' script: what the tables
    shown from the upload history and versions depend on besides their own arguments (a
    cache key read once per run, `ui.derived.shown_versions`)."""
    return _url(), _revision_of(store.DATA_ACTIONS), settings().script


def covered() -> pd.DataFrame:
    """Every department-month ever uploaded and its number of versions."""
    return _covered(_url(), _revision_of(store.DATA_ACTIONS))


@_cached(max_entries=8)
def _covered(url: str, revision: int) -> pd.DataFrame:
    return store.covered(_engine(url))


def versions(department: str, period: str) -> pd.DataFrame:
    """Every stored upload of a department's month, oldest first, the one shown marked."""
    return _versions(_url(), _revision_of(store.DATA_ACTIONS), department, period)


@_cached(max_entries=64)
def _versions(url: str, revision: int, department: str, period: str) -> pd.DataFrame:
    return store.versions(_engine(url), department, period)


def restore(upload_id: int) -> bool:
    """Show an earlier version again (and bring it back if it was deleted)."""
    return _did(lambda who: store.restore(engine(), upload_id, user=who))


def delete(upload_id: int) -> bool:
    """Hide an upload everywhere; the version before it is shown again. Undoable. False
    (with the reason said) when another session deleted it first, or the user may not."""
    return _did(lambda who: store.delete(engine(), upload_id, user=who))


def undo_delete(upload_id: int) -> bool:
    """Bring a deleted upload back. False (with the reason said) when it is not deleted,
    e.g. another session undid the delete first."""
    return _did(lambda who: store.undo_delete(engine(), upload_id, user=who))


@_cached(max_entries=8)
def _submission_log(url: str, revision: int) -> pd.DataFrame:
    return store.submission_log(_engine(url))


def uploads_revision() -> tuple[str, Revision]:
    """The store and its data revision as this session sees it: what a cache of what is
    derived from the submission log and the departments (the board's counts) is keyed by."""
    return _url(), _revision()


def submission_log() -> pd.DataFrame:
    """Every upload of every department-period (`store.submission_log`), for the submission
    board: read once per change of the store's data."""
    return _submission_log(_url(), _revision_of(store.DATA_ACTIONS))


@_cached(max_entries=8)
def _actions(url: str, revision: int) -> pd.DataFrame:
    return store.actions(_engine(url))


def actions() -> pd.DataFrame:
    """Every action agreed in meetings (`store.actions`), shared by every session; read
    once per change of the actions."""
    return _actions(_url(), _revision_of(store.ACTION_ACTIONS))


def add_action(**action: object) -> bool:
    """Record a meeting action (`store.add_action`'s keywords) as the signed-in user."""
    return _did(lambda who: store.add_action(engine(), **action, user=who))  # type: ignore[arg-type]


def close_action(action_id: int, note: str = "") -> bool:
    """Close a meeting action; False (with the reason said) when another session did first."""
    return _did(lambda who: store.close_action(engine(), action_id, user=who, note=note))


# -- approval and closing a period (issue 17; the widgets are ui/review.py) ----------------


def review_queue() -> pd.DataFrame:
    """The pending uploads this session's user may approve or send back, newest first."""
    return _review_queue(_url(), _revision_of(store.DATA_ACTIONS), auth.actor())


@_cached(max_entries=32)
def _review_queue(url: str, revision: int, who: Actor) -> pd.DataFrame:
    return store.pending(_engine(url), who)


def approve(upload_id: int, comment: str) -> bool:
    return _did(lambda who: store.approve(engine(), upload_id, user=who, comment=comment))


def send_back(upload_id: int, comment: str) -> bool:
    return _did(lambda who: store.send_back(engine(), upload_id, user=who, comment=comment))


def closed_periods() -> pd.DataFrame:
    """The periods closed now: period, closed_by, closed_at, comment (read once per
    change of the closures)."""
    return _closed_periods(_url(), _revision_of(store.PERIOD_ACTIONS))


@_cached(max_entries=8)
def _closed_periods(url: str, revision: int) -> pd.DataFrame:
    return store.closed_periods(_engine(url))


def close_period(period: str, comment: str) -> bool:
    return _did(lambda who: store.close_period(engine(), period, user=who, comment=comment))


def reopen_period(period: str, comment: str) -> bool:
    return _did(lambda who: store.reopen_period(engine(), period, user=who, comment=comment))


# -- notes on KPIs (issue 17; shown and edited by ui/notes.py) --------------------------------


@_cached(max_entries=8)
def _notes(url: str, revision: int) -> pd.DataFrame:
    return store.notes(_engine(url))


def notes() -> pd.DataFrame:
    """The note shown for every KPI and period, read once per change of notes or data (an
    upload may bring notes)."""
    return _notes(_url(), _revision_of(store.NOTE_ACTIONS + store.DATA_ACTIONS))


def note_history(department: str, period: str, kpi_key: str) -> pd.DataFrame:
    return store.note_history(engine(), department, period, kpi_key)


def save_note(**note: str) -> bool:
    """Store a note as the signed-in user; a refusal is said in their words: False."""
    return _did(lambda who: store.save_note(engine(), **note, user=who))


def may_write_note(department: str) -> bool:
    """Whether the signed-in user may write notes on `department`'s KPIs (the store checks
    again): the Scorecard shows its editor only then."""
    who = auth.actor()
    return who.may(NOTE) and who.owns(department)

"""What one run of the app reads once, and how the caches hash the settings cheaply.

A page run asks dozens of times for the store's revisions, its address and whether
sign-in is set up (every cached frame is keyed by them). app.py runs each page inside
`one_read_per_run`: each is read once in the run (`once`), and a write during the run
forgets them (`forget`). Outside a run (a button's callback) every read is fresh.

Streamlit hashes a cached function's arguments on every call, a `Settings` field by
field (thousands of values with a group's department weights), a frame cell by cell
with pandas' hashing (a millisecond for the sample's 168 department rows, a tenth of a
page run in all): `HASH_FUNCS` hashes one `Settings` object once, by its repr, and a
frame by its pickle (`frame_digest`), for every cache of the app, and `cache_by_name`
hands a cached function its arguments by name.

`admitted` lets a few runs go at once and queues the others. Python runs one thread at a
time, so a hundred runs interleaved each last as long as all of them together, and they
queue on Streamlit's own locks besides (its configuration is read under one lock for
every element drawn): with 100 sessions on 2 cores, p95 was 11.6 s all at once, 4.4 s two
at a time and 2.1 s one at a time (README "Runs take turns"). A store across a network,
where runs wait on it, may want more (`KPI_RUN_SLOTS`). Work done once for every session
is done `aside` of the turns, so that nobody queues behind another session's scoring.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import pickle
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import pandas as pd

from kpi_engine import Settings

T = TypeVar("T")

SLOTS_ENV = "KPI_RUN_SLOTS"
DEFAULT_SLOTS = 1  # runs at once: measured best on SQLite (module docstring)
SLOT_WAIT = 10.0  # seconds a run waits for its turn at most, then goes anyway


def _slots(environ: Mapping[str, str] = os.environ) -> int:
    """The runs let in at once: `KPI_RUN_SLOTS` when it is a whole number from 1 up."""
    text = environ.get(SLOTS_ENV, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_SLOTS


_TURNS = threading.BoundedSemaphore(_slots())


class _Turn:
    """Whether the run of this thread holds a turn now (`aside` gives it up)."""

    def __init__(self, held: bool) -> None:
        self.held = held


_TURN: ContextVar[_Turn | None] = ContextVar("turn", default=None)


@contextmanager
def admitted(wait: float = SLOT_WAIT) -> Iterator[None]:
    """Around a run of the app: its turn among `KPI_RUN_SLOTS` runs at once. A run
    that waited `wait` seconds goes anyway, so that no run stuck in a slow store
    holds up the others for ever."""
    turn = _Turn(_TURNS.acquire(timeout=wait))
    token = _TURN.set(turn)
    try:
        yield
    finally:
        _TURN.reset(token)
        if turn.held:
            _TURNS.release()


@contextmanager
def aside() -> Iterator[None]:
    """Around work done once for every session (scoring a new data revision, a shared
    chart or table): the run gives its turn up for the rest of it, so that the other
    sessions' runs, which show what is made already, do not queue behind it (seconds at
    500 units). It does not queue for a turn again: a run waiting to take one back
    behind a hundred others waited up to `SLOT_WAIT` (p95 15.6 s at 100 sessions).
    Outside a turn it does nothing."""
    turn = _TURN.get()
    if turn is not None and turn.held:
        turn.held = False
        _TURNS.release()
    yield


_READS: ContextVar[dict[object, object] | None] = ContextVar("reads", default=None)


@contextmanager
def one_read_per_run() -> Iterator[None]:
    """Around a run of the app: what `once` reads is read once in it."""
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def once(key: object, read: Callable[[], T]) -> T:
    """`read()`, once per run for `key` (every time outside a run)."""
    reads = _READS.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    return reads[key]  # type: ignore[return-value]


def forget() -> None:
    """After a write: the rest of the run reads afresh."""
    reads = _READS.get()
    if reads is not None:
        reads.clear()


# Values kept beside live objects, by the object's id (frames, Stylers and scorecards are
# unhashable: no WeakKeyDictionary). An entry goes when its object does, and is found only
# for that very object, never for a later one given the same id.
Kept = dict[int, tuple[weakref.ref, Any]]


def keep(registry: Kept, owner: object, value: T) -> T:
    """`value` in `registry` while `owner` lives; returns it."""
    key = id(owner)
    registry[key] = (weakref.ref(owner, lambda _: registry.pop(key, None)), value)
    return value


def kept(registry: Kept, owner: object) -> Any:
    """What `keep` put in `registry` for `owner`, None if nothing."""
    found = registry.get(id(owner))
    return found[1] if found is not None and found[0]() is owner else None


_DIGESTS: Kept = {}  # each Settings object's digest (the caches hand out the same one)


def settings_digest(settings: Settings) -> str:
    """A digest of every setting (`Settings` is frozen), computed once per object."""
    found = kept(_DIGESTS, settings)
    if found is None:
        digest = hashlib.blake2b(repr(settings).encode(), digest_size=16).hexdigest()
        found = keep(_DIGESTS, settings, digest)
    return found


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a frame's every cell, its index, columns and dtypes: its pickle's,
    a tenth of the time pandas takes to hash the cells. Equal frames pickled apart (one
    string object repeated, or equal ones) only miss the cache; no two different frames
    share a digest, as Streamlit's sample of a large frame's rows could."""
    data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


HASH_FUNCS: dict[Any, Callable[[Any], Any]] = {
    Settings: settings_digest,
    pd.DataFrame: frame_digest,
}


def cache_by_name(
    kind: Callable[..., Any], **options: Any
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """`kind` (`st.cache_data` or `st.cache_resource`) hashing with `HASH_FUNCS`, each
    argument handed to it by name. Streamlit looks every positional argument's name up in
    the function's signature on every call (`inspect.signature`), to skip those named
    `_...`: a third of making a key, and a page run makes two dozen keys."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        cached = kind(hash_funcs=HASH_FUNCS, **options)(func)
        names = tuple(inspect.signature(func).parameters)

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> T:
            if len(args) > len(names):
                raise TypeError(f"{func.__qualname__} takes {len(names)} arguments")
            return cached(**dict(zip(names, args, strict=False)), **kwargs)

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    return decorate

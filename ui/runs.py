"""What one run of the app reads once, and how the caches hash the settings cheaply.

A page run asks dozens of times for the store's revisions, its address and whether
sign-in is set up (every cached frame is keyed by them). app.py runs each page inside
`one_read_per_run`: each is read once in the run (`once`), and a write during the run
forgets them (`forget`). Outside a run (a button's callback) every read is fresh.

Streamlit hashes a cached function's arguments on every call, a `Settings` field by
field (thousands of values with a group's department weights): `HASH_FUNCS` hashes one
`Settings` object once, by its repr, for every cache that takes settings.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from kpi_engine import Settings

T = TypeVar("T")

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


# id(settings) -> digest, while that object lives (the caches hand out the same one).
_DIGESTS: dict[int, str] = {}


def settings_digest(settings: Settings) -> str:
    """A digest of every setting (`Settings` is frozen), computed once per object."""
    key = id(settings)
    found = _DIGESTS.get(key)
    if found is None:
        found = hashlib.blake2b(repr(settings).encode(), digest_size=16).hexdigest()
        _DIGESTS[key] = found
        weakref.finalize(settings, _DIGESTS.pop, key, None)
    return found


HASH_FUNCS: dict[Any, Callable[[Any], Any]] = {Settings: settings_digest}

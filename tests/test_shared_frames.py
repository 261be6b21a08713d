"""The frames every session shares without a copy (`ui.data`'s `st.cache_resource`
caches, and the charts and tables cached from them) stay as they were built after every
page has run on them: a page or helper that wrote into one would change what every other
session sees. Each cached function is wrapped to remember what it hands out and its
fingerprint at that moment; after the pages, every one must still have it."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.io.formats.style import Styler

from tests.apps import PAGES, open_page, start, upload
from tests.group_data import GROUP, HIERARCHY_FILE, MANUFACTURING, hierarchy_workbook
from ui import data, derived, explain, whatif
from ui.state import GRAIN, ORG_NODE

# The caches shared without a copy: ui/data.py's frames, the What-if page's baseline
# and the charts built once (ui/derived.py).
SHARED = (
    (data, "_stored"),
    (data, "_shown_kpis"),
    (data, "_edges"),
    (data, "_history"),
    (data, "_shown_history"),
    (data, "_at"),
    (data, "_chosen"),
    (data, "_year_scores"),
    (data, "_settings"),
    (whatif, "_prepared"),
    (derived, "_chart"),
    (derived, "_shared_of_card"),
    (explain, "_shared_change"),
)


def fingerprint(value: Any) -> str:
    """A digest of a value's content: frames (columns, dtypes, index and cells), arrays,
    dataclasses, mappings and sequences of them, anything else by its repr."""
    digest = hashlib.sha256()

    def feed(item: Any) -> None:
        if isinstance(item, pd.DataFrame):
            digest.update(repr((list(item.columns), [str(d) for d in item.dtypes])).encode())
            digest.update(pd.util.hash_pandas_object(item.index).to_numpy().tobytes())
            for column in item.columns:
                cells = item[column]
                try:
                    hashed = pd.util.hash_pandas_object(cells, index=False).to_numpy()
                    digest.update(hashed.tobytes())
                except TypeError:  # lists or dicts in a cell
                    digest.update(repr(cells.tolist()).encode())
            digest.update(repr(item.attrs).encode())
        elif isinstance(item, pd.Series):
            feed(item.to_frame())
        elif isinstance(item, np.ndarray):
            digest.update(repr((item.dtype, item.shape)).encode())
            digest.update(item.tobytes() if item.dtype != object else repr(item.tolist()).encode())
        elif isinstance(item, derived.Chart):  # what every session's browser is sent
            feed(item.shown)
        elif isinstance(item, Styler):  # its rows, and the styles and text settled once
            feed(item.data)
            feed(item._translate(False, False))
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            for field in dataclasses.fields(item):
                digest.update(field.name.encode())
                feed(getattr(item, field.name))
        elif isinstance(item, dict):
            for key, inner in item.items():
                digest.update(repr(key).encode())
                feed(inner)
        elif isinstance(item, (list, tuple)):
            digest.update(f"{type(item).__name__}{len(item)}".encode())
            for inner in item:
                feed(inner)
        else:
            digest.update(repr(item).encode())

    feed(value)
    return digest.hexdigest()


class Handed:
    """Every object the wrapped caches handed out, with its fingerprint when first seen."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[str, Any, str]] = {}
        self.caches: list[Any] = []

    def wrap(self, name: str, cached: Callable[..., Any]) -> Callable[..., Any]:
        self.caches.append(cached)

        def handing(*args: Any, **kwargs: Any) -> Any:
            value = cached(*args, **kwargs)
            if id(value) not in self.seen:
                self.seen[id(value)] = (name, value, fingerprint(value))
            return value

        return handing

    def changed(self) -> list[str]:
        return [name for name, value, before in self.seen.values() if fingerprint(value) != before]


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Handed]:
    """The shared caches, wrapped (their modules look them up by name on each call)."""
    found = Handed()
    for module, name in SHARED:
        monkeypatch.setattr(module, name, found.wrap(name, getattr(module, name)))
    yield found


def every_page(env: pytest.MonkeyPatch, directory: Path, nodes: tuple[str | None, ...]) -> int:
    """Every page in two languages and two grains, at each node: how many runs."""
    runs = 0
    for lang in ("zh-Hans", "zh-Hant"):
        at = start(env, directory, lang=lang)
        for node in nodes:
            for grain in ("month", "quarter"):
                at.session_state[GRAIN] = grain
                if node is not None:
                    at.session_state[ORG_NODE] = node
                for page in PAGES:
                    open_page(at, page)
                    assert not at.exception, (page, [e.message for e in at.exception])
                    runs += 1
    return runs


def test_pages_leave_the_shared_frames_of_the_sample_as_they_were(
    handed: Handed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert every_page(monkeypatch, tmp_path, (None,))
    names = {name for name, _, _ in handed.seen.values()}
    # `_chosen` only when departments are chosen: with none the Overview shows `history`
    assert {"_stored", "_history", "_shown_history", "_year_scores", "_prepared", "_chart"} <= names
    assert {"_shared_of_card", "_shared_change"} <= names  # styled tables, score changes
    assert handed.changed() == []


def test_pages_at_every_level_of_a_tree_leave_the_shared_frames_as_they_were(
    handed: Handed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    group = upload(tmp_path, {HIERARCHY_FILE: hierarchy_workbook()})
    assert every_page(monkeypatch, group, (GROUP, MANUFACTURING, "生产部"))
    assert "_at" in {name for name, _, _ in handed.seen.values()}
    assert handed.changed() == []


def test_a_write_into_a_shared_frame_is_caught(
    handed: Handed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The check itself: a page that writes into the shared history is found out."""
    at = start(monkeypatch, tmp_path)
    open_page(at, "overview")
    name, card, _ = next(v for v in handed.seen.values() if v[0] == "_history")
    try:
        card.departments["score"] = 0.0  # what a careless page would do
        assert name in handed.changed()
    finally:  # no later test gets the spoilt frame
        for cache in handed.caches:
            cache.clear()

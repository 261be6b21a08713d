"""Test-wide settings.

Hypothesis runs without a per-example deadline: the machines running this suite are shared
and a slow first example is not a failure of the law.

Every test gets one kind marker (pyproject.toml registers them), found here so that no test
file has to say it: `e2e` for tests/e2e (a real server and Chromium), `app` for a test
that drives the app with Streamlit's AppTest (itself, through a fixture or through a helper
such as `tests.apps.start`), `unit` for the rest. A kind written on a test by hand stays
(`e2e` outside tests/e2e). `slow` is written on a test by hand.

`engine` is the store tests' fresh SQLite store, one per test; `reads` records its reads
of the published rows.
"""

from __future__ import annotations

import dis
import inspect
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy.engine import Engine

settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")

TESTS = Path(__file__).resolve().parent
E2E = TESTS / "e2e"
HELPERS = (TESTS, TESTS.parent / "benchmarks")  # where helpers that drive the app are written


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    """`code` and the code of every function, lambda and comprehension written in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _named(function: Callable[..., object]) -> Iterator[object]:
    """What `function`'s code reads by name: its globals (`start`), their attributes when
    they are modules (`apps.start`), and what it imports itself (`from tests.apps import
    start`). An attribute of anything else (`store.start`) is not followed."""
    scope = function.__globals__
    for code in _codes(function.__code__):
        last: object = None
        for step in dis.get_instructions(code):
            if step.opname == "LOAD_GLOBAL":
                last = scope.get(step.argval)
            elif step.opname in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM"):
                last = getattr(last, step.argval, None) if inspect.ismodule(last) else None
            elif step.opname == "IMPORT_NAME":
                last = sys.modules.get(step.argval)
                continue  # IMPORT_FROM reads the module left on the stack
            else:
                continue
            yield last


_READS: dict[types.CodeType, tuple[bool, tuple[object, ...]]] = {}


def _reads(function: Callable[..., object]) -> tuple[bool, tuple[object, ...]]:
    """Whether `function` names AppTest, and the functions of tests/ and benchmarks/ it
    reads (`_named`); worked out once per function, since many tests share a helper."""
    code = function.__code__
    if code not in _READS:
        app, helpers = False, []
        for value in _named(function):
            module = getattr(value, "__module__", None) or ""
            if (
                module.startswith("streamlit.testing")
                and getattr(value, "__name__", "") == "AppTest"
            ):
                app = True
            elif _helper(value):
                helpers.append(value)
        _READS[code] = app, tuple(helpers)
    return _READS[code]


def _helper(value: object) -> bool:
    """A function written under tests/ or benchmarks/."""
    code = getattr(inspect.unwrap(value), "__code__", None)  # type: ignore[arg-type]
    return code is not None and any(folder in Path(code.co_filename).parents for folder in HELPERS)


def _drives_the_app(function: object, seen: set[types.CodeType]) -> bool:
    """Whether `function` names Streamlit's AppTest, or calls a function written under
    tests/ or benchmarks/ that does (`tests.apps.start`, `benchmarks.apptest.run_app`,
    `edge_company.filled_store`, a helper of its own module)."""
    function = inspect.unwrap(function)  # type: ignore[arg-type]
    if not _helper(function) or function.__code__ in seen:  # type: ignore[attr-defined]
        return False
    seen.add(function.__code__)  # type: ignore[attr-defined]
    app, helpers = _reads(function)  # type: ignore[arg-type]
    return app or any(_drives_the_app(helper, seen) for helper in helpers)


def _kind(item: pytest.Item) -> str:
    if E2E in Path(item.path).parents:
        return "e2e"
    function = getattr(item, "function", None)
    if function is None:
        return "unit"
    seen: set[types.CodeType] = set()
    fixtures = getattr(item, "_fixtureinfo", None)
    definitions = fixtures.name2fixturedefs.values() if fixtures else ()
    used = [function, *(d.func for defs in definitions for d in defs)]
    return "app" if any(_drives_the_app(f, seen) for f in used) else "unit"


KINDS = ("unit", "app", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test its kind; one written by hand stays."""
    for item in items:
        if not any(item.get_closest_marker(kind) for kind in KINDS):
            item.add_marker(_kind(item))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated SQLite store in the test's own folder, for the store's tests; a
    module that needs another (PostgreSQL, or one already filled) defines its own."""
    from tests.store_files import fresh_store  # the engine imported only where a test asks

    engine = fresh_store(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The `keys` of every read of the store's published rows (None: everything)."""
    from kpi_engine.store import uploads

    seen: list[object] = []
    whole = uploads._current

    def current(conn, pending=(), *, keys=None, keyed=False):
        seen.append(keys)
        return whole(conn, pending, keys=keys, keyed=keyed)

    monkeypatch.setattr(uploads, "_current", current)
    return seen

"""Drive the Streamlit app with AppTest as a user would: start, switch pages, upload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.runtime import pages_manager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGES = ("overview", "scorecard", "heatmap", "trends", "whatif", "data", "settings")

_init = pages_manager.PagesManager.__init__


def _navigation_only(self: pages_manager.PagesManager, *args: object, **kwargs: object) -> None:
    """AppTest resets `uses_pages_directory` before every run, and a `pages/` folder then
    sends every `switch_page` down Streamlit's legacy path (the page without app.py);
    `ui.state.require_shell` recovers by rerunning, but the sidebar's widget state is lost
    on the way. A real server takes that path at most once, for the first request after
    it starts (see `require_shell`), so the tests run as the server does."""
    _init(self, *args, **kwargs)
    pages_manager.PagesManager.uses_pages_directory = False


pages_manager.PagesManager.__init__ = _navigation_only  # type: ignore[method-assign]


def use_data_dir(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """The app, the store and the users file on `directory` (no DATABASE_URL, no
    KPI_USERS_FILE) until `monkeypatch` is undone: for one test, or one module."""
    monkeypatch.setenv("KPI_DATA_DIR", str(directory))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KPI_USERS_FILE", raising=False)


def start(env: pytest.MonkeyPatch, directory: Path, *, lang: str | None = None) -> AppTest:
    """The app on the store in `directory` (given the sample company on first start): a
    test passes its own `tmp_path`, so that what it uploads is not seen by the next; a
    module that reads one set of uploads many times passes a store it filled once. The
    data directory is set through `env` (the test's `monkeypatch`, or a module fixture's
    `pytest.MonkeyPatch.context()`), so it is undone when the test or the module ends."""
    use_data_dir(env, directory)
    at = AppTest.from_file(str(APP), default_timeout=120)
    if lang:
        at.session_state["lang"] = lang
    return at.run()


def open_page(at: AppTest, page: str) -> AppTest:
    return at.switch_page(f"pages/{page}.py").run()


def seen(markdown: str) -> str:
    """A Markdown text as a person reads it: backslash escapes (names are escaped, see
    `ui.text.plain`) removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    """Fill the sign-in form and send it."""
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()

"""Drive the Streamlit app with AppTest as a user would: start, switch pages, upload."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import navigation

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGES = ("overview", "scorecard", "heatmap", "trends", "whatif", "data", "settings")

_init = navigation.PagesManager.__init__


def _navigation_only(self: navigation.PagesManager, *args: object, **kwargs: object) -> None:
    """AppTest resets Streamlit's legacy `pages/` mode before every run, and a `pages/`
    folder then sends every `switch_page` down its legacy path (the page without app.py);
    `ui.navigation.require_shell` recovers by rerunning, but the sidebar's widget state is
    lost on the way. A real server takes that path at most once, for the first request
    after it starts (see `require_shell`), so the tests run as the server does."""
    _init(self, *args, **kwargs)
    navigation.end_legacy_mode()


navigation.PagesManager.__init__ = _navigation_only  # type: ignore[method-assign]


def start(*, lang: str | None = None, directory: Path | None = None) -> AppTest:
    """The app on a store of its own (a new data directory holding the sample company):
    what one test uploads is not seen by the next. A module that reads one set of uploads
    many times passes its own `directory` (a store it filled once)."""
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="kpi-app-test-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ["KPI_DATA_DIR"] = str(directory)
    os.environ.pop("DATABASE_URL", None)
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


def use_data_dir(monkeypatch, directory: Path) -> None:
    """The app, the store and the users file on `directory` (no DATABASE_URL, no
    KPI_USERS_FILE), for one test."""
    monkeypatch.setenv("KPI_DATA_DIR", str(directory))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KPI_USERS_FILE", raising=False)

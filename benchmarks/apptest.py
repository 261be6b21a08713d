"""The app driven in process with Streamlit's AppTest, as a user switching pages would (no
browser): for the page benchmarks (pages.py, whatif.py) and the app tests (tests/apps.py).

Importing this module makes AppTest run the pages as the server does (`_navigation_only`).
"""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi_engine import store
from kpi_engine.auth.users import USERS_FILE_ENV
from kpi_engine.core.settings import DATA_DIR_ENV
from ui import navigation

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGES = (
    "overview",
    "scorecard",
    "heatmap",
    "trends",
    "whatif",
    "data",
    "settings",
    "submissions",
    "actions",
)

_init = navigation.PagesManager.__init__


def _navigation_only(self: navigation.PagesManager, *args: object, **kwargs: object) -> None:
    """AppTest resets the legacy `pages/` mode before every run, and a `pages/` folder then
    sends every `switch_page` down Streamlit's legacy path (the page without app.py);
    `ui.navigation.require_shell` recovers by rerunning, but the sidebar's widget state is lost
    on the way. A real server takes that path at most once, for the first request after
    it starts (see `require_shell`), so the tests run as the server does."""
    _init(self, *args, **kwargs)
    navigation.end_legacy_mode()


navigation.PagesManager.__init__ = _navigation_only  # type: ignore[method-assign]


def data_dir_environment(directory: Path) -> dict[str, str | None]:
    """The variables that put the app, its store and its users file on `directory` (None:
    unset): a test sets them through monkeypatch, a benchmark in its own process."""
    return {DATA_DIR_ENV: str(directory), store.DATABASE_URL_ENV: None, USERS_FILE_ENV: None}


def use_data_dir(directory: Path) -> None:
    """This process's app on `directory` (a benchmark; a test uses tests.apps.use_data_dir)."""
    for name, value in data_dir_environment(directory).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def run_app(*, lang: str | None = None) -> AppTest:
    """A new session of the app (another browser tab) after its first run, on the data
    directory the environment names; `lang` is chosen before that run."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    if lang:
        at.session_state["lang"] = lang
    return at.run()


def open_page(at: AppTest, page: str) -> AppTest:
    return at.switch_page(f"pages/{page}.py").run()

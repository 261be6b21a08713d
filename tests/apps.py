"""Drive the Streamlit app with AppTest as a user would: start, switch pages, sign in. The
driver itself (APP, PAGES, `open_page`) is benchmarks/apptest.py, shared with the page
benchmarks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.apptest import APP, PAGES, data_dir_environment, open_page, run_app
from ui.state import UPLOADS

__all__ = [
    "APP",
    "PAGES",
    "XLSX",
    "open_page",
    "run_app",
    "seen",
    "sign_in",
    "start",
    "upload",
    "use_data_dir",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def use_data_dir(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """The app, the store and the users file on `directory` (no DATABASE_URL, no
    KPI_USERS_FILE) until `monkeypatch` is undone: for one test, or one module."""
    for name, value in data_dir_environment(directory).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def start(env: pytest.MonkeyPatch, directory: Path, *, lang: str | None = None) -> AppTest:
    """The app on the store in `directory` (given the sample company on first start): a
    test passes its own `tmp_path`, so that what it uploads is not seen by the next; a
    module that reads one set of uploads many times passes a store it filled once. The
    data directory is set through `env` (the test's `monkeypatch`, or a module fixture's
    `pytest.MonkeyPatch.context()`), so it is undone when the test or the module ends."""
    use_data_dir(env, directory)
    return run_app(lang=lang)


def upload(directory: Path, files: dict[str, bytes]) -> Path:
    """`directory` holding the sample company and `files` (name -> xlsx bytes), stored
    through the Data page as a manager would (each file without errors is stored at once)."""
    with pytest.MonkeyPatch.context() as env:
        at = start(env, directory)
        open_page(at, "data")
        for name, content in files.items():
            at.file_uploader[0].upload(name, content, XLSX).run()
            assert not at.exception, [e.message for e in at.exception]
        assert len(at.session_state[UPLOADS]) == len(files), "every workbook is stored"
    return directory


def seen(markdown: str) -> str:
    """A Markdown text as a person reads it: backslash escapes (names are escaped, see
    `ui.text.plain`) removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    """Fill the sign-in form and send it."""
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()

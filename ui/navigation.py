"""Running every page through app.py's `st.navigation`, although the app has a `pages/` folder.

Streamlit keeps a legacy mode for apps with a `pages/` folder (multipage apps before
`st.navigation`): until `st.navigation` has run once in the process, the first request
executes a page file alone, or app.py as a legacy page (whose widgets then get other ids,
so the sidebar's choices would reset on the next page switch). The product names its page
folder `pages/`, so the app leaves that mode itself. The mode is one private class flag,
`streamlit.runtime.pages_manager.PagesManager.uses_pages_directory`; this module is the
only code that touches it (tests/test_streamlit_private_api.py fails if it moves).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_IN_SHELL: ContextVar[bool] = ContextVar("in_shell", default=False)


def legacy_mode() -> bool:
    """Whether Streamlit runs this process in its legacy `pages/` mode."""
    return bool(PagesManager.uses_pages_directory)


def end_legacy_mode() -> None:
    """Switch the legacy `pages/` mode off for the process (what `st.navigation` does)."""
    PagesManager.uses_pages_directory = False


def leave_legacy_mode() -> None:
    """app.py's first call: in the legacy mode, switch it off and rerun, which goes through
    app.py to the same page."""
    if legacy_mode():
        end_legacy_mode()
        st.rerun()


def require_shell() -> None:
    """Every page's first call: run inside app.py's navigation (`shell()`), else leave
    the legacy mode and rerun. The mode is one flag for the whole process, so when several
    sessions start at once another session may have switched it off while this one was
    already running a page file alone: the page checks its own run, not the flag."""
    if not _IN_SHELL.get():
        end_legacy_mode()
        st.rerun()


@contextmanager
def shell() -> Iterator[None]:
    """app.py runs the chosen page inside this: pages then know they have the shell."""
    token = _IN_SHELL.set(True)
    try:
        yield
    finally:
        _IN_SHELL.reset(token)

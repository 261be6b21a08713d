"""The private Streamlit names the app relies on, each behind one adapter module: a
Streamlit upgrade that moves or changes one fails here, with the adapter to fix named,
instead of in a browser.

- `ui.navigation`: the legacy `pages/` mode flag (`PagesManager.uses_pages_directory`).
- `ui.altair_lock`: the lock Streamlit holds while it changes Altair's global settings.
- `ui.tables`: the module attributes st.dataframe marshals a Styler and converts rows
  through (`elements.arrow.marshall_styler`, `dataframe_util.convert_pandas_df_to_arrow_bytes`),
  which a settled Styler's made-once copies replace (the bytes: tests/test_shared_tables.py).
"""

import inspect
import subprocess
import sys
import threading
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from ui import altair_lock, runs

ROOT = Path(__file__).resolve().parents[1]

# In a fresh process: tests.apps (imported by the app tests) patches the flag's owner.
LEGACY_MODE = """
from ui import navigation
assert not navigation.legacy_mode()  # nothing has run yet
navigation.PagesManager("app.py")  # what Streamlit makes for `streamlit run app.py`
assert navigation.legacy_mode(), "a pages/ folder beside app.py no longer sets the flag"
navigation.end_legacy_mode()
assert not navigation.legacy_mode()
"""


def test_the_legacy_pages_mode_is_the_flag_ui_navigation_switches_off():
    done = subprocess.run(
        [sys.executable, "-c", LEGACY_MODE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # the script runner still decides by that flag whether to run a page without app.py
    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner)


def test_streamlit_holds_the_altair_lock_while_it_draws_an_altair_chart():
    assert hasattr(altair_lock.ALTAIR_GLOBALS, "acquire")
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
    drawn = threading.Event()

    def draw() -> None:
        st.altair_chart(chart)
        drawn.set()

    with altair_lock.ALTAIR_GLOBALS:
        worker = threading.Thread(target=draw, daemon=True)
        worker.start()
        assert not drawn.wait(1.0), "st.altair_chart no longer waits for the lock"
    assert drawn.wait(60), "st.altair_chart did not finish after the lock was released"
    spec = altair_lock.chart_dict(chart)
    assert spec["datasets"] and spec["data"]["name"] in spec["datasets"]  # data inline


def _settled_table() -> None:
    import pandas as pd
    import streamlit as st

    from ui import tables

    st.dataframe(tables.settled(pd.DataFrame({"score": [87.25, 101.0]}).style.set_uuid("u")))


def test_st_dataframe_reaches_a_settled_stylers_made_once_styles_and_rows(monkeypatch):
    asked = []
    kept = runs.kept

    def asking(made, owner):
        found = kept(made, owner)
        asked.append((type(owner).__name__, found is not None))
        return found

    monkeypatch.setattr(runs, "kept", asking)
    app = AppTest.from_function(_settled_table).run()
    assert not app.exception
    assert ("Styler", True) in asked, "st.dataframe no longer marshals through tables._marshall"
    assert ("DataFrame", True) in asked, "st.dataframe no longer converts through tables._to_arrow"

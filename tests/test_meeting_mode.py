"""Meeting mode: a `?meeting=1` link opens in it, the toggle keeps the URL in step, and the
stepper walks the periods of the chosen grain."""

from streamlit.testing.v1 import AppTest

from tests.apps import APP, open_page, start
from ui import data


def months() -> list[str]:
    return data.period_labels()["month"]


def test_a_meeting_link_opens_in_meeting_mode_with_a_period_stepper(monkeypatch, tmp_path):
    start(monkeypatch, tmp_path)  # a store of its own
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["meeting"] = "1"
    at.run()
    assert not at.exception
    assert at.sidebar.toggle(key="meeting").value is True
    labels = months()
    assert at.session_state["period"] == labels[-1]
    assert at.button(key="meeting_next").disabled
    at.button(key="meeting_previous").click().run()
    assert at.session_state["period"] == labels[-2]
    open_page(at, "heatmap")  # the stepper and the mode follow page switches
    assert at.session_state["period"] == labels[-2]
    at.button(key="meeting_next").click().run()
    assert at.session_state["period"] == labels[-1]
    assert at.query_params["meeting"] in ("1", ["1"])


def test_the_toggle_switches_the_mode_and_the_url_follows(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    assert not at.sidebar.toggle(key="meeting").value
    assert not [b for b in at.button if b.key == "meeting_previous"]
    at.sidebar.toggle(key="meeting").set_value(True).run()
    assert at.query_params["meeting"] in ("1", ["1"])
    assert at.button(key="meeting_previous")
    at.sidebar.toggle(key="meeting").set_value(False).run()
    assert "meeting" not in at.query_params

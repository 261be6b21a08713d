"""A few runs at once (`ui.runs.admitted`), shared work done aside of the turns (`aside`), a
value kept beside a live object (`keep`), and the sign-in check that does not queue every run on Streamlit's secrets lock when there is no
secrets file (`ui.auth`)."""

from __future__ import annotations

import gc
import threading
import time

import pandas as pd
import pytest
import streamlit as st

from ui import auth, runs


@pytest.fixture
def one_turn(monkeypatch: pytest.MonkeyPatch) -> threading.BoundedSemaphore:
    turns = threading.BoundedSemaphore(1)
    monkeypatch.setattr(runs, "_TURNS", turns)
    return turns


def test_a_run_waits_for_the_one_before_it_to_leave(one_turn: threading.BoundedSemaphore) -> None:
    order: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with runs.admitted():
            order.append("first in")
            inside.set()
            time.sleep(0.3)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    with runs.admitted():
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_a_run_that_waited_too_long_goes_anyway_and_gives_back_no_turn_it_never_had(
    one_turn: threading.BoundedSemaphore,
) -> None:
    with runs.admitted():
        began = time.monotonic()
        with runs.admitted(wait=0.2):  # the only turn is taken: it goes after 0.2 s
            waited = time.monotonic() - began
    assert 0.2 <= waited < 5
    # the one turn is free again, and only one: a second release would have raised
    assert one_turn.acquire(blocking=False) and not one_turn.acquire(blocking=False)


def test_a_run_that_fails_gives_its_turn_back(one_turn: threading.BoundedSemaphore) -> None:
    with pytest.raises(RuntimeError), runs.admitted():
        raise RuntimeError("the page failed")
    assert one_turn.acquire(blocking=False)


def test_a_run_making_shared_work_gives_its_turn_to_another_and_goes_on_without_one(
    one_turn: threading.BoundedSemaphore,
) -> None:
    order: list[str] = []
    aside, back = threading.Event(), threading.Event()

    def maker() -> None:
        with runs.admitted():
            with runs.aside():  # e.g. scoring a new data revision for every session
                order.append("making")
                aside.set()
                back.wait(5)
            order.append("maker's page")  # at once: no queueing for a turn again

    thread = threading.Thread(target=maker)
    with runs.admitted():
        thread.start()  # the maker waits for this run's turn
        time.sleep(0.2)
        assert order == []
    aside.wait(5)
    with runs.admitted(wait=5):  # in at once, not after the making
        order.append("another run")
        back.set()
        thread.join(5)
    assert order == ["making", "another run", "maker's page"]
    assert one_turn.acquire(blocking=False) and not one_turn.acquire(blocking=False)


def test_aside_outside_a_turn_or_twice_gives_back_no_turn_it_does_not_hold(
    one_turn: threading.BoundedSemaphore,
) -> None:
    with runs.aside():  # no run: nothing to give up
        pass
    with runs.admitted(), runs.aside(), runs.aside():
        assert one_turn.acquire(blocking=False)  # given up once, not twice
        one_turn.release()
    assert one_turn.acquire(blocking=False) and not one_turn.acquire(blocking=False)


@pytest.mark.parametrize(
    ("value", "slots"), [("3", 3), (" 2 ", 2), ("0", 1), ("-1", 1), ("many", 1), ("", 1)]
)
def test_the_runs_at_once_come_from_the_environment_else_one(value: str, slots: int) -> None:
    assert runs.DEFAULT_SLOTS == 1
    assert runs._slots({runs.SLOTS_ENV: value}) == slots


def test_without_a_secrets_file_sign_in_is_not_oidc_and_the_secrets_are_not_asked(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Untouchable:
        def __contains__(self, key: object) -> bool:
            raise AssertionError("st.secrets asked with no secrets file")

    monkeypatch.setattr(st, "get_option", lambda key: [str(tmp_path / "secrets.toml")])
    monkeypatch.setattr(st, "secrets", Untouchable())
    assert auth._has_auth_secrets() is False
    (tmp_path / "secrets.toml").write_text('[auth]\nredirect_uri = "x"\n', encoding="utf-8")
    monkeypatch.setattr(st, "secrets", {"auth": {"redirect_uri": "x"}})
    assert auth._has_auth_secrets() is True
    monkeypatch.setattr(st, "secrets", {"other": 1})
    assert auth._has_auth_secrets() is False


def test_a_kept_value_is_found_for_its_own_object_only_and_goes_with_it() -> None:
    registry: runs.Kept = {}
    frame, equal = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
    assert runs.keep(registry, frame, "made once") == "made once"
    assert runs.kept(registry, frame) == "made once"
    assert runs.kept(registry, equal) is None  # an equal frame is another object
    del frame
    gc.collect()
    assert registry == {}


def test_a_cache_by_name_hands_every_argument_by_name_and_skips_the_underscored() -> None:
    calls: list[tuple[object, ...]] = []

    @runs.cache_by_name(st.cache_data, show_spinner=False)
    def scored(frame: pd.DataFrame, period: str, _engine: object = None) -> float:
        calls.append((period, _engine))
        return float(frame["score"].sum())

    scored.clear()
    rows = pd.DataFrame({"score": [1.0, 2.0]})
    assert scored(rows, "2026-10", object()) == 3.0
    # by position or by name, another unhashed `_engine`: the same entry
    assert scored(rows, period="2026-10", _engine=object()) == 3.0
    assert scored(frame=rows.copy(), period="2026-10") == 3.0  # frames by content
    assert len(calls) == 1
    assert scored(rows, "2026-11") == 3.0 and len(calls) == 2
    scored.clear()
    assert scored(rows, "2026-10") == 3.0 and len(calls) == 3
    with pytest.raises(TypeError):
        scored(rows, "2026-10", None, "one too many")

"""While one run scores an upload made elsewhere, the other sessions show the revision made
before it instead of waiting (`ui.data._shown_revision`); a session that changed the data
itself, or has seen the newer one, never goes back; the run that finds a revision new
makes its shared frames first."""

from __future__ import annotations

import pytest

from kpi_engine import store
from tests.apps import start
from tests.store_files import monthly
from ui import data
from ui.state import PERIOD


@pytest.mark.parametrize(
    ("now", "made", "making", "seen", "wrote", "shown"),
    [
        (5, 4, 5, 0, False, 4),  # another run makes 5: show 4
        (6, 4, 5, 4, False, 4),  # another run makes 5, 6 came since: still 4 until made
        (5, 4, None, 0, False, None),  # nobody makes 5: this run will
        (5, 5, None, 0, False, None),  # made: show it
        (5, None, 5, 0, False, None),  # nothing made yet: wait for it
        (5, 4, 5, 0, True, None),  # the session wrote: its own upload, at once
        (5, 4, 5, 5, False, None),  # the session saw 5 already: never back
    ],
)
def test_which_revision_a_run_shows(now, made, making, seen, wrote, shown):
    assert data.stale_choice(now, made, making, seen, wrote) == shown


def _periods(at) -> list[str]:
    return list(at.selectbox(key=PERIOD).options)


def test_viewers_see_the_last_made_revision_while_another_run_makes_the_new_one(
    monkeypatch, tmp_path
):
    first = start(monkeypatch, tmp_path)  # the sample company: its revision is made
    before = _periods(first)
    engine = store.connect(data_dir=tmp_path)
    url = str(engine.url)
    made = data._MADE[url]
    monthly("市场部", month=12).save(engine)  # an upload elsewhere: a month new to the store
    now = store.revision(engine, store.DATA_ACTIONS)
    engine.dispose()
    assert now > made
    monkeypatch.setitem(data._MAKING, url, now)  # as if another run were scoring it
    viewer = start(monkeypatch, tmp_path)
    assert not viewer.exception
    assert _periods(viewer) == before  # the revision made, at once
    monkeypatch.delitem(data._MAKING, url)  # that run is done, or gave up
    viewer.run()
    assert not viewer.exception
    assert len(_periods(viewer)) == len(before) + 1  # its next run shows the upload
    assert data._MADE[url] == now  # made by the first run that found it new
    monkeypatch.setitem(data._MAKING, url, now + 1)  # another newer one in the making
    viewer.run()
    assert len(_periods(viewer)) == len(before) + 1  # never back to an older one


def test_a_session_that_wrote_sees_its_own_change_at_once(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    before = _periods(at)
    engine = store.connect(data_dir=tmp_path)
    url = str(engine.url)
    monthly("市场部", month=12).save(engine)
    now = store.revision(engine, store.DATA_ACTIONS)
    engine.dispose()
    monkeypatch.setitem(data._MAKING, url, now)
    at.session_state[data.WROTE] = True  # as `_as_user` marks a write of this session
    at.run()
    assert not at.exception
    assert len(_periods(at)) == len(before) + 1

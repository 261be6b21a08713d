"""Settings and saved scenarios live in the store: changed on a page, recorded with who and
when, and read by every page of every session."""

import os

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from kpi_engine import DEFAULTS, build, load_files, store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.settings import DATA_DIR_ENV, PERSPECTIVE, problems
from kpi_engine.store import settings as settings_store
from tests.apps import APP, open_page, start
from ui import auth, data
from ui import whatif as ui

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def company():
    return load_files(list(data.sample_files())).kpis


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def stored() -> Engine:
    return store.connect(data_dir=os.environ[DATA_DIR_ENV])


def another_session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120).run()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"amber_at": 100.0}, "band_order"),
        ({"amber_at": 0.0}, "band_order"),
        ({"cap": 90.0}, "cap_below_green"),
        ({"base_score": 100.0}, "base_score_range"),
        (
            {"perspective_weights": dict.fromkeys(DEFAULTS.perspective_weights, 0.0)},
            "no_perspective_weight",
        ),
        ({"department_weights": {"财务部": -1.0}}, "negative_weight"),
        ({"perspective_weights": {"financial": float("nan")}}, "negative_weight"),
        ({"heatmap_colors": "rainbow"}, "unknown_heatmap_colors"),
        ({"script": "pinyin"}, "unknown_script"),
        ({"time_zone": "Mars/Olympus"}, "unknown_time_zone"),
    ],
)
def test_unusable_settings_are_named_and_refused_by_the_store(tmp_path, change, problem):
    bad = DEFAULTS.with_(**change)
    assert problem in problems(bad)
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    with pytest.raises(ValueError, match=problem):
        store.save_settings(engine, bad, user=Actor("ana", ADMIN))
    assert store.load_settings(engine) == DEFAULTS
    assert problems(DEFAULTS) == []


def test_display_settings_round_trip_and_newer_values_fall_back(tmp_path):
    """The display settings are stored with the rest; a value a newer version wrote (or a
    zone this machine lacks) loads as the default rather than refusing every page."""
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    chosen = DEFAULTS.with_(
        heatmap_colors="gradient",
        department_order=["财务部", "市场部"],
        script="as_written",
        time_zone="Europe/Berlin",
    )
    store.save_settings(engine, chosen, user=Actor("ana", ADMIN))
    assert store.load_settings(engine) == chosen
    assert store.load_settings(engine).department_order == ("财务部", "市场部")
    newer = '{"heatmap_colors": "rainbow", "script": "pinyin", "time_zone": "Mars/Olympus"}'
    loaded = settings_store._settings(newer)
    assert (loaded.heatmap_colors, loaded.script, loaded.time_zone) == (
        DEFAULTS.heatmap_colors,
        DEFAULTS.script,
        DEFAULTS.time_zone,
    )


def test_saved_settings_score_every_page_of_every_session(monkeypatch, tmp_path, company):
    at = open_page(start(monkeypatch, tmp_path), "settings")
    assert not at.exception, [e.message for e in at.exception]
    at.number_input(key="settings_weight_financial").set_value(80.0)
    # the sample departments weight department-wide: perspective weights apply to them
    # only under the `perspective` rule (SPEC §5.3)
    at.radio(key="settings_weighting").set_value(PERSPECTIVE)
    at.number_input(key="settings_green").set_value(95.0)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any("设置已保存" in s.value for s in at.success)

    saved = store.load_settings(stored())
    assert saved.perspective_weights["financial"] == 80.0 and saved.green_at == 95.0
    assert saved.weighting == PERSPECTIVE
    change = store.settings_history(stored()).iloc[0]
    assert change["changed_by"] == auth.OPEN.name and change["changed_at"] is not None

    other = another_session()  # the overview of a new session scores with them
    expected = build(company, period=PERIOD, settings=saved).organization["score"].iloc[0]
    default = build(company, period=PERIOD).organization["score"].iloc[0]
    assert round(expected, 1) != round(default, 1)
    assert metric(other, "组织总分").value == f"{expected:.1f}"
    open_page(other, "settings")
    history = next(d.value for d in other.dataframe if "修改人" in d.value.columns)
    assert "绿 ≥95" in history["设置"].iloc[0]


def test_unusable_settings_on_the_page_say_why_and_store_nothing(monkeypatch, tmp_path):
    at = open_page(start(monkeypatch, tmp_path), "settings")
    at.number_input(key="settings_amber").set_value(100.0)
    at.button[0].click().run()
    assert any("黄色起点" in e.value for e in at.error)
    assert store.settings_history(stored()).empty


def test_a_saved_scenario_is_shared_and_can_be_adopted_as_the_settings(monkeypatch, tmp_path):
    at = open_page(start(monkeypatch, tmp_path), "whatif")
    at.slider(key=ui.slider_key("financial")).set_value(70.0).run()
    at.text_input(key=ui.NAME).input("重财务").run()
    at.button(key="whatif_save").click().run()
    assert not at.exception

    other = open_page(another_session(), "whatif")
    assert "重财务" in other.selectbox(key=ui.LOAD_CHOICE).options
    listed = store.list_scenarios(stored())
    assert list(listed["name"]) == ["重财务"] and listed["saved_by"].iloc[0] == auth.OPEN.name

    other.button(key="whatif_load").click().run()
    other.button(key="whatif_adopt").click().run()
    assert not other.exception
    adopted = store.load_settings(stored()).perspective_weights
    assert adopted["financial"] == pytest.approx(70.0 / (70 + 30 + 25 + 15) * 100, abs=0.1)

    other.button(key="whatif_delete").click().run()
    assert store.list_scenarios(stored()).empty

"""Why the score moved (issue 17, Deliver 6): the parts of a score change add up to it
exactly, for the organisation and each department, and each part names what moved it."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpi_rows import NAN, frame, kpi

from kpi_engine.charts.waterfall import steps, waterfall
from kpi_engine.cli.main import main
from kpi_engine.core import insights
from kpi_engine.core.explain import (
    KINDS,
    explain,
    explain_departments,
    explain_every,
    score_of,
    settings_then,
)
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.settings import AUTO, DEFAULTS, DEPARTMENT, PERSPECTIVE, Settings
from tests.apps import open_page, start
from tests.paths import SAMPLE_DATA

DEPARTMENTS = ("市场部", "生产部", "财务部")
PERIODS = ("2026-09", "2026-10")
PERIOD, PREVIOUS = PERIODS[1], PERIODS[0]


def history(rows: pd.DataFrame, settings: Settings = DEFAULTS):
    return insights.history(rows, list(PERIODS), settings=settings)


# --- the property: the parts add up to the change --------------------------------------------

kpi_rows = st.lists(
    st.tuples(
        st.sampled_from(DEPARTMENTS),
        st.sampled_from(("K1", "K2", "K3", "K4")),  # a KPI in one period, both, or twice
        st.sampled_from(PERSPECTIVES),
        st.sampled_from(PERIODS),
        st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=100.0)),  # weight
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=150.0)),  # actual
        st.one_of(st.just(()), st.tuples(st.sampled_from(DEPARTMENTS))),  # shared with
    ),
    min_size=1,
    max_size=24,
)
extras = st.lists(  # veto gates (a failing one: actual 0) and bonus / penalty items
    st.tuples(
        st.sampled_from(DEPARTMENTS),
        st.sampled_from(PERIODS),
        st.sampled_from(("veto", "bonus", "penalty")),
        st.sampled_from((0.0, 2.0, 5.0, 15.0)),
    ),
    max_size=6,
)
weights = st.floats(min_value=0.0, max_value=50.0)
settings_drawn = st.builds(
    lambda pw, dw, weighting, cap, veto, limit: DEFAULTS.with_(
        perspective_weights=dict(zip(PERSPECTIVES, pw, strict=True)),
        department_weights=dw,
        weighting=weighting,
        cap=cap,
        veto_score=veto,
        bonus_limit=limit,
    ),
    st.tuples(*[weights] * 4),
    st.dictionaries(st.sampled_from(DEPARTMENTS), st.floats(min_value=0.0, max_value=5.0)),
    st.sampled_from((AUTO, PERSPECTIVE, DEPARTMENT)),
    st.sampled_from((100.0, 120.0, 150.0)),
    st.sampled_from((0.0, 40.0)),
    st.sampled_from((0.0, 5.0, 10.0)),
)


def drawn_frame(drawn: list[tuple], more: list[tuple]) -> pd.DataFrame:
    rows = [
        kpi(
            department=d,
            kpi_name=name,
            perspective=p,
            period=m,
            weight=w,
            actual=NAN if a is None else a,
            target=100.0,
            shared_with=s,
        )
        for d, name, p, m, w, a, s in drawn
    ]
    for d, m, section, value in more:
        fields = {"department": d, "period": m, "perspective": None, "weight": NAN}
        if section == "veto":
            rows.append(
                kpi(
                    kpi_name="重大事故",
                    section="veto",
                    veto=True,
                    target=1.0,
                    actual=value,
                    **fields,
                )
            )
        else:
            rows.append(
                kpi(
                    kpi_name=f"{section}项", section=section, direction=None, actual=value, **fields
                )
            )
    return frame(*rows)


def assert_parts_add_up(parts: pd.DataFrame, now: float, before: float) -> None:
    if math.isnan(now) or math.isnan(before):
        assert parts.empty
        return
    assert set(parts["kind"]) <= set(KINDS)
    assert abs(parts["points"].sum() - (now - before)) <= 1e-9


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kpi_rows, extras, settings_drawn)
def test_parts_add_up_to_the_change_for_the_organisation_and_each_department(
    drawn: list[tuple], more: list[tuple], chosen: Settings
) -> None:
    card = history(drawn_frame(drawn, more), chosen)
    for department in (None, *pd.unique(card.departments["department"])):
        parts = explain(card, PERIOD, department=department, settings=chosen)
        now, before = (score_of(card, p, department) for p in (PERIOD, PREVIOUS))
        assert_parts_add_up(parts, now, before)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kpi_rows, extras, settings_drawn, settings_drawn)
def test_with_the_previous_settings_the_parts_add_up_to_the_change_since_the_score_then(
    drawn: list[tuple], more: list[tuple], chosen: Settings, then: Settings
) -> None:
    rows = drawn_frame(drawn, more)
    card, card_then = history(rows, chosen), history(rows, then)
    for department in (None, *pd.unique(card.departments["department"])):
        parts = explain(
            card, PERIOD, department=department, settings=chosen, previous_settings=then
        )
        now = score_of(card, PERIOD, department)
        before = score_of(card_then, PREVIOUS, department)
        if math.isnan(score_of(card, PREVIOUS, department)):
            assert parts.empty
            continue
        assert_parts_add_up(parts, now, before)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kpi_rows, extras, settings_drawn, st.one_of(st.none(), settings_drawn))
def test_every_departments_parts_in_one_pass_are_each_departments_own(
    drawn: list[tuple], more: list[tuple], chosen: Settings, then: Settings | None
) -> None:
    """The Scorecard takes each department's parts from one pass over all of them: the
    same frame, to the last bit, as explaining that department alone; a department left
    out of the pass has no parts."""
    card = history(drawn_frame(drawn, more), chosen)
    every = explain_departments(card, PERIOD, settings=chosen, previous_settings=then)
    departments = pd.unique(card.departments["department"])
    assert set(every) <= set(departments)
    for department in departments:
        alone = explain(
            card, PERIOD, department=department, settings=chosen, previous_settings=then
        )
        if department in every:
            pd.testing.assert_frame_equal(every[department], alone, check_exact=True)
        else:
            assert alone.empty


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kpi_rows, extras, settings_drawn, st.one_of(st.none(), settings_drawn))
def test_the_organisation_and_departments_from_one_pass_are_what_each_alone_gives(
    drawn: list[tuple], more: list[tuple], chosen: Settings, then: Settings | None
) -> None:
    """The Overview and the Scorecard share one pass (`explain_every`): under None the
    organisation's parts, the same frame to the last bit as explaining it alone, and
    beside it exactly the departments' of `explain_departments`."""
    card = history(drawn_frame(drawn, more), chosen)
    every = explain_every(card, PERIOD, settings=chosen, previous_settings=then)
    alone = explain(card, PERIOD, settings=chosen, previous_settings=then)
    pd.testing.assert_frame_equal(every.pop(None), alone, check_exact=True)
    departments = explain_departments(card, PERIOD, settings=chosen, previous_settings=then)
    assert every.keys() == departments.keys()
    for department, parts in departments.items():
        pd.testing.assert_frame_equal(every[department], parts, check_exact=True)


# --- worked examples ----------------------------------------------------------------------


def two_months(*rows: dict[str, object]) -> pd.DataFrame:
    return frame(*rows)


def test_one_kpi_improving_is_the_one_part_and_its_points_are_its_share_of_the_change():
    rows = two_months(
        *(
            kpi(kpi_name="K1", period=m, actual=a, target=100.0)
            for m, a in zip(PERIODS, (80.0, 100.0), strict=True)
        ),
        *(
            kpi(kpi_name="K2", period=m, actual=90.0, target=100.0, perspective="customer")
            for m in PERIODS
        ),
    )
    card = history(rows)
    parts = explain(card, PERIOD, department="市场部")
    assert list(parts["kind"]) == ["kpi"] and list(parts["kpi"]) == ["K1"]
    change = score_of(card, PERIOD, "市场部") - score_of(card, PREVIOUS, "市场部")
    # financial 30 % and customer 30 % of the default weights: K1 weighs a half
    assert parts["points"].iloc[0] == pytest.approx(20.0 * 0.5) == pytest.approx(change)
    organisation = explain(card, PERIOD)
    assert list(organisation["kpi"]) == ["K1"] and organisation["department"].iloc[0] == "市场部"


def test_a_kpi_gone_missing_shows_as_coverage_not_as_the_others_weights():
    rows = two_months(
        *(kpi(kpi_name="K1", period=m, actual=100.0, target=100.0) for m in PERIODS),
        *(kpi(kpi_name="K2", period=m, actual=110.0, target=100.0) for m in PERIODS),
        kpi(kpi_name="K3", period=PREVIOUS, actual=50.0, target=100.0),
        kpi(kpi_name="K3", period=PERIOD, actual=NAN, target=100.0),  # not reported
    )
    card = history(rows)
    parts = explain(card, PERIOD, department="市场部")
    assert list(parts["kind"]) == ["coverage_missing"] and list(parts["kpi"]) == ["K3"]
    change = score_of(card, PERIOD, "市场部") - score_of(card, PREVIOUS, "市场部")
    assert parts["points"].iloc[0] == pytest.approx(change) == pytest.approx(105.0 - 260.0 / 3)


def test_a_new_kpi_shows_as_coverage_new():
    rows = two_months(
        *(kpi(kpi_name="K1", period=m, actual=90.0, target=100.0) for m in PERIODS),
        kpi(kpi_name="K2", period=PERIOD, actual=110.0, target=100.0, perspective="customer"),
    )
    parts = explain(history(rows), PERIOD, department="市场部")
    assert list(parts["kind"]) == ["coverage_new"] and parts["points"].iloc[0] == pytest.approx(
        10.0
    )


def test_a_changed_kpi_weight_shows_as_weights():
    rows = two_months(
        *(
            kpi(kpi_name="K1", period=m, actual=80.0, target=100.0, weight=w)
            for m, w in zip(PERIODS, (1.0, 3.0), strict=True)
        ),
        *(kpi(kpi_name="K2", period=m, actual=100.0, target=100.0) for m in PERIODS),
    )
    parts = explain(history(rows), PERIOD, department="市场部")
    assert set(parts["kind"]) == {"weights"}
    assert parts["points"].sum() == pytest.approx(85.0 - 90.0)


def test_a_failing_veto_and_a_bonus_are_parts_of_their_own():
    base = [kpi(kpi_name="K1", period=m, actual=90.0, target=100.0) for m in PERIODS]
    gate = dict(
        kpi_name="重大安全事故", perspective=None, section="veto", veto=True, weight=NAN, target=1.0
    )
    rows = two_months(
        *base,
        kpi(period=PREVIOUS, actual=1.0, **gate),
        kpi(period=PERIOD, actual=0.0, **gate),  # fails now
        kpi(
            kpi_name="奖",
            period=PERIOD,
            perspective=None,
            section="bonus",
            direction=None,
            weight=NAN,
            actual=4.0,
        ),
    )
    parts = explain(history(rows), PERIOD, department="市场部").set_index("kind")
    assert parts.loc["bonus", "points"] == pytest.approx(4.0)
    assert parts.loc["veto", "points"] == pytest.approx(0.0 - 94.0)  # veto score 0
    assert parts.loc["veto", "part"] == "重大安全事故"


def test_a_settings_change_is_the_settings_part():
    rows = two_months(
        *(kpi(kpi_name="K1", period=m, actual=80.0, target=100.0) for m in PERIODS),
        *(
            kpi(kpi_name="K2", period=m, actual=100.0, target=100.0, perspective="customer")
            for m in PERIODS
        ),
    )
    now = DEFAULTS.with_(perspective_weights={"financial": 1.0, "customer": 3.0})
    parts = explain(history(rows, now), PERIOD, settings=now, previous_settings=DEFAULTS)
    assert list(parts["kind"]) == ["settings"]
    assert parts["points"].iloc[0] == pytest.approx(95.0 - 90.0)


def test_the_settings_then_are_the_newest_stored_before_the_period_ended():
    old, new = DEFAULTS.with_(cap=110.0), DEFAULTS.with_(cap=130.0)
    log = pd.DataFrame(
        {
            "settings": [new, old],
            "changed_by": ["a", "a"],
            "changed_at": pd.to_datetime(["2026-10-01T02:00:00Z", "2026-09-05T00:00:00Z"]),
        }
    )
    # 2026-10-01 02:00 UTC is 10:00 in Shanghai: after September ended there
    assert settings_then(log, "2026-09", "Asia/Shanghai") == old
    assert settings_then(log, "2026-10", "Asia/Shanghai") == new
    assert settings_then(log, "2026-08", "Asia/Shanghai") is None


def test_the_waterfall_runs_from_the_previous_score_to_the_current_one():
    rows = two_months(
        *(
            kpi(kpi_name=f"K{i}", period=m, actual=70.0 + i * (m == PERIOD) * 3, target=100.0)
            for i in range(12)
            for m in PERIODS
        ),
    )
    card = history(rows)
    parts = explain(card, PERIOD)
    before, now = score_of(card, PREVIOUS), score_of(card, PERIOD)
    bars = steps(parts, before, "en", top=5, start="Sep", end="Oct")
    assert len(bars) == 5 + 1 + 2  # five parts, "other", the two scores
    assert bars["label"].iloc[-1] == "Oct" and bars["end"].iloc[-1] == pytest.approx(now)
    assert any(label.startswith("Other") for label in bars["label"])
    colours = waterfall(parts, before=before, lang="en", start="Sep", end="Oct").to_dict()
    assert colours["layer"][0]["encoding"]["color"]["scale"]["range"][2] == "#a0a0a0"
    assert all(text.endswith("pts") for text in bars["text"].iloc[1:-1])


# --- the command line ---------------------------------------------------------------------


def sample_months() -> list[str]:
    return [
        str(p)
        for month in PERIODS
        for p in sorted((SAMPLE_DATA / "monthly" / month).glob("*.xlsx"))
    ]


@pytest.mark.slow  # reads two months of the sample company
def test_the_cli_prints_parts_whose_sum_is_the_change(capsys):
    files = sample_months()
    assert main(["explain", *files, "--period", PERIOD, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    points = [part["points"] for part in doc["parts"]]
    assert doc["change"] == pytest.approx(sum(points), abs=1e-12)
    assert doc["score"] - doc["previous_score"] == pytest.approx(doc["change"], abs=1e-9)
    from kpi_engine import load_paths

    card = history(load_paths(files).kpis)
    assert doc["score"] == pytest.approx(score_of(card, PERIOD), abs=1e-9)
    assert doc["change"] == pytest.approx(
        score_of(card, PERIOD) - score_of(card, PREVIOUS), abs=1e-9
    )


@pytest.mark.slow  # reads two months of the sample company
def test_the_cli_explains_one_department_in_a_text_table(capsys):
    assert (
        main(
            [
                "explain",
                *sample_months(),
                "--period",
                PERIOD,
                "--department",
                "采购物流",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith(f"Change from {PREVIOUS} to {PERIOD}: ")
    assert "Bonus points" in out and "KPI score" in out


@pytest.mark.slow  # reads two months of the sample company
def test_the_cli_says_when_there_is_nothing_to_compare(capsys):
    assert main(["explain", *sample_months(), "--period", "2026-09", "--previous", "2020-01"]) == 1
    assert "no score" in capsys.readouterr().err


# --- the pages ------------------------------------------------------------------------------


def test_the_overview_and_the_scorecard_say_why_the_score_moved(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    for page in ("overview", "scorecard"):
        if page != "overview":
            open_page(at, page)
        assert not at.exception, [e.message for e in at.exception]
        assert "得分变动原因" in [s.value for s in at.subheader]
        caption = next(c.value for c in at.caption if c.value.startswith("从"))
        assert "各部分之和正好等于变动" in caption
        specs = [
            json.loads(c.proto.spec)
            for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
        ]
        assert any(_is_waterfall(spec) for spec in specs)


def _is_waterfall(spec: dict) -> bool:
    layers = spec.get("layer", [])
    return any(layer.get("encoding", {}).get("x2", {}).get("field") == "end" for layer in layers)

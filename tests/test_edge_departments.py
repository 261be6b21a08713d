"""No traceback on any page: every page, every period grain and every language, for a
department whose sheet covers other months, one that only shares another department's
KPI, and one that reported no actual. Each page says what there is to say (the score,
or why there is none) instead of an empty frame or an exception.

One store, filled once through the Data page, serves the whole module.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from kpi_engine.i18n import LANGUAGES, period_label, score_text, t
from tests.apps import PAGES, start
from tests.edge_company import (
    EDGE_DEPARTMENTS,
    NO_ACTUALS,
    OTHER_MONTHS,
    PARTNER_ONLY,
    filled_store,
    history,
    visit,
)
from tests.shown import texts
from ui.state import GRAINS


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return filled_store(tmp_path_factory.mktemp("edge-store"))


@cache
def scored(grain: str):
    return history(grain)


def department_row(grain: str, department: str, period: str) -> pd.DataFrame:
    frame = scored(grain).departments
    return frame[(frame["department"] == department) & (frame["period"] == period)]


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def check_scorecard(at, grain: str, department: str, period: str, lang: str) -> None:
    """The department's title and score as the engine has them, or why there is none."""
    shown = texts(at)
    assert t("scorecard.title", lang, department=department) in shown
    row = department_row(grain, department, period)
    score = metric(at, t("scorecard.department_score", lang))
    if row.empty:
        assert score == "—"
        infos = [i.value for i in at.info]
        assert any(department in i and period_label(period, lang) in i for i in infos), infos
        return
    assert score == score_text(row["score"].iloc[0])
    kpis = scored(grain).kpis
    own = kpis[(kpis["department"] == department) & (kpis["period"] == period)]
    if own["score"].isna().all():
        shown = period_label(period, lang)
        expected = t("scorecard.no_actuals", lang, department=department, period=shown)
        assert expected in [i.value for i in at.info]
    if department == PARTNER_ONLY:
        assert metric(at, t("scorecard.collaboration_score", lang)) != "—"
        assert at.dataframe, "its shared KPI is listed"


def check_page(at, page: str, grain: str, department: str, lang: str) -> None:
    period = at.session_state["period"]
    assert period, "the sidebar picked a period"
    if page == "scorecard":
        check_scorecard(at, grain, department, period, lang)
        return
    if page in ("overview", "heatmap", "whatif"):
        no_rows = t("common.no_rows", lang, period=period_label(period, lang))
        present = not department_row(grain, department, period).empty
        assert (no_rows in [i.value for i in at.info]) != present, (page, department, period)
    if page == "overview" and department == OTHER_MONTHS and grain == "month":
        detail = " ".join(str(v) for v in at.dataframe[0].value.to_numpy().ravel())
        assert OTHER_MONTHS in detail, "the early warnings name the department without rows"
    if page == "trends":
        assert at.dataframe or at.info, "a trend table or why there is none"
    assert at.title, "every page has its title"


@pytest.mark.parametrize("grain", GRAINS)
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_for_departments_at_the_edges(monkeypatch, store, lang, grain):
    at = start(monkeypatch, store, lang=lang)
    if grain != "month":
        at.sidebar.segmented_control[0].set_value(grain).run()
    assert set(EDGE_DEPARTMENTS) <= set(at.sidebar.multiselect[0].options)
    for department in EDGE_DEPARTMENTS:
        for page in PAGES:
            visit(at, page, department)
            assert not at.exception, (page, department, [e.message for e in at.exception])
            check_page(at, page, grain, department, lang)


def test_the_scorecard_of_a_department_without_rows_says_where_its_data_is(monkeypatch, store):
    at = visit(start(monkeypatch, store, lang="en"), "scorecard", OTHER_MONTHS)
    assert [i.value for i in at.info] == [
        "Technology has no KPIs for 2026-10 (its data covers 2026-01 – 2026-03): "
        "choose one of those periods in the sidebar"
    ]
    assert not at.dataframe, "no empty perspective tables"


def test_a_partner_only_department_can_be_picked_and_shows_its_shared_kpi(monkeypatch, store):
    at = visit(start(monkeypatch, store), "scorecard", PARTNER_ONLY)
    rows = pd.concat([d.value for d in at.dataframe])
    assert list(rows["指标"]) == ["系统可用率" + t("scorecard.shared_marker")]
    assert list(rows["协同部门"]) == ["信息中心"]


def test_a_department_without_actuals_lists_its_kpis_as_missing(monkeypatch, store):
    at = visit(start(monkeypatch, store), "scorecard", NO_ACTUALS)
    rows = pd.concat([d.value for d in at.dataframe])
    assert list(rows["指标"]) == ["安全事故次数", "安全培训覆盖率"]  # by perspective
    assert set(rows["状态"]) == {t("status.missing")}
    assert rows["得分"].isna().all()

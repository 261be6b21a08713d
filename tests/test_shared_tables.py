"""Tables and charts worked out once for every session (README "A hundred viewers"): each
is drawn exactly as the per-run one was, and follows a change of what it was made from."""

from __future__ import annotations

import io
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.elements import arrow, vega_charts
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData
from streamlit.proto.VegaLiteChart_pb2 import VegaLiteChart

from benchmarks.run import form_workbook
from kpi_engine.i18n import status_label, t
from tests.apps import open_page, start, upload
from ui import altair_lock, derived, tables
from ui.state import (
    PERIOD,
    SCORECARD_DEPARTMENT,
    TREND_KEYS,
    VERSION_DEPARTMENT,
    VERSION_PERIOD,
)

DEPARTMENT, PERIOD_SHOWN = "市场部", "2026-10"


def kpi_table(lang: str) -> pd.DataFrame:
    """A Scorecard panel's columns: a missing score, a negative change, status words."""
    return pd.DataFrame(
        {
            t("scorecard.kpi", lang): ["销售额", "回款率", "客户数"],
            t("common.score", lang): [87.25, np.nan, 101.0],
            t("common.status", lang): [
                status_label("green", lang),
                status_label("missing", lang),
                status_label("red", lang),
            ],
            t("scorecard.change", lang): [1.25, -3.0, np.nan],
            t("common.weight", lang): ["30%", "20%", None],
        }
    )


def drawn(styler: object) -> bytes:
    """What st.dataframe sends of a Styler (its uuid given, so two can be compared)."""
    proto = ArrowData()
    marshall_styler(proto, styler, "unused")  # type: ignore[arg-type]
    return proto.SerializeToString()


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_a_settled_styler_is_drawn_as_the_styler_it_was_made_from(lang: str) -> None:
    frame = kpi_table(lang)
    fresh = drawn(tables.styled(frame, lang).set_uuid("t1"))
    settled = tables.styled(frame, lang, uuid="t1")
    assert dataframe_util.is_pandas_styler(settled)  # Streamlit styles it as a Styler
    assert drawn(settled) == fresh
    assert drawn(settled) == fresh  # drawn again by another session: the same
    assert b"87.2" in fresh and tables.MISSING.encode() in fresh  # formats kept
    assert b"background-color" in fresh


def test_st_dataframe_sends_a_settled_stylers_styles_made_once_and_anothers_as_streamlit_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """st.dataframe marshals a Styler through `arrow.marshall_styler` and its rows through
    `dataframe_util.convert_pandas_df_to_arrow_bytes`: a settled one's styles, display
    text and rows are those Streamlit makes, made when it was settled."""
    frame = kpi_table("zh-Hans")
    fresh = drawn(tables.styled(frame, "zh-Hans").set_uuid("t1"))
    settled = tables.styled(frame, "zh-Hans", uuid="t1")

    def through_st_dataframe(styler: object) -> bytes:
        proto = ArrowData()
        arrow.marshall_styler(proto, styler, "unused")  # type: ignore[arg-type]
        return proto.SerializeToString()

    plain = tables.styled(frame, "zh-Hans").set_uuid("t1")  # not settled: Streamlit's way
    assert through_st_dataframe(plain) == fresh
    rows = tables._TO_ARROW(plain.data)  # type: ignore[attr-defined]
    assert dataframe_util.convert_pandas_df_to_arrow_bytes(plain.data) == rows  # type: ignore[attr-defined]
    monkeypatch.setattr(tables, "_MARSHALL", lambda *_: pytest.fail("marshalled again"))
    monkeypatch.setattr(tables, "_TO_ARROW", lambda *_, **__: pytest.fail("converted again"))
    assert through_st_dataframe(settled) == fresh
    assert through_st_dataframe(settled) == fresh  # another session's draw: the same
    assert dataframe_util.convert_pandas_df_to_arrow_bytes(settled.data) == rows  # type: ignore[attr-defined]


def test_a_settled_styler_shows_its_own_frame_not_anothers() -> None:
    """Two tables settled from different rows are drawn differently (no shared state)."""
    one, other = kpi_table("zh-Hans"), kpi_table("zh-Hans")
    other.loc[0, t("common.score", "zh-Hans")] = 12.5
    first = tables.styled(one, "zh-Hans", uuid="a")
    second = tables.styled(other, "zh-Hans", uuid="a")
    assert b"12.5" in drawn(second) and b"12.5" not in drawn(first)


def sent(spec: dict) -> tuple[bytes, str]:
    """What st.vega_lite_chart sends of a spec: the chart's data and its JSON."""
    proto = VegaLiteChart()
    prepared = vega_charts._prepare_vega_lite_spec(spec, True)
    vega_charts._marshall_chart_data(proto, prepared, None)
    return proto.SerializeToString(), str(prepared)


def test_a_charts_datasets_in_arrow_are_sent_as_its_rows_would_be() -> None:
    rows = pd.DataFrame({"月份": ["2026-01", "2026-02"], "得分": [80.5, None]})
    chart = alt.Chart(rows).mark_line().encode(x="月份", y="得分")
    spec = altair_lock.shown_dict(chart)
    assert spec["datasets"]
    converted = derived.arrow_datasets(spec)
    assert all(isinstance(v, bytes) for v in converted["datasets"].values())
    assert sent(converted) == sent(spec)
    assert all(isinstance(v, list) for v in spec["datasets"].values())  # left as it was


def test_a_chart_drawn_from_its_plain_dict_is_sent_as_that_dict_would_be() -> None:
    """The score-change waterfall is shown as its dict with Altair's defaults (and its
    images drawn from it): `derived.Drawn` keeps that dict and sends the same chart."""
    rows = pd.DataFrame({"项": ["财务", "客户"], "分": [1.5, -0.5]})
    plain = altair_lock.chart_dict(alt.Chart(rows).mark_bar().encode(x="项", y="分"))
    drawn = derived.Drawn(plain)
    assert drawn.plain is plain
    assert sent(drawn.shown) == sent(plain)


def monthly_form(value: str) -> tuple[str, bytes]:
    """A new version of the sample's marketing month, one KPI of its own at `value`."""
    row = [DEPARTMENT, "SH1", "共享表测试指标", "财务", "越高越好", "25%", "90%", value, "平均"]
    out = io.BytesIO()
    form_workbook(f"2026年10月 {DEPARTMENT} KPI 考核表", [row]).save(out)
    return f"{DEPARTMENT}_2026年10月_{value}.xlsx", out.getvalue()


def shown_cells(at: object) -> str:
    return "\n".join(frame.value.to_string() for frame in at.dataframe)  # type: ignore[attr-defined]


def test_the_scorecard_and_data_tables_follow_each_upload(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The Scorecard's styled tables, the Trends table and the Data page's versions and
    history are shared across sessions: a new upload (a new data revision) shows in them
    at once."""
    name, content = monthly_form("81.5%")
    upload(tmp_path, {name: content})
    at = start(monkeypatch, tmp_path)
    at.session_state[PERIOD] = PERIOD_SHOWN
    at.session_state[SCORECARD_DEPARTMENT] = DEPARTMENT
    open_page(at, "scorecard")
    assert not at.exception
    assert "0.815" in shown_cells(at) and "0.935" not in shown_cells(at)
    at.session_state[VERSION_DEPARTMENT] = DEPARTMENT
    at.session_state[VERSION_PERIOD] = PERIOD_SHOWN
    at.session_state[f"{TREND_KEYS}_department"] = [DEPARTMENT]
    open_page(at, "trends")
    trends = shown_cells(at)
    assert DEPARTMENT in trends
    open_page(at, "data")
    before, versions = shown_cells(at), version_rows(at)
    assert name in before

    second, content = monthly_form("93.5%")
    upload(tmp_path, {second: content})
    open_page(at, "scorecard")
    assert "0.935" in shown_cells(at) and "0.815" not in shown_cells(at)
    open_page(at, "trends")  # the department's October score moved with the new version
    assert shown_cells(at) != trends
    open_page(at, "data")
    assert second in shown_cells(at) and second not in before
    assert version_rows(at) == versions + 1


def version_rows(at: object) -> int:
    """How many versions the Data page lists for the department-month picked."""
    header = t("data.version", "zh-Hans")
    return next(len(f.value) for f in at.dataframe if header in f.value.columns)  # type: ignore[attr-defined]

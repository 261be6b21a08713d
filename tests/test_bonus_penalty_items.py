"""SPEC §5.7: bonus and penalty items (加分项 / 扣分项) are not KPIs of a perspective; after the
department's weighted score their points are added (at most the bonus limit) and
subtracted, the result clipped to [0, cap], the score before and the points shown."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from kpi_engine.cli.main import main
from kpi_engine.core.adjust import counted_bonus, final_scores
from kpi_engine.core.scorecard import build
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.core.whatif import prepare, rank_ranges
from tests.kpi_rows import NAN, frame, kpi
from tests.workbooks import load, xlsx

HEADER = ["指标编号", "指标名称", "维度", "权重", "目标值", "实际值", "分值"]
TITLE = ["2026年10月 市场部 KPI 考核表"]


def sheet(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return xlsx([TITLE, [], header, *rows])


def item(section: str, **fields: object) -> dict[str, object]:
    return kpi(perspective=None, section=section, direction=None, weight=NAN, **fields)


def department(card, name: str = "市场部", period: str = "2026-10"):
    at = card.departments
    (row,) = at[(at["department"] == name) & (at["period"] == period)].itertuples()
    return row


# -- ingest -------------------------------------------------------------------------------------


def test_items_are_their_own_section_and_need_no_target_direction_or_weight():
    loaded = load(
        (
            "市场部.xlsx",
            sheet(
                ["K1", "营收", "财务", 1, 100, 90, None],
                ["B1", "省级荣誉", "加分项", None, None, None, 3],
                ["二、扣分项"],
                ["P1", "违纪", None, None, None, -2, None],
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors
    kpis = loaded.kpis.set_index("kpi_id")
    assert kpis["section"].to_dict() == {"K1": None, "B1": "bonus", "P1": "penalty"}
    assert kpis["perspective"].to_dict() == {"K1": "financial", "B1": None, "P1": None}
    card = build(loaded.kpis)
    assert set(card.perspectives["perspective"]) == {"financial"}
    shown = card.kpis.set_index("kpi_id")
    assert shown.loc[["B1", "P1"], "points"].tolist() == [3.0, 2.0]
    assert shown.loc[["B1", "P1"], "score"].isna().all()
    assert shown.loc[["B1", "P1"], "status"].isna().all()
    row = department(card)
    assert (row.score_before, row.bonus, row.penalty, row.score) == (90.0, 3.0, 2.0, 91.0)


@pytest.mark.parametrize(
    ("header", "cells", "points"),
    [
        ("分值", (5, 2), 5.0),  # the points column wins over the actual
        ("分值", (None, 2), 2.0),  # else the actual
        ("加分", (4, 2), 4.0),
        ("points", (4, None), 4.0),
    ],
)
def test_points_come_from_the_points_column_else_the_actual(header, cells, points):
    value, actual = cells
    loaded = load(
        (
            "市场部.xlsx",
            sheet(
                ["K1", "营收", "财务", 1, 100, 90, None],
                ["B1", "省级荣誉", "加分项", None, None, actual, value],
                header=[*HEADER[:-1], header],
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors
    assert department(build(loaded.kpis)).bonus == points


def test_a_kou_fen_column_is_a_penalty_items_points_not_a_kpis_full_points():
    header = [*HEADER[:-1], "扣分"]
    loaded = load(
        (
            "市场部.xlsx",
            sheet(
                ["K1", "营收", "财务", 1, 100, 90, 2],  # a KPI's own deducted points
                ["P1", "违纪", "扣分项", None, None, None, -3],
                header=header,
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors
    kpis = loaded.kpis.set_index("kpi_id")
    assert kpis.loc["K1", "full_points"] != kpis.loc["K1", "full_points"]  # NaN
    assert kpis.loc["K1", "extras"] == {"扣分": 2}
    assert department(build(loaded.kpis)).penalty == 3.0


def test_an_item_without_points_is_a_row_error():
    loaded = load(
        (
            "市场部.xlsx",
            sheet(
                ["K1", "营收", "财务", 1, 100, 90, None],
                ["B1", "荣誉", "加分项", None, 5, None, None],
            ),
        )
    )
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.row, error.column) == ("item_no_points", 5, "实际值")
    assert loaded.kpis["kpi_id"].tolist() == ["K1"]


# -- the department's score ---------------------------------------------------------------------


@pytest.mark.parametrize("written", [-2.0, 2.0])
def test_a_penalty_counts_by_its_absolute_value(written):
    card = build(frame(kpi(actual=90.0, target=100.0), item("penalty", actual=written)))
    assert (department(card).penalty, department(card).score) == (2.0, 88.0)


def test_the_bonus_limit_is_a_setting_and_penalties_are_not_limited():
    rows = frame(
        kpi(actual=80.0, target=100.0),
        item("bonus", actual=8.0),
        item("bonus", full_points=7.0),
        item("penalty", actual=-30.0),
    )
    by_default = department(build(rows))
    assert (by_default.bonus, by_default.penalty, by_default.score) == (10.0, 30.0, 60.0)
    limited = department(build(rows, settings=DEFAULTS.with_(bonus_limit=4.0)))
    assert (limited.bonus, limited.score) == (4.0, 54.0)


@pytest.mark.parametrize(
    ("actual", "section", "points", "expected"),
    [(115.0, "bonus", 10.0, 120.0), (5.0, "penalty", 10.0, 0.0)],
)
def test_the_result_is_clipped_to_zero_and_the_cap(actual, section, points, expected):
    card = build(frame(kpi(actual=actual, target=100.0), item(section, actual=points)))
    row = department(card)
    assert (row.score_before, row.score) == pytest.approx((actual, expected))
    assert card.organization["score"].iloc[0] == expected  # of the final scores


def test_a_shared_item_counts_for_its_owner_only():
    rows = frame(
        kpi(actual=90.0, target=100.0),
        kpi(department="财务部", actual=80.0, target=100.0),
        item("bonus", actual=5.0, shared_with=("财务部",)),
    )
    card = build(rows)
    assert department(card).bonus == 5.0 and department(card, "财务部").bonus == 0.0
    assert len(card.kpis[card.kpis["section"] == "bonus"]) == 1


def test_a_department_with_items_and_no_kpi_has_no_score():
    card = build(
        frame(kpi(actual=90.0, target=100.0), item("bonus", actual=3.0, department="财务部"))
    )
    assert card.departments["department"].tolist() == ["市场部"]
    assert card.organization["score"].iloc[0] == 90.0


def test_a_quarter_sums_each_months_points():
    rows = []
    for month in ("2026-01", "2026-02", "2026-03"):
        rows += [
            kpi(actual=90.0, target=100.0, period=month),
            item("bonus", kpi_id="B1", full_points=2.0, period=month),
            item("penalty", kpi_id="P1", actual=-1.0, period=month),
        ]
    rows[4]["full_points"], rows[4]["actual"] = NAN, 3.0  # February wrote its points as actual
    row = department(build(frame(*rows), period="2026-Q1"), period="2026-Q1")
    assert (row.bonus, row.penalty, row.score) == (7.0, 3.0, 94.0)


def test_rank_stability_counts_the_points():
    rows = frame(
        kpi(actual=90.0, target=100.0),
        item("bonus", actual=10.0),
        kpi(department="财务部", actual=95.0, target=100.0),
    )
    card = build(rows)
    ranges = rank_ranges(
        card.perspectives,
        weights=DEFAULTS.perspective_weights,
        departments=card.departments,
        samples=50,
    ).set_index("department")
    assert ranges["baseline_rank"].to_dict() == {"市场部": 1, "财务部": 2}
    assert prepare(rows).baseline.departments["score"].tolist() == [100.0, 95.0]


# -- the CLI ------------------------------------------------------------------------------------


def test_score_json_and_workbook_carry_the_points(tmp_path, capsys):
    path = tmp_path / "市场部_2026年10月.xlsx"
    path.write_bytes(
        sheet(
            ["K1", "营收", "财务", 1, 100, 90, None],
            ["B1", "省级荣誉", "加分项", None, None, None, 3],
            ["P1", "违纪", "扣分项", None, None, -2, None],
        )
    )
    assert main(["score", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (overall,) = [d for d in doc["departments"] if d["perspective"] is None]
    assert {k: overall[k] for k in ("score_before", "bonus", "penalty", "score", "veto")} == {
        "score_before": 90.0,
        "bonus": 3.0,
        "penalty": 2.0,
        "score": 91.0,
        "veto": None,
    }
    kpis = {k["kpi_id"]: k for k in doc["kpis"]}
    assert (kpis["B1"]["section"], kpis["B1"]["perspective"], kpis["B1"]["points"]) == (
        "bonus",
        None,
        3.0,
    )
    assert kpis["P1"]["points"] == 2.0 and kpis["P1"]["score"] is None
    assert kpis["K1"]["points"] is None and kpis["K1"]["section"] is None

    out = tmp_path / "report.xlsx"
    assert main(["score", str(path), "--out", str(out)]) == 0
    sheet_rows = list(load_workbook(out)["Departments"].values)
    header = list(sheet_rows[0])
    (overall_row,) = [r for r in sheet_rows[1:] if r[header.index("perspective")] is None]
    assert overall_row[header.index("bonus")] == 3.0
    assert overall_row[header.index("score_before")] == 90.0
    kpi_rows = list(load_workbook(out)["KPIs"].values)
    assert "points" in kpi_rows[0] and "section" in kpi_rows[0]


# -- the law ------------------------------------------------------------------------------------

points = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=150.0, allow_nan=False),
    st.lists(points, max_size=3),
    st.lists(points, max_size=3),
    st.floats(min_value=0.0, max_value=120.0, allow_nan=False),
    st.floats(min_value=100.0, max_value=200.0, allow_nan=False),
)
def test_final_is_before_plus_limited_bonus_minus_penalty_clipped(
    actual, bonuses, penalties, limit, cap
):
    chosen = DEFAULTS.with_(bonus_limit=min(limit, cap), cap=cap)
    rows = [kpi(actual=actual, target=100.0)]
    rows += [item("bonus", actual=b) for b in bonuses]
    rows += [item("penalty", actual=-p) for p in penalties]
    row = department(build(frame(*rows), settings=chosen))
    before = min(actual, cap)
    expected = min(max(before + min(sum(bonuses), chosen.bonus_limit) - sum(penalties), 0.0), cap)
    assert row.score_before == pytest.approx(before)
    assert row.score == pytest.approx(expected, abs=1e-9)
    assert row.score == pytest.approx(
        float(
            final_scores(before, counted_bonus(sum(bonuses), chosen), sum(penalties), False, chosen)
        ),
        abs=1e-9,
    )

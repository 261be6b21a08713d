"""Partners (SPEC §3): one that names no known department is warned about; a department
that only appears as a partner is shown but does not enter the organisation score."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine.core.adjust import BONUS, PENALTY
from kpi_engine.core.rollup import card_departments
from kpi_engine.core.scorecard import build
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.core.whatif import Scenario, compare
from tests.kpi_rows import NAN, frame, kpi
from tests.workbooks import load, messages, xlsx


def _sheet(partner: str) -> bytes:
    return xlsx(
        [
            ["2026年10月 市场部 KPI 考核表"],
            ["部门", "维度", "指标名称", "方向", "权重", "目标值", "实际值", "协同部门"],
            ["市场部", "客户", "客户满意度", "越高越好", 1, 90, 88, partner],
            ["财务部", "财务", "回款率", "越高越好", 1, 100, 100, None],
        ]
    )


def test_a_partner_that_is_no_known_department_is_named_in_a_warning() -> None:
    loaded = load(("市场部.xlsx", _sheet("财务部、市埸部")))
    warnings = loaded.issues[loaded.issues["code"] == "unknown_partner"]
    assert len(warnings) == 1
    found = warnings.iloc[0]
    assert found["row"] == 3 and found["column"] == "协同部门"
    assert found["value"] == "财务部、市埸部"
    assert "市埸部" in found["message"] and "财务部" not in found["message"].split(":")[0]
    assert messages(loaded) == []  # a warning, the row is accepted


def test_an_unknown_partner_beside_a_rejected_row_is_warned_about() -> None:
    """A sheet with a bad row and an unknown partner loads (it raised IndexingError)."""
    sheet = xlsx(
        [
            ["部门", "维度", "指标名称", "方向", "权重", "目标值", "实际值", "协同部门"],
            ["市场部", "客户", "客户满意度", "越高越好", -1, 90, 88, None],
            ["市场部", "客户", "新客户数", "越高越好", 1, 90, 88, "市埸部"],
        ]
    )
    loaded = load(("市场部_2026年10月.xlsx", sheet))
    assert loaded.rows_accepted == 1 and loaded.rows_rejected == 1
    warnings = loaded.issues[loaded.issues["code"] == "unknown_partner"]
    assert list(warnings["row"]) == [3] and list(warnings["value"]) == ["市埸部"]


def test_a_partner_known_from_the_store_is_not_warned_about() -> None:
    loaded = load(("市场部.xlsx", _sheet("技术部")), known_departments=["技术部"])
    assert (loaded.issues["code"] != "unknown_partner").all()


def _card(extra_weight: float):
    rows = frame(
        kpi(department="市场部", actual=80.0, target=100.0, shared_with=("客服中心",)),
        kpi(department="财务部", actual=100.0, target=100.0),
        kpi(department="客服中心", actual=NAN, target=100.0, weight=extra_weight, period="2026-09"),
    )
    return rows, build(rows, period="2026-10")


def test_a_partner_only_department_is_shown_but_not_counted() -> None:
    rows, card = _card(1.0)
    shown = card.departments.set_index("department")["score"]
    assert math.isclose(shown["客服中心"], 80.0)  # shown, with the shared KPI's score
    assert math.isclose(card.organization["score"].iloc[0], 90.0)  # mean of 市场部 and 财务部
    by_perspective = card.organization_perspectives.set_index("perspective")["score"]
    assert math.isclose(by_perspective["financial"], 90.0)
    # the what-if baseline and a weight scenario give the same organisation score
    comparison = compare(rows, DEFAULTS, Scenario(name="x"), period="2026-10")
    assert math.isclose(comparison.organization["baseline"].iloc[0], 90.0)
    heavy = Scenario(name="y", department_weights={"客服中心": 100.0})
    assert math.isclose(
        compare(rows, DEFAULTS, heavy, period="2026-10").organization["scenario"].iloc[0], 90.0
    )


@pytest.mark.slow
@given(st.floats(min_value=0.0, max_value=150.0), st.floats(min_value=0.01, max_value=50.0))
def test_adding_a_partner_only_department_never_moves_the_organisation(
    actual: float, weight: float
) -> None:
    alone = frame(kpi(department="财务部", actual=90.0, target=100.0))
    shared = frame(
        kpi(department="财务部", actual=90.0, target=100.0),
        kpi(
            department="市场部", actual=actual, target=100.0, weight=weight, shared_with=("新部门",)
        ),
    )
    with_partner = build(shared, period="2026-10").organization["score"].iloc[0]
    without = (
        build(
            frame(*alone.to_dict("records"), kpi(department="市场部", actual=actual, target=100.0)),
            period="2026-10",
        )
        .organization["score"]
        .iloc[0]
    )
    assert math.isclose(with_partner, without, rel_tol=1e-12)


_NAMES = ("市场部", "生产", "生产部", "财务部", "技术部")
_drawn = st.lists(
    st.tuples(
        st.sampled_from(_NAMES[:4]),  # a department with rows of its own
        st.lists(st.sampled_from([*_NAMES, "", "外包商"]), max_size=3),  # its partners
        st.sampled_from([None, BONUS, PENALTY]),  # a KPI, or a bonus or penalty item
        st.sampled_from(["2026-09", "2026-10"]),
    ),
    min_size=1,
    max_size=12,
)


@given(_drawn)
def test_the_departments_with_a_scorecard_are_found_without_scoring(drawn: list) -> None:
    """`card_departments` (what the pickers list after every upload) names exactly the
    departments the scorecard has, whatever the partners' spelling, self-listing, blanks
    or bonus items."""
    kpis = frame(
        *(
            kpi(department=d, shared_with=tuple(p), section=s, period=m, actual=90.0, target=100.0)
            for d, p, s, m in drawn
        )
    )
    found = build(kpis).departments["department"].astype(str).unique()
    assert card_departments(kpis) == sorted(found)

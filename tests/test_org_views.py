"""A scorecard seen from any node of the tree (issue 18, `org.at`): the node's children as
rows (units and departments, each saying which), the node's own scores where the
organisation's were, and only the KPIs of the departments under it; at every grain.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from kpi_engine import DEFAULTS, build
from kpi_engine.core import insights, org
from kpi_engine.core.schema import org_table
from kpi_engine.core.scorecard import department_statuses
from kpi_engine.core.scoring import statuses as statuses_of
from tests.kpi_rows import frame, kpi


def dept(name: str, actual: float, **fields: object) -> dict[str, object]:
    return kpi(department=name, kpi_name=f"{name} kpi", actual=actual, target=100.0, **fields)


EDGES = org_table(
    pd.DataFrame(
        [("甲部", "华东"), ("乙部", "华东"), ("华东", "集团"), ("丙部", "集团")],
        columns=["unit", "parent"],
    )
)
ROWS = frame(
    dept("甲部", 80.0),
    dept("乙部", 60.0),
    dept("乙部", 90.0, perspective="customer"),
    dept("丙部", 90.0),
    dept("丁部", 40.0),
    dept("甲部", 100.0, period="2026-11"),
)


@pytest.fixture(scope="module")
def card():
    return build(ROWS, org=EDGES)


def kinds(view) -> dict[str, str]:
    rows = view.departments.drop_duplicates("department")
    return dict(zip(rows["department"], rows["kind"], strict=True))


def test_no_tree_the_group_is_the_card_itself() -> None:
    plain = build(ROWS)
    assert org.at(plain, None) is plain


def test_the_group_shows_its_top_level(card) -> None:
    view = org.at(card, None)
    assert kinds(view) == {"集团": "unit", "丁部": "department"}
    assert_frame_equal(view.organization, card.organization)
    assert len(view.kpis) == len(card.kpis)
    oct_ = view.departments[view.departments["period"] == "2026-10"].set_index("department")
    # the organisation is the mean of the top level: 集团 ((70 + 75) / 2 + 90) / 2, and 丁部
    group = ((80 + (60 + 90) / 2) / 2 + 90) / 2
    assert oct_.loc["集团", "score"] == pytest.approx(group)
    first = view.organization.set_index("period").loc["2026-10", "score"]
    assert first == pytest.approx((group + 40) / 2)


def test_a_unit_shows_its_children_and_its_own_scores(card) -> None:
    view = org.at(card, "华东")
    assert kinds(view) == {"甲部": "department", "乙部": "department"}
    own = view.organization.set_index("period")["score"]
    assert own["2026-10"] == pytest.approx((80 + 75) / 2)
    assert own["2026-11"] == pytest.approx(100.0)
    assert list(view.organization.columns) == list(card.organization.columns)
    assert set(view.kpis["department"]) == {"甲部", "乙部"}
    persp = view.organization_perspectives.set_index(["period", "perspective"])["score"]
    assert persp[("2026-10", "customer")] == pytest.approx(90.0)
    assert set(view.perspectives["department"]) == {"甲部", "乙部"}
    middle = org.at(card, "集团")
    assert kinds(middle) == {"华东": "unit", "丙部": "department"}
    # a unit row is no vetoed department: its status is its score's band
    statuses = department_statuses(middle.departments, settings=DEFAULTS)
    assert list(statuses) == list(statuses_of(middle.departments["score"], settings=DEFAULTS))
    unit_persp = middle.perspectives[middle.perspectives["kind"] == "unit"]
    assert set(unit_persp["perspective"]) == {"financial", "customer"}


def test_a_unit_in_another_script_is_the_same_node(card) -> None:
    assert_frame_equal(org.at(card, "華東").organization, org.at(card, "华东").organization)


def test_a_department_is_a_leaf_with_its_own_scores(card) -> None:
    view = org.at(card, "乙部")
    assert view.departments.empty
    assert view.organization["score"].iloc[0] == pytest.approx(75.0)
    assert set(view.kpis["department"]) == {"乙部"}


def test_quarters_and_year_to_date_too() -> None:
    history = insights.history(ROWS, ["2026-Q4", "2026-11-YTD"], org=EDGES)
    view = org.at(history, "华东")
    assert set(view.organization["period"]) == {"2026-Q4", "2026-11-YTD"}
    assert set(view.departments["period"]) == {"2026-Q4", "2026-11-YTD"}
    assert view.organization["score"].notna().all()

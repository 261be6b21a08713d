"""Pages at any level of a group's tree: a breadcrumb back up, a drill-down, the node kept
across pages, every level-aware page at the group, a unit and a department; lists of
hundreds of units shortened to a search and the best and worst N; without a tree, the
pages as they were."""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine import store
from kpi_engine.core.org import at as seen_from
from kpi_engine.i18n.script import shown_scorecard
from tests.apps import open_page, start, upload
from tests.group_data import (
    DEPARTMENT_UNITS,
    GROUP,
    HIERARCHY_FILE,
    MANUFACTURING,
    SERVICES,
    hierarchy_workbook,
)
from ui import data, org
from ui.state import ORG_NODE

LEVEL_PAGES = ("overview", "scorecard", "heatmap", "trends")


@pytest.fixture(scope="module")
def group_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company's store given the group's 组织架构 sheet, as an upload."""
    return upload(tmp_path_factory.mktemp("group"), {HIERARCHY_FILE: hierarchy_workbook()})


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch, group_dir: Path) -> AppTest:
    return start(monkeypatch, group_dir)


def crumbs(at: AppTest) -> list[str]:
    """The breadcrumb's buttons (the ancestors), top first."""
    return [b.label for b in at.button if b.key and b.key.startswith("org_crumb_")]


def bold(at: AppTest) -> list[str]:
    return [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]


def children(at: AppTest, key: str) -> pd.DataFrame:
    """The children table (its key renewed after each click that moves, `org.fresh`)."""
    return next(d for d in at.dataframe if d.key and d.key.startswith(f"{key}_")).value


def table_names(at: AppTest, key: str) -> list[str]:
    return [str(n) for n in children(at, key).iloc[:, 1]]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def test_the_group_is_where_the_pages_start(at: AppTest) -> None:
    no_exception(at)
    assert crumbs(at) == []
    assert GROUP in bold(at)
    drill = at.selectbox(key="org_drill")
    assert set(drill.options) == set(DEPARTMENT_UNITS.values())
    assert set(table_names(at, "overview_children")) == set(DEPARTMENT_UNITS.values())


def test_drill_down_then_back_up_by_the_breadcrumb(at: AppTest) -> None:
    at.selectbox(key="org_drill").select(MANUFACTURING).run()
    no_exception(at)
    assert at.session_state[ORG_NODE] == MANUFACTURING
    assert crumbs(at) == [GROUP]
    assert MANUFACTURING in bold(at)
    below = {d for d, unit in DEPARTMENT_UNITS.items() if unit == MANUFACTURING}
    assert set(table_names(at, "overview_children")) == below
    at.button(key="org_crumb_0").click().run()
    no_exception(at)
    assert at.session_state[ORG_NODE] == GROUP
    assert set(table_names(at, "overview_children")) == set(DEPARTMENT_UNITS.values())


def test_the_node_is_kept_across_pages(at: AppTest) -> None:
    at.selectbox(key="org_drill").select(SERVICES).run()
    for page in LEVEL_PAGES:
        open_page(at, page)
        no_exception(at)
        assert at.session_state[ORG_NODE] == SERVICES
        assert crumbs(at) == [GROUP], page


@pytest.mark.parametrize("page", LEVEL_PAGES)
@pytest.mark.parametrize("node", [GROUP, MANUFACTURING, "生产部"])
def test_every_level_page_at_the_group_a_unit_and_a_department(
    at: AppTest, page: str, node: str
) -> None:
    at.session_state[ORG_NODE] = node
    open_page(at, page)
    no_exception(at)
    assert node in bold(at)
    assert "None" not in " ".join(m.value for m in at.markdown)


def test_a_units_scorecard_lists_its_children_with_their_kind(at: AppTest) -> None:
    at.session_state[ORG_NODE] = SERVICES
    open_page(at, "scorecard")
    no_exception(at)
    frame = children(at, "scorecard_children")
    below = {d for d, unit in DEPARTMENT_UNITS.items() if unit == SERVICES}
    assert set(frame["名称"]) == below
    assert set(frame["类型"]) == {"部门"}
    assert {"得分", "覆盖率", "状态"} <= set(frame.columns)


def test_a_department_of_the_tree_opens_its_own_scorecard(at: AppTest) -> None:
    at.session_state[ORG_NODE] = "财务部"
    open_page(at, "scorecard")
    no_exception(at)
    assert at.title[0].value == "财务部 计分卡"
    assert crumbs(at) == [GROUP, SERVICES]


def test_without_a_tree_the_pages_are_as_before(monkeypatch, tmp_path: Path) -> None:
    at = start(monkeypatch, tmp_path)
    for page in LEVEL_PAGES:
        open_page(at, page)
        no_exception(at)
        assert crumbs(at) == []
        assert not [s for s in at.selectbox if s.key == "org_drill"]
        assert not at.text_input  # no search box for seven departments
        if page == "scorecard":  # the department picker as before
            assert at.selectbox(key="scorecard_department").value


# -- 500 units: a search box and the best and worst N ------------------------------------


def many(n: int) -> pd.DataFrame:
    """`n` units named 单位001.. scoring 1..n (单位001 the worst), one without a score."""
    return pd.DataFrame(
        {
            "department": [f"单位{i:03d}" for i in range(1, n + 1)],
            "score": [float(i) for i in range(1, n)] + [None],
        }
    )


def test_the_best_and_worst_n_best_first() -> None:
    names = org.ends_of(many(500), "", 10)
    assert names[:10] == [f"单位{i:03d}" for i in range(499, 489, -1)]
    assert names[10:] == [f"单位{i:03d}" for i in range(10, 0, -1)]


def test_all_when_few_or_asked() -> None:
    assert len(org.ends_of(many(15), "", 10)) == 15
    assert len(org.ends_of(many(500), "", org.ALL)) == 500


def test_search_matches_part_of_a_name_in_either_script() -> None:
    rows = pd.DataFrame(
        {"department": ["华东子公司", "華南子公司", "生产部"], "score": [1.0, 2.0, 3.0]}
    )
    assert org.ends_of(rows, "子公司", 10) == ["華南子公司", "华东子公司"]
    assert org.ends_of(rows, "华南", 10) == ["華南子公司"]
    assert org.ends_of(rows, "无此名", 10) == []


def _focus_app() -> None:
    import pandas as pd
    import streamlit as st

    from ui import org

    rows = pd.DataFrame(
        {"department": [f"单位{i:03d}" for i in range(1, 501)], "score": range(1, 501)}
    )
    st.session_state["picked"] = org.focus(rows.astype({"score": float}), "zh-Hans", key="f")


def test_a_long_list_gets_a_search_box_and_the_ends() -> None:
    at = AppTest.from_function(_focus_app).run()
    no_exception(at)
    assert len(at.session_state["picked"]) == 20
    assert "显示 20 个，共 500 个" in at.caption[0].value
    at.text_input(key="f_search").input("单位12").run()
    assert at.session_state["picked"] == [f"单位{i}" for i in range(129, 119, -1)]
    at.text_input(key="f_search").input("没有").run()
    assert at.session_state["picked"] == []
    assert "没有名称包含" in at.info[0].value
    at.text_input(key="f_search").input("").run()
    at.selectbox(key="f_ends").select(org.ALL).run()
    assert len(at.session_state["picked"]) == 500


def test_a_short_list_shows_every_name_without_widgets() -> None:
    at = AppTest.from_function(_short_app).run()
    no_exception(at)
    assert at.session_state["picked"] is None
    assert not at.text_input


def _short_app() -> None:
    import pandas as pd
    import streamlit as st

    from ui import org

    rows = pd.DataFrame({"department": ["生产部", "财务部"], "score": [80.0, 90.0]})
    st.session_state["picked"] = org.focus(rows, "zh-Hans", key="f")


def test_settings_weigh_units_and_departments_level_by_level(at: AppTest) -> None:
    open_page(at, "settings")
    no_exception(at)
    levels = [m.value.strip("*") for m in at.markdown if m.value.startswith("**第 ")]
    assert levels == ["第 1 层", "第 2 层", "第 3 层"]  # the group, its units, their departments
    editors = {e.key: e.value for e in at.dataframe if e.key and e.key.startswith("settings_dep")}
    assert list(editors["settings_departments_1"]["department"]) == [GROUP]
    assert set(editors["settings_departments_2"]["department"]) == set(DEPARTMENT_UNITS.values())
    assert set(editors["settings_departments_3"]["department"]) == set(DEPARTMENT_UNITS)


# -- the submission board of a group ------------------------------------------------------


def _board(at: AppTest) -> str:
    return next(e.proto.body for e in at.get("html") if "kpi-board" in e.proto.body)


def _board_rows(body: str) -> list[str]:
    """The board's row headings top to bottom: `unit:` before a unit's heading row."""
    found = re.findall(r'<th class="(dept|unit)"[^>]*>([^<]*)</th>', body.split("<tbody>")[1])
    return [f"unit:{name}" if kind == "unit" else name for kind, name in found]


def test_the_board_groups_departments_under_their_units_and_follows_the_node(
    at: AppTest,
) -> None:
    open_page(at, "submissions")
    no_exception(at)
    assert GROUP in bold(at)  # the breadcrumb, as on the level pages
    rows = _board_rows(_board(at))
    units = [r.removeprefix("unit:") for r in rows if r.startswith("unit:")]
    assert sorted(units) == sorted(set(DEPARTMENT_UNITS.values()))
    for unit in units:  # each unit's heading, then exactly its departments
        after = rows[rows.index(f"unit:{unit}") + 1 :]
        mine = list(itertools.takewhile(lambda r: not r.startswith("unit:"), after))
        assert sorted(mine) == sorted(d for d, u in DEPARTMENT_UNITS.items() if u == unit)
    at.selectbox(key="org_drill").select(MANUFACTURING).run()
    no_exception(at)
    below = sorted(d for d, unit in DEPARTMENT_UNITS.items() if unit == MANUFACTURING)
    assert sorted(_board_rows(_board(at))) == below  # one unit: no heading rows
    assert sum(int(m.value) for m in at.metric) == len(below)


def _long_board_app(status: str = "missing") -> None:
    import pandas as pd
    import streamlit as st

    from ui import submissions

    found = pd.DataFrame(
        {
            "department": [f"部门{i:03d}" for i in range(1, 31) for _ in range(2)],
            "period": ["2026-10", "2026-11"] * 30,
            "status": [
                status if i % 10 == 0 and month else "on_time"
                for i in range(1, 31)
                for month in (0, 1)
            ],
        }
    )
    st.session_state["kept"] = list(pd.unique(submissions.narrowed(found, "zh-Hans")["department"]))


def test_a_long_board_gets_a_search_and_a_switch_to_what_needs_acting_on() -> None:
    at = AppTest.from_function(_long_board_app).run()
    no_exception(at)
    assert len(at.session_state["kept"]) == 30
    at.toggle(key="board_attention").set_value(True).run()
    assert at.session_state["kept"] == ["部门010", "部门020", "部门030"]
    assert (
        "找到 3 个，共 30 个" in at.caption[0].value or "显示 3 个，共 30 个" in at.caption[0].value
    )
    at.text_input(key="board_search").input("部門02").run()  # the other script finds it too
    assert at.session_state["kept"] == ["部门020"]
    at.toggle(key="board_attention").set_value(False).run()
    assert at.session_state["kept"] == [f"部门{i:03d}" for i in range(20, 30)]
    at.text_input(key="board_search").input("没有").run()
    assert at.session_state["kept"] == []
    assert "没有名称包含" in at.info[0].value


def test_a_long_board_says_when_nothing_needs_acting_on() -> None:
    at = AppTest.from_function(_long_board_app, kwargs={"status": "on_time"}).run()
    at.toggle(key="board_attention").set_value(True).run()
    no_exception(at)
    assert at.session_state["kept"] == []
    assert at.success[0].value == "没有需要处理的部门：各期均已按时报送或尚未到期。"


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_the_groups_view_takes_the_historys_rows_as_shown_not_converted_again(
    at: AppTest, lang: str
) -> None:
    """At the group the view's KPI rows are the whole history's, in the screen's script
    already (the same frame `_shown_history` made: at 500 units, 1.8 M rows converted
    once, not twice); every frame of the view is what converting it afresh gives."""
    no_exception(at)
    url = store.database_url()
    engine = store.start(url)
    revision = (store.latest(store.revisions(engine), store.DATA_ACTIONS), ())
    current = store.load_settings(engine)
    group = seen_from(data._history(url, revision, "month", current), None)
    assert group.tree
    view = data._at(url, revision, "month", current, None, lang)
    shown = data._shown_history(url, revision, "month", current, lang)
    assert view.kpis is shown.kpis
    afresh = shown_scorecard(group, lang, current.script)
    for field in dataclasses.fields(view):
        mine, theirs = getattr(view, field.name), getattr(afresh, field.name)
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs)
        else:
            assert mine == theirs
    assert ("生產部" in set(view.kpis["department"])) == (lang == "zh-Hant")

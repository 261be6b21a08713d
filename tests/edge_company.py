"""Departments at the edges, uploaded beside the sample company: one whose sheet covers
other months (an English Q1 sheet for Technology), one that appears only as a partner of
another department's KPI, and one that reported no actual at all."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi_engine import Scorecard, load_files
from kpi_engine.core import insights
from tests.apps import open_page, upload
from tests.paths import sample_files
from tests.workbooks import HEADER, form, xlsx
from ui.state import SCORECARD_DEPARTMENT

OTHER_MONTHS = "Technology"  # rows in 2026-01..03 only
# Names written alike in both Chinese scripts, so every language's pages show them as here
# (one script per screen converts the others; that is tests/test_one_script.py's).
PARTNER_ONLY = "客服部"  # named in 信息中心's 协同部门 column, no KPI of its own
NO_ACTUALS = "安保部"  # 2026-10 with every actual empty
SHARING = "信息中心"
EDGE_DEPARTMENTS = (OTHER_MONTHS, PARTNER_ONLY, NO_ACTUALS)


def files() -> dict[str, bytes]:
    """The three uploads, by file name."""
    months = ("2026-01", "2026-02", "2026-03")
    technology = [
        ["Technology KPI sheet 2026 Q1"],
        [],
        [
            *("Department", "Perspective", "KPI ID", "KPI name", "Direction", "Weight"),
            *("Period", "Target", "Actual"),
        ],
        *[
            [OTHER_MONTHS, "Financial", "T-1", "IT cost", "lower is better", 0.5, m, 100, 93]
            for m in months
        ],
        *[
            [OTHER_MONTHS, "Customer", "T-2", "Uptime", "higher is better", 0.5, m, 0.99, 0.995]
            for m in months
        ],
    ]
    missing = form(
        [NO_ACTUALS, "内部流程", "SE-1", "安全事故次数", "越低越好", "50%", 2, None],
        [NO_ACTUALS, "学习与成长", "SE-2", "安全培训覆盖率", "越高越好", "50%", "95%", None],
        title=f"2026年10月 {NO_ACTUALS} KPI 考核表",
    )
    shared = [
        [f"2026年10月 {SHARING} KPI 考核表"],
        [],
        [*HEADER, "协同部门"],
        [
            SHARING,
            "内部流程",
            "IT-1",
            "系统可用率",
            "越高越好",
            "60%",
            "99%",
            "99.5%",
            PARTNER_ONLY,
        ],
        [SHARING, "财务", "IT-2", "IT预算执行率", "越高越好", "40%", "95%", "90%", None],
    ]
    return {
        "technology_2026Q1.xlsx": xlsx(technology),
        f"{NO_ACTUALS}_2026年10月.xlsx": xlsx(missing),
        f"{SHARING}_2026年10月.xlsx": xlsx(shared),
    }


def filled_store(directory: Path) -> Path:
    """`directory` holding the sample company and the three uploads, stored through the
    Data page as a manager would (each file without errors is stored at once)."""
    return upload(directory, files())


def history(grain: str) -> Scorecard:
    """What the app scores for a grain on the stored data (sample company and uploads),
    computed by the engine directly."""
    kpis = load_files([*sample_files(), *files().items()]).kpis
    labels = insights.comparison_labels(insights.period_labels(kpis, grain=grain))
    return insights.history(kpis, labels)


def visit(at: AppTest, page: str, department: str) -> AppTest:
    """`page` with the sidebar narrowed to `department` (and it picked on the Scorecard)."""
    if at.sidebar.multiselect[0].value != [department]:
        at.sidebar.multiselect[0].set_value([department]).run()
    open_page(at, page)
    if page == "scorecard" and at.selectbox(key=SCORECARD_DEPARTMENT).value != department:
        at.selectbox(key=SCORECARD_DEPARTMENT).set_value(department).run()
    return at

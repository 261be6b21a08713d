"""A department or perspective written once over merged cells applies to every row."""

from tests.workbooks import HEADER, load, xlsx

HR_ROWS = [
    ["2026年3月 人力资源部 绩效考核表"],
    HEADER,
    ["人力资源部", "内部流程", "HR-1", "招聘周期", "越低越好", 0.2, 30, 33],
    [None, None, "HR-2", "到岗率", "越高越好", 0.2, 0.95, 0.92],
    [None, "学习与成长", "HR-3", "培训覆盖率", "越高越好", 0.3, 0.9, 0.75],
]


def test_merged_department_and_perspective_cover_their_rows():
    data = xlsx(HR_ROWS, merges=["A1:H1", "A3:A5", "B3:B4"])
    kpis = load(("hr.xlsx", data)).kpis.set_index("kpi_id")
    assert set(kpis["department"]) == {"人力资源部"}
    assert kpis.loc["HR-2", "perspective"] == "internal_process"
    assert kpis.loc["HR-3", "perspective"] == "learning_growth"


def test_unmerged_blank_department_falls_back_to_the_title():
    rows = [
        ["2026年3月 人力资源部 绩效考核表"],
        HEADER,
        [None, "财务", "HR-9", "人均成本", "越低越好", 1, 1000, 900],
    ]
    kpis = load(("x.xlsx", xlsx(rows))).kpis
    assert list(kpis["department"]) == ["人力资源部"]

"""Numbers as Excel stores them: numbers, percent formats, formulas' cached values, text."""

import math

from tests.workbooks import form, load, with_formulas, xlsx


def test_text_numbers_and_percent_cells_read_as_people_mean_them():
    rows = form(
        ["市场部", "财务", "M1", "营收", "越高越好", "40%", "¥1,234.5", "１,２００"],
        ["市场部", "客户", "M2", "满意度", "越高越好", "60%", "８５％", 0.8],
    )
    data = xlsx(rows, formats={"H5": "0%"})
    kpis = load(("m.xlsx", data)).kpis.set_index("kpi_id")
    assert kpis.loc["M1", "target"] == 1234.5
    assert kpis.loc["M1", "actual"] == 1200
    assert kpis.loc["M1", "weight"] == 0.4
    assert math.isclose(kpis.loc["M2", "target"], 0.85)
    assert kpis.loc["M2", "actual"] == 0.8  # a percent-formatted cell holds the fraction


def test_formula_cells_give_their_cached_values():
    rows = form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 96])
    data = with_formulas(xlsx(rows), {"H4": "SUM(96,0)", "G4": "50*2"})
    kpi = load(("m.xlsx", data)).kpis.iloc[0]
    assert kpi["actual"] == 96
    assert kpi["target"] == 100


def test_missing_value_tokens_are_missing_never_zero():
    tokens = ["", "N/A", "-", "—", "/", "无", "待定"]
    rows = form(
        *[
            ["市场部", "财务", f"M{i}", f"k{i}", "越高越好", 1, 100, t or None]
            for i, t in enumerate(tokens)
        ]
    )
    loaded = load(("m.xlsx", xlsx(rows)))
    assert loaded.rows_rejected == 0
    assert loaded.kpis["actual"].isna().all()
    assert len(loaded.kpis) == len(tokens)

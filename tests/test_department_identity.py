"""One department, one name (SPEC §2): names that differ only by script, width or spacing
are one department everywhere, shown under the name first stored (or the definitions')."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from openpyxl import load_workbook

from kpi_engine import store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.names import (
    department_weights,
    display_names,
    fold,
    kpi_keys,
    kpi_text_keys,
    unify,
)
from kpi_engine.core.scorecard import build
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx
from tests.kpi_rows import frame, kpi
from tests.store_files import monthly
from tests.workbooks import load, xlsx

ADMIN_ACTOR = Actor("王磊", ADMIN)


@pytest.mark.parametrize(
    "spelling",
    ["採購物流部", "采购物流部", " 采购 物流部 ", "采购物流", "采购物流部 "],
)
def test_spellings_of_one_department_share_one_key_and_one_shown_name(spelling: str) -> None:
    shown = display_names([spelling], preferred=["采购物流部"])
    assert list(shown.values()) == ["采购物流部"]


def test_full_width_and_case_are_one_department() -> None:
    shown = display_names(["Ｆｉｎａｎｃｅ", "finance", "FINANCE Dept"])
    assert list(shown.values()) == ["Ｆｉｎａｎｃｅ"]


def test_unify_rewrites_owners_partners_and_kpi_names() -> None:
    rows = frame(
        kpi(department="採購物流部", kpi_name="庫存資金占用", period="2026-10"),
        kpi(department="采购物流部", kpi_name="库存资金占用", period="2026-09"),
        kpi(department="财务部", kpi_name="现金流", shared_with=("采购物流",)),
    )
    out = unify(rows, preferred=["采购物流部"])
    assert list(out["department"]) == ["采购物流部", "采购物流部", "财务部"]
    assert out["shared_with"].iloc[2] == ("采购物流部",)
    assert out["kpi_name"].iloc[1] == "庫存資金占用"  # the first written
    assert kpi_keys(out).iloc[0] == kpi_keys(out).iloc[1]


def test_unify_keeps_each_kpis_first_name_and_id_where_some_rows_have_none() -> None:
    rows = frame(
        kpi(kpi_id=None, kpi_name="回款率", period="2026-08"),
        kpi(kpi_id="F1", kpi_name="回款率", period="2026-09"),
        kpi(kpi_id="F2", kpi_name="現金流", period="2026-09"),
        kpi(kpi_id="f2", kpi_name="现金流", period="2026-10"),
        kpi(kpi_id="F1", kpi_name=None, period="2026-10"),
    )
    out = unify(rows).astype(object)
    out = out.where(out.notna(), None)
    assert out["kpi_id"].tolist() == [None, "F1", "F2", "F2", "F1"]  # f2 is F2, first written
    assert out["kpi_name"].tolist() == ["回款率", "回款率", "現金流", "現金流", None]


def test_a_kpis_text_key_is_its_folded_id_else_its_folded_name() -> None:
    cells = [None, "", "  ", "F1", "ｆ１", "回款率", "回款 率"]
    rows = frame(*(kpi(kpi_id=i, kpi_name=n, period="2026-10") for i in cells for n in cells))
    expected = [
        f"id:{fold(i)}" if i is not None and fold(i) else f"name:{fold(n) if n else ''}"
        for i in cells
        for n in cells
    ]
    assert kpi_text_keys(rows).tolist() == expected


def test_a_department_weight_applies_to_every_spelling() -> None:
    weights = department_weights(["採購物流部", "财务部"], {"采购物流部": 3.0})
    np.testing.assert_array_equal(weights, [3.0, 1.0])


def _with_partner(department: str, partner: str, month: int) -> tuple[str, bytes]:
    rows = [
        [f"2026年{month}月 {department} KPI 考核表"],
        ["部门", "维度", "指标名称", "方向", "权重", "目标值", "实际值", "协同部门"],
        [department, "财务", "共享指标", "越高越好", 1, 100, 80, partner],
        [department, "客户", "自有指标", "越高越好", 1, 100, 100, None],
    ]
    return f"{department}_{month}.xlsx", xlsx(rows)


@pytest.mark.slow
def test_a_traditional_upload_replaces_the_month_without_a_ghost_department(engine) -> None:
    for month in (9, 10):
        monthly("采购物流部", month).save(engine)
        name, data = _with_partner("财务部", "采购物流部", month)
        loaded = load((name, data))
        store.save_upload(engine, name=name, data=data, loaded=loaded, uploader=ADMIN_ACTOR)
    again = monthly("採購物流部", 10, actual=50.0)
    again.save(engine)

    kpis = store.current_kpis(engine)
    assert set(kpis["department"]) == {"采购物流部", "财务部"}
    october = kpis[kpis["period"] == "2026-10"]
    assert sorted(october.loc[october["department"] == "采购物流部", "actual"]) == [50, 51, 52]

    card = build(kpis, period="2026-10")
    assert set(card.departments["department"]) == {"采购物流部", "财务部"}
    assert len(card.departments) == 2
    partner_rows = card.kpis[card.kpis["department"] == "采购物流部"]
    assert "共享指标" in set(partner_rows["kpi_name"])  # the shared KPI counts for it, once

    history = build(kpis, period=None)
    report = report_xlsx(history, "2026-10", lang="zh-Hans", settings=DEFAULTS)
    sheets = load_workbook(io.BytesIO(report)).sheetnames
    assert not any("採購" in s for s in sheets)
    assert sum("采购物流部" in s for s in sheets) == 1
    pdf = report_pdf(history, "2026-10", lang="zh-Hans", settings=DEFAULTS)
    assert pdf.startswith(b"%PDF")


@pytest.mark.slow
def test_cli_score_shows_one_department_for_two_scripts(tmp_path) -> None:
    first = monthly("采购物流部", 9)
    second = monthly("採購物流部", 10)
    paths = []
    for upload in (first, second):
        path = tmp_path / upload.name
        path.write_bytes(upload.data)
        paths.append(str(path))
    out = subprocess.run(
        [sys.executable, "-m", "kpi_engine", "score", *paths, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert {d["department"] for d in result["departments"]} == {"采购物流部"}

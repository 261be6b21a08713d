"""A manager writes only their own departments, shared KPIs included (issue 12): partners
must already exist, weights are bounded, and no period past next month is accepted."""

from __future__ import annotations

import math
from datetime import date

import pytest

from kpi_engine import build, store
from kpi_engine.auth.roles import ADMIN, MANAGER, Actor, Forbidden
from kpi_engine.core.settings import DEFAULTS, Limits, problems
from tests.store_files import fresh_store, monthly
from tests.workbooks import form, load, messages, xlsx

MANAGER_ACTOR = Actor("张伟", MANAGER, ("生产部",))


@pytest.fixture
def engine(tmp_path):
    engine = fresh_store(tmp_path)
    for department, actual in (("生产部", 95.0), ("财务部", 96.0)):
        monthly(department, 10, n=4, actual=actual).save(engine, Actor("admin", ADMIN))
    return engine


def _shared(partners: str, weight: object = 1.0) -> tuple[str, bytes]:
    rows = [
        ["2026年10月 生产部 KPI 考核表"],
        ["部门", "维度", "指标名称", "方向", "权重", "目标值", "实际值", "协同部门"],
        ["生产部", "财务", "单位成本", "越高越好", weight, 100, 10, partners],
        ["生产部", "客户", "交付率", "越高越好", 1, 100, 100, None],
    ]
    return "生产部_10月.xlsx", xlsx(rows)


@pytest.mark.slow
def test_a_manager_may_not_name_a_department_that_does_not_exist(engine) -> None:
    name, data = _shared("财务部、幽灵部")
    before = store.revision(engine)
    with pytest.raises(Forbidden) as refused:
        store.save_upload(
            engine, name=name, data=data, loaded=load((name, data)), uploader=MANAGER_ACTOR
        )
    assert refused.value.code == "unknown_partners"
    assert refused.value.params["departments"] == "幽灵部"
    assert store.revision(engine) == before
    assert "幽灵部" not in set(store.current_kpis(engine)["department"])


@pytest.mark.slow
def test_a_manager_may_share_with_an_existing_department_in_any_script(engine) -> None:
    name, data = _shared("財務部")
    result = store.save_upload(
        engine, name=name, data=data, loaded=load((name, data)), uploader=MANAGER_ACTOR
    )
    assert result.status == store.STORED


def test_a_huge_weight_is_a_row_error_and_cannot_sink_another_department() -> None:
    loaded = load(_shared("财务部", weight=1e6))
    assert loaded.rows_rejected == 1
    assert any("above the limit of 1000" in m for m in messages(loaded))
    row = loaded.issues[loaded.issues["code"] == "weight_too_large"].iloc[0]
    assert row["column"] == "权重" and row["row"] == 3
    assert loaded.rows_accepted == 1


def test_the_weight_ceiling_is_a_setting() -> None:
    assert Limits.from_env({"KPI_MAX_WEIGHT": "5000000"}).max_weight == 5_000_000
    loaded = load(_shared("财务部", weight=1e6), limits=Limits(max_weight=5_000_000))
    assert loaded.rows_rejected == 0


def test_a_1e308_weight_or_actual_never_hides_a_red_kpi() -> None:
    loaded = load(_shared("财务部", weight=1e308), limits=Limits(max_weight=10**400 // 10**92))
    card = build(loaded.kpis, period="2026-10")
    production = card.departments.set_index("department")["score"]["生产部"]
    assert math.isfinite(production) and production < 80  # the red KPI weighs nearly all
    assert math.isfinite(card.organization["score"].iloc[0])


def test_settings_refuse_weights_that_are_not_finite_or_too_large() -> None:
    assert "weight_too_large" in problems(DEFAULTS.with_(department_weights={"财务部": 1e6}))
    assert "weight_too_large" in problems(
        DEFAULTS.with_(department_weights={"财务部": float("inf")})
    )
    assert problems(DEFAULTS.with_(department_weights={"财务部": 3.0})) == []


@pytest.mark.slow
def test_a_period_after_next_month_is_a_row_error() -> None:
    rows = form(
        ["市场部", "财务", "M-1", "收入", "越高越好", 1, 100, 90], title="2099年12月 市场部"
    )
    loaded = load(("市场部.xlsx", xlsx(rows)))
    assert loaded.rows_accepted == 0
    assert any("later than" in m for m in messages(loaded))
    today = date.today()
    month = f"{today.year}年{today.month}月 市场部"
    assert load(("x.xlsx", xlsx(form(*[rows[-1]], title=month)))).rows_accepted == 1

"""Partners in a shared-with cell (SPEC §3): split on 、 , ; ， ； (and / |) first, and on
spaces only where none of those appears and the whole text is not a known department, so
`Finance; Customer Service` names two departments and `Customer Service` alone names one."""

from __future__ import annotations

import pytest

from kpi_engine import build
from kpi_engine.core.names import department_key
from kpi_engine.ingest.aliases import split_departments
from tests.workbooks import load, xlsx

KNOWN = frozenset(department_key(d) for d in ("Finance", "Customer Service", "客户服务部"))


@pytest.mark.parametrize(
    ("cell", "partners"),
    [
        ("Finance; Customer Service", ("Finance", "Customer Service")),
        ("Finance;Customer Service", ("Finance", "Customer Service")),
        ("Customer Service", ("Customer Service",)),
        ("Customer  Service Dept", ("Customer Service Dept",)),  # a known one, spaced apart
        ("Finance Customer Service", ("Finance", "Customer", "Service")),  # not one name
        ("Finance, Customer Service, HR", ("Finance", "Customer Service", "HR")),
        ("Finance/Customer Service", ("Finance", "Customer Service")),
        ("Finance | Customer Service", ("Finance", "Customer Service")),
        ("市场部、财务部", ("市场部", "财务部")),
        ("市场部，财务部", ("市场部", "财务部")),
        ("市场部；财务部", ("市场部", "财务部")),
        ("市场部 财务部", ("市场部", "财务部")),
        ("市场部\u3000财务部", ("市场部", "财务部")),  # ideographic space
        ("市場部、財務部", ("市場部", "財務部")),
        ("人力資源部 財務部", ("人力資源部", "財務部")),
        ("客戶服務部", ("客戶服務部",)),
        ("市场部、 财务部 ,", ("市场部", "财务部")),
        ("  ", ()),
    ],
)
def test_split(cell: str, partners: tuple[str, ...]) -> None:
    assert split_departments(cell, KNOWN) == partners


def test_an_unknown_spaced_name_splits_on_its_spaces() -> None:
    """Without knowing the department, spaces are separators, as SPEC says."""
    assert split_departments("Customer Service") == ("Customer", "Service")


HEADER = ["Department", "Perspective", "KPI ID", "KPI name", "Target", "Actual", "Shared with"]


def workbook(*rows: list[object]) -> tuple[str, bytes]:
    return "kpis_2026-10.xlsx", xlsx([HEADER, *rows])


def partners_of(loaded, kpi_id: str) -> tuple[str, ...]:
    return loaded.kpis.set_index("kpi_id").loc[kpi_id, "shared_with"]


def test_departments_of_the_upload_are_known() -> None:
    loaded = load(
        workbook(
            ["Finance", "financial", "F1", "Cash", 100, 100, "Customer Service"],
            ["Finance", "customer", "F2", "Billing", 100, 90, "Finance; Customer Service"],
            ["Finance", "customer", "F3", "Refunds", 100, 90, "Sales Marketing"],
            ["Customer Service", "customer", "C1", "NPS", 50, 60, None],
        )
    )
    assert partners_of(loaded, "F1") == ("Customer Service",)
    assert partners_of(loaded, "F2") == ("Finance", "Customer Service")
    assert partners_of(loaded, "F3") == ("Sales", "Marketing")
    card = build(loaded.kpis)
    shared = card.kpis[card.kpis["department"] == "Customer Service"]
    assert sorted(shared["kpi_id"]) == ["C1", "F1", "F2"]


@pytest.mark.slow
def test_departments_of_definitions_and_earlier_uploads_are_known() -> None:
    rows = workbook(
        ["Finance", "financial", "F1", "Cash", 100, 100, "Customer Service"],
        ["Finance", "financial", "F2", "Debt", 100, 100, "Human Resources"],
    )
    assert partners_of(load(rows), "F1") == ("Customer", "Service")
    definitions = load(
        ("definitions.xlsx", xlsx([HEADER[:5], ["Customer Service", "customer", "C1", "NPS", 50]]))
    ).definitions
    assert definitions["department"].tolist() == ["Customer Service"]
    by_definitions = load(rows, definitions=definitions)
    assert partners_of(by_definitions, "F1") == ("Customer Service",)
    assert partners_of(by_definitions, "F2") == ("Human", "Resources")
    earlier = load(rows, known_departments=["Customer Service", "Human Resources Dept"])
    assert partners_of(earlier, "F1") == ("Customer Service",)
    assert partners_of(earlier, "F2") == ("Human Resources",)


def test_a_traditional_partner_matches_a_simplified_department() -> None:
    loaded = load(
        workbook(
            ["财务部", "财务", "F1", "现金", 100, 100, "客戶 服務部"],
            ["客户 服务部", "客户", "C1", "满意度", 50, 60, None],
        )
    )
    # one partner, not two; shown under the department's own name (one name each)
    assert partners_of(loaded, "F1") == ("客户 服务部",)

"""RULES section 2: tasks and projects created by confirmed orders."""

from __future__ import annotations

import pandas as pd
from rules_factory import make_inputs, row

from prepaid_recon.domain import UomTable
from prepaid_recon.rules.tasks import build_tasks

CUTOFF = pd.Timestamp("2026-10-31")
PROJECT_PRODUCTS = [
    {"product": "IMPL", "name": "Implementation", "uom": "Hours", "invoicing_policy": "timesheet",
     "service_tracking": "task_in_project", "unit_price": 100},
    {"product": "AUDIT", "name": "Audit", "uom": "Days", "invoicing_policy": "prepaid",
     "service_tracking": "project_only", "unit_price": 900},
]  # fmt: skip


def tasks_of(**tables):
    tables["products"] = PROJECT_PRODUCTS + tables.get("products", [])
    inputs = make_inputs(**tables)
    return build_tasks(
        inputs.orders, inputs.order_lines, inputs.products, UomTable.from_frame(inputs.uoms), CUTOFF
    )


def test_global_project_task_is_named_order_dash_product_or_differing_description() -> None:
    tasks, projects = tasks_of(
        orders=[{"order": "S1", "customer": "Acme", "order_date": "2026-10-01"}],
        order_lines=[
            {"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 10},
            {"order": "S1", "line": 2, "product": "PREPAID-D", "quantity": 2,
             "description": "Emergency days"},
            {"order": "S1", "line": 3, "product": "TM-H", "quantity": 5,
             "description": "Support Hours"},
        ],
    )  # fmt: skip
    assert tasks["task"].tolist() == [
        "S1 - Prepaid Support Hours",
        "S1 - Emergency days",
        "S1 - Support Hours",
    ]
    assert tasks["project"].tolist() == ["Helpdesk"] * 3
    assert tasks["allocated_hours"].tolist() == [10.0, 16.0, 5.0]
    helpdesk = row(projects, project="Helpdesk")
    assert pd.isna(helpdesk["order"]) and helpdesk["allocated_hours"] == 31.0


def test_order_project_named_with_customer_ref_and_single_line_product_suffix() -> None:
    tasks, projects = tasks_of(
        orders=[
            {"order": "S1", "customer": "Acme", "order_date": "2026-10-01", "customer_ref": "PO-9"},
            {"order": "S2", "customer": "Acme", "order_date": "2026-10-01"},
        ],
        order_lines=[
            {"order": "S1", "line": 1, "product": "IMPL", "quantity": 10},
            {"order": "S2", "line": 1, "product": "IMPL", "quantity": 4, "description": "Phase 1"},
            {"order": "S2", "line": 2, "product": "AUDIT", "quantity": 1},
        ],
    )
    assert projects["project"].tolist() == ["PO-9 - S1 - Implementation", "S2"]
    assert row(projects, project="S2")["allocated_hours"] == 12.0
    assert row(tasks, order="S1", line=1)["task"] == "Implementation"
    assert row(tasks, order="S2", line=1)["task"] == "Phase 1"
    assert len(tasks) == 2  # project_only creates no task


def test_duplicate_task_names_get_order_and_line_appended() -> None:
    tasks, _ = tasks_of(
        orders=[
            {"order": "S1", "customer": "Acme", "order_date": "2026-10-01"},
            {"order": "S2", "customer": "Bolt", "order_date": "2026-10-01"},
        ],
        order_lines=[
            {"order": "S2", "line": 1, "product": "IMPL", "quantity": 1},
            {"order": "S1", "line": 1, "product": "IMPL", "quantity": 1},
            {"order": "S1", "line": 2, "product": "IMPL", "quantity": 1},
        ],
    )
    assert tasks["task"].tolist() == [
        "Implementation",
        "Implementation (S1/2)",
        "Implementation (S2/1)",
    ]


def test_only_confirmed_orders_up_to_the_cutoff_with_positive_service_lines_create_tasks() -> None:
    tasks, projects = tasks_of(
        orders=[
            {"order": "S1", "customer": "Acme", "order_date": "2026-10-01", "state": "sent"},
            {"order": "S2", "customer": "Acme", "order_date": "2026-11-01"},
            {"order": "S3", "customer": "Acme", "order_date": "2026-10-01", "state": "done"},
        ],
        order_lines=[
            {"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 10},
            {"order": "S2", "line": 1, "product": "PREPAID-H", "quantity": 10},
            {"order": "S3", "line": 1, "product": "PREPAID-H", "quantity": 0},
            {"order": "S3", "line": 2, "product": "LICENSE", "quantity": 3},
            {"order": "S3", "line": 3, "product": "PREPAID-H", "quantity": 2},
        ],
    )
    assert tasks[["order", "line"]].values.tolist() == [["S3", 3]]
    assert projects["allocated_hours"].tolist() == [2.0]


def test_allocated_hours_count_units_as_hours_and_custom_time_units_by_size() -> None:
    tasks, _ = tasks_of(
        products=[
            {"product": "PACK", "name": "Pack", "uom": "Pack50", "invoicing_policy": "prepaid",
             "service_tracking": "task_global_project", "project": "Helpdesk"},
            {"product": "UNITS", "name": "Visits", "uom": "Units", "invoicing_policy": "manual",
             "service_tracking": "task_global_project", "project": "Helpdesk"},
        ],
        uoms=[{"uom": "Pack50", "category": "time", "hours": 50}],
        orders=[{"order": "S1", "customer": "Acme", "order_date": "2026-10-01"}],
        order_lines=[
            {"order": "S1", "line": 1, "product": "PACK", "quantity": 2},
            {"order": "S1", "line": 2, "product": "UNITS", "quantity": 3},
        ],
    )  # fmt: skip
    assert tasks["allocated_hours"].tolist() == [100.0, 3.0]

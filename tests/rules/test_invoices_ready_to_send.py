"""Drafts a customer's accounts payable can process: order references, the customer's PO, the
service period, each line's tax rate; and the amount to invoice per customer whatever the
grouping."""

from __future__ import annotations

import pandas as pd
from rules_factory import reconcile, row

from prepaid_recon.report.rollups import to_invoice_by_customer

ORDERS = [
    {"order": "S1", "customer": "Acme", "order_date": "2026-10-01", "customer_ref": "PO-7"},
    {"order": "S2", "customer": "Acme", "order_date": "2026-10-02", "customer_ref": "PO-9"},
    {"order": "S3", "customer": "Bolt", "order_date": "2026-09-01"},
]
TAXED = {"product": "HOURS-21", "name": "Hours (21 % VAT)", "type": "service", "uom": "Hours",
         "invoicing_policy": "prepaid", "service_tracking": "no", "unit_price": 100,
         "tax_rate": 21}  # fmt: skip
LINES = [
    {"order": "S1", "line": 1, "product": "HOURS-21", "quantity": 10},
    {"order": "S2", "line": 1, "product": "PREPAID-H", "quantity": 5},
    {"order": "S3", "line": 1, "product": "PREPAID-H", "quantity": 2},
]
LEDGER = {
    "invoices": [{"invoice": "INV/2026-09/0001", "invoice_date": "2026-09-30"}],
    "invoice_lines": [{"invoice": "INV/2026-09/0001", "order": "S3", "line": 1, "quantity": 3}],
}


def test_a_customer_grouped_draft_names_its_orders_and_the_customers_references():
    result = reconcile(
        orders=ORDERS, order_lines=LINES, products=[TAXED], grouping="customer", **LEDGER
    )
    acme = row(result.invoices, customer="Acme")
    assert acme["orders"] == "S1, S2" and acme["customer_ref"] == "PO-7, PO-9"
    assert acme["service_from"] == pd.Timestamp("2026-10-01")
    assert acme["service_to"] == pd.Timestamp("2026-10-31")
    assert result.invoice_lines["tax_rate"].tolist() == [21.0, 0.0, 0.0]


def test_the_amount_per_customer_nets_credit_notes_whatever_the_grouping():
    for grouping in ("order", "customer"):
        result = reconcile(
            orders=ORDERS, order_lines=LINES, products=[TAXED], grouping=grouping, **LEDGER
        )
        per_customer = to_invoice_by_customer(result.invoices).set_index("customer")
        assert per_customer.loc["Acme", "untaxed"] == 1500.0  # 15 h at 100
        assert per_customer.loc["Acme", "total"] == 1710.0  # 21 % on the first 1,000
        assert per_customer.loc["Acme", "documents"] == (2 if grouping == "order" else 1)
        bolt = per_customer.loc["Bolt"]  # 3 invoiced on a block of 2: a credit note of 1 h
        assert (bolt["credit_notes"], bolt["untaxed"], bolt["total"]) == (1, -100.0, -100.0)


def test_each_timesheet_names_whose_time_it_is():
    result = reconcile(
        orders=ORDERS,
        order_lines=LINES,
        products=[TAXED],
        tickets=[{"ticket": "T1", "customer": "Acme", "created": "2026-10-01"}],
        timesheets=[
            {"ticket": "T1", "date": "2026-10-02", "hours": 1},
            {"ticket": "T1", "date": "2026-10-03", "hours": 1, "order": "S3", "line": 1},
        ],
    )
    assert result.timesheets["customer"].tolist() == ["Acme", "Acme"]

"""RULES section 5: draft documents, numbering, idempotence, timesheet → invoice links."""

from __future__ import annotations

import pandas as pd
from rules_factory import reconcile, row

from prepaid_recon.reconcile import Result


def orders(*specs: tuple[str, str], currency: str = "USD") -> list[dict]:
    return [
        {"order": o, "customer": c, "order_date": "2026-10-01", "currency": currency}
        for o, c in specs
    ]


def prepaid(order: str, quantity: float, line: int = 1, product: str = "PREPAID-H") -> dict:
    return {"order": order, "line": line, "product": product, "quantity": quantity}


def as_ledger(result: Result, state: str = "posted") -> dict:
    """This run's drafts, in the shape of next run's ledger."""
    invoices = [
        {"invoice": r.invoice, "kind": r.kind, "state": state,
         "invoice_date": r.invoice_date.date().isoformat(), "customer": r.customer}
        for r in result.invoices.itertuples()
    ]  # fmt: skip
    lines = [
        {"invoice": r.invoice, "order": r.order, "line": int(r.line), "quantity": r.quantity}
        for r in result.invoice_lines.itertuples()
    ]
    return {"invoices": invoices, "invoice_lines": lines}


def test_over_invoiced_order_gets_a_credit_note_written_positive() -> None:
    result = reconcile(
        orders=orders(("S1", "Acme")),
        order_lines=[prepaid("S1", 8)],
        invoices=[{"invoice": "INV/2026-09/0001", "invoice_date": "2026-09-30"}],
        invoice_lines=[{"invoice": "INV/2026-09/0001", "order": "S1", "line": 1, "quantity": 10}],
    )
    doc = result.invoices.iloc[0]
    assert (doc["invoice"], doc["kind"], doc["untaxed"]) == (
        "RINV/2026-10/0001",
        "credit_note",
        200,
    )
    line = result.invoice_lines.iloc[0]
    assert (line["quantity"], line["subtotal"], line["total"]) == (2, 200, 200)
    assert row(result.order_lines, order="S1")["to_invoice"] == -2


def test_customer_grouping_makes_one_document_per_customer_and_currency() -> None:
    result = reconcile(
        grouping="customer",
        orders=[*orders(("S1", "Acme"), ("S2", "Acme"), ("S4", "Bolt")),
                *orders(("S3", "Acme"), currency="EUR")],
        order_lines=[prepaid("S1", 1), prepaid("S2", 2), prepaid("S3", 3), prepaid("S4", 4)],
    )  # fmt: skip
    docs = result.invoices
    assert docs[["invoice", "customer", "currency", "untaxed"]].values.tolist() == [
        ["INV/2026-10/0001", "Acme", "USD", 300.0],
        ["INV/2026-10/0002", "Acme", "EUR", 300.0],
        ["INV/2026-10/0003", "Bolt", "USD", 400.0],
    ]
    assert result.invoice_lines["invoice"].tolist()[:2] == ["INV/2026-10/0001"] * 2


def test_zero_decimal_currency_rounds_each_line_to_whole_yen_and_tax_per_line() -> None:
    products = [{"product": "JP", "name": "JP hours", "invoicing_policy": "prepaid",
                 "unit_price": 100.5, "tax_rate": 10}]  # fmt: skip
    result = reconcile(
        products=products,
        orders=orders(("S1", "Kaito"), currency="JPY"),
        order_lines=[prepaid("S1", 1, 1, "JP"), prepaid("S1", 1, 2, "JP")],
    )
    assert result.invoice_lines["subtotal"].tolist() == [101.0, 101.0]
    assert result.invoice_lines["tax"].tolist() == [10.0, 10.0]
    assert result.invoices[["untaxed", "tax", "total"]].values.tolist() == [[202.0, 20.0, 222.0]]


def test_numbering_uses_two_counters_in_customer_order_and_skips_ledger_numbers() -> None:
    result = reconcile(
        orders=orders(("S9", "Acme"), ("S2", "Bolt"), ("S1", "Cora"), ("S5", "Acme")),
        order_lines=[prepaid("S9", 1), prepaid("S2", 1), prepaid("S1", 1), prepaid("S5", 1)],
        invoices=[
            {"invoice": "INV/2026-10/0001", "invoice_date": "2026-12-01", "state": "cancel"},
            {"invoice": "INV/2026-10/0003", "invoice_date": "2026-09-01", "state": "draft",
             "kind": "credit_note"},
            {"invoice": "X", "invoice_date": "2026-09-01"},
        ],
        invoice_lines=[{"invoice": "X", "order": "S1", "line": 1, "quantity": 2}],
    )  # fmt: skip
    numbers = dict(zip(result.invoices["invoice"], result.invoices["customer"], strict=True))
    assert numbers == {
        "INV/2026-10/0002": "Acme",  # S5
        "INV/2026-10/0004": "Acme",  # S9
        "INV/2026-10/0005": "Bolt",
        "RINV/2026-10/0001": "Cora",
    }
    assert row(result.invoice_lines, invoice="INV/2026-10/0002")["order"] == "S5"


def test_rerun_with_the_drafts_added_to_the_ledger_drafts_nothing() -> None:
    tables = {
        "orders": orders(("S1", "Acme"), ("S2", "Bolt")),
        "order_lines": [prepaid("S1", 10), {"order": "S2", "line": 1, "product": "TM-H",
                                            "quantity": 1}],
        "tickets": [{"ticket": "T", "customer": "Bolt", "created": "2026-10-01", "order": "S2",
                     "line": 1}],
        "timesheets": [{"ticket": "T", "date": "2026-10-02", "hours": 3}],
    }  # fmt: skip
    first = reconcile(**tables)
    assert len(first.invoices) == 2
    again = reconcile(**tables, **as_ledger(first, state="draft"))
    assert again.invoices.empty and again.invoice_lines.empty
    assert set(again.order_lines["to_invoice"]) == {0.0}


def test_timesheets_are_linked_to_the_invoice_that_bills_them_month_after_month() -> None:
    tables = {
        "orders": orders(("S1", "Bolt")),
        "order_lines": [{"order": "S1", "line": 1, "product": "TM-H", "quantity": 1}],
        "tickets": [{"ticket": "T", "customer": "Bolt", "created": "2026-10-01", "order": "S1",
                     "line": 1}],
        "timesheets": [{"ticket": "T", "date": "2026-10-02", "hours": 3},
                       {"ticket": "T", "date": "2026-11-02", "hours": 2}],
    }  # fmt: skip
    october = reconcile("2026-10", **tables)
    assert october.timesheets["invoice"].fillna("").tolist() == ["INV/2026-10/0001", ""]
    tables["timesheets"][0]["invoice"] = "INV/2026-10/0001"
    november = reconcile("2026-11", **tables, **as_ledger(october))
    assert november.invoice_lines["quantity"].tolist() == [2]
    assert november.timesheets["invoice"].tolist() == ["INV/2026-10/0001", "INV/2026-11/0001"]


def test_time_billed_on_a_cancelled_or_reversed_invoice_is_relinked() -> None:
    base = {
        "orders": orders(("S1", "Bolt")),
        "order_lines": [{"order": "S1", "line": 1, "product": "TM-H", "quantity": 1}],
        "tickets": [{"ticket": "T", "customer": "Bolt", "created": "2026-10-01", "order": "S1",
                     "line": 1}],
        "timesheets": [{"ticket": "T", "date": "2026-10-02", "hours": 3,
                        "invoice": "INV/2026-10/0001"}],
    }  # fmt: skip
    cancelled = reconcile(
        "2026-11",
        **base,
        invoices=[{"invoice": "INV/2026-10/0001", "invoice_date": "2026-10-31", "state": "cancel"}],
        invoice_lines=[{"invoice": "INV/2026-10/0001", "order": "S1", "line": 1, "quantity": 3}],
    )
    assert cancelled.timesheets["invoice"].tolist() == ["INV/2026-11/0001"]
    reversed_ = reconcile(
        "2026-11",
        **base,
        invoices=[
            {"invoice": "INV/2026-10/0001", "invoice_date": "2026-10-31"},
            {"invoice": "RINV/2026-11/0001", "invoice_date": "2026-11-03", "kind": "credit_note",
             "reverses": "INV/2026-10/0001"},
        ],
        invoice_lines=[
            {"invoice": "INV/2026-10/0001", "order": "S1", "line": 1, "quantity": 3},
            {"invoice": "RINV/2026-11/0001", "order": "S1", "line": 1, "quantity": 3},
        ],
    )  # fmt: skip
    assert reversed_.invoices["invoice"].tolist() == ["INV/2026-11/0001"]
    assert reversed_.timesheets["invoice"].tolist() == ["INV/2026-11/0001"]


def test_prepaid_time_is_never_linked_to_an_invoice() -> None:
    result = reconcile(
        orders=orders(("S1", "Acme")),
        order_lines=[prepaid("S1", 10)],
        tickets=[{"ticket": "T", "customer": "Acme", "created": "2026-10-01"}],
        timesheets=[{"ticket": "T", "date": "2026-10-02", "hours": 3}],
    )
    assert len(result.invoices) == 1
    assert pd.isna(result.timesheets["invoice"].iloc[0])

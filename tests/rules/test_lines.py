"""RULES section 4: per order line figures and statuses."""

from __future__ import annotations

import pandas as pd
from rules_factory import reconcile, row

ORDER = [{"order": "S1", "customer": "Acme", "order_date": "2026-10-01"}]
TICKET = [{"ticket": "T1", "customer": "Acme", "created": "2026-10-01", "order": "S1", "line": 1}]


def line_of(product: str, quantity: float, **extra) -> list[dict]:
    return [{"order": "S1", "line": 1, "product": product, "quantity": quantity, **extra}]


def hours(*values: float) -> list[dict]:
    return [{"ticket": "T1", "date": "2026-10-02", "hours": h} for h in values]


def ledger(*docs: tuple[str, str, str, float, str | None]) -> dict:
    """(invoice, kind, state, quantity, uom) on line S1/1, dated in the period."""
    return {
        "invoices": [
            {"invoice": d[0], "kind": d[1], "state": d[2], "invoice_date": "2026-10-15"}
            for d in docs
        ],
        "invoice_lines": [
            {"invoice": d[0], "order": "S1", "line": 1, "quantity": d[3], "uom": d[4]} for d in docs
        ],
    }


def test_days_line_delivered_is_converted_once_on_the_sum_of_hours() -> None:
    result = reconcile(
        orders=ORDER, order_lines=line_of("TM-D", 5), tickets=TICKET, timesheets=hours(1, 1, 1)
    )
    # 3 h = 0.375 d -> 0.38 (rounding each hour first would give 0.39)
    assert row(result.order_lines, order="S1")["delivered"] == 0.38


def test_remaining_hours_come_from_raw_hours_not_the_rounded_delivered_days() -> None:
    result = reconcile(
        orders=ORDER, order_lines=line_of("PREPAID-D", 1), tickets=TICKET, timesheets=hours(13)
    )
    line = row(result.order_lines, order="S1")
    assert (line["delivered"], line["remaining_hours"]) == (1.63, -5.0)


def test_prepaid_line_becomes_upselling_only_once_fully_invoiced() -> None:
    over = {"orders": ORDER, "order_lines": line_of("PREPAID-H", 10), "tickets": TICKET,
            "timesheets": hours(12)}  # fmt: skip
    before = row(reconcile(**over).order_lines, order="S1")
    assert (before["invoice_status"], before["upsell_alert"]) == ("to_invoice", True)
    after = row(reconcile(**over, **ledger(("INV/1", "invoice", "posted", 10, None))).order_lines)
    assert (after["to_invoice"], after["invoice_status"]) == (0, "upselling")


def test_ledger_counts_drafts_ignores_cancelled_and_subtracts_credit_notes() -> None:
    result = reconcile(
        orders=ORDER,
        order_lines=line_of("PREPAID-H", 10),
        **ledger(
            ("INV/1", "invoice", "posted", 10, None),
            ("INV/2", "invoice", "cancel", 10, None),
            ("RINV/1", "credit_note", "posted", 4, None),
            ("INV/3", "invoice", "draft", 0.5, "Days"),
        ),
    )
    line = row(result.order_lines, order="S1")
    assert (line["invoiced"], line["to_invoice"], line["invoice_status"]) == (10, 0, "invoiced")


def test_ledger_documents_after_the_cutoff_are_ignored() -> None:
    docs = ledger(("INV/1", "invoice", "posted", 10, None))
    docs["invoices"][0]["invoice_date"] = "2026-11-01"
    line = row(reconcile(orders=ORDER, order_lines=line_of("PREPAID-H", 10), **docs).order_lines)
    assert line["invoiced"] == 0


def test_manual_line_takes_the_typed_delivered_quantity_not_logged_time() -> None:
    result = reconcile(
        orders=ORDER,
        order_lines=line_of("SETUP", 1, delivered=1),
        tickets=TICKET,
        timesheets=hours(3),
    )
    line = row(result.order_lines, order="S1")
    assert (line["delivered"], line["to_invoice"], line["delivered_in_period"]) == (1, 1, 0)
    assert result.timesheets["status"].tolist() == ["counted"]


def test_unconfirmed_order_line_is_reported_with_nothing_to_invoice() -> None:
    orders = [{**ORDER[0], "state": "sent"}]
    result = reconcile(orders=orders, order_lines=line_of("PREPAID-H", 10))
    line = row(result.order_lines, order="S1")
    assert (line["to_invoice"], line["invoice_status"]) == (0, "no")
    assert pd.isna(line["remaining_hours"]) and not line["upsell_alert"]
    assert result.invoices.empty


def test_upsell_alert_fires_above_the_product_threshold() -> None:
    products = [{"product": "P80", "name": "P80", "invoicing_policy": "prepaid",
                 "upsell_threshold": 80, "unit_price": 10}]  # fmt: skip
    result = reconcile(
        products=products,
        orders=ORDER,
        order_lines=line_of("P80", 10),
        tickets=TICKET,
        timesheets=hours(8.01),
    )
    assert bool(row(result.order_lines, order="S1")["upsell_alert"]) is True


def test_negative_prepaid_line_never_raises_an_upsell_alert() -> None:
    # A credited block (ordered -10) with time on it: delivered 2 > -10 x 100 %, yet no alert.
    credited = {"orders": ORDER, "order_lines": line_of("PREPAID-H", -10), "tickets": TICKET,
                "timesheets": hours(2)}  # fmt: skip
    assert bool(row(reconcile(**credited).order_lines, order="S1")["upsell_alert"]) is False
    credited["order_lines"] = line_of("PREPAID-H", 1)
    assert bool(row(reconcile(**credited).order_lines, order="S1")["upsell_alert"]) is True


def test_unit_price_is_the_product_price_converted_to_the_line_unit() -> None:
    result = reconcile(orders=ORDER, order_lines=line_of("PREPAID-H", 2, uom="Days"))
    line = row(result.invoice_lines, order="S1")
    assert (line["unit_price"], line["quantity"], line["subtotal"]) == (800, 2, 1600)


def test_order_status_is_upselling_when_lines_are_invoiced_or_upselling() -> None:
    result = reconcile(
        orders=ORDER,
        order_lines=[
            {"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 1},
            {"order": "S1", "line": 2, "product": "LICENSE", "quantity": 1},
        ],
        tickets=TICKET,
        timesheets=hours(2),
        invoices=[{"invoice": "INV/1", "invoice_date": "2026-10-02"}],
        invoice_lines=[
            {"invoice": "INV/1", "order": "S1", "line": 1, "quantity": 1},
            {"invoice": "INV/1", "order": "S1", "line": 2, "quantity": 1},
        ],
    )
    assert result.order_lines["invoice_status"].tolist() == ["upselling", "invoiced"]
    assert row(result.orders, order="S1")["invoice_status"] == "upselling"

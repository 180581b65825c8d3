"""Draft invoices and credit notes of this run (docs/rules.md section 5)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import round_money
from prepaid_recon.rules.order_lines import KEY, line_subtotal

INVOICE_COLUMNS = outputs.columns("invoices")
INVOICE_LINE_COLUMNS = [*outputs.columns("invoice_lines"), "currency"]
GROUP_BY_ORDER = "order"
GROUP_BY_CUSTOMER = "customer"


def _numbers(prefix: str, count: int, taken: set[str]) -> list[str]:
    """``count`` numbers ``<prefix>/NNNN`` from 0001, skipping those the ledger already uses."""
    out: list[str] = []
    n = 0
    while len(out) < count:
        n += 1
        name = f"{prefix}/{n:04d}"
        if name not in taken:
            out.append(name)
    return out


def _listed(values: pd.Series) -> str | None:
    """The distinct values of a document's lines, sorted and joined: ``S00101, S00114``."""
    distinct = sorted({str(v) for v in values.dropna() if str(v).strip()})
    return ", ".join(distinct) if distinct else None


def draft_documents(
    lines: pd.DataFrame,
    ledger_invoices: pd.DataFrame,
    period: str,
    invoice_date: dt.date,
    grouping: str = GROUP_BY_ORDER,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The draft invoices and credit notes this run proposes; returns ``(invoices, lines)``.

    Every line of a confirmed order with something to invoice (to_invoice ≠ 0) becomes a
    document line: quantity = to_invoice in the line's unit, the line's unit price and
    discount, the product's tax rate; subtotal rounded once to the currency's minor unit, tax
    rounded per line, total = subtotal + tax. Lines are grouped into one document per order, or
    per customer and currency. A document whose untaxed total is negative is a credit note,
    written with positive figures (every quantity and amount multiplied by −1). Document totals
    are sums of their lines. Invoices are numbered ``INV/<period>/NNNN`` and credit notes
    ``RINV/<period>/NNNN`` on two counters, in (customer, first order reference) order,
    skipping any number a ledger document already uses, whatever its date or state. Documents
    are drafts dated ``invoice_date``. Each document also names its orders and their
    customer references (the customer's PO), for the customer's accounts payable. Rows are
    sorted by invoice number, lines by (invoice, order, line).
    """
    todo = lines[lines["confirmed"].to_numpy(bool) & lines["to_invoice"].ne(0).to_numpy(bool)]
    todo = todo.sort_values(KEY, kind="stable").reset_index(drop=True)
    doc_lines = pd.DataFrame(
        {
            "order": todo["order"].astype("str"),
            "line": todo["line"].astype("Int64"),
            "customer": todo["customer"].astype("str"),
            "product": todo["product"].astype("str"),
            "description": todo["description"].fillna(todo["product_name"]).astype("str"),
            "quantity": todo["to_invoice"].astype("float64"),
            "uom": todo["uom"].astype("str"),
            "unit_price": todo["unit_price"].astype("float64"),
            "discount": todo["discount"].astype("float64"),
            "tax_rate": todo["tax_rate"].astype("float64"),
            "currency": todo["currency"].astype("str"),
            "invoicing_policy": todo["invoicing_policy"].astype("str"),
            "customer_ref": todo["customer_ref"].astype("str"),
        }
    )
    doc_lines["subtotal"] = line_subtotal(
        doc_lines["quantity"], doc_lines["unit_price"], doc_lines["discount"], doc_lines["currency"]
    )
    if len(doc_lines):
        doc_lines["tax"] = round_money(
            doc_lines["subtotal"] * doc_lines["tax_rate"] / 100.0,
            doc_lines["currency"].astype(object),
        ).to_numpy()
    else:
        doc_lines["tax"] = pd.Series(dtype="float64")
    doc_lines["total"] = doc_lines["subtotal"] + doc_lines["tax"]
    if grouping == GROUP_BY_CUSTOMER:
        doc_lines["group"] = doc_lines["customer"] + "\x1f" + doc_lines["currency"]
    else:
        doc_lines["group"] = doc_lines["order"]

    docs = doc_lines.groupby("group", sort=True).agg(
        customer=("customer", "first"),
        currency=("currency", "first"),
        first_order=("order", "min"),
        orders=("order", _listed),
        customer_ref=("customer_ref", _listed),
        untaxed=("subtotal", "sum"),
        tax=("tax", "sum"),
        total=("total", "sum"),
    )
    docs = docs.reset_index()
    for col in ("untaxed", "tax", "total"):
        if len(docs):
            docs[col] = round_money(docs[col], docs["currency"].astype(object)).to_numpy()
    credit = (docs["untaxed"] < 0).to_numpy(bool)
    docs["kind"] = np.where(credit, "credit_note", "invoice")
    docs = docs.sort_values(["customer", "first_order", "currency"], kind="stable")
    taken = set(ledger_invoices["invoice"].dropna().astype(str))
    docs["invoice"] = ""
    for kind, prefix in (("invoice", "INV"), ("credit_note", "RINV")):
        mask = docs["kind"].eq(kind).to_numpy(bool)
        docs.loc[mask, "invoice"] = _numbers(f"{prefix}/{period}", int(mask.sum()), taken)
    sign = np.where(docs["kind"].eq("credit_note"), -1.0, 1.0)
    for col in ("untaxed", "tax", "total"):
        docs[col] = (docs[col] * sign) + 0.0
    docs["state"] = "draft"
    docs["invoice_date"] = pd.Timestamp(invoice_date)
    docs = docs.sort_values("invoice", kind="stable").reset_index(drop=True)
    docs["invoice_date"] = docs["invoice_date"].astype("datetime64[ns]")
    invoices = docs[[*INVOICE_COLUMNS, "orders", "customer_ref"]].astype(
        {c: "str" for c in ("invoice", "kind", "state", "customer", "currency", "orders")}
    )

    doc_lines = doc_lines.merge(docs[["group", "invoice", "kind"]], on="group", how="left")
    line_sign = np.where(doc_lines["kind"].eq("credit_note"), -1.0, 1.0)
    for col in ("quantity", "subtotal", "tax", "total"):
        doc_lines[col] = (doc_lines[col] * line_sign) + 0.0
    doc_lines = doc_lines.sort_values(["invoice", *KEY], kind="stable").reset_index(drop=True)
    doc_lines["invoice"] = doc_lines["invoice"].astype("str")
    return invoices, doc_lines[[*INVOICE_LINE_COLUMNS, "kind", "invoicing_policy", "tax_rate"]]

"""Roll-ups a controller reads first, each a plain sum of the run's own tables.

* :func:`invoice_totals`: per currency, the drafted invoices, the credit notes and the ``net``
  amount to invoice (the ``totals`` sheet of ``invoices.xlsx``, and the drafts in ``run.json``);
* :func:`top_customers`: ordered vs delivered prepaid hours of the largest customers (the data
  of the summary chart);
* :func:`summary_table`: the ``summary`` sheet of ``delivered_vs_ordered.xlsx``.

Sums of hours and quantities are rounded once, to the hundredth; money to the currency's minor
unit (docs/rules.md section 1).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import round_half_away, round_money
from prepaid_recon.reconcile import Options, Result
from prepaid_recon.rules.unbilled import REASONS

TOP_CUSTOMERS = 15
"""Customers shown in the summary chart: enough to see the big accounts, few enough to read."""


def invoice_totals(invoices: pd.DataFrame, invoice_lines: pd.DataFrame) -> pd.DataFrame:
    """Per currency: drafted invoices, credit notes, and the ``net`` amount to invoice.

    Credit notes are written positive with ``kind`` carrying the sign (RULES section 5), so
    ``net`` = invoices - credit notes.  Sorted by currency, then invoice, credit_note, net.
    """
    rows: list[dict[str, Any]] = []
    lines_per_invoice = invoice_lines.groupby("invoice", sort=True).size()
    for currency, docs in invoices.groupby("currency", sort=True):
        net = {"untaxed": 0.0, "tax": 0.0, "total": 0.0, "documents": 0, "lines": 0}
        for kind, sign in (("invoice", 1.0), ("credit_note", -1.0)):
            part = docs[docs["kind"] == kind]
            documents = len(part)
            lines = int(lines_per_invoice.reindex(part["invoice"]).fillna(0).sum())
            amounts = {key: float(part[key].sum()) for key in ("untaxed", "tax", "total")}
            rows.append(
                {"currency": currency, "kind": kind, "documents": documents, "lines": lines}
                | amounts
            )
            for key, amount in amounts.items():
                net[key] += sign * amount
            net["documents"] += documents
            net["lines"] += lines
        rows.append({"currency": currency, "kind": "net", **net})
    frame = pd.DataFrame(rows, columns=outputs.columns("totals"))
    for money in ("untaxed", "tax", "total"):
        frame[money] = frame[money].astype("float64")
    for count in ("documents", "lines"):
        frame[count] = frame[count].astype("int64")
    return _round_money_by_currency(frame)


def to_invoice_by_customer(invoices: pd.DataFrame) -> pd.DataFrame:
    """Per customer and currency, what this run's drafts bill: the number of documents
    (invoices, credit notes) and the untaxed, tax and total amounts net of credit notes, whatever
    ``--invoice-grouping`` put them in. Sorted by customer, then currency."""
    columns = outputs.columns("to_invoice_by_customer")
    if invoices.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"customer": "str", "currency": "str", "documents": "int64", "invoices": "int64",
             "credit_notes": "int64"}
        )  # fmt: skip
    sign = invoices["kind"].map({"invoice": 1.0, "credit_note": -1.0}).fillna(1.0)
    frame = pd.DataFrame(
        {
            "customer": invoices["customer"].to_numpy(object),
            "currency": invoices["currency"].to_numpy(object),
            "invoices": invoices["kind"].eq("invoice").to_numpy(int),
            "credit_notes": invoices["kind"].eq("credit_note").to_numpy(int),
            "untaxed": invoices["untaxed"].to_numpy("float64") * sign.to_numpy(),
            "tax": invoices["tax"].to_numpy("float64") * sign.to_numpy(),
            "total": invoices["total"].to_numpy("float64") * sign.to_numpy(),
        }
    )
    sums = frame.groupby(["customer", "currency"], sort=True, as_index=False).sum()
    sums["documents"] = sums["invoices"] + sums["credit_notes"]
    sums = _round_money_by_currency(sums)
    for money in ("untaxed", "tax", "total"):
        sums[money] = sums[money] + 0.0
    return sums[columns].astype({"customer": "str", "currency": "str"}).reset_index(drop=True)


def _exact(values: pd.Series) -> float:
    """A sum of hours with only float noise removed (parts that tie to their total)."""
    return float(round_half_away(float(values.sum()), 1e-6))


def _round_money_by_currency(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    for money in ("untaxed", "tax", "total"):
        frame[money] = round_money(frame[money], frame["currency"].astype(str)).to_numpy()
    return frame


def blocks_at_risk(order_lines: pd.DataFrame, limit: int = TOP_CUSTOMERS) -> pd.DataFrame:
    """The prepaid blocks in a time unit of confirmed orders that are most consumed (the data of
    the summary chart): each named ``<customer> <order>/<line>``, with its ordered and delivered
    hours and % consumed. Sorted by % consumed descending, then block; at most ``limit`` rows."""
    lines = order_lines[
        order_lines["remaining_hours"].notna().to_numpy(bool)
        & order_lines["consumed_percent"].notna().to_numpy(bool)
    ]
    frame = pd.DataFrame(
        {
            "block": lines["customer"].astype(str)
            + " "
            + lines["order"].astype(str)
            + "/"
            + lines["line"].astype(str),
            "ordered_hours": round_half_away(lines["ordered_hours"].to_numpy("float64")),
            "delivered_hours": round_half_away(lines["delivered_hours"].to_numpy("float64")),
            "consumed_percent": lines["consumed_percent"].to_numpy("float64"),
        }
    )
    frame = frame.sort_values(["consumed_percent", "block"], ascending=[False, True], kind="stable")
    out = frame.head(limit).reset_index(drop=True)
    return out.astype({"block": "str"})[outputs.columns("blocks_at_risk")]


def top_customers(
    order_lines: pd.DataFrame, timesheets: pd.DataFrame, limit: int = TOP_CUSTOMERS
) -> pd.DataFrame:
    """Ordered vs delivered prepaid hours of the customers with the most hours ordered.

    Only prepaid lines in a time unit (those with a ``remaining_hours``).  Delivered hours are
    the ``counted`` timesheet hours on those lines; ordered hours are remaining + delivered,
    which is exactly the ordered quantity in hours (RULES section 4: remaining is computed from
    the raw hours).  Sorted by ordered hours descending, then customer; at most ``limit`` rows.
    """
    prepaid = order_lines.loc[order_lines["remaining_hours"].notna(), ["order", "line", "customer"]]
    prepaid = prepaid.assign(remaining=order_lines.loc[prepaid.index, "remaining_hours"])
    counted = timesheets.loc[timesheets["status"] == "counted", ["order", "line", "hours"]]
    per_line = counted.groupby(["order", "line"], sort=True, dropna=True)["hours"].sum()
    delivered = per_line.rename("delivered").reset_index()
    merged = prepaid.merge(delivered, on=["order", "line"], how="left")
    merged["delivered"] = merged["delivered"].fillna(0.0)
    merged["ordered"] = merged["remaining"] + merged["delivered"]
    per_customer = merged.groupby("customer", sort=True)[["ordered", "delivered", "remaining"]]
    sums = per_customer.sum().reset_index()
    sums = sums.sort_values(["ordered", "customer"], ascending=[False, True], kind="stable")
    sums = sums.head(limit)
    out = pd.DataFrame(
        {
            "customer": sums["customer"].astype(object).to_numpy(),
            "ordered_hours": round_half_away(sums["ordered"].to_numpy(dtype="float64")),
            "delivered_hours": round_half_away(sums["delivered"].to_numpy(dtype="float64")),
            "remaining_hours": round_half_away(sums["remaining"].to_numpy(dtype="float64")),
        },
        columns=outputs.columns("top_customers"),
    )
    return out.reset_index(drop=True)


def summary_table(result: Result, options: Options) -> tuple[pd.DataFrame, list[str]]:
    """The controller's first page as ``section, figure, unit, value`` rows, and each value's kind.

    Figures: the run (period, cut-off, invoice date, grouping), hours of the period, amount to
    invoice per currency (from the drafted documents, credit notes subtracted), order-line
    counts, order-line quantities per unit, the customers' hours statement summed, and the
    control totals.  Each figure is a plain sum of columns of the Result.
    """
    rows: list[tuple[str, str, str, Any, str]] = []

    def add(section: str, figure: str, unit: str, value: Any, kind: str) -> None:
        rows.append((section, figure, unit, value, kind))

    period = options.period
    cutoff = period.cutoff

    add("run", "period", "", str(period), "text")
    add("run", "period start", "", pd.Timestamp(period.start), "date")
    add("run", "cut-off", "", pd.Timestamp(cutoff), "date")
    add("run", "invoice date", "", pd.Timestamp(options.effective_invoice_date), "date")
    add("run", "invoice grouping", "", options.invoice_grouping, "text")

    timesheets = result.timesheets
    dates = pd.to_datetime(timesheets["date"])
    in_period = (dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(cutoff))
    status = timesheets["status"]
    hours = timesheets["hours"].astype("float64")
    add(
        "hours",
        "hours logged in the period",
        "hours",
        round_half_away(hours[in_period].sum()),
        "hours",
    )
    add(
        "hours",
        "hours delivered on order lines in the period",
        "hours",
        round_half_away(hours[in_period & (status == "counted")].sum()),
        "hours",
    )
    add(
        "hours",
        "non-billable hours in the period",
        "hours",
        round_half_away(hours[in_period & (status == "non_billable")].sum()),
        "hours",
    )

    totals = invoice_totals(result.invoices, result.invoice_lines)
    for row in totals.itertuples(index=False):
        unit = str(row.currency)
        money = f"money:{unit}"
        if row.kind == "net":
            add("invoicing", "amount to invoice, untaxed", unit, row.untaxed, money)
            add("invoicing", "amount to invoice, tax", unit, row.tax, money)
            add("invoicing", "amount to invoice, total", unit, row.total, money)
        else:
            label = "draft invoices" if row.kind == "invoice" else "draft credit notes"
            add("invoicing", label, unit, row.documents, "int")
    orders = result.orders
    for currency, part in orders.groupby("currency", sort=True):
        add(
            "invoicing",
            "orders: untaxed to invoice",
            str(currency),
            float(round_money(float(part["untaxed_to_invoice"].sum()), str(currency))),
            f"money:{currency}",
        )

    lines = result.order_lines
    invoice_status = lines["invoice_status"]
    add("order lines", "order lines", "lines", len(lines), "int")
    add(
        "order lines",
        "lines to invoice",
        "lines",
        int((invoice_status == "to_invoice").sum()),
        "int",
    )
    blocks = lines["remaining_hours"].notna()  # prepaid, in a unit of time, order confirmed
    consumed = lines["consumed_percent"]
    for label, mask in (
        ("prepaid blocks (in a unit of time, order confirmed)", blocks),
        ("blocks past their alert level", lines["near_threshold"].fillna(False).astype(bool)),
        ("blocks used up (over 100 % consumed)", blocks & (consumed > 100)),
        ("blocks fully invoiced and used up (status upselling)", invoice_status == "upselling"),
    ):
        add("prepaid blocks", label, "lines", int(mask.sum()), "int")
    quantity_columns = {
        "ordered": "ordered",
        "delivered": "delivered, life-to-date",
        "delivered_in_period": "delivered in the period",
        "invoiced": "invoiced, life-to-date",
        "to_invoice": "to invoice",
    }
    per_uom = lines.groupby("uom", sort=True)[list(quantity_columns)].sum()
    for uom, sums in per_uom.iterrows():
        for column, label in quantity_columns.items():
            add("order lines", label, str(uom), round_half_away(sums[column]), "qty")

    customers = result.customers
    statement = {
        "opening_hours": "opening hours, at the start of the period",
        "purchased_hours": "purchased hours, in the period",
        "consumed_hours": "consumed hours, in the period",
        "closing_hours": "closing hours, at the cut-off",
        "available_hours": "hours left on blocks not used up, at the cut-off",
        "overrun_hours": "hours beyond used-up blocks, at the cut-off",
    }
    for column, label in statement.items():
        if column in customers.columns:
            total = round_half_away(customers[column].sum())
            add("prepaid hours", label, "hours", total, "hours")

    bridge = result.bridge
    for step, scope, bridged in zip(
        bridge["step"], bridge["scope"], bridge["hours"].to_numpy("float64"), strict=True
    ):
        add("hours bridge", f"{step} ({scope})", "hours", float(bridged), "hours")

    unbilled = result.unbilled
    rank = {reason: i for i, reason in enumerate(REASONS)}
    order = unbilled["reason"].map(rank).sort_values(kind="stable").index
    for reason, part in unbilled.loc[order].groupby("reason", sort=False):
        label = f"unbilled: {reason}"
        add(
            "unbilled work",
            f"{label}, in the period",
            "hours",
            _exact(part["hours_in_period"]),
            "hours",
        )
        add("unbilled work", f"{label}, life-to-date", "hours", _exact(part["hours"]), "hours")
    priced = unbilled[unbilled["currency"].ne("").to_numpy(bool)]
    for currency, part in priced.groupby("currency", sort=True):
        money = f"money:{currency}"
        for column, label in (
            ("list_value_in_period", "unbilled work at list price, in the period"),
            ("list_value", "unbilled work at list price, life-to-date"),
        ):
            value = float(round_money(float(part[column].sum()), str(currency)))
            add("unbilled work", label, str(currency), value, money)

    control = result.control_totals
    for status_name, count, total_hours in zip(
        control["status"].tolist(),
        control["rows"].to_numpy(dtype="int64"),
        control["hours"].to_numpy(dtype="float64"),
        strict=True,
    ):
        add("control totals", f"{status_name} rows, all input dates", "rows", int(count), "int")
        label = f"{status_name} hours, all input dates"
        add("control totals", label, "hours", float(total_hours), "hours")

    frame = pd.DataFrame([r[:4] for r in rows], columns=outputs.columns("summary"))
    frame["value"] = frame["value"].astype(object)
    return frame, [r[4] for r in rows]

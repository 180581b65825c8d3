"""The run's result laid out as the five output workbooks (CONTRACT section 3).

Compute once, render many: every figure here comes from the pipeline's ``Result`` (whose frames
carry exactly the contract's columns first, docs/internal-contracts.md section 2); this module
only chooses sheets, column order, number kinds, highlights, and the few roll-ups a controller
reads first (the ``summary`` sheet, the invoice ``totals``).  ``io.writer`` formats and writes.

Totals policy.  No totals row is ever appended to a data table: ``invoices.xlsx`` is read back
as next month's ledger and every table may be re-read row by row, so a ``TOTAL`` row would be
taken for an invoice, an order line or a customer.  Totals live on sheets of their own:

* ``invoices.xlsx`` / ``totals``: per currency, the drafted invoices, the credit notes and the
  ``net`` amount to invoice (invoices minus credit notes, since both are written positive);
* ``delivered_vs_ordered.xlsx`` / ``summary`` (the first sheet): period and cut-off, hours
  delivered, amount to invoice per currency, order-line counts (to invoice, upselling, upsell
  alerts, over-consumed), order-line quantities summed per unit of measure, the customers'
  hours statement summed, and the control totals; with a native column chart of ordered vs
  delivered prepaid hours for the top customers, drawn from the ``top_customers`` sheet.

Highlights (conditional formats, so they follow a user's sorting and filtering): over-consumed
prepaid lines (``remaining_hours < 0``, ``closing_hours < 0``) in red, upsell alerts and
upselling orders in amber, errors in red and warnings in amber in ``exceptions``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from prepaid_recon.domain import round_half_away, round_money
from prepaid_recon.errors import InternalError
from prepaid_recon.findings import FINDING_COLUMNS
from prepaid_recon.xlsx.writer import ChartSpec, Highlight, SheetSpec

INVOICES = "invoices.xlsx"
DELIVERED_VS_ORDERED = "delivered_vs_ordered.xlsx"
HOURS_BY_TICKET = "hours_by_ticket.xlsx"
TASKS = "tasks.xlsx"
EXCEPTIONS = "exceptions.xlsx"
RUN_JSON = "run.json"

REPORT_FILES: tuple[str, ...] = (INVOICES, DELIVERED_VS_ORDERED, HOURS_BY_TICKET, TASKS)
"""The workbooks of a successful run besides ``exceptions.xlsx`` (written on every run)."""

OUTPUT_FILES: tuple[str, ...] = (
    INVOICES,
    DELIVERED_VS_ORDERED,
    HOURS_BY_TICKET,
    TASKS,
    EXCEPTIONS,
    RUN_JSON,
)
"""Every file a run may write into OUT: what ``write_outputs(stale=...)`` may remove there."""

TOP_CUSTOMERS = 15
"""Customers shown in the summary chart: enough to see the big accounts, few enough to read."""

# Column kinds of the contract's columns (anything not listed is guessed from its dtype).
_KINDS: dict[str, str] = {
    # identifiers and labels that look like numbers stay numbers only where the contract says so
    "line": "int",
    "source_row": "int",
    "row": "int",
    "rows": "int",
    "timesheets": "int",
    "documents": "int",
    "lines": "int",
    # hours
    "hours": "hours",
    "billable_hours": "hours",
    "non_billable_hours": "hours",
    "hours_in_period": "hours",
    "remaining_hours": "hours",
    "opening_hours": "hours",
    "purchased_hours": "hours",
    "consumed_hours": "hours",
    "closing_hours": "hours",
    "allocated_hours": "hours",
    "ordered_hours": "hours",
    "delivered_hours": "hours",
    # quantities in the line's unit
    "quantity": "qty",
    "ordered": "qty",
    "delivered": "qty",
    "delivered_in_period": "qty",
    "invoiced": "qty",
    "to_invoice": "qty",
    # money, in the row's currency
    "unit_price": "money",
    "subtotal": "money",
    "tax": "money",
    "total": "money",
    "untaxed": "money",
    "untaxed_ordered": "money",
    "untaxed_invoiced": "money",
    "untaxed_to_invoice": "money",
    "price_subtotal": "money",
    # percents (0..100)
    "discount": "percent",
    "tax_rate": "percent",
    "upsell_threshold": "percent",
    # dates and flags
    "invoice_date": "date",
    "order_date": "date",
    "date": "date",
    "first_date": "date",
    "last_date": "date",
    "created": "date",
    "upsell_alert": "bool",
    "billable": "bool",
    # text that must never be taken for anything else
    "value": "text",
    "invoice": "text",
    "order": "text",
    "customer": "text",
    "currency": "text",
    "description": "text",
    "subject": "text",
}

# The contract's columns per sheet (CONTRACT section 3), in order.
COLUMNS: dict[str, list[str]] = {
    "invoices": [
        "invoice", "kind", "state", "customer", "invoice_date", "currency", "untaxed", "tax",
        "total",
    ],
    "invoice_lines": [
        "invoice", "order", "line", "product", "description", "quantity", "uom", "unit_price",
        "discount", "subtotal", "tax", "total",
    ],
    "order_lines": [
        "order", "line", "customer", "product", "invoicing_policy", "uom", "ordered",
        "delivered", "delivered_in_period", "invoiced", "to_invoice", "remaining_hours",
        "invoice_status", "upsell_alert", "task",
    ],
    "orders": [
        "order", "customer", "state", "currency", "invoice_status", "untaxed_ordered",
        "untaxed_invoiced", "untaxed_to_invoice",
    ],
    "prepaid_balances": [
        "customer", "order", "line", "opening_hours", "purchased_hours", "consumed_hours",
        "closing_hours",
    ],
    "customers": [
        "customer", "opening_hours", "purchased_hours", "consumed_hours", "closing_hours",
    ],
    "tickets": [
        "ticket", "team", "customer", "subject", "order", "line", "task", "link", "hours",
        "billable_hours", "non_billable_hours", "hours_in_period", "timesheets", "first_date",
        "last_date",
    ],
    "timesheets": [
        "timesheet", "source_row", "date", "employee", "ticket", "task", "description", "order",
        "line", "hours", "quantity", "status", "reason", "invoice",
    ],
    "employees": ["employee", "hours", "billable_hours", "non_billable_hours"],
    "control_totals": ["status", "rows", "hours"],
    "tasks": ["task", "project", "order", "line", "customer", "allocated_hours"],
    "projects": ["project", "order", "allocated_hours"],
    "exceptions": list(FINDING_COLUMNS),
}  # fmt: skip

TOTALS_COLUMNS = ["currency", "kind", "documents", "lines", "untaxed", "tax", "total"]
SUMMARY_COLUMNS = ["section", "figure", "unit", "value"]
TOP_CUSTOMERS_COLUMNS = ["customer", "ordered_hours", "delivered_hours", "remaining_hours"]

_OVER_CONSUMED = Highlight("remaining_hours", "<", "0", "bad")
_UPSELL_ALERT = Highlight("upsell_alert", "=", "TRUE", "warn")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _table(result: Any, sheet: str) -> pd.DataFrame:
    """The Result frame named like ``sheet``, contract columns first, then its extra columns.

    Extra columns whose name starts with ``_`` are the pipeline's internals and are left out.
    A missing contract column is a broken internal invariant, not a user mistake.
    """
    frame = getattr(result, sheet, None)
    if frame is None:
        raise InternalError(f"the run result has no {sheet!r} table")
    return _with_columns(frame, sheet)


EXTRA_COLUMNS: dict[str, list[str]] = {
    "order_lines": [
        "state",
        "order_date",
        "description",
        "currency",
        "unit_price",
        "discount",
        "untaxed_ordered",
        "untaxed_invoiced",
        "untaxed_to_invoice",
        "ordered_hours",
        "delivered_hours",
    ],
}
"""Extra columns a controller reads beside the contract's, where the pipeline has more (the
order line's own working columns — flags, tax rate, hours before the period — stay out)."""


def _with_columns(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    columns = COLUMNS[sheet]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InternalError(f"the {sheet!r} table lacks the columns {missing}")
    if sheet in EXTRA_COLUMNS:
        extras = [c for c in EXTRA_COLUMNS[sheet] if c in frame.columns]
    else:
        extras = [c for c in frame.columns if c not in columns and not str(c).startswith("_")]
    return frame.loc[:, columns + extras].reset_index(drop=True)


def _spec(
    name: str,
    frame: pd.DataFrame,
    *,
    currency_column: str | None = None,
    highlight: Sequence[Highlight] = (),
    charts: Sequence[ChartSpec] = (),
    cell_kinds: dict[str, Sequence[str]] | None = None,
) -> SheetSpec:
    kinds = {c: _KINDS[c] for c in frame.columns if c in _KINDS}
    if currency_column is None:
        # Money without a currency column: keep the figures, format them as plain 0.00.
        kinds = {c: ("qty" if k == "money" else k) for c, k in kinds.items()}
    return SheetSpec(
        name=name,
        frame=frame,
        kinds=kinds,
        currency_column=currency_column,
        highlight=tuple(highlight),
        charts=tuple(charts),
        cell_kinds=dict(cell_kinds or {}),
    )


def _hours(value: float) -> float:
    """A sum of hours or quantities, without the float noise of adding: to the hundredth."""
    return float(round_half_away(float(value), 0.01))


# --------------------------------------------------------------------------------------------
# Roll-ups (the only figures computed here; each is a plain sum of the Result's own columns)
# --------------------------------------------------------------------------------------------


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
            row = {
                "currency": currency,
                "kind": kind,
                "documents": len(part),
                "lines": int(lines_per_invoice.reindex(part["invoice"]).fillna(0).sum()),
                "untaxed": float(part["untaxed"].sum()),
                "tax": float(part["tax"].sum()),
                "total": float(part["total"].sum()),
            }
            rows.append(row)
            for key in ("untaxed", "tax", "total"):
                net[key] += sign * row[key]
            net["documents"] += row["documents"]
            net["lines"] += row["lines"]
        rows.append({"currency": currency, "kind": "net", **net})
    frame = pd.DataFrame(rows, columns=TOTALS_COLUMNS)
    for money in ("untaxed", "tax", "total"):
        frame[money] = frame[money].astype("float64")
    for count in ("documents", "lines"):
        frame[count] = frame[count].astype("int64")
    return _round_money_by_currency(frame)


def _round_money_by_currency(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    for money in ("untaxed", "tax", "total"):
        frame[money] = round_money(frame[money], frame["currency"].astype(str)).to_numpy()
    return frame


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
    per_line = per_line.rename("delivered").reset_index()
    merged = prepaid.merge(per_line, on=["order", "line"], how="left")
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
        columns=TOP_CUSTOMERS_COLUMNS,
    )
    return out.reset_index(drop=True)


def summary_table(result: Any, options: Any) -> tuple[pd.DataFrame, list[str]]:
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
    invoice_date = getattr(options, "invoice_date", None) or cutoff
    add("run", "period", "", str(period), "text")
    add("run", "period start", "", pd.Timestamp(period.start), "date")
    add("run", "cut-off", "", pd.Timestamp(cutoff), "date")
    add("run", "invoice date", "", pd.Timestamp(invoice_date), "date")
    add("run", "invoice grouping", "", str(getattr(options, "invoice_grouping", "order")), "text")

    timesheets = result.timesheets
    dates = pd.to_datetime(timesheets["date"])
    in_period = (dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(cutoff))
    status = timesheets["status"]
    hours = timesheets["hours"].astype("float64")
    add("hours", "hours logged in the period", "hours", _hours(hours[in_period].sum()), "hours")
    add(
        "hours",
        "hours delivered on order lines in the period",
        "hours",
        _hours(hours[in_period & (status == "counted")].sum()),
        "hours",
    )
    add(
        "hours",
        "non-billable hours in the period",
        "hours",
        _hours(hours[in_period & (status == "non_billable")].sum()),
        "hours",
    )

    totals = invoice_totals(result.invoices, result.invoice_lines)
    for row in totals.itertuples(index=False):
        money = f"money:{row.currency}"
        if row.kind == "net":
            add("invoicing", "amount to invoice, untaxed", row.currency, row.untaxed, money)
            add("invoicing", "amount to invoice, tax", row.currency, row.tax, money)
            add("invoicing", "amount to invoice, total", row.currency, row.total, money)
        else:
            label = "draft invoices" if row.kind == "invoice" else "draft credit notes"
            add("invoicing", label, row.currency, row.documents, "int")
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
    add(
        "order lines", "lines in upsell", "lines", int((invoice_status == "upselling").sum()), "int"
    )
    add(
        "order lines",
        "upsell alerts",
        "lines",
        int(lines["upsell_alert"].fillna(False).sum()),
        "int",
    )
    add(
        "order lines",
        "over-consumed prepaid lines",
        "lines",
        int((lines["remaining_hours"] < 0).sum()),
        "int",
    )
    quantity_columns = ["ordered", "delivered", "delivered_in_period", "invoiced", "to_invoice"]
    per_uom = lines.groupby("uom", sort=True)[quantity_columns].sum()
    for uom, sums in per_uom.iterrows():
        for column in quantity_columns:
            label = column.replace("_", " ")
            add("order lines", label, str(uom), _hours(sums[column]), "qty")

    customers = result.customers
    for column in ("opening_hours", "purchased_hours", "consumed_hours", "closing_hours"):
        label = column.replace("_", " ")
        add("prepaid hours", label, "hours", _hours(customers[column].sum()), "hours")

    for row in result.control_totals.itertuples(index=False):
        add("control totals", f"{row.status} rows", "rows", int(row.rows), "int")
        add("control totals", f"{row.status} hours", "hours", float(row.hours), "hours")

    frame = pd.DataFrame([r[:4] for r in rows], columns=SUMMARY_COLUMNS)
    frame["value"] = frame["value"].astype(object)
    return frame, [r[4] for r in rows]


# --------------------------------------------------------------------------------------------
# The workbooks
# --------------------------------------------------------------------------------------------


def exceptions_workbook(findings: pd.DataFrame | None) -> dict[str, list[SheetSpec]]:
    """``exceptions.xlsx``: one row per finding, in the order validation reported them.

    Written on every run, also alone (with ``run.json``) when the input has errors.  ``row`` is
    the Excel row the user sees (empty for a file-level finding); ``value`` is always text,
    exactly as found, never a formula.  Errors are shaded red, warnings amber.
    """
    if findings is None:
        findings = pd.DataFrame(columns=FINDING_COLUMNS)
    frame = _with_columns(findings, "exceptions")
    frame["row"] = pd.to_numeric(frame["row"], errors="coerce").astype("Float64")
    spec = _spec(
        "exceptions",
        frame,
        highlight=(
            Highlight("severity", "=", '"error"', "bad"),
            Highlight("severity", "=", '"warning"', "warn"),
        ),
    )
    spec.kinds.update({c: "text" for c in frame.columns if c != "row"})
    return {EXCEPTIONS: [spec]}


def build_reports(
    result: Any,
    options: Any,
    findings: pd.DataFrame | None = None,
    *,
    top: int = TOP_CUSTOMERS,
) -> dict[str, list[SheetSpec]]:
    """Every workbook of a successful run, by file name, sheets in the order a reader wants them.

    ``result`` is the pipeline's ``Result`` (frames named like the sheets), ``options`` its
    ``Options`` (period, invoice_date, invoice_grouping), ``findings`` the warnings of the run
    (the ``exceptions.xlsx`` rows).  Nothing here changes a figure of the Result.
    """
    invoices = _table(result, "invoices")
    invoice_lines = _table(result, "invoice_lines")
    if "currency" not in invoice_lines.columns:
        currency_of = dict(zip(invoices["invoice"], invoices["currency"], strict=False))
        invoice_lines["currency"] = invoice_lines["invoice"].map(currency_of)
    order_lines = _table(result, "order_lines")
    line_currency = "currency" if "currency" in order_lines.columns else None

    summary, summary_kinds = summary_table(result, options)
    chart = ChartSpec(
        title=f"Prepaid hours per customer, ordered vs delivered (top {top})",
        data_sheet="top_customers",
        category_column="customer",
        value_columns=("ordered_hours", "delivered_hours"),
        y_axis_title="hours",
        anchor="F2",
    )
    workbooks: dict[str, list[SheetSpec]] = {
        INVOICES: [
            _spec("invoices", invoices, currency_column="currency"),
            _spec("invoice_lines", invoice_lines, currency_column="currency"),
            _spec(
                "totals",
                invoice_totals(invoices, invoice_lines),
                currency_column="currency",
                highlight=(Highlight("kind", "=", '"net"', "warn"),),
            ),
        ],
        DELIVERED_VS_ORDERED: [
            _spec("summary", summary, charts=(chart,), cell_kinds={"value": summary_kinds}),
            _spec(
                "order_lines",
                order_lines,
                currency_column=line_currency,
                highlight=(_OVER_CONSUMED, _UPSELL_ALERT),
            ),
            _spec(
                "orders",
                _table(result, "orders"),
                currency_column="currency",
                highlight=(Highlight("invoice_status", "=", '"upselling"', "warn"),),
            ),
            _spec(
                "prepaid_balances",
                _table(result, "prepaid_balances"),
                highlight=(Highlight("closing_hours", "<", "0", "bad"),),
            ),
            _spec(
                "customers",
                _table(result, "customers"),
                highlight=(Highlight("closing_hours", "<", "0", "bad"),),
            ),
            _spec("top_customers", top_customers(result.order_lines, result.timesheets, top)),
        ],
        HOURS_BY_TICKET: [
            _spec("tickets", _table(result, "tickets")),
            _spec("timesheets", _table(result, "timesheets")),
            _spec("employees", _table(result, "employees")),
            _spec("control_totals", _table(result, "control_totals")),
        ],
        TASKS: [
            _spec("tasks", _table(result, "tasks")),
            _spec("projects", _table(result, "projects")),
        ],
    }
    workbooks.update(exceptions_workbook(findings))
    return workbooks


def created_stamp(options: Any) -> dt.datetime:
    """The creation time written into every workbook: the period's cut-off, never the clock."""
    cutoff = options.period.cutoff
    return dt.datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=dt.UTC)


__all__ = [
    "COLUMNS",
    "OUTPUT_FILES",
    "REPORT_FILES",
    "build_reports",
    "created_stamp",
    "exceptions_workbook",
    "invoice_totals",
    "summary_table",
    "top_customers",
]

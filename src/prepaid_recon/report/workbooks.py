"""The run's result laid out as the five output workbooks (docs/contract.md, output workbooks).

Compute once, render many: every figure here comes from the run's ``Result`` or from the
roll-ups of :mod:`prepaid_recon.report.rollups`; the sheets' columns and their formats come from
:mod:`prepaid_recon.contract.outputs`.  This module only chooses sheets, highlights and
charts; :mod:`prepaid_recon.xlsx.writer` formats and writes.

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

from collections.abc import Sequence

import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.contract.outputs import (
    DELIVERED_VS_ORDERED,
    EXCEPTIONS,
    HOURS_BY_TICKET,
    INVOICES,
    TASKS,
)
from prepaid_recon.errors import InternalError
from prepaid_recon.findings import FINDING_COLUMNS
from prepaid_recon.reconcile import Options, Result
from prepaid_recon.report.listings import annex, prepaid_usage
from prepaid_recon.report.rollups import (
    TOP_CUSTOMERS,
    blocks_at_risk,
    invoice_totals,
    summary_table,
    to_invoice_by_customer,
    top_customers,
)
from prepaid_recon.xlsx.writer import ChartSpec, Highlight, SheetSpec

_OVER_CONSUMED = Highlight("remaining_hours", "<", "0", "bad")
_UPSELL_ALERT = Highlight("upsell_alert", "=", "TRUE", "warn")
_NEAR_THRESHOLD = Highlight("near_threshold", "=", "TRUE", "warn")
_SUBTOTAL = Highlight("entry", "=", '"subtotal"', "total")
_RESIDUAL = Highlight("timesheet", "=", '""', "warn")


def _table(result: Result, sheet: str) -> pd.DataFrame:
    """The Result frame named like ``sheet``, laid out as the contract declares it."""
    frame = getattr(result, sheet, None)
    if frame is None:
        raise InternalError(f"the run result has no {sheet!r} table")
    return _with_columns(frame, sheet)


def _with_columns(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """The contract's columns of ``sheet`` in order, then its declared extras that the frame
    has; the rules' working columns stay out.  A missing contract column is a broken internal
    invariant (exit 3), not a user mistake."""
    spec = outputs.SHEETS.get(sheet) or outputs.ROLLUPS[sheet]
    columns = list(spec.columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InternalError(f"the {sheet!r} table lacks the columns {missing}")
    extras = [c for c in spec.extras if c in frame.columns]
    return frame.loc[:, columns + extras].reset_index(drop=True)


def _repeats_as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each text column that repeats its values (fewer distinct values than
    half its rows) as a category: the same cells, but the writer, which turns every cell into
    a Python object, then holds one string per distinct value instead of one per row (for the
    audit of 5,000,000 timesheets: gigabytes less, see ``benchmarks/large_csv.py``)."""
    out = frame.copy(deep=False)
    for column in frame.columns:
        values = frame[column]
        if not (pd.api.types.is_string_dtype(values.dtype) and len(values) > 1):
            continue
        codes, distinct = pd.factorize(values)
        if 2 * len(distinct) < len(values):
            out[column] = pd.Categorical.from_codes(codes, categories=distinct)
    return out


def _spec(
    name: str,
    frame: pd.DataFrame,
    *,
    currency_column: str | None = None,
    highlight: Sequence[Highlight] = (),
    charts: Sequence[ChartSpec] = (),
    cell_formats: dict[str, Sequence[str]] | None = None,
) -> SheetSpec:
    formats = {c: outputs.FORMATS[c] for c in frame.columns if c in outputs.FORMATS}
    if currency_column is None:
        # Money without a currency column: keep the figures, format them as plain 0.00.
        formats = {c: ("qty" if f == "money" else f) for c, f in formats.items()}
    return SheetSpec(
        name=name,
        frame=frame,
        formats=formats,
        currency_column=currency_column,
        highlight=tuple(highlight),
        charts=tuple(charts),
        cell_formats=dict(cell_formats or {}),
    )


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
    spec.formats.update({c: "text" for c in frame.columns if c != "row"})
    return {EXCEPTIONS: [spec]}


def build_reports(
    result: Result,
    options: Options,
    findings: pd.DataFrame | None = None,
    *,
    top: int = TOP_CUSTOMERS,
) -> dict[str, list[SheetSpec]]:
    """Every workbook of a successful run, by file name, sheets in the order a reader wants them.

    ``findings`` are the warnings of the run (the ``exceptions.xlsx`` rows).  Nothing here
    changes a figure of the Result.
    """
    invoices = _table(result, "invoices")
    invoice_lines = _table(result, "invoice_lines")
    if "currency" not in invoice_lines.columns:
        currency_of = dict(zip(invoices["invoice"], invoices["currency"], strict=False))
        invoice_lines["currency"] = invoice_lines["invoice"].map(currency_of)
    order_lines = _table(result, "order_lines")
    line_currency = "currency" if "currency" in order_lines.columns else None

    summary, summary_formats = summary_table(result, options)
    chart = ChartSpec(
        title=f"The {top} prepaid blocks most consumed: hours ordered and delivered",
        data_sheet="blocks_at_risk",
        category_column="block",
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
            _spec(
                "to_invoice_by_customer",
                to_invoice_by_customer(invoices),
                currency_column="currency",
            ),
            _spec("annex", _repeats_as_categories(annex(result)), highlight=(_SUBTOTAL, _RESIDUAL)),
        ],
        DELIVERED_VS_ORDERED: [
            _spec("summary", summary, charts=(chart,), cell_formats={"value": summary_formats}),
            _spec(
                "order_lines",
                order_lines,
                currency_column=line_currency,
                highlight=(_OVER_CONSUMED, _UPSELL_ALERT, _NEAR_THRESHOLD),
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
            _spec(
                "blocks_at_risk",
                blocks_at_risk(result.order_lines, top),
                highlight=(Highlight("consumed_percent", ">", "100", "bad"),),
            ),
            _spec(
                "unbilled",
                _with_columns(result.unbilled, "unbilled"),
                currency_column="currency",
            ),
            _spec(
                "prepaid_usage",
                _repeats_as_categories(prepaid_usage(result, options.period.start_ts)),
                highlight=(
                    Highlight("first_beyond_block", "=", "TRUE", "bad"),
                    Highlight("beyond_block_hours", ">", "0", "warn"),
                    Highlight("entry", "=", '"closing balance"', "total"),
                ),
            ),
        ],
        HOURS_BY_TICKET: [
            _spec("tickets", _table(result, "tickets")),
            _spec("timesheets", _repeats_as_categories(_table(result, "timesheets"))),
            _spec("employees", _table(result, "employees")),
            _spec("control_totals", _table(result, "control_totals")),
            _spec("bridge", _with_columns(result.bridge, "bridge")),
        ],
        TASKS: [
            _spec("tasks", _table(result, "tasks")),
            _spec("projects", _table(result, "projects")),
        ],
    }
    workbooks.update(exceptions_workbook(findings))
    return workbooks

"""Listings a controller and a customer read: the time behind each draft invoice line (the
``annex`` of ``invoices.xlsx``) and each prepaid block's use in the period (``prepaid_usage``).

Both are laid out as statements: the lines of one invoice line (or one block), then a row that
closes them (``subtotal`` / ``closing balance``), marked in the ``entry`` column so that a filter
on it shows the entries alone.  These sheets are read by people, never read back as input.

The annex is a control as well as a listing: its subtotal of every invoice line must equal the
line's quantity, or the run stops with an internal error (exit 3) rather than publish an
invoice whose time does not tie (:func:`check_annex`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import round_half_away
from prepaid_recon.errors import InternalError
from prepaid_recon.reconcile import Result
from prepaid_recon.rules import attribution

ENTRY_TIMESHEET = "timesheet"
ENTRY_SUBTOTAL = "subtotal"
ENTRY_OPENING = "opening balance"
ENTRY_PURCHASED = "purchased"
ENTRY_CLOSING = "closing balance"

PART_WORDS = {
    attribution.PART_TIMESHEET: ENTRY_TIMESHEET,
    attribution.PART_NO_TIME: "billed with no time behind it",
    attribution.PART_ROUNDING: "unit rounding",
    attribution.PART_OVER_CREDIT: "credited beyond the invoice's time",
}
"""The ``entry`` of each kind of attributed part."""


class AnnexError(InternalError):
    """An invoice line's annex does not add up to its quantity: a bug, never a data problem."""


def _timesheet_details(result: Result, source_rows: np.ndarray) -> pd.DataFrame:
    """The details a listing shows of the timesheets at ``source_rows`` (their input rows; -1
    for a row with no timesheet), with the ticket's subject; one row each, in that order. Only
    the rows asked for are looked at (a listing is a small part of a million-row audit)."""
    audit = result.timesheets
    at = pd.Index(audit["source_row"].to_numpy()).get_indexer(source_rows)
    found = at >= 0
    picked = audit.iloc[np.where(found, at, 0)] if len(audit) else audit.iloc[[]]
    subject = result.tickets_input.drop_duplicates("ticket").set_index("ticket")["subject"]
    out = pd.DataFrame(
        {  # text kept in its own (Arrow) columns: a listing may hold a million rows
            "timesheet": picked["timesheet"].reset_index(drop=True),
            "date": picked["date"].to_numpy("datetime64[ns]"),
            "employee": picked["employee"].reset_index(drop=True),
            "ticket": picked["ticket"].reset_index(drop=True),
            "subject": picked["ticket"].map(subject).astype("str").reset_index(drop=True),
            "description": picked["description"].reset_index(drop=True),
            "timesheet_hours": picked["hours"].to_numpy("float64"),
        }
    ) if len(picked) else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ("timesheet", "employee", "ticket", "subject",
                                              "description")}
        | {"date": pd.Series(dtype="datetime64[ns]"), "timesheet_hours": pd.Series(dtype=float)}
    )  # fmt: skip
    if len(out) and not found.all():
        for column in out.columns:
            out[column] = out[column].where(found)
    return out


def _described(info: pd.DataFrame) -> dict[str, Any]:
    """The columns that say which timesheet a listing row is: id, date, employee, ticket, the
    ticket's subject, description."""
    columns = ("timesheet", "employee", "ticket", "subject", "description")
    out = {c: info[c].array for c in columns}
    out["date"] = info["date"].to_numpy("datetime64[ns]")
    return out


def annex(result: Result) -> pd.DataFrame:
    """The ``annex`` sheet: for every line of this run's drafts on a ``timesheet`` line, the
    time it bills (a credit note: the time it takes back), one row per timesheet part in (date,
    row) order with the whole timesheet's hours beside the part when it is split; then a row
    for any quantity without time behind it; then the ``subtotal`` of the invoice line, equal
    to its quantity.  Quantities are in the line's unit, credit notes written positive like the
    document."""
    columns = outputs.columns("annex")
    parts = result.attribution
    parts = parts[parts["source"].eq(attribution.SOURCE_DRAFT).to_numpy(bool)]
    if parts.empty:
        check_annex(
            parts[["invoice", "order", "line", "quantity"]],
            result.invoice_lines,
            result.order_lines,
        )
        return _typed(pd.DataFrame(columns=columns))
    sign = np.where(parts["kind"].eq("credit_note"), -1.0, 1.0)
    rows = parts["row"].astype("Int64")
    has_row = rows.notna().to_numpy(bool)
    info = _timesheet_details(result, rows.fillna(-1).astype("int64").to_numpy())
    lines = result.invoice_lines.set_index(["invoice", "order", "line"])
    keys = pd.MultiIndex.from_frame(parts[["invoice", "order", "line"]])
    customer_of = result.invoices.set_index("invoice")["customer"]
    frame = pd.DataFrame(
        {
            "invoice": parts["invoice"].to_numpy(object),
            "customer": parts["invoice"].map(customer_of).to_numpy(object),
            "order": parts["order"].to_numpy(object),
            "line": parts["line"].astype("Int64").to_numpy(),
            "entry": parts["part"].map(PART_WORDS).to_numpy(object),
            **_described(info),
            "hours": parts["hours"].to_numpy("float64") * sign,
            "quantity": parts["quantity"].to_numpy("float64") * sign,
            "uom": lines["uom"].reindex(keys).to_numpy(object),
            "timesheet_hours": info["timesheet_hours"].to_numpy("float64"),
            "_residual": ~has_row,
            "_row": rows.fillna(0).astype("int64").to_numpy(),
        }
    )
    frame = frame.sort_values(
        ["invoice", "order", "line", "_residual", "date", "_row"], kind="stable"
    )
    totals = frame.groupby(["invoice", "order", "line"], sort=True).agg(
        customer=("customer", "first"),
        uom=("uom", "first"),
        hours=("hours", "sum"),
        quantity=("quantity", "sum"),
    )
    totals = totals.reset_index()
    check_annex(totals, result.invoice_lines, result.order_lines)
    totals["entry"] = ENTRY_SUBTOTAL
    totals["hours"] = round_half_away(totals["hours"].to_numpy("float64"), 1e-6)
    out = pd.concat([frame, totals], ignore_index=True)
    out["_last"] = out["entry"].eq(ENTRY_SUBTOTAL)
    out = out.sort_values(["invoice", "order", "line", "_last"], kind="stable")
    return _typed(out[columns].reset_index(drop=True))


def check_annex(
    totals: pd.DataFrame, invoice_lines: pd.DataFrame, order_lines: pd.DataFrame
) -> None:
    """Each invoice line's annex subtotal equals the line's quantity (to 0.000001: the parts
    are exact shares of it), and every draft line of a ``timesheet`` line has its annex; raises
    :class:`AnnexError` (exit 3) otherwise."""
    lines = invoice_lines.set_index(["invoice", "order", "line"])["quantity"]
    keys = pd.MultiIndex.from_frame(totals[["invoice", "order", "line"]])
    want = lines.reindex(keys).to_numpy("float64")
    got = totals["quantity"].to_numpy("float64")
    off = ~np.isclose(got, want, rtol=0.0, atol=1e-6) | np.isnan(want)
    if off.any():
        bad = totals.loc[off, ["invoice", "order", "line", "quantity"]].assign(billed=want[off])
        raise AnnexError("an invoice annex does not tie to its line:\n" + bad.to_string())
    policy = order_lines.set_index(["order", "line"])["invoicing_policy"]
    drafted = pd.MultiIndex.from_frame(invoice_lines[["order", "line"]])
    on_time = policy.reindex(drafted).eq("timesheet").to_numpy(bool)
    expected = pd.MultiIndex.from_frame(invoice_lines.loc[on_time, ["invoice", "order", "line"]])
    missing = expected.difference(keys)
    if len(missing):
        raise AnnexError(f"invoice lines without their annex: {list(missing)[:5]}")


def prepaid_usage(result: Result, period_start: pd.Timestamp) -> pd.DataFrame:
    """The ``prepaid_usage`` sheet: each prepaid block's statement for the period, one block
    after the other: its opening balance, the hours purchased in the period, every counted
    timesheet dated in the period with the block's hours remaining after it and the hours of it
    beyond the block (the first to take the block below zero flagged), then the closing
    balance with the hours consumed in the period.  Ties to ``prepaid_balances``."""
    columns = outputs.columns("prepaid_usage")
    balances = result.prepaid_balances
    audit = result.timesheets
    remaining = audit["block_remaining_hours"]
    used = (
        remaining.notna().to_numpy(bool)
        & audit["status"].eq("counted").to_numpy(bool)
        & (audit["date"] >= period_start).to_numpy(bool)
    )
    entries = audit.loc[used]
    info = _timesheet_details(result, entries["source_row"].to_numpy("int64"))
    customer = balances.set_index(["order", "line"])["customer"]
    keys = pd.MultiIndex.from_arrays([entries["order"].to_numpy(object), entries["line"]])
    listed = pd.DataFrame(
        {
            "customer": customer.reindex(keys).to_numpy(object),
            "order": entries["order"].to_numpy(object),
            "line": entries["line"].astype("Int64").to_numpy(),
            "entry": ENTRY_TIMESHEET,
            **_described(info),
            "hours": entries["hours"].to_numpy("float64"),
            "block_remaining_hours": remaining[used].to_numpy("float64"),
            "beyond_block_hours": audit.loc[used, "beyond_block_hours"].to_numpy("float64"),
            "first_beyond_block": audit.loc[used, "first_beyond_block"].astype(bool).to_numpy(),
            "_step": 2,
            "_row": entries["source_row"].to_numpy("int64"),
        }
    )
    beyond = listed.groupby(["order", "line"], sort=False)["beyond_block_hours"].sum()
    head = pd.DataFrame(
        {
            "customer": balances["customer"].to_numpy(object),
            "order": balances["order"].to_numpy(object),
            "line": balances["line"].astype("Int64").to_numpy(),
        }
    )
    keys = pd.MultiIndex.from_frame(head[["order", "line"]])
    opening = balances["opening_hours"].to_numpy("float64")
    purchased = balances["purchased_hours"].to_numpy("float64")
    statement = [
        head.assign(entry=ENTRY_OPENING, block_remaining_hours=opening, _step=0),
        head.assign(
            entry=ENTRY_PURCHASED,
            hours=np.nan,
            block_remaining_hours=round_half_away(opening + purchased, 0.01),
            _step=1,
        )[purchased != 0],
        head.assign(
            entry=ENTRY_CLOSING,
            hours=balances["consumed_hours"].to_numpy("float64"),
            block_remaining_hours=balances["closing_hours"].to_numpy("float64"),
            beyond_block_hours=round_half_away(
                beyond.reindex(keys).fillna(0.0).to_numpy("float64"), 1e-6
            )
            + 0.0,
            _step=3,
        ),
    ]
    out = pd.concat([listed, *statement], ignore_index=True)
    out["first_beyond_block"] = out["first_beyond_block"].fillna(False).astype(bool)
    out["_row"] = out["_row"].fillna(0).astype("int64")
    out = out.sort_values(["customer", "order", "line", "_step", "date", "_row"], kind="stable")
    return _typed(out[columns].reset_index(drop=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Listing columns in their report types: text as text, figures as floats, dates as dates."""
    types = {}
    for column in frame.columns:
        fmt = outputs.FORMATS.get(column, "text")
        if fmt in ("hours", "qty", "money"):
            types[column] = "float64"
        elif fmt == "date":
            types[column] = "datetime64[ns]"
        elif fmt == "bool":
            types[column] = "bool"
        elif column == "line":
            types[column] = "Int64"
        else:
            types[column] = "str"
    return frame.astype(types)

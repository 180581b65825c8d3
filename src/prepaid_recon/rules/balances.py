"""Prepaid hours statement for the period (RULES section 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import round_half_away

BALANCE_COLUMNS = outputs.columns("prepaid_balances")
CUSTOMER_COLUMNS = outputs.columns("customers")
FIGURES = CUSTOMER_COLUMNS[1:]
"""opening_hours, purchased_hours, consumed_hours, closing_hours."""


def prepaid_balances(lines: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """Hours statement of each prepaid line in a time unit of a confirmed order, in hours.

    opening = ordered hours if the order is dated before the period (else 0) − hours counted on
    the line before the period; purchased = ordered hours if the order is dated in the period;
    consumed = hours counted on the line in the period; closing = opening + purchased − consumed
    = the remaining hours at the cut-off. Each figure is computed from raw hours and rounded
    once to 0.01, so closing equals the line's ``remaining_hours`` and next month's opening.
    ``overrun_hours``: the hours used beyond the block at the cut-off (−closing when closing is
    negative, else 0).  Sorted by (customer, order, line).
    """
    frame = lines[lines["prepaid_time"].to_numpy(bool)]
    before = (frame["order_date"] < period_start).to_numpy(bool)
    ordered = frame["ordered_hours"].astype("float64")
    opening = ordered.where(before, 0.0) - frame["hours_before_period"]
    purchased = ordered.where(~before, 0.0)
    consumed = frame["hours_in_period"].astype("float64")
    out = pd.DataFrame(
        {
            "customer": frame["customer"].astype("str"),
            "order": frame["order"].astype("str"),
            "line": frame["line"].astype("Int64"),
            "opening_hours": round_half_away(opening, 0.01),
            "purchased_hours": round_half_away(purchased, 0.01),
            "consumed_hours": round_half_away(consumed, 0.01),
            "closing_hours": round_half_away(opening + purchased - consumed, 0.01),
        }
    )
    out["overrun_hours"] = (-out["closing_hours"]).clip(lower=0.0) + 0.0
    out = out.sort_values(["customer", "order", "line"], kind="stable")
    return out[[*BALANCE_COLUMNS, "overrun_hours"]].reset_index(drop=True)


def customer_balances(balances: pd.DataFrame) -> pd.DataFrame:
    """The hours statement summed per customer (of the rounded line figures), sorted by customer.

    An overrun on one block is not hidden by hours left on another: besides the net
    ``closing_hours``, ``available_hours`` sums the blocks with hours left and ``overrun_hours``
    the hours used beyond exhausted blocks (closing = available − overrun).
    """
    frame = balances.assign(available_hours=balances["closing_hours"].clip(lower=0.0))
    extra = ["available_hours", "overrun_hours"]
    sums = frame.groupby("customer", as_index=False, sort=True)[[*FIGURES, *extra]].sum()
    for col in (*FIGURES, *extra):
        sums[col] = round_half_away(sums[col].astype("float64"), 0.01) + 0.0
    sums["customer"] = sums["customer"].astype("str")
    return sums[[*CUSTOMER_COLUMNS, *extra]].reset_index(drop=True)


def block_usage(entries: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The running balance of each prepaid block, timesheet by timesheet.

    ``entries``: the counted timesheets of prepaid lines in a time unit (``order``, ``line``,
    ``date``, ``hours``), indexed by timesheet row.  ``lines``: the order lines with
    ``ordered_hours``.  Taken in (date, row) order per line, each timesheet carries the block's
    hours remaining after it (ordered hours − the hours counted so far, rounded to 0.01), the
    hours of it that fall beyond the block (the part of the running total past the ordered
    hours; a correction that brings the total back under gives negative hours), and whether it
    is the first to take the block below zero.  Returns the three columns
    ``block_remaining_hours``, ``beyond_block_hours``, ``first_beyond_block``, aligned on
    ``entries``.
    """
    keys = pd.MultiIndex.from_frame(lines[["order", "line"]].astype({"line": "Int64"}))
    codes = keys.get_indexer(
        pd.MultiIndex.from_arrays(
            [entries["order"].to_numpy(object), entries["line"].astype("Int64")]
        )
    )
    rows = entries.index.to_numpy()
    order = np.lexsort((rows, entries["date"].to_numpy("datetime64[ns]"), codes))
    codes_s = codes[order]
    hours = entries["hours"].to_numpy("float64")[order]
    cum = pd.Series(hours).groupby(codes_s, sort=False).cumsum().to_numpy("float64")
    ordered = lines["ordered_hours"].to_numpy("float64")[np.where(codes_s >= 0, codes_s, 0)]
    after = ordered - cum
    before = after + hours
    beyond = np.maximum(-after, 0.0) - np.maximum(-before, 0.0)
    below = round_half_away(after, 0.01) < 0
    first = np.zeros(len(order), dtype=bool)
    if below.any():
        hit = np.flatnonzero(below)
        _, first_of_line = np.unique(codes_s[hit], return_index=True)
        first[hit[first_of_line]] = True
    out = pd.DataFrame(
        {
            "block_remaining_hours": round_half_away(after, 0.01),
            "beyond_block_hours": round_half_away(beyond, 1e-6),
            "first_beyond_block": first,
        },
        index=rows[order],
    )
    return out.reindex(entries.index)

"""Prepaid hours statement for the period (RULES section 6)."""

from __future__ import annotations

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
    Sorted by (customer, order, line).
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
    out = out.sort_values(["customer", "order", "line"], kind="stable")
    return out[BALANCE_COLUMNS].reset_index(drop=True)


def customer_balances(balances: pd.DataFrame) -> pd.DataFrame:
    """The hours statement summed per customer (of the rounded line figures), sorted by customer."""
    sums = balances.groupby("customer", as_index=False, sort=True)[FIGURES].sum()
    for col in FIGURES:
        sums[col] = round_half_away(sums[col].astype("float64"), 0.01)
    sums["customer"] = sums["customer"].astype("str")
    return sums[CUSTOMER_COLUMNS].reset_index(drop=True)

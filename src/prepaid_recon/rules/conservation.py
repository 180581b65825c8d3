"""Conservation of hours (RULES section 7): checked at the end of every run.

A violation is a bug in prepaid-recon, never a data problem: it raises loudly.
"""

from __future__ import annotations

import pandas as pd

from prepaid_recon.domain import round_half_away
from prepaid_recon.errors import InternalError
from prepaid_recon.rules.linking import STATUSES


class ConservationError(InternalError, AssertionError):
    """Hours were lost, duplicated or left unassigned: an internal invariant is broken."""


def check_conservation(
    input_timesheets: pd.DataFrame,
    audit: pd.DataFrame,
    control_totals: pd.DataFrame,
    order_lines: pd.DataFrame,
) -> None:
    """Every input timesheet ends in exactly one status (counted, non_billable, after_cutoff);
    the hours of the three add up to the input's hours to the hundredth; and every counted hour
    is on exactly one order line (Σ over order lines of their counted hours = counted hours).
    Raises :class:`ConservationError` otherwise."""
    problems: list[str] = []
    if len(audit) != len(input_timesheets) or not audit.index.equals(input_timesheets.index):
        problems.append("the audit does not hold exactly one row per input timesheet")
    if not audit["status"].isin(STATUSES).all():
        problems.append("a timesheet has no status or an unknown one")

    def differ(a: float, b: float) -> bool:
        """Not equal to the hundredth."""
        return float(round_half_away(abs(float(a) - float(b)), 0.01)) > 0

    total_in = float(input_timesheets["hours"].sum())
    by_status = audit.groupby("status")["hours"].sum()
    if differ(by_status.sum(), total_in):
        problems.append(f"status hours {by_status.sum()} differ from input hours {total_in}")
    totals = control_totals.set_index("status")
    control_hours: pd.Series[float] = totals["hours"]
    control_rows: pd.Series[int] = totals["rows"]
    parts = control_hours.loc[list(STATUSES)].sum()
    if differ(control_hours.loc["total"], total_in) or differ(parts, total_in):
        problems.append("control totals do not tie out")
    if int(control_rows.loc["total"]) != len(input_timesheets):
        problems.append("control total rows differ from input rows")
    counted = audit.loc[audit["status"].eq("counted").to_numpy(bool), ["hours", "order", "line"]]
    on_lines = float(order_lines["delivered_hours"].sum())
    if differ(on_lines, counted["hours"].sum()):
        problems.append(f"order lines hold {on_lines} h but {counted['hours'].sum()} h counted")
    if counted["order"].isna().any() or counted["line"].isna().any():
        problems.append("a counted timesheet is on no order line")
    if problems:
        raise ConservationError("conservation broken: " + "; ".join(problems))


def check_bridge(bridge: pd.DataFrame) -> None:
    """The hours bridge ties to the hundredth: input = after the cut-off + up to the cut-off;
    up to the cut-off = before the period + in the period; in the period = the sum of what
    became of it.  Raises :class:`ConservationError` otherwise."""
    hours = bridge["hours"].to_numpy("float64")
    scope = bridge["scope"].to_numpy(object)
    total, after, to_date, before, period = hours[:5]
    parts = float(hours[5:][scope[5:] == "period"].sum())
    problems = []
    if abs(total - after - to_date) >= 0.005:
        problems.append(f"input {total} h is not after the cut-off {after} h + {to_date} h")
    if abs(to_date - before - period) >= 0.005:
        problems.append(f"life-to-date {to_date} h is not {before} h + {period} h")
    if abs(period - parts) >= 0.005:
        problems.append(f"the period's {period} h are accounted for as {parts} h")
    if problems:
        raise ConservationError("hours bridge broken: " + "; ".join(problems))


def check_attribution(parts: pd.DataFrame, documents: pd.DataFrame) -> None:
    """Every document's quantity on a ``timesheet`` line is made of its attributed parts
    (timesheets and residuals): Σ parts = the document's quantity, to 0.000001 of the unit, for
    every document and line; no part is attributed to a document that does not bill the line.
    Raises :class:`ConservationError` otherwise (the annexes would not tie)."""
    key = ["invoice", "order", "line"]
    sums = parts.groupby(key, sort=True)["quantity"].sum()
    want = documents.groupby(key, sort=True)["signed"].sum()
    want = want[want.abs() > 1e-12]
    joined = pd.concat([sums.rename("parts"), want.rename("want")], axis=1)
    billed = joined["want"].notna() | joined["parts"].notna()
    joined = joined[billed.to_numpy(bool)]
    # A line whose unit is not a unit of time cannot hold time: its documents have no parts.
    off = (joined["parts"].fillna(0.0) - joined["want"].fillna(0.0)).abs() > 1e-6
    off &= joined["parts"].notna()
    extra = joined["want"].isna() & joined["parts"].notna()
    if off.any() or extra.any():
        bad = joined[(off | extra).to_numpy(bool)].head(5)
        raise ConservationError(
            "attribution does not tie to the documents' quantities: " + bad.to_string()
        )

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

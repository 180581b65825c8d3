"""The run's own warnings: prepaid blocks at risk, and billable work of the period that no
document bills.

Validation reports what is wrong with the input; these findings report what the reconciliation
found about the work itself (docs/rules.md, "Unbilled work"): time beyond a prepaid block, and
billable time that reached no order line, each with its reason.  One finding per customer,
reason and ticket (not one per timesheet), pointing at the ticket's row so that the fix (a link,
an order, an upsell) starts there.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from prepaid_recon.findings import FINDING_COLUMNS, Code, Severity
from prepaid_recon.reconcile import Result
from prepaid_recon.rules import unbilled

CODES: dict[str, Code] = {
    unbilled.BEYOND_BLOCK: Code.BEYOND_PREPAID_BLOCK,
    unbilled.NO_ORDER: Code.UNBILLED_NO_ORDER,
    unbilled.ORDER_NOT_CONFIRMED: Code.UNBILLED_ORDER_NOT_CONFIRMED,
    unbilled.NO_BLOCK_LEFT: Code.UNBILLED_NO_BLOCK_LEFT,
    unbilled.TICKET_NOT_LINKED: Code.UNBILLED_TICKET_NOT_LINKED,
    unbilled.TEAM_NOT_REINVOICING: Code.UNBILLED_TEAM_NOT_REINVOICING,
    unbilled.LINE_NOT_AVAILABLE: Code.UNBILLED_LINE_NOT_AVAILABLE,
}
"""The finding code of each unbilled reason."""


def _why(group: pd.Series, tickets: pd.DataFrame, states: Mapping[str, str]) -> str:
    """The reason of one group in a sentence naming what to look at."""
    reason = group["reason"]
    line = f"{group['order']}/{group['line']}" if group["order"] else ""
    if reason == unbilled.BEYOND_BLOCK:
        return f"it was logged beyond the prepaid block {line}, which is used up"
    if reason == unbilled.ORDER_NOT_CONFIRMED and group["order"]:
        state = states.get(group["order"], "")
        return f"the customer's order {group['order']} is not confirmed (state {state})"
    if reason == unbilled.NO_BLOCK_LEFT and group["ticket"] in tickets.index:
        created = pd.Timestamp(tickets.loc[group["ticket"], "created"]).date().isoformat()
        return f"no prepaid block of the customer had hours left when it was created ({created})"
    if reason == unbilled.LINE_NOT_AVAILABLE and line:
        return f"it is linked to {line}, which cannot be billed this run"
    return unbilled.EXPLAINED[reason]


def threshold_findings(result: Result, sources: Mapping[str, str]) -> pd.DataFrame:
    """One warning per prepaid block consumed past its alert level, on the order line's row."""
    lines = result.order_lines
    flagged = lines[lines["near_threshold"].fillna(False).astype(bool).to_numpy()]
    rows = []
    for line in flagged.to_dict("records"):
        left = line.get("remaining_hours")
        left_text = "" if pd.isna(left) else f", {left:.2f} h left"
        state = "used up" if line["consumed_percent"] > 100 else "near its end"
        rows.append(
            {
                "severity": str(Code.NEAR_THRESHOLD.severity),
                "code": str(Code.NEAR_THRESHOLD),
                "file": sources.get("order_lines", ""),
                "sheet": "order_lines",
                "row": int(line["source_row"]),
                "column": "quantity",
                "value": f"{line['ordered']:g}",
                "message": (
                    f"{line['customer']}: block {line['order']}/{line['line']} is {state}: "
                    f"{line['consumed_percent']:.2f} % of {line['ordered']:g} {line['uom']} "
                    f"consumed{left_text} (alert at {line['alert_at']:g} %)."
                ),
            }
        )
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def unbilled_findings(result: Result, sources: Mapping[str, str]) -> pd.DataFrame:
    """One warning per customer, reason and ticket (or task) of the period's unbilled work.

    ``sources``: the input file of each sheet (relative to INPUT), to point at.  A ticket's
    group points at the ticket's row in ``tickets`` (column ``ticket``); time on a task without
    a ticket at its first timesheet's row (column ``task``).  The message gives the customer,
    the hours, the number of timesheets, their first and last date, and the reason.
    """
    groups = result.unbilled_groups
    if groups.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    tickets = result.tickets_input
    ticket_rows = (
        pd.Series(tickets.index, index=tickets["ticket"].to_numpy()).groupby(level=0).min()
    )
    by_ticket = tickets.drop_duplicates("ticket").set_index("ticket")
    states = dict(
        zip(result.order_lines["order"], result.order_lines.get("state", ""), strict=False)
    )
    rows = []
    for group in groups.to_dict("records"):
        series = pd.Series(group)
        on_ticket = bool(group["ticket"])
        where = f"ticket {group['ticket']}" if on_ticket else f"task {group['task']}"
        first = pd.Timestamp(group["first_date"]).date().isoformat()
        last = pd.Timestamp(group["last_date"]).date().isoformat()
        count = int(group["timesheets"])
        message = (
            f"{group['customer'] or 'unknown customer'}: {group['hours']:.2f} h on {where} "
            f"({count} timesheet{'s' if count != 1 else ''}, {first} to {last}) are not billed: "
            f"{_why(series, by_ticket, states)}."
        )
        code = CODES[group["reason"]]
        if on_ticket:
            sheet, column, value = "tickets", "ticket", group["ticket"]
            row = ticket_rows.get(group["ticket"])
        else:
            sheet, column, value = "timesheets", "task", group["task"]
            row = group["first_row"]
        rows.append(
            {
                "severity": str(Severity.WARNING),
                "code": str(code),
                "file": sources.get(sheet, ""),
                "sheet": sheet,
                "row": None if row is None else int(row),
                "column": column,
                "value": str(value),
                "message": message,
            }
        )
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame

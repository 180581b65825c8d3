"""One run of the reconciliation: validated inputs and options in, every result table out.

:func:`run` calls the rules of ``prepaid_recon.rules`` in a declared order (tasks, linking,
per-line figures, drafts, timesheet → invoice links, balances, hours reports, conservation).
Nothing here touches files, the clock or the console.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prepaid_recon.domain import Inputs, Period, UomTable, round_half_away
from prepaid_recon.rules import balances, conservation, invoicing, lines, linking, tasks

TICKET_COLUMNS = [
    "ticket",
    "team",
    "customer",
    "subject",
    "order",
    "line",
    "task",
    "link",
    "hours",
    "billable_hours",
    "non_billable_hours",
    "hours_in_period",
    "timesheets",
    "first_date",
    "last_date",
]
TIMESHEET_COLUMNS = [
    "timesheet",
    "source_row",
    "date",
    "employee",
    "ticket",
    "task",
    "description",
    "order",
    "line",
    "hours",
    "quantity",
    "status",
    "reason",
    "invoice",
]
EMPLOYEE_COLUMNS = ["employee", "hours", "billable_hours", "non_billable_hours"]
CONTROL_COLUMNS = ["status", "rows", "hours"]


@dataclass(frozen=True)
class Options:
    """What the user chose for this run (CLI options, already checked)."""

    period: Period
    currency: str = "USD"
    invoice_grouping: str = "order"
    invoice_date: dt.date | None = None


@dataclass
class Result:
    """Every table a run produces; attribute names are the output sheet names (CONTRACT §3)."""

    invoices: pd.DataFrame
    invoice_lines: pd.DataFrame
    order_lines: pd.DataFrame
    orders: pd.DataFrame
    prepaid_balances: pd.DataFrame
    customers: pd.DataFrame
    tickets: pd.DataFrame
    timesheets: pd.DataFrame
    employees: pd.DataFrame
    control_totals: pd.DataFrame
    tasks: pd.DataFrame
    projects: pd.DataFrame


def _hours_split(frame: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """Hours columns used by the ticket and employee reports (only rows up to the cut-off)."""
    status = frame["status"]
    hours = frame["hours"].astype("float64")
    return pd.DataFrame(
        {
            "hours": hours,
            "billable_hours": hours.where(status.eq("counted"), 0.0),
            "non_billable_hours": hours.where(status.eq("non_billable"), 0.0),
            "hours_in_period": hours.where(frame["date"] >= period_start, 0.0),
        },
        index=frame.index,
    )


def ticket_hours(
    tickets_linked: pd.DataFrame, audit: pd.DataFrame, period_start: pd.Timestamp
) -> pd.DataFrame:
    """The ``tickets`` report: each ticket, its order line and how it was found (``link``), and
    its time dated on or before the cut-off: hours, billable (counted), non-billable, in the
    period, number of timesheets, first and last date. Sorted by ticket."""
    on_time = audit[audit["status"].ne("after_cutoff").to_numpy(bool) & audit["ticket"].notna()]
    split = _hours_split(on_time, period_start)
    split["ticket"] = on_time["ticket"].to_numpy(object)
    split["date"] = on_time["date"].to_numpy()
    agg = split.groupby("ticket", sort=True).agg(
        hours=("hours", "sum"),
        billable_hours=("billable_hours", "sum"),
        non_billable_hours=("non_billable_hours", "sum"),
        hours_in_period=("hours_in_period", "sum"),
        timesheets=("hours", "size"),
        first_date=("date", "min"),
        last_date=("date", "max"),
    )
    frame = tickets_linked.merge(agg, left_on="ticket", right_index=True, how="left")
    for col in ("hours", "billable_hours", "non_billable_hours", "hours_in_period"):
        frame[col] = round_half_away(frame[col].fillna(0.0).astype("float64"), 0.01)
    frame["timesheets"] = frame["timesheets"].fillna(0).astype("int64")
    for col in ("first_date", "last_date"):
        frame[col] = frame[col].astype("datetime64[ns]")
    frame = frame.sort_values("ticket", kind="stable")[TICKET_COLUMNS].reset_index(drop=True)
    text = ["ticket", "team", "customer", "subject", "order", "task", "link"]
    return frame.astype({col: "str" for col in text})


def employee_hours(audit: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """The ``employees`` report: each employee's hours dated on or before the cut-off, billable
    (counted) and non-billable. Sorted by employee."""
    on_time = audit[audit["status"].ne("after_cutoff").to_numpy(bool)]
    split = _hours_split(on_time, period_start)
    split["employee"] = on_time["employee"].to_numpy(object)
    agg = split.groupby("employee", as_index=False, sort=True)[
        ["hours", "billable_hours", "non_billable_hours"]
    ].sum()
    for col in ("hours", "billable_hours", "non_billable_hours"):
        agg[col] = round_half_away(agg[col].astype("float64"), 0.01)
    agg["employee"] = agg["employee"].astype("str")
    return agg[EMPLOYEE_COLUMNS].reset_index(drop=True)


def control_totals(audit: pd.DataFrame) -> pd.DataFrame:
    """Rows and hours per status (counted, non_billable, after_cutoff) and the total of every
    input timesheet: the proof of conservation.

    Hours are the exact sums (only float noise is removed, at 0.000001), not rounded to 0.01
    each: minutes typed as H:MM (0:20 = 0.3333 h) would otherwise make three rounded parts
    differ from the rounded total by a cent. Formatted as 0.00, they tie to the hundredth."""
    statuses = [*linking.STATUSES, "total"]
    rows = [int(audit["status"].eq(s).sum()) for s in linking.STATUSES] + [len(audit)]
    hours = [float(audit.loc[audit["status"].eq(s), "hours"].sum()) for s in linking.STATUSES]
    hours.append(float(audit["hours"].sum()))
    return pd.DataFrame(
        {
            "status": pd.Series(statuses, dtype="str"),
            "rows": np.asarray(rows, dtype="int64"),
            "hours": round_half_away(np.asarray(hours, dtype="float64"), 1e-6),
        }
    )


def run(inputs: Inputs, options: Options) -> Result:
    """Reconcile one period: tasks, links, per-line figures, drafts, balances, hours reports.

    The steps, in order: (1) tasks and projects created by confirmed orders; (2) each ticket's
    and timesheet's order line; (3) per-line delivered / invoiced / to-invoice figures and
    order statuses; (4) draft invoices and credit notes; (5) timesheet → invoice links;
    (6) the prepaid hours statement; (7) hours per ticket and employee, control totals;
    (8) the conservation check (raises ConservationError on a bug).
    """
    period = options.period
    start, cutoff = period.start_ts, period.cutoff_ts
    uoms = UomTable.from_frame(inputs.uoms)

    task_frame, project_frame = tasks.build_tasks(
        inputs.orders, inputs.order_lines, inputs.products, uoms, cutoff
    )
    ctx = lines.order_line_context(inputs.orders, inputs.order_lines, inputs.products, uoms, cutoff)
    tickets_linked, linked = linking.link_timesheets(
        inputs.timesheets, inputs.tickets, inputs.teams, task_frame, ctx, uoms, cutoff
    )

    counted = lines.counted_hours_per_line(linked, start, cutoff)
    invoiced = lines.invoiced_per_line(ctx, inputs.invoices, inputs.invoice_lines, uoms, cutoff)
    line_frame = lines.line_figures(ctx, counted, invoiced, task_frame, uoms)
    order_frame = lines.order_figures(inputs.orders, line_frame, cutoff)

    invoice_date = options.invoice_date or period.cutoff
    draft_invoices, draft_lines = invoicing.draft_documents(
        line_frame, inputs.invoices, str(period), invoice_date, options.invoice_grouping
    )
    linked["invoice"] = invoicing.link_timesheets_to_invoices(
        linked, draft_lines, inputs.invoices, inputs.invoice_lines, cutoff
    )

    balance_frame = balances.prepaid_balances(line_frame, start)
    customer_frame = balances.customer_balances(balance_frame)

    audit = linked[TIMESHEET_COLUMNS].reset_index(drop=True)
    ticket_frame = ticket_hours(tickets_linked, audit, start)
    employee_frame = employee_hours(audit, start)
    totals = control_totals(audit)

    conservation.check_conservation(
        inputs.timesheets.reset_index(drop=True), audit, totals, line_frame
    )
    return Result(
        invoices=draft_invoices,
        invoice_lines=draft_lines[invoicing.INVOICE_LINE_COLUMNS],
        order_lines=line_frame,
        orders=order_frame,
        prepaid_balances=balance_frame,
        customers=customer_frame,
        tickets=ticket_frame,
        timesheets=audit,
        employees=employee_frame,
        control_totals=totals,
        tasks=task_frame,
        projects=project_frame,
    )

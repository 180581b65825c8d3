"""One reconciliation: validated inputs and options in, every result table out.

:func:`run` calls the rules of ``prepaid_recon.rules`` in their declared order.  Nothing here
touches files, the clock or the console; the same inputs and options give the same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import Inputs, Period, UomTable
from prepaid_recon.rules import (
    balances,
    conservation,
    hours,
    invoicing,
    linking,
    order_lines,
    tasks,
)

TIMESHEET_COLUMNS = outputs.columns("timesheets")


@dataclass(frozen=True)
class Options:
    """What the user chose for this run (command-line options, already checked)."""

    period: Period
    currency: str = "USD"
    invoice_grouping: str = invoicing.GROUP_BY_ORDER
    invoice_date: dt.date | None = None

    @property
    def effective_invoice_date(self) -> dt.date:
        """The date of this run's drafts: ``--invoice-date``, else the cut-off."""
        return self.invoice_date or self.period.cutoff


@dataclass
class Result:
    """Every table a run produces; attribute names are the output sheet names (contract §3),
    each frame holding that sheet's contract columns first (``contract.outputs``)."""

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


def run(inputs: Inputs, options: Options) -> Result:
    """Reconcile one period: tasks, links, per-line figures, drafts, balances, hours reports.

    The steps, in order: (1) the order lines that exist at the cut-off, with what every rule
    needs to know of them; (2) tasks and projects created by confirmed orders; (3) each
    ticket's and timesheet's order line; (4) per-line delivered / invoiced / to-invoice figures
    and order statuses; (5) draft invoices and credit notes; (6) timesheet → invoice links;
    (7) the prepaid hours statement; (8) hours per ticket and employee, control totals;
    (9) the conservation check (raises ``ConservationError``, exit 3, on a bug).
    """
    period = options.period
    start, cutoff = period.start_ts, period.cutoff_ts
    uoms = UomTable.from_frame(inputs.uoms)

    ctx = order_lines.order_line_context(
        inputs.orders, inputs.order_lines, inputs.products, uoms, cutoff
    )
    task_frame, project_frame = tasks.tasks_from_context(ctx, uoms)
    tickets_linked, linked = linking.link_timesheets(
        inputs.timesheets, inputs.tickets, inputs.teams, task_frame, ctx, uoms, cutoff
    )

    counted = order_lines.counted_hours_per_line(linked, start, cutoff)
    invoiced = order_lines.invoiced_per_line(
        ctx, inputs.invoices, inputs.invoice_lines, uoms, cutoff
    )
    line_frame = order_lines.line_figures(ctx, counted, invoiced, task_frame, uoms)
    order_frame = order_lines.order_figures(inputs.orders, line_frame, cutoff)

    draft_invoices, draft_lines = invoicing.draft_documents(
        line_frame,
        inputs.invoices,
        str(period),
        options.effective_invoice_date,
        options.invoice_grouping,
    )
    linked["invoice"] = invoicing.link_timesheets_to_invoices(
        linked, draft_lines, inputs.invoices, inputs.invoice_lines, cutoff
    )

    balance_frame = balances.prepaid_balances(line_frame, start)
    customer_frame = balances.customer_balances(balance_frame)

    audit = linked[TIMESHEET_COLUMNS].reset_index(drop=True)
    ticket_frame = hours.ticket_hours(tickets_linked, audit, start)
    employee_frame = hours.employee_hours(audit, start)
    totals = hours.control_totals(audit)

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

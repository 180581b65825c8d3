"""One reconciliation: validated inputs and options in, every result table out.

:func:`run` calls the rules of ``prepaid_recon.rules`` in their declared order.  Nothing here
touches files, the clock or the console; the same inputs and options give the same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import Inputs, Period, UomTable
from prepaid_recon.rules import (
    attribution,
    balances,
    conservation,
    hours,
    invoicing,
    linking,
    order_lines,
    tasks,
    unbilled,
)
from prepaid_recon.rules.order_lines import KEY

TIMESHEET_COLUMNS = outputs.columns("timesheets")
AUDIT_EXTRAS = [
    "customer",
    "billable",
    "billed_hours",
    "block_remaining_hours",
    "beyond_block_hours",
    "first_beyond_block",
]
"""What the audit adds to the contract's columns: whose time it is, whether it was billable
as read (so that the audit fed back keeps it), the hours of each timesheet billed by all
documents together (``timesheet`` lines), and each prepaid block's running balance."""


@dataclass(frozen=True)
class Options:
    """What the user chose for this run (command-line options, already checked)."""

    period: Period
    currency: str = "USD"
    invoice_grouping: str = invoicing.GROUP_BY_ORDER
    invoice_date: dt.date | None = None
    alert_at: float | None = None
    """``--alert-at``: the % consumed at which a prepaid block is flagged (default: the product's
    upsell threshold)."""

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
    attribution: pd.DataFrame
    """Every part of every document's quantity on a ``timesheet`` line (rules.attribution)."""
    unbilled: pd.DataFrame
    """Unbilled hours per customer and reason, valued at list price (rules.unbilled)."""
    unbilled_groups: pd.DataFrame
    """The period's unbilled hours per customer, reason and ticket (the run's warnings)."""
    bridge: pd.DataFrame
    """From the input's hours to the period's, and what became of them (rules.hours)."""
    tickets_input: pd.DataFrame
    """The input tickets (Excel rows, subjects), for the listings and the warnings."""


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
    ledger = order_lines.ledger_quantities(ctx, inputs.invoices, inputs.invoice_lines, uoms, cutoff)
    invoiced = order_lines.invoiced_per_line(ctx, ledger)
    line_frame = order_lines.line_figures(
        ctx, counted, invoiced, task_frame, uoms, options.alert_at
    )
    order_frame = order_lines.order_figures(inputs.orders, line_frame, cutoff)

    draft_invoices, draft_lines = invoicing.draft_documents(
        line_frame,
        inputs.invoices,
        str(period),
        options.effective_invoice_date,
        options.invoice_grouping,
    )
    draft_invoices["service_from"] = start  # the period the drafts bill
    draft_invoices["service_to"] = cutoff

    # Which time each document bills, and each prepaid block's running balance.
    parts, documents, policy = _attribute_and_balance(
        linked, ctx, ledger, draft_lines, pd.Timestamp(options.effective_invoice_date)
    )

    balance_frame = balances.prepaid_balances(line_frame, start)
    customer_frame = balances.customer_balances(balance_frame)

    linked["customer"] = _customer_of_time(linked, tickets_linked, task_frame, inputs.orders)
    audit = linked[[*TIMESHEET_COLUMNS, *AUDIT_EXTRAS]].reset_index(drop=True)
    ticket_frame = hours.ticket_hours(tickets_linked, audit, start)
    employee_frame = hours.employee_hours(audit, start)
    totals = hours.control_totals(audit, start)
    unbilled_frame, unbilled_groups, bridge = _unbilled_work(
        linked, tickets_linked, inputs.orders, ctx, policy, period
    )

    conservation.check_conservation(
        inputs.timesheets.reset_index(drop=True), audit, totals, line_frame
    )
    conservation.check_bridge(bridge)
    conservation.check_attribution(parts, documents)
    return Result(
        invoices=draft_invoices,
        invoice_lines=draft_lines[[*invoicing.INVOICE_LINE_COLUMNS, "tax_rate"]],
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
        attribution=parts,
        unbilled=unbilled_frame,
        unbilled_groups=unbilled_groups,
        bridge=bridge,
        tickets_input=inputs.tickets,
    )


def _attribute_and_balance(
    linked: pd.DataFrame,
    ctx: pd.DataFrame,
    ledger: pd.DataFrame,
    draft_lines: pd.DataFrame,
    invoice_date: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Attribute the documents of every ``timesheet`` line to its time, and run each prepaid
    block's balance; writes the audit's ``invoice``, ``billed_hours``, ``block_remaining_hours``,
    ``beyond_block_hours`` and ``first_beyond_block`` into ``linked``. Returns the attributed
    parts, the documents, and each counted row's line policy (a categorical, NA when not
    counted). Its working frames are freed on return (a million-row run holds them once)."""
    is_counted = linked["status"].eq(linking.COUNTED).to_numpy(bool)
    at = _line_positions(linked, ctx)
    policy = _line_column(at, ctx, "invoicing_policy", linked.index).where(is_counted)
    policy = policy.astype("category")
    on_timesheet_lines = is_counted & policy.eq("timesheet").fillna(False).to_numpy(bool)
    documents = attribution.billing_documents(ledger, draft_lines, ctx, invoice_date)
    attributed = attribution.attribute(
        linked.loc[on_timesheet_lines, [*KEY, "date", "hours", "invoice"]], documents, ctx
    )
    prepaid_time = _line_column(at, ctx, "prepaid_time", linked.index)
    on_blocks = is_counted & prepaid_time.fillna(False).to_numpy(bool)
    usage = balances.block_usage(linked.loc[on_blocks, [*KEY, "date", "hours"]], ctx)
    linked["invoice"] = linked["invoice"].where(~is_counted, attributed.invoice).astype("str")
    linked["billed_hours"] = attributed.billed_hours.reindex(linked.index)
    for column in ("block_remaining_hours", "beyond_block_hours"):
        linked[column] = usage[column].reindex(linked.index)
    first = usage["first_beyond_block"].reindex(linked.index, fill_value=False)
    linked["first_beyond_block"] = first.astype(bool)  # False off prepaid blocks
    return attributed.parts, documents, policy


def _unbilled_work(
    linked: pd.DataFrame,
    tickets: pd.DataFrame,
    orders: pd.DataFrame,
    ctx: pd.DataFrame,
    policy: pd.Series,
    period: Period,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Unbilled work per customer and reason (the ``unbilled`` sheet), per ticket (the
    warnings), and the hours bridge; the row-level unbilled time is freed on return."""
    start, cutoff = period.start_ts, period.cutoff_ts
    time = unbilled.unbilled_time(
        linked, tickets, orders, ctx, linked["beyond_block_hours"], cutoff
    )
    no_line = time.loc[time["reason"].ne(unbilled.BEYOND_BLOCK).to_numpy(bool), "reason"]
    bridge = hours.hours_bridge(
        linked,
        policy,
        linked["beyond_block_hours"],
        no_line,
        {r: unbilled.EXPLAINED[r] for r in unbilled.REASONS if r != unbilled.BEYOND_BLOCK},
        start,
    )
    return (
        unbilled.unbilled_summary(time, ctx, start),
        unbilled.unbilled_groups(time, start),
        bridge,
    )


def _customer_of_time(
    timesheets: pd.DataFrame, tickets: pd.DataFrame, tasks: pd.DataFrame, orders: pd.DataFrame
) -> pd.Series:
    """Whose time each timesheet is: its ticket's customer, else the customer of the order it
    names or is billed to, else of its task's order (time logged on a task). Empty when none
    is known."""
    by_ticket = tickets.drop_duplicates("ticket").set_index("ticket")["customer"]
    by_order = orders.drop_duplicates("order").set_index("order")["customer"]
    task_order = tasks.drop_duplicates("task").set_index("task")["order"]
    customer = timesheets["ticket"].map(by_ticket)
    customer = customer.fillna(timesheets["order"].map(by_order))
    customer = customer.fillna(timesheets["task"].map(task_order).map(by_order))
    return customer.astype("str")


def _line_positions(frame: pd.DataFrame, ctx: pd.DataFrame) -> np.ndarray:
    """Each row's order line (``order``/``line``) as its position in ``ctx`` (-1 for none),
    looked up once for every column taken from it."""
    keys = pd.MultiIndex.from_arrays(
        [frame["order"].to_numpy(object), frame["line"].astype("Int64")]
    )
    return pd.MultiIndex.from_frame(ctx[KEY]).get_indexer(keys)


def _line_column(at: np.ndarray, ctx: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    """A column of each row's order line (positions from :func:`_line_positions`), NA where
    the row has none."""
    values = ctx[column].to_numpy(object)
    taken = values[np.where(at >= 0, at, 0)] if len(values) else np.full(len(at), None)
    return pd.Series(taken, index=index).where(at >= 0)

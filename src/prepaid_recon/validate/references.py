"""The business checks across sheets (CONTRACT section 4, RULES section 3): what points where.

* Order-line facts: for each order line, its customer, whether its order is confirmed and in
  this run, whether it is a service, its policy and whether its unit is a unit of time, judged
  as the rules judge them (:func:`prepaid_recon.rules.order_lines.order_line_flags`); and the tasks
  confirmed orders create (:func:`prepaid_recon.rules.tasks.build_tasks`).
* Links: an explicit ``order``/``line`` on a ticket or a timesheet names an existing service
  line of a confirmed order of the same customer (``invalid_link``, ``incomplete_link``; a line
  of an order after the cut-off is a ``link_after_cutoff`` warning); a ticket's task is of its
  customer's order.
* Tickets: their team and task exist; a link while the team does not re-invoice time is a
  ``link_not_billed`` warning.
* Timesheets: a ticket or a task each, unique ids, existing tickets and tasks; time reaching a
  prepaid or timesheet line not sold in a unit of time (``non_time_unit_link``); time on a team
  without timesheets; entries exported twice, dated before their ticket, or after the cut-off.
* Ledger: reversed invoices, invoices and order lines exist; currencies are ISO codes; units
  are known and of the order line's category; negative quantities and documents after the
  cut-off are warnings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepaid_recon.domain import Period, UomTable
from prepaid_recon.findings import Code, Finding, Severity
from prepaid_recon.read.cells import present
from prepaid_recon.rules.arrow import positions
from prepaid_recon.rules.order_lines import order_line_flags
from prepaid_recon.rules.tasks import build_tasks
from prepaid_recon.validate.collector import Findings, Table
from prepaid_recon.validate.lookups import (
    KEY_SEPARATOR,
    check_unknown,
    find,
    join_line,
    line_key,
    lookup,
    lookup_at,
)
from prepaid_recon.validate.sheets import after_cutoff, bad_currency


def line_facts(tables: dict[str, Table], uoms: UomTable, period: Period | None) -> pd.DataFrame:
    """Per order line, by key: customer, state, confirmed, in this run, service, policy, unit.

    ``time_billed``: the policy is ``prepaid`` or ``timesheet``; ``time_unit``: the line's unit
    (``uom``) is a unit of time.

    Every line is here, also those of orders after the cut-off (``in_run`` false) and of
    unknown orders or products (not confirmed, not a service).
    """
    lines = tables["order_lines"].data
    orders = tables["orders"].data.drop_duplicates("order").set_index("order")
    products = tables["products"].data.drop_duplicates("product").set_index("product")
    state = lookup(lines["order"], orders["state"])
    policy = lines["product"].map(products["invoicing_policy"])
    flags = order_line_flags(
        state, lines["product"].map(products["type"]), policy, lines["uom"], uoms
    )
    facts = pd.DataFrame(
        {
            "order": lines["order"],
            "line": lines["line"],
            "customer": lookup(lines["order"], orders["customer"]),
            "state": state,
            "confirmed": flags["confirmed"],
            "service": flags["service"],
            "policy": policy,
            "time_billed": flags["time_billed"],
            "uom": lines["uom"],
            "time_unit": flags["is_time"],
        }
    )
    order_date = lookup(lines["order"], orders["order_date"])
    facts["in_run"] = True if period is None else order_date <= period.cutoff_ts
    facts = facts[facts["order"].notna() & facts["line"].notna()]
    facts["key"] = line_key(facts)
    return facts.drop_duplicates("key").set_index("key")


def task_lines(tables: dict[str, Table], uoms: UomTable, period: Period | None) -> pd.DataFrame:
    """The tasks that confirmed orders create, by name (RULES section 2)."""
    cutoff = period.cutoff_ts if period is not None else pd.Timestamp.max.normalize()
    orders, lines, products = (tables[s].data for s in ("orders", "order_lines", "products"))
    orders = orders.dropna(subset=["order", "customer", "order_date", "state"])
    orders = orders.drop_duplicates("order")
    products = products.dropna(subset=["product", "type", "uom"]).drop_duplicates("product")
    products = products[products["uom"].isin(uoms.names())]
    usable = (
        lines["order"].isin(orders["order"])
        & lines["product"].isin(products["product"])
        & lines["line"].notna()
        & lines["quantity"].notna()
        & lines["uom"].isin(uoms.names())
        & ~line_key(lines).duplicated()
    )
    tasks, _ = build_tasks(orders, lines[usable], products, uoms, cutoff)
    return tasks.drop_duplicates("task").set_index("task")


def check_link(
    f: Findings,
    t: Table,
    link_order: pd.Series,
    link_line: pd.Series,
    customer: pd.Series,
    facts: pd.DataFrame,
    column: str,
    check_after: pd.Series,
) -> pd.Series:
    """An explicit link must name a service line of a confirmed order of the same customer.

    ``customer`` is the customer of each row, or at least of each row that gives both ``order``
    and ``line``: only those rows are links, so only they are looked at (of millions of
    timesheets, the few with a link of their own).  Returns the mask of rows whose link names an
    existing line of the customer's confirmed order in this run.
    """
    has = link_order.notna() & link_line.notna()
    rows = has.to_numpy(bool)
    order, line = link_order[rows], link_line[rows]
    key = join_line(order, line, KEY_SEPARATOR)
    exists = key.isin(facts.index)
    shown = join_line(order, line)  # the links as typed, where given
    f.add(
        Code.UNKNOWN_REFERENCE,
        t,
        ~exists,
        column,
        "no such order line (order and line).",
        values=shown,
    )
    fact = facts.reindex(key.where(exists))
    fact.index = key.index
    customer = customer.reindex(key.index)
    in_run = fact["in_run"].fillna(True).astype(bool) | ~check_after[rows]
    other = exists & fact["customer"].ne(customer) & customer.notna()
    f.add(
        Code.INVALID_LINK,
        t,
        other,
        column,
        "linked to an order line of another customer ("
        + fact.loc[other, "customer"].astype("str").fillna("")
        + "), not of "
        + customer[other].astype("str").fillna("")
        + ".",
        values=shown,
    )
    unconfirmed = exists & ~other & ~fact["confirmed"].fillna(False).astype(bool)
    f.add(
        Code.INVALID_LINK,
        t,
        unconfirmed,
        column,
        "linked to an order line of an unconfirmed order (state "
        + fact.loc[unconfirmed, "state"].astype("str").fillna("")
        + ", not sale or done).",
        values=shown,
    )
    future = exists & ~other & ~unconfirmed & ~in_run
    f.add(
        Code.LINK_AFTER_CUTOFF,
        t,
        future,
        column,
        "linked to an order dated after the cut-off: its time is not billed this run.",
        values=shown,
    )
    ok = exists & ~other & ~unconfirmed & ~future
    not_service = ok & ~fact["service"].fillna(False).astype(bool)
    f.add(
        Code.INVALID_LINK,
        t,
        not_service,
        column,
        "linked to an order line that is not a service.",
        values=shown,
    )
    incomplete = link_order.notna() ^ link_line.notna()
    f.add(
        Code.INCOMPLETE_LINK,
        t,
        incomplete,
        "line" if link_order.notna().any() else "order",
        "give both 'order' and 'line', or neither.",
    )
    linked = np.zeros(len(link_order), dtype=bool)
    linked[rows] = ok.to_numpy(bool)
    return pd.Series(linked, index=link_order.index)


def check_tickets(
    t: Table,
    f: Findings,
    tables: dict[str, Table],
    facts: pd.DataFrame,
    tasks: pd.DataFrame,
    period: Period | None,
) -> None:
    d = t.data
    teams = tables["teams"].data.drop_duplicates("team").set_index("team")
    check_unknown(f, t, "team", teams.index, "team in the teams sheet")
    check_unknown(f, t, "task", tasks.index, "task created by a confirmed order (see tasks.xlsx)")
    after = (d["created"] <= period.cutoff_ts) if period is not None else d["created"].notna()
    explicit = check_link(f, t, d["order"], d["line"], d["customer"], facts, "order", after)
    task_customer = d["task"].map(tasks["customer"])
    f.add(
        Code.INVALID_LINK,
        t,
        task_customer.notna() & task_customer.ne(d["customer"]),
        "task",
        "linked to the task of another customer's order.",
    )
    reinvoicing = d["team"].map(teams["time_reinvoicing"]).astype("boolean")
    reinvoicing = reinvoicing.fillna(True).astype(bool)
    linked = explicit | task_customer.notna()
    f.add(
        Code.LINK_NOT_BILLED,
        t,
        linked & ~reinvoicing,
        "order",
        "linked to an order line, but the team does not re-invoice time: not billed.",
        values=(d["order"].fillna(d["task"])),
    )


def check_timesheets(
    t: Table,
    f: Findings,
    tables: dict[str, Table],
    facts: pd.DataFrame,
    tasks: pd.DataFrame,
    period: Period | None,
) -> None:
    """The cross-sheet checks of the timesheets (millions of rows: see below).

    A ticket or a task each; unique ids; existing tickets and tasks; explicit links
    (:func:`check_link`); time on lines not sold in a unit of time
    (:func:`_time_on_non_time_lines`); time on a team without timesheets; entries exported
    twice; dates before their ticket's creation or after the cut-off.

    Each row's ticket is found once, as its position among the tickets; what the checks need
    of it (its team, its creation date, the line it reaches) is taken through that position,
    and text (a customer, a line key, a message) is made only for the rows concerned: those
    with a link of their own, those flagged.
    """
    d = t.data
    tickets = tables["tickets"].data.drop_duplicates("ticket").set_index("ticket")
    teams = tables["teams"].data.drop_duplicates("team").set_index("team")
    if "ticket" not in t.columns_given and "task" not in t.columns_given:
        f.add_one(
            Finding(
                Severity.ERROR,
                Code.MISSING_COLUMN,
                t.file,
                t.sheet,
                None,
                "ticket",
                "",
                "timesheets need a 'ticket' or a 'task' column.",
            )
        )
    else:
        column = "ticket" if "ticket" in t.columns_given else "task"
        f.add(
            Code.MISSING_VALUE,
            t,
            d["ticket"].isna() & d["task"].isna(),
            column,
            "each timesheet needs a ticket or a task.",
        )
    dup_id = d["timesheet"].notna() & _repeats(d["timesheet"])
    f.add(Code.DUPLICATE_KEY, t, dup_id, "timesheet", "this timesheet id is already used.")
    check_unknown(f, t, "ticket", tickets.index, "ticket in the tickets sheet")
    check_unknown(f, t, "task", tasks.index, "task created by a confirmed order (see tasks.xlsx)")
    in_scope = (d["date"] <= period.cutoff_ts) if period is not None else d["date"].notna()
    linked = (d["order"].notna() & d["line"].notna()).to_numpy(bool)
    customer = _customer(d["ticket"][linked], d["task"][linked], tickets, tasks)
    check_link(f, t, d["order"], d["line"], customer, facts, "order", in_scope)
    ticket_at = find(d["ticket"], tickets.index)  # each row's ticket: its position, or -1
    _time_on_non_time_lines(t, f, tickets, teams, tasks, facts, period, ticket_at)
    team_fact = _team_fact(tickets, teams["timesheet_on_ticket"]).astype("boolean")
    on_ticket = team_fact.fillna(True).astype(bool).to_numpy()
    f.add(
        Code.TEAM_WITHOUT_TIMESHEETS,
        t,
        d["ticket"].notna() & ~pd.Series(on_ticket[ticket_at], index=d.index),
        "ticket",
        "time logged on a ticket of a team without timesheet_on_ticket.",
    )
    _possible_duplicates(t, f)
    created = lookup_at(tickets["created"], ticket_at, d.index)
    del ticket_at
    f.add(
        Code.BEFORE_TICKET_CREATED,
        t,
        d["date"] < created,
        "date",
        "timesheet dated before its ticket was created.",
    )
    after_cutoff(f, t, "date", period, "dated after the cut-off", "counted in a later period")


def _customer(
    ticket: pd.Series, task: pd.Series, tickets: pd.DataFrame, tasks: pd.DataFrame
) -> pd.Series:
    """A timesheet's customer: its ticket's, else its task's."""
    return lookup(ticket, tickets["customer"]).fillna(lookup(task, tasks["customer"]))


def _team_fact(tickets: pd.DataFrame, by_team: pd.Series) -> pd.Series:
    """``by_team`` of each ticket's team, in the tickets' order, then, last, that of a missing
    team (a row whose ticket is not found has none): ``values[ticket_at]`` is each row's."""
    missing = pd.Series([None], dtype=tickets["team"].dtype)
    return pd.concat([tickets["team"], missing], ignore_index=True).map(by_team)


def _repeats(values: pd.Series) -> pd.Series:
    """``values.duplicated(keep="first")`` of a text column, by an Arrow sort (no Python string
    per value, no hash table of millions of strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = pa.array(values, type=pa.large_string())
    order = pc.array_sort_indices(strings, null_placement="at_end").to_numpy()  # stable
    ordered = strings.take(order)
    same = pc.equal(ordered[1:], ordered[:-1]).fill_null(False).to_numpy(zero_copy_only=False)
    ordered = None
    repeat = np.zeros(len(values), dtype=bool)
    repeat[order[1:][np.asarray(same, dtype=bool)]] = True
    nulls = values.isna().to_numpy(bool)
    if nulls.sum() > 1:  # NA repeats NA, as duplicated() says
        repeat[np.flatnonzero(nulls)[1:]] = True
    return pd.Series(repeat, index=values.index)


def _time_on_non_time_lines(
    t: Table,
    f: Findings,
    tickets: pd.DataFrame,
    teams: pd.DataFrame,
    tasks: pd.DataFrame,
    facts: pd.DataFrame,
    period: Period | None,
    ticket_at: np.ndarray,
) -> None:
    """Time reaching a prepaid or timesheet line not sold in a unit of time (RULES section 3).

    Hours cannot be expressed in such a unit, so the error is on each timesheet row that brings
    time there, the way the rules link it: its own ``order``/``line`` (column ``order``); else,
    without a ticket, its task's line (column ``task``); else its ticket's line, the ticket's own
    link or its task's, when the ticket's team re-invoices time (column ``ticket``).  Only
    billable rows dated on or before the cut-off bring time this run.  A line that cannot
    receive time (not a service line of a confirmed order of this run) or a link to another
    customer's line is reported as a link problem instead.  A ticket or a task linked to such
    a line is valid by itself: Odoo allows that link.

    Each row's line is found as a position among the lines (``facts``): through its ticket
    (``ticket_at``, its position among the tickets) or its task, whose lines are found once per
    ticket and per task; a line key is made only for the rows with a link of their own.  The
    customers are compared only on the rows that bring time to such a line.
    """
    d = t.data
    in_scope = (d["date"] <= period.cutoff_ts) if period is not None else d["date"].notna()
    brings_time = (d["billable"].astype(bool) & in_scope).to_numpy(bool)
    explicit = d["order"].notna() & d["line"].notna()
    by_task = ~explicit & d["ticket"].isna() & d["task"].notna()
    by_ticket = ~explicit & d["ticket"].notna()

    lines = facts.index.to_series()
    task_key = join_line(tasks["order"], tasks["line"], KEY_SEPARATOR)
    own = tickets["order"].notna() & tickets["line"].notna()
    ticket_key = join_line(tickets["order"], tickets["line"], KEY_SEPARATOR).where(
        own, lookup(tickets["task"], task_key)
    )
    reinvoicing = tickets["team"].map(teams["time_reinvoicing"]).astype("boolean")
    ticket_key = ticket_key.where(reinvoicing.fillna(False).astype(bool))

    at = np.full(len(d), -1, dtype=np.intp)  # each row's line among the facts, or -1
    rows = np.flatnonzero(explicit.to_numpy(bool))
    at[rows] = positions(
        join_line(d["order"].iloc[rows], d["line"].iloc[rows], KEY_SEPARATOR), lines
    )
    rows = np.flatnonzero(by_task.to_numpy(bool))
    task_line = np.append(positions(task_key, lines), -1)  # -1 last: a row whose task is unknown
    at[rows] = task_line[find(d["task"].iloc[rows], tasks.index)]
    rows = np.flatnonzero(by_ticket.to_numpy(bool))
    ticket_line = np.append(positions(ticket_key, lines), -1)
    at[rows] = ticket_line[ticket_at[rows]]

    def line_fact(name: str, missing: bool) -> np.ndarray:
        """A yes/no fact of each line, then ``missing`` last (for the rows without a line)."""
        return np.append(facts[name].fillna(missing).astype(bool).to_numpy(), missing)

    receives = line_fact("confirmed", False) & line_fact("service", False)
    receives &= line_fact("in_run", False)
    not_time = line_fact("time_billed", False) & ~line_fact("time_unit", True)
    rows = np.flatnonzero(brings_time & (receives & not_time)[at])
    at = at[rows]
    # The line's customer must be the row's, else it is a link problem (see check_link).
    customer = _customer(d["ticket"].iloc[rows], d["task"].iloc[rows], tickets, tasks)
    other = customer.notna() & lookup_at(facts["customer"], at, customer.index).ne(customer)
    rows, at = rows[~other.to_numpy(bool)], at[~other.to_numpy(bool)]
    if not len(rows):
        return
    flagged = pd.Series(np.zeros(len(d), dtype=bool), index=d.index)
    flagged.iloc[rows] = True
    fact = facts.iloc[at]  # messages for the flagged rows only
    fact.index = d.index[rows]
    line = join_line(fact["order"], fact["line"])
    sold = (
        ": a "
        + fact["policy"].astype("str").fillna("")
        + " line sold in "
        + fact["uom"].astype("str").fillna("")
        + ", not a unit of time, so hours cannot be billed to it."
    )
    for column, mask, way in (
        ("order", explicit, "linked to order line "),
        ("task", by_task, "time on this task reaches order line "),
        ("ticket", by_ticket, "time on this ticket reaches order line "),
    ):
        values = None
        if column == "order":
            values = join_line(d["order"].iloc[rows], d["line"].iloc[rows])
        f.add(Code.NON_TIME_UNIT_LINK, t, flagged & mask, column, way + line + sold, values=values)


_SAME_ENTRY = ["employee", "date", "ticket", "task", "hours", "description"]


def _possible_duplicates(t: Table, f: Findings) -> None:
    """The same entry (employee, date, ticket or task, hours, description) exported twice.

    A warning on every repeat after the first, pointing at the first: the run still counts
    both, since two identical entries can be real (two calls of an hour on the same day).
    A row with a ``timesheet`` id is identified by it: two ids are two entries, and an id
    given twice is already a ``duplicate_key`` error; so only rows without an id are compared.
    """
    d = t.data
    complete = d["employee"].notna() & d["date"].notna() & d["hours"].notna()
    if "timesheet" in t.raw.columns:
        complete &= ~present(t.raw["timesheet"])
    entries = d.loc[complete, _SAME_ENTRY]
    repeat = entries.duplicated(keep="first")
    if not repeat.any():
        return
    group = entries.groupby(_SAME_ENTRY, dropna=False, sort=False).ngroup()
    first_row = pd.Series(entries.index, index=entries.index).groupby(group).transform("min")
    message = (
        "same employee, date, ticket, hours and description as row "
        + first_row.astype("str")
        + ": exported twice? Both are counted; delete the repeat if it is one."
    )
    f.add(
        Code.POSSIBLE_DUPLICATE,
        t,
        repeat.reindex(d.index, fill_value=False),
        "hours",
        message,
    )


def check_ledger(
    tables: dict[str, Table],
    f: Findings,
    facts: pd.DataFrame,
    uoms: UomTable,
    period: Period | None,
) -> None:
    inv = tables["invoices"]
    d = inv.data
    check_unknown(f, inv, "reverses", pd.Index(d["invoice"].dropna()), "invoice in the ledger")
    f.add(
        Code.BAD_CURRENCY,
        inv,
        bad_currency(d["currency"]),
        "currency",
        "currency must be an ISO 4217 code.",
    )
    after_cutoff(f, inv, "invoice_date", period, "dated after the cut-off", "ignored this run")
    lines = tables["invoice_lines"]
    ld = lines.data
    check_unknown(
        f, lines, "invoice", pd.Index(d["invoice"].dropna()), "invoice in the invoices sheet"
    )
    has = ld["order"].notna() & ld["line"].notna()
    key = line_key(ld)
    f.add(
        Code.UNKNOWN_REFERENCE,
        lines,
        has & ~key.isin(facts.index),
        "line",
        "no such order line (order and line).",
    )
    f.add(
        Code.NEGATIVE_QUANTITY,
        lines,
        ld["quantity"] < 0,
        "quantity",
        "negative quantity on a ledger line: write it positive; credit notes subtract.",
    )
    known = ld["uom"].isin(uoms.names())
    f.add(Code.UNKNOWN_REFERENCE, lines, ld["uom"].notna() & ~known, "uom", "no such unit.")
    order_lines = tables["order_lines"].data
    line_uom = pd.Series(order_lines["uom"].to_numpy(), index=line_key(order_lines).to_numpy())
    line_uom = line_uom[~line_uom.index.duplicated()]
    target = uoms.categories(lookup(key, line_uom))
    mismatch = known & target.notna() & uoms.categories(ld["uom"].fillna("")).ne(target)
    f.add(
        Code.UOM_CATEGORY_MISMATCH,
        lines,
        mismatch,
        "uom",
        "the unit is of another category than the order line's unit.",
    )

"""Unbilled work: billable time that no document will bill, and why (docs/rules.md, "Unbilled
work").

Two kinds of time are work done for a customer that the run does not bill:

* billable timesheets that end with no order line: the ticket's team does not re-invoice
  time, the customer has no order, only unconfirmed orders, no prepaid block with hours left
  when the ticket was created, no block at all to link an unlinked ticket to, or the ticket is
  linked to a line that cannot be billed this run;
* the hours of a prepaid block's timesheets that fall beyond the block (the block is invoiced
  for its ordered quantity; what is logged past it is not billed until an upsell covers it).

Each unbilled hour gets one reason from :data:`REASONS`.  :func:`unbilled_time` gives them per
timesheet; :func:`unbilled_groups` per customer, reason and ticket (one row per ticket, not per
timesheet: the warnings of the run); :func:`unbilled_summary` per customer and reason, valued
at list price (the ``unbilled`` sheet).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepaid_recon.contract.inputs import CONFIRMED_STATES
from prepaid_recon.domain import round_half_away, round_money
from prepaid_recon.rules import linking
from prepaid_recon.rules.order_lines import KEY

BEYOND_BLOCK = "beyond_block"
NO_ORDER = "no_order"
ORDER_NOT_CONFIRMED = "order_not_confirmed"
NO_BLOCK_LEFT = "no_block_left"
TICKET_NOT_LINKED = "ticket_not_linked"
TEAM_NOT_REINVOICING = "team_not_reinvoicing"
LINE_NOT_AVAILABLE = "line_not_available"
REASONS = (
    BEYOND_BLOCK,
    NO_ORDER,
    ORDER_NOT_CONFIRMED,
    NO_BLOCK_LEFT,
    TICKET_NOT_LINKED,
    TEAM_NOT_REINVOICING,
    LINE_NOT_AVAILABLE,
)
"""Why billable time is not billed, in the order the reports list them."""

EXPLAINED = {
    BEYOND_BLOCK: "logged beyond the prepaid block",
    NO_ORDER: "the customer has no sales order",
    ORDER_NOT_CONFIRMED: "the customer's orders are not confirmed",
    NO_BLOCK_LEFT: "no prepaid block of the customer had hours left when the ticket was created",
    TICKET_NOT_LINKED: "the ticket names no order line and the customer has no prepaid block to "
    "link it to",
    TEAM_NOT_REINVOICING: "the ticket's team does not re-invoice time",
    LINE_NOT_AVAILABLE: "linked to an order line that cannot be billed this run",
}
"""Each reason in a controller's words."""

TIME_COLUMNS = ["customer", "reason", "ticket", "task", "order", "line", "date", "hours"]


def unbilled_time(
    audit: pd.DataFrame,
    tickets: pd.DataFrame,
    orders: pd.DataFrame,
    ctx: pd.DataFrame,
    beyond_block: pd.Series,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """Every unbilled hour up to the cut-off, with its customer and reason; indexed by timesheet
    row (a timesheet partly beyond its block appears with the part beyond it).

    ``audit``: the linked timesheets (status, reason, billable, ticket, task, order, line, date,
    hours, customer: whose time it is); ``tickets``: each ticket's explicit ``order``/``line``,
    task and ``link`` (after linking); ``orders``: every input order; ``ctx``: the order lines
    of this run;
    ``beyond_block``: per timesheet row, the hours beyond its prepaid block.

    Reasons of a billable timesheet with no order line: ``team_not_reinvoicing``; the ticket (or
    the timesheet) names a line or task that cannot be billed → ``line_not_available``; else, by
    the customer's orders dated on or before the cut-off: none → ``no_order``; none confirmed →
    ``order_not_confirmed``; a confirmed prepaid block in a time unit → ``no_block_left``;
    otherwise ``ticket_not_linked``.  Columns :data:`TIME_COLUMNS`; ``order``/``line`` name the
    line whose list price values the time (see :func:`price_lines`).
    """
    status = audit["status"]
    reason = audit["reason"]
    no_line = (
        status.eq(linking.NON_BILLABLE).to_numpy(bool)
        & reason.ne(linking.REASON_NOT_BILLABLE).fillna(False).to_numpy(bool)
        & (audit["date"] <= cutoff).to_numpy(bool)
    )
    columns = ["ticket", "task", "order", "line", "date", "hours", "reason", "customer"]
    rows = audit.loc[no_line, columns]
    tk = tickets.set_index("ticket")
    t_named = rows["ticket"].map(
        (tk["order"].notna() | tk["task"].notna()) & tk["link"].eq(linking.LINK_NONE)
    )
    customer = rows["customer"].fillna("")

    known = orders[orders["order_date"] <= cutoff]
    confirmed = known["state"].isin(CONFIRMED_STATES).to_numpy(bool)
    has_order = set(known["customer"])
    has_confirmed = set(known.loc[confirmed, "customer"])
    has_block = set(ctx.loc[ctx["prepaid_time"].to_numpy(bool), "customer"])
    why = np.select(
        [
            rows["reason"].eq(linking.REASON_TEAM).to_numpy(bool),
            rows["reason"].eq(linking.REASON_UNAVAILABLE).to_numpy(bool)
            | t_named.fillna(False).astype(bool).to_numpy(),
            ~customer.isin(has_order).to_numpy(bool),
            ~customer.isin(has_confirmed).to_numpy(bool),
            customer.isin(has_block).to_numpy(bool),
        ],
        [TEAM_NOT_REINVOICING, LINE_NOT_AVAILABLE, NO_ORDER, ORDER_NOT_CONFIRMED, NO_BLOCK_LEFT],
        default=TICKET_NOT_LINKED,
    )
    # Texts stay in Arrow columns and reasons are codes: a million unbilled rows hold no
    # Python string each.
    no_line_time = pd.DataFrame(
        {
            "customer": customer.astype("str").array,
            "reason": pd.Categorical(why, categories=REASONS),
            "ticket": rows["ticket"].astype("str").array,
            "task": rows["task"].astype("str").array,
            "order": rows["order"].astype(object).to_numpy(),
            "line": rows["line"].astype("Int64").to_numpy(),
            "date": rows["date"].to_numpy("datetime64[ns]"),
            "hours": rows["hours"].to_numpy("float64"),
        },
        index=rows.index,
    )
    # The line that prices the time: the line it is linked to, else the customer's latest.
    named_line = no_line_time["reason"].eq(LINE_NOT_AVAILABLE).to_numpy(bool)
    from_ticket = named_line & no_line_time["order"].isna().to_numpy(bool)
    no_line_time.loc[from_ticket, "order"] = (
        rows["ticket"].map(tk["order"]).to_numpy(object)[from_ticket]
    )
    no_line_time.loc[from_ticket, "line"] = (
        rows["ticket"].map(tk["line"]).astype("Int64").to_numpy()[from_ticket]
    )
    priced = price_lines(no_line_time["customer"], ctx)
    no_line_time.loc[~named_line, "order"] = priced["order"].to_numpy(object)[~named_line]
    no_line_time.loc[~named_line, "line"] = priced["line"].to_numpy()[~named_line]

    beyond = beyond_block.reindex(audit.index).fillna(0.0)
    over = (beyond.to_numpy("float64") != 0) & status.eq(linking.COUNTED).to_numpy(bool)
    over_rows = audit.loc[over, ["ticket", "task", "order", "line", "date"]]
    line_customer = ctx.set_index(KEY)["customer"]
    keys = pd.MultiIndex.from_arrays(
        [over_rows["order"].to_numpy(object), over_rows["line"].astype("Int64")]
    )
    beyond_time = pd.DataFrame(
        {
            "customer": pd.Series(line_customer.reindex(keys).to_numpy(object)).astype("str").array,
            "reason": pd.Categorical([BEYOND_BLOCK] * len(over_rows), categories=REASONS),
            "ticket": over_rows["ticket"].astype("str").array,
            "task": over_rows["task"].astype("str").array,
            "order": over_rows["order"].astype("str").array,
            "line": over_rows["line"].astype("Int64").to_numpy(),
            "date": over_rows["date"].to_numpy("datetime64[ns]"),
            "hours": beyond.to_numpy("float64")[over],
        },
        index=over_rows.index,
    )
    no_line_time["order"] = no_line_time["order"].astype("str")
    frames = [f for f in (beyond_time, no_line_time) if len(f)]
    if not frames:
        return no_line_time
    out = pd.concat(frames)
    return out.astype({"line": "Int64"})


def price_lines(customers: pd.Series, ctx: pd.DataFrame) -> pd.DataFrame:
    """For each customer, the line whose list price values its time with no order line: its
    most recent service line sold in a unit of time, whatever the order's state except
    cancelled (order date, then order reference, descending; then the lowest line).  NA when the
    customer has none.  Aligned on ``customers``."""
    cands = ctx[
        ctx["service"].to_numpy(bool)
        & ctx["is_time"].to_numpy(bool)
        & ctx["state"].ne("cancel").to_numpy(bool)
    ]
    cands = cands.sort_values(
        ["customer", "order_date", "order", "line"],
        ascending=[True, False, False, True],
        kind="stable",
    ).drop_duplicates("customer")
    table = cands.set_index("customer")
    return pd.DataFrame(
        {
            "order": customers.map(table["order"]).astype(object).to_numpy(),
            "line": customers.map(table["line"]).astype("Int64").to_numpy(),
        },
        index=customers.index,
    )


def unbilled_groups(time: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """The period's unbilled time per customer, reason and ticket (time logged on a task without
    a ticket: per task): hours, timesheets, first and last date, and the first timesheet row.
    Sorted by customer, reason (in :data:`REASONS` order), ticket, task."""
    part = time[time["date"] >= period_start]
    frame = pd.DataFrame(
        {
            "customer": part["customer"].fillna("").array,
            "reason": part["reason"].astype(str).array,
            "ticket": part["ticket"].fillna("").array,
            "task": part["task"].where(part["ticket"].isna(), "").fillna("").array,
            "order": part["order"].fillna("").array,
            "line": part["line"].astype("Int64").fillna(0).to_numpy(),
            "date": part["date"].to_numpy("datetime64[ns]"),
            "hours": part["hours"].to_numpy("float64"),
            "row": part.index.to_numpy(),
        }
    )
    columns = ["customer", "reason", "ticket", "task", "order", "line", "hours", "timesheets"]
    if frame.empty:
        empty = pd.DataFrame(columns=[*columns, "first_date", "last_date", "first_row"])
        return empty.astype({"hours": "float64", "timesheets": "int64", "first_row": "int64"})
    groups = frame.groupby(["customer", "reason", "ticket", "task"], sort=False).agg(
        order=("order", "first"),
        line=("line", "first"),
        hours=("hours", "sum"),
        timesheets=("hours", "size"),
        first_date=("date", "min"),
        last_date=("date", "max"),
        first_row=("row", "min"),
    )
    groups = groups.reset_index()
    groups["hours"] = round_half_away(groups["hours"].to_numpy("float64"), 1e-6)
    groups["_reason"] = groups["reason"].map({r: i for i, r in enumerate(REASONS)})
    groups = groups.sort_values(["customer", "_reason", "ticket", "task"], kind="stable")
    return groups.drop(columns="_reason").reset_index(drop=True)


def unbilled_summary(
    time: pd.DataFrame, ctx: pd.DataFrame, period_start: pd.Timestamp
) -> pd.DataFrame:
    """The ``unbilled`` sheet: per customer, reason and pricing line, the unbilled hours up to
    the cut-off and in the period, the number of tickets and timesheets, and their value at list
    price: hours × the pricing line's product price per hour (the product's own price, before
    any line price or discount), in the line's order currency, rounded once per figure.  Time
    with no pricing line (no order of the customer at all) has no value (empty)."""
    columns = [
        "customer",
        "reason",
        "hours",
        "hours_in_period",
        "tickets",
        "timesheets",
        "priced_by",
        "currency",
        "list_price",
        "list_value",
        "list_value_in_period",
    ]
    if time.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {c: "str" for c in ("customer", "reason", "priced_by", "currency")}
            | {"tickets": "int64", "timesheets": "int64"}
        )
    # Work on codes: a million unbilled timesheets are grouped, their texts made per group.
    line_keys = pd.MultiIndex.from_frame(ctx[KEY].astype({"line": "Int64"}))
    keys = pd.MultiIndex.from_arrays([time["order"].to_numpy(object), time["line"].astype("Int64")])
    at = line_keys.get_indexer(keys)
    hourly = (ctx["product_price"] / ctx["product_unit_hours"]).to_numpy("float64")
    priced_line = np.isfinite(hourly)
    if len(ctx):
        at = np.where((at >= 0) & priced_line[np.where(at >= 0, at, 0)], at, -1)
    customers, customer_names = pd.factorize(time["customer"], use_na_sentinel=False)
    reasons = time["reason"].map({r: i for i, r in enumerate(REASONS)}).to_numpy("int64")
    tickets, _ = pd.factorize(time["ticket"].fillna(time["task"]), use_na_sentinel=False)
    in_period = (time["date"] >= period_start).to_numpy(bool)
    hours = time["hours"].to_numpy("float64")
    frame = pd.DataFrame(
        {
            "c": customers,
            "r": reasons,
            "at": at,
            "hours": hours,
            "hours_in_period": np.where(in_period, hours, 0.0),
            "t": tickets,
        }
    )
    sums = frame.groupby(["c", "r", "at"], sort=False).agg(
        hours=("hours", "sum"),
        hours_in_period=("hours_in_period", "sum"),
        tickets=("t", "nunique"),
        timesheets=("hours", "size"),
    )
    sums = sums.reset_index()
    line_at = sums["at"].to_numpy()
    known = line_at >= 0
    safe = np.where(known, line_at, 0)
    label = ctx["order"].astype(str) + "/" + ctx["line"].astype("Int64").astype(str)
    sums["customer"] = np.asarray(customer_names, dtype=object)[sums["c"].to_numpy()]
    sums["reason"] = np.asarray(REASONS, dtype=object)[sums["r"].to_numpy()]
    if len(ctx):
        currency = ctx["currency"].astype(object).to_numpy()
        sums["priced_by"] = np.where(known, label.to_numpy(object)[safe], "")
        sums["currency"] = np.where(known, currency[safe], "")
        sums["list_price"] = np.where(known, hourly[safe], np.nan)
    else:
        sums["priced_by"], sums["currency"], sums["list_price"] = "", "", np.nan
    for col in ("hours", "hours_in_period"):
        sums[col] = round_half_away(sums[col].to_numpy("float64"), 1e-6)
    priced = sums["currency"].ne("").to_numpy(bool) & np.isfinite(sums["list_price"].to_numpy())
    value = np.full(len(sums), np.nan)
    value_in_period = np.full(len(sums), np.nan)
    if priced.any():
        cur = sums.loc[priced, "currency"].astype(str)
        value[priced] = round_money(
            pd.Series(sums.loc[priced, "hours"] * sums.loc[priced, "list_price"]), cur
        ).to_numpy()
        value_in_period[priced] = round_money(
            pd.Series(sums.loc[priced, "hours_in_period"] * sums.loc[priced, "list_price"]), cur
        ).to_numpy()
    sums["list_value"] = value
    sums["list_value_in_period"] = value_in_period
    sums["_reason"] = sums["reason"].map({r: i for i, r in enumerate(REASONS)})
    sums = sums.sort_values(["customer", "_reason", "priced_by"], kind="stable")
    out = sums[columns].reset_index(drop=True)
    return out.astype({c: "str" for c in ("customer", "reason", "priced_by", "currency")})

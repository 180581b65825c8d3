"""Which order line each ticket and each timesheet is billed to (RULES section 3).

The only sequential rule of the engine lives here: a ticket without an explicit line or task
gets a line *automatically*, chosen from the hours left on the customer's prepaid lines as of the
ticket's creation, and earlier tickets' time counts against later tickets' choices. The loop
runs over tickets (never timesheets), customer by customer, with the hours already on each
candidate line kept as sorted cumulative arrays (searchsorted) plus a small heap of the time of
tickets resolved earlier in the loop.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

import numpy as np
import pandas as pd

from prepaid_recon.domain import UomTable, round_half_away
from prepaid_recon.rules.arrow import labels, positions
from prepaid_recon.rules.order_lines import KEY, hours_in_unit
from prepaid_recon.rules.tasks import task_lines

COUNTED = "counted"
NON_BILLABLE = "non_billable"
AFTER_CUTOFF = "after_cutoff"
STATUSES = (COUNTED, NON_BILLABLE, AFTER_CUTOFF)

REASON_AFTER_CUTOFF = "after_cutoff"
REASON_NOT_BILLABLE = "marked_non_billable"
REASON_TEAM = "team_not_reinvoicing"
REASON_NO_LINE = "no_order_line"
REASON_UNAVAILABLE = "order_line_not_available"
REASONS = (
    REASON_AFTER_CUTOFF,
    REASON_NOT_BILLABLE,
    REASON_TEAM,
    REASON_NO_LINE,
    REASON_UNAVAILABLE,
)

LINK_TICKET, LINK_TASK, LINK_AUTO, LINK_NONE = "ticket", "task", "auto", "none"
_PENDING = "pending"


def _live_keys(ctx: pd.DataFrame) -> pd.MultiIndex:
    live = ctx[ctx["live"].to_numpy(bool)]
    return pd.MultiIndex.from_arrays(
        [live["order"].to_numpy(object), live["line"].astype("Int64").to_numpy()]
    )


def _is_live(order: pd.Series, line: pd.Series, live: pd.MultiIndex) -> np.ndarray:
    keys = pd.MultiIndex.from_arrays([order.to_numpy(object), line.astype("Int64").to_numpy()])
    return keys.isin(live) & order.notna().to_numpy(bool) & line.notna().to_numpy(bool)


def fixed_ticket_lines(
    tickets: pd.DataFrame, teams: pd.DataFrame, tasks: pd.DataFrame, ctx: pd.DataFrame
) -> pd.DataFrame:
    """Each ticket's order line where it does not depend on other tickets.

    Only teams with time reinvoicing bill ticket time; for them: the ticket's explicit
    ``order``/``line`` (link ``ticket``), else its task's line (link ``task``), else the line is
    chosen automatically later (link ``pending`` here). Tickets of other teams, and a link to a
    line that is not a service line of a confirmed order (validation reports it), get ``none``.
    Returns one row per ticket in input order: the ticket columns plus ``reinvoicing``,
    ``order``, ``line``, ``link``.
    """
    frame = tickets.reset_index(drop=True)
    reinvoicing = frame["team"].map(teams.set_index("team")["time_reinvoicing"])
    frame["reinvoicing"] = reinvoicing.fillna(False).astype(bool).to_numpy()
    by_task = frame[["task"]].merge(task_lines(tasks), on="task", how="left")
    explicit = (frame["order"].notna() & frame["line"].notna()).to_numpy(bool)
    has_task = by_task["task_order"].notna().to_numpy(bool) & frame["task"].notna().to_numpy(bool)
    order = frame["order"].where(explicit, by_task["task_order"].where(has_task))
    line = frame["line"].astype("Int64").where(explicit, by_task["task_line"].where(has_task))
    line = line.astype("Int64")
    live = _is_live(order, line, _live_keys(ctx))
    reinv = frame["reinvoicing"].to_numpy(bool)
    link = np.select(
        [~reinv, explicit & live, has_task & live, explicit | has_task],
        [LINK_NONE, LINK_TICKET, LINK_TASK, LINK_NONE],
        default=_PENDING,
    )
    linked = np.isin(link, [LINK_TICKET, LINK_TASK])
    frame["order"] = order.where(linked).astype("str")
    frame["line"] = line.where(linked).astype("Int64")
    frame["link"] = pd.Series(link, dtype="str")
    return frame


def _take(values: np.ndarray, at: np.ndarray, missing: object) -> np.ndarray:
    """values[at], with ``missing`` where the position is -1 (not found)."""
    found = at >= 0
    out = np.empty(len(at), dtype=object if values.dtype == object else values.dtype)
    if len(values):
        out[:] = values[np.where(found, at, 0)]
    out[~found] = missing
    return out


def _take_line(line: pd.Series, at: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The ``Int64`` line at each position, NA where the position is -1 or the line is NA."""
    values = line.astype("Int64").array
    if len(values) == 0:
        return pd.array(np.full(len(at), pd.NA), dtype="Int64")
    return values.take(at, allow_fill=True)


def _split_by_key(
    codes: np.ndarray, *columns: np.ndarray
) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
    """Yield (code, column slices) for runs of equal ``codes`` (already sorted by code)."""
    if len(codes) == 0:
        return
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    for start, end in zip(starts, ends, strict=True):
        yield int(codes[start]), tuple(col[start:end] for col in columns)


def _positive_at_cent(value: float) -> bool:
    """value > 0 once rounded to 0.01 half away from zero (fast path away from the tie)."""
    if value >= 0.006:
        return True
    if value < 0.004:
        return False
    return round_half_away(value, 0.01) > 0


def _ns(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[ns]").view("int64")


def auto_ticket_lines(
    auto_tickets: pd.DataFrame,
    pending_time: pd.DataFrame,
    fixed_time: pd.DataFrame,
    ctx: pd.DataFrame,
) -> pd.DataFrame:
    """Choose the order line of tickets that name neither a line nor a task (link ``auto``).

    Candidates: the customer's prepaid service lines in a time unit of confirmed orders dated on
    or before the ticket's creation date, with hours left > 0 as of that date (ordered hours −
    counted hours on the line dated before ``created``: time linked explicitly, through tasks,
    through tickets with a fixed line, and through tickets chosen earlier in this loop). The most
    recent order wins (order date, then order reference, descending), then the lowest line.
    Tickets are taken in (created, ticket) order; a choice sticks even when the line later runs
    out. Time logged before a ticket existed is not looked ahead to.

    ``auto_tickets``: ticket, customer, created. ``pending_time``: ticket, date, hours of the
    billable, not-after-cut-off timesheets that will follow each auto ticket's choice.
    ``fixed_time``: order, line, date, hours of counted timesheets already on a line.
    Returns ticket, order, line (NA when no line has hours left).
    """
    cands = ctx[ctx["prepaid_time"].to_numpy(bool)].sort_values(
        ["customer", "order_date", "order", "line"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    cands = cands.reset_index(drop=True)
    cand_index = pd.MultiIndex.from_arrays(
        [cands["order"].to_numpy(object), cands["line"].astype("Int64").to_numpy()]
    )
    cand_dates = _ns(cands["order_date"])
    cand_hours = cands["ordered_hours"].to_numpy("float64")
    by_customer: dict[str, list[int]] = {}
    for i, customer in enumerate(cands["customer"].tolist()):
        by_customer.setdefault(customer, []).append(i)

    # Counted time already fixed on each candidate line: sorted dates and cumulative hours.
    fixed_keys = pd.MultiIndex.from_arrays(
        [fixed_time["order"].to_numpy(object), fixed_time["line"].astype("Int64").to_numpy()]
    )
    fixed_codes = cand_index.get_indexer(fixed_keys)
    on_cand = fixed_codes >= 0
    f_codes = fixed_codes[on_cand]
    f_dates = _ns(fixed_time["date"])[on_cand]
    f_hours = fixed_time["hours"].to_numpy("float64")[on_cand]
    order = np.lexsort((f_dates, f_codes))
    fixed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for code, (dates, hours) in _split_by_key(f_codes[order], f_dates[order], f_hours[order]):
        fixed[code] = (dates, np.cumsum(hours))

    # Time of each auto ticket, per date, waiting for the ticket's choice.
    tk_codes, tk_names = pd.factorize(pending_time["ticket"].to_numpy(object))
    p_dates = _ns(pending_time["date"])
    p_hours = pending_time["hours"].to_numpy("float64")
    order = np.lexsort((p_dates, tk_codes))
    pending: dict[str, list[tuple[int, float]]] = {}
    for code, (dates, hours) in _split_by_key(tk_codes[order], p_dates[order], p_hours[order]):
        pending[tk_names[code]] = list(zip(dates.tolist(), hours.tolist(), strict=True))

    tickets = auto_tickets.sort_values(["customer", "created", "ticket"], kind="stable")
    chosen: list[int] = []
    t_customers = tickets["customer"].tolist()
    t_names = tickets["ticket"].tolist()
    t_created = _ns(tickets["created"]).tolist()
    state_customer = None
    heaps: dict[int, list[tuple[int, float]]] = {}
    flushed: dict[int, float] = {}
    for customer, name, created in zip(t_customers, t_names, t_created, strict=True):
        if customer != state_customer:
            state_customer, heaps, flushed = customer, {}, {}
        pick = -1
        for c in by_customer.get(customer, ()):
            if cand_dates[c] > created:
                continue
            used = 0.0
            if c in fixed:
                dates, cum = fixed[c]
                i = int(np.searchsorted(dates, created, side="left"))
                used = float(cum[i - 1]) if i else 0.0
            heap = heaps.get(c)
            if heap:
                while heap and heap[0][0] < created:
                    flushed[c] = flushed.get(c, 0.0) + heapq.heappop(heap)[1]
            used += flushed.get(c, 0.0)
            if _positive_at_cent(cand_hours[c] - used):
                pick = c
                break
        chosen.append(pick)
        if pick >= 0 and name in pending:
            heap = heaps.setdefault(pick, [])
            for item in pending[name]:
                heapq.heappush(heap, item)

    picks = np.asarray(chosen, dtype=np.int64)
    found = picks >= 0
    out = pd.DataFrame({"ticket": pd.Series(t_names, dtype="str")})
    orders = cands["order"].to_numpy(object)
    lines = cands["line"].astype("Int64").to_numpy()
    safe = np.where(found, picks, 0)
    out["order"] = pd.Series(_take(orders, picks, None), dtype="str")
    line_values = pd.array(
        lines[safe] if len(lines) else np.zeros(len(picks), dtype=np.int64), dtype="Int64"
    )
    out["line"] = pd.Series(line_values, dtype="Int64").where(found)
    return out


def link_timesheets(
    timesheets: pd.DataFrame,
    tickets: pd.DataFrame,
    teams: pd.DataFrame,
    tasks: pd.DataFrame,
    ctx: pd.DataFrame,
    uoms: UomTable,
    cutoff: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decide each timesheet's status and order line, and each ticket's order line.

    For each timesheet, the first rule that applies: (0) dated after the cut-off →
    ``after_cutoff``; (1) not billable → ``non_billable`` (``marked_non_billable``); (2) its own
    ``order``/``line`` → that line; (3) on a task without a ticket → the task's line; (4) on a
    ticket of a team without time reinvoicing → ``non_billable`` (``team_not_reinvoicing``);
    (5) on a ticket → the ticket's line, or ``non_billable`` (``no_order_line``) when it has none.
    A timesheet on a line counts (``counted``). A line that is not a service line of a confirmed
    order (validation reports explicit links to one) counts nothing
    (``order_line_not_available``).

    Returns ``(tickets, timesheets)``. ``tickets``: one row per ticket sorted by ticket, with
    ``order``, ``line``, ``link`` (``ticket``/``task``/``auto``/``none``). ``timesheets``: every
    input row in input order (same index) with ``status``, ``reason`` (NA when counted),
    ``order``/``line`` (the line billed; for rows not counted, the row's own explicit
    ``order``/``line`` is kept so the audit can be fed back as input) and ``quantity`` (hours in
    the line's unit, unrounded; NaN when not counted).
    """
    tk = fixed_ticket_lines(tickets, teams, tasks, ctx)
    ts = timesheets
    n = len(ts)
    date = ts["date"]
    billable = ts["billable"].fillna(True).astype(bool).to_numpy()
    after = (date > cutoff).to_numpy(bool)
    explicit = (ts["order"].notna() & ts["line"].notna()).to_numpy(bool)
    has_ticket = ts["ticket"].notna().to_numpy(bool)
    has_task = ts["task"].notna().to_numpy(bool)

    # Look each timesheet's ticket and task up once (positions), then take columns.
    t_pos = positions(ts["ticket"], tk["ticket"])
    t_link = _take(tk["link"].to_numpy(object), t_pos, None)
    t_reinv = _take(tk["reinvoicing"].to_numpy(bool), t_pos, False).astype(bool)
    t_order = _take(tk["order"].to_numpy(object), t_pos, None)
    t_line = _take_line(tk["line"], t_pos)
    tl = task_lines(tasks)
    k_pos = positions(ts["task"], tl["task"])
    k_order = _take(tl["task_order"].to_numpy(object), k_pos, None)
    k_line = _take_line(tl["task_line"], k_pos)

    in_order = ts["order"].astype(object).to_numpy()
    in_line = ts["line"].astype("Int64").to_numpy()

    open_ = ~after & billable & ~explicit
    r_task = open_ & ~has_ticket & has_task
    r_ticket = open_ & has_ticket
    r_team = r_ticket & ~t_reinv
    r_fixed = r_ticket & t_reinv & np.isin(t_link, [LINK_TICKET, LINK_TASK])
    r_pending = r_ticket & t_reinv & (t_link == _PENDING)

    order = np.full(n, None, dtype=object)
    line = pd.array(np.full(n, pd.NA), dtype="Int64")
    take_explicit = ~after & billable & explicit
    order[take_explicit] = in_order[take_explicit]
    line[take_explicit] = in_line[take_explicit]
    order[r_task] = k_order[r_task]
    line[r_task] = k_line[r_task]
    order[r_fixed] = t_order[r_fixed]
    line[r_fixed] = t_line[r_fixed]

    reason = np.full(n, REASONS.index(REASON_NO_LINE), dtype=np.int8)  # codes of REASONS
    reason[after] = REASONS.index(REASON_AFTER_CUTOFF)
    reason[~after & ~billable] = REASONS.index(REASON_NOT_BILLABLE)
    reason[r_team] = REASONS.index(REASON_TEAM)

    order_s = pd.Series(order, dtype=object)
    line_s = pd.Series(line, dtype="Int64")
    has_line = order_s.notna().to_numpy(bool) & line_s.notna().to_numpy(bool)
    live_keys = _live_keys(ctx)
    live = _is_live(order_s, line_s, live_keys)
    reason[has_line & ~live] = REASONS.index(REASON_UNAVAILABLE)
    counted_fixed = has_line & live

    # The sequential step: tickets whose line is chosen from the hours left.
    auto_mask = (tk["link"] == _PENDING).to_numpy(bool)
    auto = auto_ticket_lines(
        tk.loc[auto_mask, ["ticket", "customer", "created"]],
        pd.DataFrame(
            {
                "ticket": ts["ticket"][r_pending].to_numpy(object),
                "date": date.to_numpy()[r_pending],
                "hours": ts["hours"].to_numpy("float64")[r_pending],
            }
        ),
        pd.DataFrame(
            {
                "order": order[counted_fixed],
                "line": line[counted_fixed],
                "date": date.to_numpy()[counted_fixed],
                "hours": ts["hours"].to_numpy("float64")[counted_fixed],
            }
        ),
        ctx,
    ).set_index("ticket")
    tk_auto = tk.loc[auto_mask, "ticket"]
    tk.loc[auto_mask, "order"] = tk_auto.map(auto["order"]).to_numpy(object)
    tk.loc[auto_mask, "line"] = tk_auto.map(auto["line"]).astype("Int64").to_numpy()
    tk.loc[auto_mask, "link"] = np.where(
        tk.loc[auto_mask, "order"].notna().to_numpy(bool), LINK_AUTO, LINK_NONE
    )
    if r_pending.any():
        p_ticket = ts["ticket"][r_pending]
        order[r_pending] = p_ticket.map(auto["order"]).astype(object).to_numpy()
        line[r_pending] = p_ticket.map(auto["line"]).astype("Int64").to_numpy()

    order_s = pd.Series(order, dtype=object)
    line_s = pd.Series(line, dtype="Int64")
    counted = (
        order_s.notna().to_numpy(bool)
        & line_s.notna().to_numpy(bool)
        & _is_live(order_s, line_s, live_keys)
    )
    code = STATUSES.index
    status = np.where(
        after, code(AFTER_CUTOFF), np.where(counted, code(COUNTED), code(NON_BILLABLE))
    )
    reason[counted] = -1  # none

    out = ts.copy(deep=False)  # copy-on-write: the input's columns are shared, never changed
    out["order"] = pd.Series(np.where(counted, order, in_order), index=ts.index, dtype="str")
    out["line"] = pd.Series(pd.array(line, dtype="Int64"), index=ts.index, dtype="Int64").where(
        counted, pd.Series(in_line, index=ts.index, dtype="Int64")
    )
    out["status"] = labels(status, STATUSES, ts.index)
    out["reason"] = labels(reason, REASONS, ts.index)
    units = out[["order", "line"]].merge(ctx[[*KEY, "uom"]], on=KEY, how="left")["uom"]
    quantity = hours_in_unit(
        ts["hours"].reset_index(drop=True), units.reset_index(drop=True), uoms
    ).to_numpy("float64")
    out["quantity"] = np.where(counted, quantity, np.nan)

    tk = tk.sort_values("ticket", kind="stable").reset_index(drop=True)
    tk["order"] = tk["order"].astype("str")
    tk["line"] = tk["line"].astype("Int64")
    return tk, out

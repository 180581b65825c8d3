"""Synthetic input of any size (``prepaid-recon sample DIR --timesheets N --seed S``).

:func:`generate` builds every input sheet as a DataFrame, vectorised with NumPy, deterministic
for ``(timesheets, seed, period)`` and valid by construction:

* fixed teams (two that re-invoice time, one internal that does not, one presales team without
  timesheets) and products (prepaid Hours, Days and a custom ``Pack10`` unit, time-and-materials
  Hours and Days, a manual onboarding fee, a consumable);
* customers drawn Zipf-like (a few large, many small), about N/250 of them;
* about N/50 order lines on N/100 orders, mostly confirmed, some draft, sent or cancelled,
  one customer in ten billed in EUR;
* about N/20 tickets created over the previous month and the period; a re-invoicing team's
  ticket of a customer with a confirmed time line is linked explicitly (``order``/``line``), by
  the generated task name ``"<order> - <product name>"``, or not at all (auto-linking);
* N timesheets over the previous month and the period, never dated before their ticket, some
  logged directly on a task, about 5 % non-billable, a few corrections (negative hours) and
  about 0.5 % dated just after the cut-off;
* a ledger of the invoices already issued: prepaid and manual lines invoiced when ordered,
  time-and-materials time of the previous month invoiced at its end, a few credit notes.

:func:`write_inputs` writes such frames (or any frames with CONTRACT column names) as the input
workbooks of CONTRACT section 2, in the layout of the templates
(:func:`prepaid_recon.xlsx.templates.add_sheet`), opened by the one workbook factory
(:func:`prepaid_recon.xlsx.book.new_workbook`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prepaid_recon.domain import Period, round_half_away
from prepaid_recon.xlsx.book import Workbook, Worksheet, excel_serial, excel_serials, new_workbook
from prepaid_recon.xlsx.templates import (
    WORKBOOKS,
    Formats,
    add_sheet,
    column_names,
)

# --------------------------------------------------------------------------------------------
# Fixed reference data
# --------------------------------------------------------------------------------------------

TEAMS = pd.DataFrame(
    {
        "team": ["Support", "Premium Support", "Internal IT", "Presales"],
        "timesheet_on_ticket": [True, True, True, False],
        "time_reinvoicing": [True, True, False, False],
        "project": ["Helpdesk", "Premium Helpdesk", "Internal", None],
    }
)
_TEAM_WEIGHTS = np.array([0.62, 0.16, 0.14, 0.08])

UOMS = pd.DataFrame(
    {
        "uom": ["Pack10"],
        "category": ["time"],
        "hours": [10.0],
        "ratio": [np.nan],
        "rounding": [0.01],
    }
)

# product, name, type, uom, policy, tracking, project, price, tax, threshold
_PRODUCT_ROWS = [
    ("PREPAID-H", "Prepaid Support Hours", "service", "Hours", "prepaid",
     "task_global_project", "Helpdesk", 100.0, 0.0, 100.0),
    ("PREPAID-D", "Prepaid Support Days", "service", "Days", "prepaid",
     "task_global_project", "Helpdesk", 800.0, 0.0, 100.0),
    ("PACK10", "Support Pack 10 h", "service", "Pack10", "prepaid",
     "task_global_project", "Helpdesk", 950.0, 0.0, 90.0),
    ("TM-H", "Support Hours", "service", "Hours", "timesheet",
     "task_global_project", "Helpdesk", 90.0, 0.0, 100.0),
    ("TM-D", "On-site Support Days", "service", "Days", "timesheet",
     "task_global_project", "Helpdesk", 720.0, 0.0, 100.0),
    ("SETUP", "Onboarding", "service", "Units", "manual", "no", None, 500.0, 0.0, 100.0),
    ("LICENSE", "Remote Access License", "consumable", "Units", "prepaid", None, None,
     50.0, 0.0, 100.0),
]  # fmt: skip
PRODUCTS = pd.DataFrame(_PRODUCT_ROWS, columns=column_names("products"))
_PRODUCT_WEIGHTS = np.array([0.30, 0.10, 0.10, 0.18, 0.07, 0.13, 0.12])
_QUANTITIES = [
    [10, 20, 40, 50, 100],  # PREPAID-H
    [1, 2, 5, 10],  # PREPAID-D
    [1, 2, 3, 5],  # PACK10
    [5, 10, 20, 40],  # TM-H (estimate)
    [1, 2, 3],  # TM-D (estimate)
    [1],  # SETUP
    [5, 10, 25, 50],  # LICENSE
]
_UNIT_HOURS = {"Hours": 1.0, "Days": 8.0, "Pack10": 10.0, "Units": np.nan}
_TIME_PRODUCTS = np.array([0, 1, 2, 3, 4])  # service, time unit, task_global_project
_TM_PRODUCTS = np.array([3, 4])
_SETUP = 5


def _words(text: str) -> list[str]:
    """The words of ``text`` (name lists are written as one string)."""
    return text.split()


_FIRST = _words(
    "Ana Ben Chloe Dev Eli Farah Gus Hana Ivan Jade Kai Lena Max Nora Omar Pia Quinn "
    "Rosa Sam Tara Uma Vik Wen Xavi Yara Zoe Alba Bruno Cleo Dario Emre Fiona Goran "
    "Hugo Ines Jonas Kira Luca Mina Nils"
)
_LAST = _words(
    "Adams Baker Costa Diaz Evans Fischer Garcia Hill Ito Jensen Khan Lopez Moreau Novak "
    "Okafor Patel Quist Rossi Silva Tanaka Ueda Vega Weber Xu Young Zimmer"
)
_BRAND = _words(
    "Acme Globex Initech Umbrella Stark Wayne Hooli Soylent Initrode Vandelay Massive "
    "Cyberdyne Tyrell Wonka Gringotts Oscorp Aperture BlackMesa Monarch Virtucon Nakatomi "
    "Weyland Dunder Sterling Prestige Bluth Pied Krusty Duff Sirius"
)
_SECTOR = _words(
    "Logistics Health Retail Foods Legal Media Energy Finance Labs Travel Motors Design "
    "Print Pharma Telecom Farms Studios Builders Insurance Robotics"
)
_SUBJECTS = np.array(
    [
        "Printer offline",
        "Cannot log in",
        "VPN drops",
        "Mailbox full",
        "Slow laptop",
        "New user setup",
        "Backup failed",
        "Licence renewal",
        "Wi-Fi issue",
        "Password reset",
        "Server update",
        "Phone system",
        "Invoice question",
        "Security alert",
        "Data restore",
    ],
    dtype=object,
)
_WORK = np.array(
    [
        "diagnosis",
        "call with customer",
        "remote session",
        "fix",
        "follow-up",
        "testing",
        "documentation",
        "on-site visit",
        "configuration",
        "monitoring",
    ],
    dtype=object,
)
_HOURS = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0])
_HOURS_P = np.array([0.15, 0.25, 0.15, 0.2, 0.1, 0.08, 0.05, 0.02])
_STATES = np.array(["draft", "sent", "sale", "done", "cancel"], dtype=object)
_STATES_P = np.array([0.04, 0.03, 0.83, 0.06, 0.04])
_DAY = np.timedelta64(1, "D")


def _zipf(n: int, exponent: float) -> np.ndarray:
    """Zipf-like probabilities of ``n`` ranks: a few large, many small."""
    w = 1.0 / np.arange(1, n + 1, dtype="float64") ** exponent
    return w / w.sum()


def _names(n: int, first: list[str], second: list[str], sep: str = " ") -> np.ndarray:
    """``n`` distinct names ``"<first><sep><second>"``, numbered once the pairs run out."""
    pairs = [f"{a}{sep}{b}" for b in second for a in first]
    out = [
        pairs[i % len(pairs)] + ("" if i < len(pairs) else f" {i // len(pairs) + 1}")
        for i in range(n)
    ]
    return np.array(out, dtype=object)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``n`` references ``<prefix>0001``, ``<prefix>0002``, ... zero-padded to ``width``."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _days(start: dt.date, n: np.ndarray) -> np.ndarray:
    """The dates ``n`` days after ``start``."""
    return np.datetime64(start, "D") + n.astype("int64") * _DAY


def _per_group_pick(rng: np.random.Generator, groups: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each ``wanted`` group, a random position among the rows of ``groups`` (sorted) holding
    it, or -1 when it has none."""
    left = np.searchsorted(groups, wanted, side="left")
    right = np.searchsorted(groups, wanted, side="right")
    count = right - left
    pick = left + np.floor(rng.random(len(wanted)) * np.maximum(count, 1)).astype("int64")
    return np.where(count > 0, pick, -1)


def _or_none(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` holds, None (an empty cell) elsewhere, as an object array."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = values[mask]
    return out


def generate(timesheets: int, seed: int, period: str = "2026-10") -> dict[str, pd.DataFrame]:
    """Generate a valid input of ``timesheets`` timesheet rows, closing ``period``.

    Returns sheet name -> frame with CONTRACT column names (dates as ``datetime64``). The same
    ``(timesheets, seed, period)`` always gives equal frames.
    """
    if timesheets < 0:
        raise ValueError("timesheets must be >= 0")
    n_ts = int(timesheets)
    rng = np.random.default_rng([int(seed), n_ts])
    p = Period.parse(period)
    start = p.start
    prev_start = (pd.Timestamp(start) - pd.DateOffset(months=1)).date()
    window_start = np.datetime64(prev_start, "D")
    cutoff = np.datetime64(p.cutoff, "D")
    period_start = np.datetime64(start, "D")

    n_tickets = max(1, round(n_ts / 20))
    n_orders = max(2, round(n_ts / 100))
    n_customers = max(3, round(n_ts / 250))
    n_employees = max(3, round(n_ts**0.5 / 5))

    # customers -----------------------------------------------------------------------------
    customers = _names(n_customers, _BRAND, _SECTOR)
    cust_currency = np.where(rng.random(n_customers) < 0.1, "EUR", "USD").astype(object)
    cust_currency[0] = "USD"

    # orders ---------------------------------------------------------------------------------
    o_cust = rng.choice(n_customers, size=n_orders, p=_zipf(n_customers, 0.8))
    o_cust[: min(n_orders, n_customers)] = np.arange(min(n_orders, n_customers))
    o_date = np.sort(
        _days(
            prev_start, rng.integers(-330, (cutoff - window_start).astype(int) + 1, size=n_orders)
        )
    )
    o_state = rng.choice(_STATES, size=n_orders, p=_STATES_P)
    o_state[0] = "sale"
    o_ids = _ids("S", n_orders, 6)
    currency = cust_currency[o_cust].copy()
    currency[(currency == "USD") & (rng.random(n_orders) < 0.3)] = None
    ref = _or_none(
        rng.random(n_orders) < 0.3,
        np.char.add("PO-", rng.integers(10000, 99999, n_orders).astype(str)),
    )
    orders = pd.DataFrame(
        {
            "order": o_ids,
            "customer": customers[o_cust],
            "order_date": o_date.astype("datetime64[ns]"),
            "state": o_state,
            "currency": currency,
            "customer_ref": ref,
        }
    )
    confirmed = np.isin(o_state, ["sale", "done"])

    # order lines: 1-3 distinct products per order (weighted sampling without replacement) ----
    n_prod = len(PRODUCTS)
    k = rng.integers(1, 4, size=n_orders)
    keys = np.log(rng.random((n_orders, n_prod))) / _PRODUCT_WEIGHTS
    ranked = np.argsort(-keys, axis=1, kind="stable")
    rank_ok = np.arange(n_prod)[None, :] < k[:, None]
    l_order = np.repeat(np.arange(n_orders), k)
    l_prod = ranked[rank_ok]
    l_no = (np.arange(len(l_order)) - np.repeat(np.cumsum(k) - k, k)) + 1
    n_lines = len(l_order)
    qty = np.empty(n_lines)
    for i, choices in enumerate(_QUANTITIES):
        sel = l_prod == i
        qty[sel] = rng.choice(np.array(choices, dtype="float64"), size=int(sel.sum()))
    discount = np.where(rng.random(n_lines) < 0.15, rng.choice([5.0, 10.0, 15.0], n_lines), 0.0)
    l_confirmed = confirmed[l_order]
    delivered = np.full(n_lines, np.nan)
    setup = l_prod == _SETUP
    delivered[setup] = np.where(
        o_date[l_order[setup]] < period_start,
        1.0,
        rng.integers(0, 2, int(setup.sum())).astype(float),
    )
    prod_uom = PRODUCTS["uom"].to_numpy(dtype=object)
    prod_name = PRODUCTS["name"].to_numpy(dtype=object)
    prod_price = PRODUCTS["unit_price"].to_numpy()
    order_lines = pd.DataFrame(
        {
            "order": o_ids[l_order],
            "line": l_no.astype("int64"),
            "product": PRODUCTS["product"].to_numpy(dtype=object)[l_prod],
            "description": np.full(n_lines, None, dtype=object),
            "quantity": qty,
            "uom": prod_uom[l_prod],
            "unit_price": np.full(n_lines, np.nan),
            "discount": discount,
            "delivered": delivered,
        }
    )

    # eligible lines for ticket links: confirmed, time product; sorted by customer ------------
    elig = np.flatnonzero(l_confirmed & np.isin(l_prod, _TIME_PRODUCTS))
    elig = elig[np.argsort(o_cust[l_order[elig]], kind="stable")]
    elig_cust = o_cust[l_order[elig]]
    task_names = (o_ids[l_order] + " - " + prod_name[l_prod]).astype(object)

    # tickets --------------------------------------------------------------------------------
    t_cust = rng.choice(n_customers, size=n_tickets, p=_zipf(n_customers, 1.1))
    t_team = rng.choice(len(TEAMS), size=n_tickets, p=_TEAM_WEIGHTS)
    t_team[0] = 0
    span = int((cutoff - window_start).astype(int))
    t_created = window_start + rng.integers(-20, span + 1, size=n_tickets) * _DAY
    reinvoicing = TEAMS["time_reinvoicing"].to_numpy()[t_team]
    pick = _per_group_pick(rng, elig_cust, t_cust)
    t_line = np.full(n_tickets, -1, dtype=np.int64)
    t_line[pick >= 0] = elig[pick[pick >= 0]]  # a customer without an eligible line: -1
    route = rng.random(n_tickets)
    linked = reinvoicing & (t_line >= 0) & (route < 0.6)
    explicit = linked & (route < 0.25)
    via_task = linked & ~explicit
    t_line = np.where(linked, t_line, -1)
    line_date = o_date[l_order[np.maximum(t_line, 0)]]
    t_created = np.where(linked, np.maximum(t_created, line_date), t_created)
    order_by_created = np.argsort(t_created, kind="stable")
    t_cust, t_team = t_cust[order_by_created], t_team[order_by_created]
    t_created, t_line = t_created[order_by_created], t_line[order_by_created]
    explicit, via_task = explicit[order_by_created], via_task[order_by_created]
    safe_line = np.maximum(t_line, 0)
    t_ids = _ids("HT-", n_tickets, 6)
    tickets = pd.DataFrame(
        {
            "ticket": t_ids,
            "team": TEAMS["team"].to_numpy(dtype=object)[t_team],
            "customer": customers[t_cust],
            "created": t_created.astype("datetime64[ns]"),
            "subject": _SUBJECTS[rng.integers(0, len(_SUBJECTS), n_tickets)],
            "task": _or_none(via_task, task_names[safe_line]),
            "order": _or_none(explicit, o_ids[l_order[safe_line]]),
            "line": pd.array(np.where(explicit, l_no[safe_line], 0), dtype="Int64"),
        }
    )
    tickets.loc[~explicit, "line"] = pd.NA

    # timesheets -----------------------------------------------------------------------------
    loggable = np.flatnonzero(TEAMS["timesheet_on_ticket"].to_numpy()[t_team])
    task_lines = elig  # every eligible line has a generated task
    n_task_rows = round(n_ts * 0.02) if len(task_lines) else 0
    n_ticket_rows = n_ts - n_task_rows
    if len(loggable) == 0:  # cannot happen: ticket 0 is a Support ticket
        raise AssertionError("no ticket can receive time")
    weight = rng.lognormal(0.0, 1.0, len(loggable))
    ts_ticket = loggable[rng.choice(len(loggable), size=n_ticket_rows, p=weight / weight.sum())]
    ts_task_line = (
        task_lines[rng.integers(0, len(task_lines), n_task_rows)]
        if n_task_rows
        else (np.empty(0, dtype="int64"))
    )
    base = np.concatenate(
        [
            np.maximum(t_created[ts_ticket], window_start),
            np.maximum(o_date[l_order[ts_task_line]], window_start),
        ]
    )
    room = (cutoff - base).astype("int64")
    offset = rng.geometric(1 / 6, size=n_ts) - 1
    too_far = offset > room
    offset[too_far] = np.floor(rng.random(int(too_far.sum())) * (room[too_far] + 1))
    ts_date = base + offset * _DAY
    late = rng.random(n_ts) < 0.005
    ts_date[late] = cutoff + rng.integers(1, 8, int(late.sum())) * _DAY
    hours = _HOURS[rng.choice(len(_HOURS), size=n_ts, p=_HOURS_P)]
    correction = rng.random(n_ts) < 0.002
    hours[correction] = -rng.choice([0.25, 0.5], int(correction.sum()))
    billable = rng.random(n_ts) >= 0.05
    employees = _names(n_employees, _FIRST, _LAST)
    ts_emp = rng.choice(n_employees, size=n_ts, p=_zipf(n_employees, 0.5))
    ticket_col = np.concatenate([t_ids[ts_ticket], np.full(n_task_rows, None, dtype=object)])
    task_col = np.concatenate(
        [np.full(n_ticket_rows, None, dtype=object), task_names[ts_task_line]]
    )
    # every timesheet's order line (-1: none), for the ledger of the previous month
    ts_line = np.concatenate([t_line[ts_ticket], ts_task_line])
    order_rows = np.lexsort((np.arange(n_ts), ts_date))
    timesheets_df = pd.DataFrame(
        {
            "timesheet": _ids("TS", n_ts, 7),
            "date": ts_date[order_rows].astype("datetime64[ns]"),
            "employee": employees[ts_emp][order_rows],
            "ticket": ticket_col[order_rows],
            "task": task_col[order_rows],
            "hours": hours[order_rows],
            "description": _WORK[rng.integers(0, len(_WORK), n_ts)],
            "billable": billable[order_rows],
        }
    )

    invoices, invoice_lines = _ledger(
        rng,
        orders,
        order_lines,
        l_order,
        l_prod,
        prod_price,
        confirmed,
        o_date,
        period_start,
        window_start,
        ts_line,
        ts_date,
        hours,
        billable,
    )
    frames = {
        "teams": TEAMS.copy(),
        "products": PRODUCTS.copy(),
        "uoms": UOMS.copy(),
        "orders": orders,
        "order_lines": order_lines,
        "tickets": tickets,
        "timesheets": timesheets_df,
        "invoices": invoices,
        "invoice_lines": invoice_lines,
    }
    # every contract column, in contract order (optional ones left empty)
    return {sheet: _with_all_columns(sheet, frame) for sheet, frame in frames.items()}


def _with_all_columns(sheet: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every contract column of ``sheet`` in contract order; missing ones empty."""
    out = frame.reset_index(drop=True)
    for name in column_names(sheet):
        if name not in out.columns:
            out[name] = pd.array([pd.NA] * len(out), dtype="Int64") if name == "line" else None
    return out[column_names(sheet)]


def _ledger(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    order_lines: pd.DataFrame,
    l_order: np.ndarray,
    l_prod: np.ndarray,
    prod_price: np.ndarray,
    confirmed: np.ndarray,
    o_date: np.ndarray,
    period_start: np.datetime64,
    window_start: np.datetime64,
    ts_line: np.ndarray,
    ts_date: np.ndarray,
    hours: np.ndarray,
    billable: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices already issued before the period, and a few credit notes reversing them.

    Prepaid and consumable lines are invoiced in full on the order date, manual lines for their
    delivered quantity; time-and-materials lines for the previous month's billable hours, at its
    last day. About 3 % of the previous month's invoices are reversed by a credit note.
    """
    n_lines = len(order_lines)
    pre = confirmed[l_order] & (o_date[l_order] < period_start)
    qty = order_lines["quantity"].to_numpy()
    delivered = order_lines["delivered"].to_numpy()
    upfront = pre & ~np.isin(l_prod, _TM_PRODUCTS)
    up_qty = np.where(l_prod == _SETUP, np.nan_to_num(delivered), qty)
    upfront &= up_qty > 0
    # previous month's counted hours per time-and-materials line
    prev_end = period_start - _DAY
    in_prev = (ts_line >= 0) & billable & (ts_date >= window_start) & (ts_date <= prev_end)
    line_hours = np.bincount(ts_line[in_prev], weights=hours[in_prev], minlength=n_lines)
    unit_hours = order_lines["uom"].map(_UNIT_HOURS).to_numpy(dtype="float64")
    tm_qty = round_half_away(line_hours / np.where(np.isnan(unit_hours), 1.0, unit_hours), 0.01)
    tm = pre & np.isin(l_prod, _TM_PRODUCTS) & (tm_qty > 0)

    idx = np.concatenate([np.flatnonzero(upfront), np.flatnonzero(tm)])
    inv_qty = np.concatenate([up_qty[upfront], tm_qty[tm]])
    inv_date = np.concatenate([o_date[l_order[upfront]], np.full(int(tm.sum()), prev_end)])
    kind_tm = np.concatenate([np.zeros(int(upfront.sum()), bool), np.ones(int(tm.sum()), bool)])
    lines = pd.DataFrame(
        {
            "order_idx": l_order[idx],
            "line_idx": idx,
            "date": inv_date,
            "tm": kind_tm,
            "quantity": inv_qty,
        }
    )
    docs = (
        lines[["order_idx", "tm", "date"]]
        .drop_duplicates()
        .sort_values(["date", "order_idx", "tm"], kind="stable")
        .reset_index(drop=True)
    )
    month = pd.to_datetime(docs["date"]).dt.strftime("%Y-%m")
    seq = docs.groupby(month, sort=False).cumcount() + 1
    docs["invoice"] = "INV/" + month + "/" + seq.map("{:04d}".format).astype("str")
    lines = lines.merge(docs, on=["order_idx", "tm", "date"], how="left")
    price = prod_price[l_prod[lines["line_idx"]]]
    disc = order_lines["discount"].to_numpy()[lines["line_idx"]]
    o_customer = orders["customer"].to_numpy(dtype=object)
    o_currency = orders["currency"].fillna("USD").to_numpy(dtype=object)
    invoice_lines = pd.DataFrame(
        {
            "invoice": lines["invoice"].to_numpy(dtype=object),
            "order": orders["order"].to_numpy(dtype=object)[lines["order_idx"]],
            "line": order_lines["line"].to_numpy()[lines["line_idx"]],
            "quantity": lines["quantity"].to_numpy(),
            "uom": order_lines["uom"].to_numpy(dtype=object)[lines["line_idx"]],
            "unit_price": price,
            "discount": disc,
            "subtotal": round_half_away(lines["quantity"].to_numpy() * price * (1 - disc / 100)),
        }
    )
    invoices = pd.DataFrame(
        {
            "invoice": docs["invoice"].to_numpy(dtype=object),
            "invoice_date": pd.to_datetime(docs["date"]).astype("datetime64[ns]"),
            "kind": "invoice",
            "state": "posted",
            "customer": o_customer[docs["order_idx"]],
            "currency": o_currency[docs["order_idx"]],
            "reverses": np.full(len(docs), None, dtype=object),
        }
    )
    # credit notes: reverse a few of the previous month's invoices in full, at its last day
    recent = np.flatnonzero(
        (docs["date"].to_numpy() >= window_start) & (rng.random(len(docs)) < 0.03)
    )
    if len(recent):
        prev_month = str(pd.Timestamp(prev_end).strftime("%Y-%m"))
        credit_ids = np.array(
            [f"RINV/{prev_month}/{i:04d}" for i in range(1, len(recent) + 1)], dtype=object
        )
        reversed_ids = invoices["invoice"].to_numpy(dtype=object)[recent]
        credits = invoices.iloc[recent].copy()
        credits["invoice"] = credit_ids
        credits["invoice_date"] = pd.Timestamp(prev_end)
        credits["kind"] = "credit_note"
        credits["reverses"] = reversed_ids
        mapping = dict(zip(reversed_ids, credit_ids, strict=True))
        credit_lines = invoice_lines[invoice_lines["invoice"].isin(mapping)].copy()
        credit_lines["invoice"] = credit_lines["invoice"].map(mapping)
        invoices = pd.concat([invoices, credits], ignore_index=True)
        invoice_lines = pd.concat([invoice_lines, credit_lines], ignore_index=True)
    return invoices, invoice_lines


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _column_cells(series: pd.Series) -> tuple[str, list[Any]]:
    """``(kind, values)`` for writing one column fast: values as a Python list, None or NaN for
    an empty cell; dates as Excel serial numbers."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date", excel_serials(series).tolist()
    if pd.api.types.is_bool_dtype(series) and not series.hasnans:
        return "bool", series.to_numpy(dtype=bool).tolist()
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "number", series.to_numpy(dtype="float64", na_value=np.nan).tolist()
    return "any", series.astype(object).where(series.notna(), None).tolist()


def _write_any(ws: Worksheet, row: int, col: int, value: object, formats: Formats) -> None:
    """Write a value of an object column by its Python type: text as text, booleans, a time of
    day as an ``h:mm`` time, a date as a ``yyyy-mm-dd`` date, numbers; anything else as its text.
    """
    if isinstance(value, str):
        ws.write_string(row, col, value)
    elif isinstance(value, bool | np.bool_):
        ws.write_boolean(row, col, bool(value))
    elif isinstance(value, dt.time):
        ws.write_number(row, col, excel_serial(value), formats.time)
    elif isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        ws.write_number(row, col, excel_serial(value), formats.date)
    elif isinstance(value, int | float | np.integer | np.floating):
        ws.write_number(row, col, float(value))
    else:
        ws.write_string(row, col, str(value))


def write_sheet(book: Workbook, formats: Formats, sheet: str, frame: pd.DataFrame) -> None:
    """Write one input sheet: its header and formats (from the template), then the rows.

    Dates become date cells, numbers numbers, booleans booleans; missing values stay empty.
    Rows are written in order, as ``constant_memory`` requires.
    """
    ws = add_sheet(book, formats, sheet, list(frame.columns))
    cells = [(c, *_column_cells(frame[name])) for c, name in enumerate(frame.columns)
             if frame[name].notna().any()]  # fmt: skip
    write_number, write_boolean = ws.write_number, ws.write_boolean
    date_fmt = formats.date
    for r in range(len(frame)):
        row = r + 1
        for c, kind, values in cells:
            v = values[r]
            if v is None or v != v:  # None or NaN
                continue
            if kind == "number":
                write_number(row, c, v)
            elif kind == "date":
                write_number(row, c, v, date_fmt)
            elif kind == "bool":
                write_boolean(row, c, v)
            else:
                _write_any(ws, row, c, v, formats)


def write_inputs(frames: dict[str, pd.DataFrame], folder: Path | str) -> list[Path]:
    """Write input frames as the workbooks of CONTRACT section 2; return the files written.

    ``frames`` maps sheet name -> frame whose columns are CONTRACT column names. A workbook is
    written when at least one of its sheets is given (``invoices.xlsx`` only with a ledger).
    Existing files of the same names are overwritten: ``sample`` refuses them first unless
    ``--force``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for file_name, sheets in WORKBOOKS.items():
        present = [s for s in sheets if s in frames]
        if not present:
            continue
        path = folder / file_name
        book = new_workbook(path, constant_memory=True, title=path.stem)
        formats = Formats(book)
        for sheet in sheets:
            frame = frames.get(sheet)
            if frame is None:
                if sheet == "uoms":
                    continue
                frame = pd.DataFrame(columns=column_names(sheet))
            write_sheet(book, formats, sheet, frame)
        book.close()
        written.append(path)
    return written

"""Properties on random valid inputs: hours are conserved and row order changes no figure."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_factory import make_inputs

from prepaid_recon.domain import Inputs, Period
from prepaid_recon.reconcile import Options, run

PRODUCTS = ["PREPAID-H", "PREPAID-D", "TM-H", "TM-D", "SETUP", "LICENSE"]
SERVICE = {"PREPAID-H", "PREPAID-D", "TM-H", "TM-D", "SETUP"}
DATES = pd.date_range("2026-09-01", "2026-11-30", freq="D").strftime("%Y-%m-%d").tolist()
CUSTOMERS = ["Acme", "Bolt", "Cora"]


@st.composite
def tables(draw) -> dict:
    orders, lines = [], []
    for i in range(draw(st.integers(1, 5))):
        name = f"S{i:02d}"
        orders.append({
            "order": name,
            "customer": draw(st.sampled_from(CUSTOMERS)),
            "order_date": draw(st.sampled_from(DATES)),
            "state": draw(st.sampled_from(["sale", "sale", "done", "draft"])),
            "currency": draw(st.sampled_from(["USD", "JPY"])),
        })  # fmt: skip
        for n in range(1, draw(st.integers(1, 3)) + 1):
            lines.append({
                "order": name, "line": n, "product": draw(st.sampled_from(PRODUCTS)),
                "quantity": draw(st.sampled_from([0, 1, 2.5, 5, 10, 40])),
                "delivered": draw(st.sampled_from([None, 1.0])),
            })  # fmt: skip
    valid = [
        (ln["order"], ln["line"], o["customer"])
        for ln in lines
        for o in orders
        if o["order"] == ln["order"] and o["state"] != "draft" and ln["product"] in SERVICE
        and o["order_date"] <= "2026-10-31"
    ]  # fmt: skip
    tickets = []
    for i in range(draw(st.integers(0, 6))):
        ticket = {"ticket": f"T{i}", "customer": draw(st.sampled_from(CUSTOMERS)),
                  "created": draw(st.sampled_from(DATES)),
                  "team": draw(st.sampled_from(["Support", "Support", "Internal"]))}  # fmt: skip
        mine = [v for v in valid if v[2] == ticket["customer"]]
        if mine and draw(st.booleans()):
            ticket["order"], ticket["line"], _ = draw(st.sampled_from(mine))
        tickets.append(ticket)
    timesheets = []
    for i in range(draw(st.integers(0, 12)) if tickets else 0):
        timesheets.append({
            "timesheet": f"ts{i}",
            "ticket": draw(st.sampled_from(tickets))["ticket"],
            "date": draw(st.sampled_from(DATES)),
            "hours": draw(st.sampled_from([-1.0, 0.25, 0.5, 1.0, 1 / 3, 2.75, 8.0])),
            "billable": draw(st.booleans()) or draw(st.booleans()),
            "employee": draw(st.sampled_from(["Ana", "Ben"])),
        })  # fmt: skip
    invoices, invoice_lines = [], []
    for i, (order, line, _) in enumerate(valid[: draw(st.integers(0, len(valid)))]):
        invoices.append(
            {
                "invoice": f"L{i}",
                "invoice_date": draw(st.sampled_from(DATES)),
                "kind": draw(st.sampled_from(["invoice", "credit_note"])),
                "state": draw(st.sampled_from(["posted", "draft", "cancel"])),
            }
        )
        invoice_lines.append({"invoice": f"L{i}", "order": order, "line": line,
                              "quantity": draw(st.sampled_from([1, 2, 10]))})  # fmt: skip
    return {
        "orders": orders, "order_lines": lines, "tickets": tickets, "timesheets": timesheets,
        "invoices": invoices, "invoice_lines": invoice_lines,
    }  # fmt: skip


def _shuffled(inputs: Inputs, seed: int) -> Inputs:
    frames = {}
    for name, frame in vars(inputs).items():
        out = frame.sample(frac=1.0, random_state=seed)
        out.index = pd.RangeIndex(2, 2 + len(out), name="row")
        frames[name] = out
    return Inputs(**frames)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), seed=st.integers(0, 2**16))
def test_hours_are_conserved_and_row_order_changes_no_figure(data: dict, seed: int) -> None:
    options = Options(Period.parse("2026-10"))
    inputs = make_inputs(**data)
    first = run(inputs, options)  # conservation is asserted inside run
    totals = first.control_totals.set_index("status")["hours"]
    assert abs(totals["total"] - sum(t["hours"] for t in data["timesheets"])) < 0.006
    second = run(_shuffled(inputs, seed), options)
    for name in vars(first):
        if name == "tickets_input":
            continue  # the input itself, in its own row order
        a, b = _row_free(name, getattr(first, name)), _row_free(name, getattr(second, name))
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)


def _row_free(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A result table without what may follow the input's row order: row numbers, and which of
    two timesheets of the same date on the same line a document bills (docs/rules.md section
    8), so only each document's totals and each line's billed hours are compared."""
    if name == "timesheets":
        per_line = frame.groupby(["order", "line"], dropna=False)["billed_hours"].sum().round(9)
        frame = frame.drop(columns=["source_row", "invoice", "billed_hours"])
        frame = frame.sort_values("timesheet").reset_index(drop=True)
        return pd.concat([frame, per_line.reset_index(drop=True).rename("per_line")], axis=1)
    if name == "attribution":
        key = ["invoice", "kind", "source", "order", "line", "part", "from_invoice"]
        sums = frame.groupby(key, dropna=False)[["hours", "quantity"]].sum().round(9)
        return sums.reset_index()
    if name == "unbilled_groups":
        return frame.drop(columns="first_row")
    return frame.drop(columns=[c for c in ("source_row",) if c in frame.columns])

"""RULES section 3: which order line a ticket and a timesheet are billed to."""

from __future__ import annotations

import pandas as pd
from rules_factory import reconcile, row

ACME = "Acme"


def order(name: str, date: str, customer: str = ACME, **extra) -> dict:
    return {"order": name, "customer": customer, "order_date": date, **extra}


def prepaid(name: str, line: int, hours: float, product: str = "PREPAID-H") -> dict:
    return {"order": name, "line": line, "product": product, "quantity": hours}


def ticket(name: str, created: str, **extra) -> dict:
    return {"ticket": name, "customer": ACME, "created": created, **extra}


def ts(ticket_name: str | None, date: str, hours: float, **extra) -> dict:
    return {"ticket": ticket_name, "date": date, "hours": hours, **extra}


def test_auto_line_is_most_recent_order_then_lowest_line() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01"), order("S2", "2026-10-03"), order("S3", "2026-10-03")],
        order_lines=[
            prepaid("S1", 1, 10),
            prepaid("S2", 1, 10),
            prepaid("S3", 2, 10),
            prepaid("S3", 1, 10),
        ],
        tickets=[ticket("T1", "2026-10-05"), ticket("T0", "2026-10-02")],
        timesheets=[ts("T1", "2026-10-06", 1), ts("T0", "2026-10-06", 1)],
    )
    assert row(result.tickets, ticket="T1")[["order", "line", "link"]].tolist() == ["S3", 1, "auto"]
    # T0 was created before S2/S3 were ordered: only S1 existed.
    assert row(result.tickets, ticket="T0")[["order", "line"]].tolist() == ["S1", 1]


def test_auto_choice_moves_on_when_hours_run_out_and_sticks_afterwards() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01"), order("S2", "2026-09-01")],
        order_lines=[prepaid("S1", 1, 5), prepaid("S2", 1, 20)],
        tickets=[
            ticket("T1", "2026-10-02"),
            ticket("T2", "2026-10-10"),
            ticket("T3", "2026-10-10"),
        ],
        timesheets=[
            ts("T1", "2026-10-03", 5),
            ts("T1", "2026-10-20", 4),  # T1 keeps S1 even though S1 is used up
            ts("T2", "2026-10-11", 1),
        ],
    )
    tickets = result.tickets.set_index("ticket")
    assert tickets.loc["T1", "order"] == "S1"
    assert tickets.loc["T2", "order"] == "S2"
    assert tickets.loc["T3", "order"] == "S2"
    s1 = row(result.order_lines, order="S1", line=1)
    assert s1["delivered"] == 9 and s1["remaining_hours"] == -4


def test_time_logged_after_a_ticket_is_created_is_not_looked_ahead_to() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01"), order("S2", "2026-09-01")],
        order_lines=[prepaid("S1", 1, 5), prepaid("S2", 1, 20)],
        tickets=[ticket("T1", "2026-10-02"), ticket("T2", "2026-10-05")],
        timesheets=[ts("T1", "2026-10-05", 5), ts("T1", "2026-10-04", 4)],
    )
    # On 2026-10-05 only the 4 h of 2026-10-04 are before T2's creation: 1 h left on S1.
    assert row(result.tickets, ticket="T2")["order"] == "S1"


def test_ticket_explicit_line_beats_its_task_and_task_beats_auto() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01")],
        order_lines=[prepaid("S1", 1, 10), {"order": "S1", "line": 2, "product": "TM-H",
                                            "quantity": 1}],
        tickets=[
            ticket("T1", "2026-10-02", task="S1 - Prepaid Support Hours", order="S1", line=2),
            ticket("T2", "2026-10-02", task="S1 - Support Hours"),
        ],
        timesheets=[ts("T1", "2026-10-03", 1), ts("T2", "2026-10-03", 2)],
    )  # fmt: skip
    assert row(result.tickets, ticket="T1")[["line", "link"]].tolist() == [2, "ticket"]
    assert row(result.tickets, ticket="T2")[["line", "link"]].tolist() == [2, "task"]
    assert row(result.order_lines, order="S1", line=2)["delivered"] == 3


def test_ticket_of_a_customer_without_prepaid_hours_has_no_order_line() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01", customer="Bolt")],
        order_lines=[prepaid("S1", 1, 10)],
        tickets=[ticket("T1", "2026-10-02")],
        timesheets=[ts("T1", "2026-10-03", 2)],
    )
    assert row(result.tickets, ticket="T1")["link"] == "none"
    audit = result.timesheets.iloc[0]
    assert (audit["status"], audit["reason"]) == ("non_billable", "no_order_line")
    assert pd.isna(audit["quantity"])


def test_tickets_of_teams_without_time_reinvoicing_bill_nothing_and_get_no_auto_line() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01")],
        order_lines=[prepaid("S1", 1, 10)],
        tickets=[ticket("T1", "2026-10-02", team="Internal")],
        timesheets=[ts("T1", "2026-10-03", 2), ts("T1", "2026-10-03", 1, billable=False)],
    )
    assert row(result.tickets, ticket="T1")["link"] == "none"
    assert result.timesheets["reason"].tolist() == ["team_not_reinvoicing", "marked_non_billable"]
    assert row(result.order_lines, order="S1")["delivered"] == 0


def test_timesheet_rules_apply_in_order_cutoff_flag_explicit_task_ticket() -> None:
    result = reconcile(
        orders=[order("S1", "2026-10-01")],
        order_lines=[prepaid("S1", 1, 10), {"order": "S1", "line": 2, "product": "TM-H",
                                            "quantity": 1}],
        tickets=[ticket("T1", "2026-10-02", order="S1", line=1)],
        timesheets=[
            ts("T1", "2026-11-01", 1, billable=False),  # 0: after cut-off decided first
            ts("T1", "2026-10-05", 1, billable=False, order="S1", line=2),  # 1: flag wins
            ts("T1", "2026-10-05", 2, order="S1", line=2),  # 2: explicit beats the ticket
            ts(None, "2026-10-05", 4, task="S1 - Support Hours"),  # 3: task's line
            ts("T1", "2026-10-05", 8, task="S1 - Support Hours"),  # 5: the ticket decides
        ],
    )  # fmt: skip
    audit = result.timesheets
    assert audit["status"].tolist() == [
        "after_cutoff", "non_billable", "counted", "counted", "counted",
    ]  # fmt: skip
    assert audit["reason"].tolist()[:2] == ["after_cutoff", "marked_non_billable"]
    assert audit["line"].tolist()[2:] == [2, 2, 1]
    assert row(result.order_lines, line=2)["delivered"] == 6


def test_custom_time_unit_pack50_converts_time_on_the_sum() -> None:
    result = reconcile(
        products=[{"product": "PACK", "name": "Pack", "uom": "Pack50", "invoicing_policy":
                   "prepaid", "service_tracking": "no", "unit_price": 4000}],
        uoms=[{"uom": "Pack50", "category": "time", "hours": 50}],
        orders=[order("S1", "2026-10-01")],
        order_lines=[prepaid("S1", 1, 1, product="PACK")],
        tickets=[ticket("T1", "2026-10-02")],
        timesheets=[ts("T1", "2026-10-03", 12.5), ts("T1", "2026-10-04", 12.5)],
    )  # fmt: skip
    line = row(result.order_lines, order="S1")
    assert (line["delivered"], line["remaining_hours"]) == (0.5, 25.0)
    assert result.timesheets["quantity"].tolist() == [0.25, 0.25]
    assert row(result.tickets, ticket="T1")["link"] == "auto"

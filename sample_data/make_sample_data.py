"""Write sample_data/: two months (September and October 2026) of a small support company.

Run from anywhere with the project installed: ``python sample_data/make_sample_data.py``.
Deterministic: the same script writes the same cells (a fixed random seed; workbook metadata
pinned by :func:`prepaid_recon.sample.write_inputs`). What each case shows: ``README.md``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

import pandas as pd

from prepaid_recon.domain import round_half_away
from prepaid_recon.synthetic import write_inputs
from prepaid_recon.xlsx.templates import column_names

HERE = Path(__file__).resolve().parent
SEED = 20261031
SEPT = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
CUTOFF = OCT[1]

TEAMS = [
    {"team": "Support", "timesheet_on_ticket": True, "time_reinvoicing": True,
     "project": "Helpdesk"},
    {"team": "Internal IT", "timesheet_on_ticket": True, "time_reinvoicing": False,
     "project": "Internal"},
    {"team": "Sales Desk", "timesheet_on_ticket": False, "time_reinvoicing": False},
]  # fmt: skip

PRODUCTS = [
    {"product": "PREPAID-H", "name": "Prepaid Support Hours", "type": "service", "uom": "Hours",
     "invoicing_policy": "prepaid", "service_tracking": "task_global_project",
     "project": "Helpdesk", "unit_price": 100, "tax_rate": 20},
    {"product": "PREPAID-D", "name": "Prepaid Support Days", "type": "service", "uom": "Days",
     "invoicing_policy": "prepaid", "service_tracking": "task_global_project",
     "project": "Helpdesk", "unit_price": 800, "tax_rate": 20},
    {"product": "PACK10", "name": "Support Pack 10 h", "type": "service", "uom": "Pack10",
     "invoicing_policy": "prepaid", "service_tracking": "task_global_project",
     "project": "Helpdesk", "unit_price": 950, "tax_rate": 20, "upsell_threshold": 80},
    {"product": "TM-H", "name": "Support Hours (T&M)", "type": "service", "uom": "Hours",
     "invoicing_policy": "timesheet", "service_tracking": "task_global_project",
     "project": "Helpdesk", "unit_price": 120, "tax_rate": 20},
    {"product": "TM-D", "name": "On-site Day", "type": "service", "uom": "Days",
     "invoicing_policy": "timesheet", "service_tracking": "task_global_project",
     "project": "Helpdesk", "unit_price": 900, "tax_rate": 20},
    {"product": "MIGRATION", "name": "Migration Project", "type": "service", "uom": "Hours",
     "invoicing_policy": "prepaid", "service_tracking": "task_in_project",
     "unit_price": 110, "tax_rate": 20},
    {"product": "ONBOARD", "name": "Onboarding Fee", "type": "service", "uom": "Units",
     "invoicing_policy": "manual", "service_tracking": "no", "unit_price": 1500,
     "tax_rate": 20},
    {"product": "APPLIANCE", "name": "Remote Access Appliance", "type": "consumable",
     "uom": "Units", "invoicing_policy": "prepaid", "unit_price": 250, "tax_rate": 20},
]  # fmt: skip
UOMS = [{"uom": "Pack10", "category": "time", "hours": 10, "rounding": 0.01}]
PRICE = {p["product"]: p["unit_price"] for p in PRODUCTS}

ORDERS = [
    # order, customer, date, state, currency, customer_ref
    ("S00101", "Acme Corp", "2026-08-17", "sale", "USD", "ACME-PO-7781"),
    ("S00102", "Globex", "2026-09-01", "sale", "USD", None),
    ("S00103", "Initech", "2026-09-03", "sale", None, "IT-4410"),
    ("S00104", "Umbrella Health", "2026-09-08", "sale", "USD", None),
    ("S00105", "Umbrella Health", "2026-10-15", "sale", "USD", None),
    ("S00106", "Stark Industries", "2026-09-14", "sale", "EUR", "SI-EU-22"),
    ("S00107", "Wayne Enterprises", "2026-10-06", "draft", "USD", None),
    ("S00108", "Wayne Enterprises", "2026-09-22", "cancel", "USD", None),
    ("S00109", "Hooli", "2026-10-20", "sent", "USD", None),
    ("S00110", "Soylent", "2026-09-10", "sale", None, None),
    ("S00111", "Initrode", "2026-10-01", "sale", "USD", None),
    ("S00112", "Vandelay Industries", "2026-10-05", "sale", "USD", "VAN-2026"),
    ("S00113", "Massive Dynamic", "2026-09-21", "done", "USD", None),
    ("S00114", "Acme Corp", "2026-10-23", "sale", "USD", "ACME-PO-7902"),
    ("S00115", "Pied Piper", "2026-11-03", "sale", "USD", None),
]
ORDER_LINES = [
    # order, line, product, quantity, extra
    ("S00101", 1, "PREPAID-H", 40, {}),
    ("S00101", 2, "ONBOARD", 1, {"delivered": 1}),
    ("S00102", 1, "PREPAID-D", 5, {}),
    ("S00103", 1, "TM-H", 30, {"description": "Support Hours (T&M)"}),
    ("S00103", 2, "TM-D", 3, {}),
    ("S00104", 1, "PACK10", 3, {}),
    ("S00105", 1, "PREPAID-H", 20, {"discount": 10}),
    ("S00106", 1, "PREPAID-H", 30, {"unit_price": 95}),
    ("S00106", 2, "APPLIANCE", 2, {}),
    ("S00107", 1, "PREPAID-H", 50, {}),
    ("S00108", 1, "PREPAID-D", 10, {}),
    ("S00109", 1, "TM-H", 40, {}),
    ("S00110", 1, "PREPAID-H", 10, {}),
    ("S00110", 2, "APPLIANCE", 3, {}),
    ("S00111", 1, "ONBOARD", 1, {}),  # manual line without delivered: a warning
    ("S00111", 2, "PREPAID-D", 2, {}),
    ("S00112", 1, "MIGRATION", 60, {"description": "Mail server migration"}),
    ("S00113", 1, "TM-D", 4, {}),
    ("S00114", 1, "PREPAID-H", 40, {}),
    ("S00115", 1, "PREPAID-H", 20, {}),
]

SUPPORT_STAFF = ["Ana Silva", "Ben Okafor", "Chloe Martin", "Dev Patel"]
ONSITE_STAFF = ["Farid Haddad", "Ben Okafor"]
INTERNAL_STAFF = ["Elena Rossi", "Dev Patel"]
WORK = ["diagnosis", "call with customer", "remote session", "fix applied", "follow-up",
        "testing", "documentation", "configuration", "monitoring", "user training"]  # fmt: skip
SUBJECTS = ["Printer offline", "Cannot log in", "VPN drops every hour", "Mailbox full",
            "Slow laptop", "New user setup", "Backup failed", "Wi-Fi dead zone",
            "Password reset", "Server patching", "Phone system echo", "Shared drive missing",
            "MFA enrolment", "Security alert", "Restore deleted files", "Licence question",
            "Firewall rule", "Email bounces", "Teams audio", "Scanner to email"]  # fmt: skip

AUTO = ("auto",)
ACME_TASK = ("task", "S00101 - Prepaid Support Hours")


def day(month: int, d: int) -> dt.date:
    return dt.date(2026, month, d)


# What happens, customer by customer: tickets created between two days, the billable hours
# logged on them in that window, and how each ticket finds its order line:
# ("task", name) | ("line", order, line) | AUTO (no link on the ticket).
# (customer, team, first day, last day, tickets, hours, link, staff)
SUPPORT = "Support"
STREAMS = [
    ("Acme Corp", SUPPORT, day(9, 1), day(9, 30), 6, 24.0, ACME_TASK, SUPPORT_STAFF),
    ("Acme Corp", SUPPORT, day(10, 1), day(10, 22), 6, 25.0, ACME_TASK, SUPPORT_STAFF),
    ("Acme Corp", SUPPORT, day(10, 23), day(10, 31), 3, 7.0, AUTO, SUPPORT_STAFF),
    ("Globex", SUPPORT, day(9, 1), day(9, 30), 4, 15.0, AUTO, SUPPORT_STAFF),
    ("Globex", SUPPORT, day(10, 1), day(10, 31), 5, 19.0, AUTO, SUPPORT_STAFF),
    ("Initech", SUPPORT, day(9, 3), day(9, 30), 5, 18.5, ("line", "S00103", 1), SUPPORT_STAFF),
    ("Initech", SUPPORT, day(10, 1), day(10, 31), 6, 23.75, ("line", "S00103", 1), SUPPORT_STAFF),
    ("Initech", SUPPORT, day(9, 15), day(9, 30), 1, 8.0, ("line", "S00103", 2), ONSITE_STAFF),
    ("Initech", SUPPORT, day(10, 1), day(10, 31), 2, 12.0, ("line", "S00103", 2), ONSITE_STAFF),
    ("Umbrella Health", SUPPORT, day(9, 8), day(9, 30), 4, 13.0, AUTO, SUPPORT_STAFF),
    ("Umbrella Health", SUPPORT, day(10, 1), day(10, 14), 4, 13.0, AUTO, SUPPORT_STAFF),
    ("Umbrella Health", SUPPORT, day(10, 15), day(10, 31), 3, 9.0, AUTO, SUPPORT_STAFF),
    ("Stark Industries", SUPPORT, day(9, 14), day(9, 30), 2, 8.0,
     ("task", "S00106 - Prepaid Support Hours"), SUPPORT_STAFF),
    ("Stark Industries", SUPPORT, day(10, 1), day(10, 31), 3, 14.0, AUTO, SUPPORT_STAFF),
    ("Wayne Enterprises", SUPPORT, day(10, 7), day(10, 31), 2, 5.0, AUTO, SUPPORT_STAFF),
    ("Soylent", SUPPORT, day(9, 10), day(9, 30), 2, 4.5, ("line", "S00110", 1), SUPPORT_STAFF),
    ("Soylent", SUPPORT, day(10, 1), day(10, 31), 3, 7.5, ("line", "S00110", 1), SUPPORT_STAFF),
    ("Initrode", SUPPORT, day(10, 2), day(10, 31), 3, 10.0, AUTO, SUPPORT_STAFF),
    ("Vandelay Industries", SUPPORT, day(10, 12), day(10, 31), 1, 5.0,
     ("task", "Mail server migration"), SUPPORT_STAFF),
    ("Massive Dynamic", SUPPORT, day(9, 21), day(9, 30), 2, 8.0, ("line", "S00113", 1),
     ONSITE_STAFF),
    ("Massive Dynamic", SUPPORT, day(10, 1), day(10, 31), 3, 13.0, ("line", "S00113", 1),
     ONSITE_STAFF),
    ("Dunder Mifflin", SUPPORT, day(10, 1), day(10, 31), 2, 4.5, AUTO, SUPPORT_STAFF),
    ("Northwind (internal)", "Internal IT", day(9, 1), day(9, 30), 4, 45.0, AUTO, INTERNAL_STAFF),
    ("Northwind (internal)", "Internal IT", day(10, 1), day(10, 31), 4, 45.0, AUTO,
     INTERNAL_STAFF),
]  # fmt: skip
PRESALES = [  # Sales Desk tickets: no time is logged on them
    ("Hooli", "2026-10-18", "Quote for 40 support hours"),
    ("Wayne Enterprises", "2026-10-02", "Prepaid bundle pricing"),
    ("Pied Piper", "2026-10-28", "Onboarding timeline"),
    ("Globex", "2026-09-25", "Renewal options"),
    ("Dunder Mifflin", "2026-10-09", "Support contract quote"),
    ("Soylent", "2026-10-21", "Appliance return"),
]
MIGRATION_TASK_HOURS = 32.0  # logged on the task "Mail server migration" directly
CHUNKS = [0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 1.0]


def weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = [first + dt.timedelta(d) for d in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5] or days


def split_hours(rng: random.Random, total: float) -> list[float]:
    """Quarter-hour chunks that add up to ``total`` exactly."""
    out: list[float] = []
    left = total
    while left > 0:
        chunk = min(rng.choice(CHUNKS), left)
        out.append(chunk)
        left = round(left - chunk, 2)
    return out


def build() -> dict[str, pd.DataFrame]:
    """Every input sheet of the sample company as frames."""
    rng = random.Random(SEED)
    tickets: list[dict] = []
    entries: list[dict] = []
    for stream, (customer, team, first, last, n, hours, link, staff) in enumerate(STREAMS):
        days = weekdays(first, last)
        created = sorted(rng.choice(days[: max(1, len(days) - 2)]) for _ in range(n))
        shares = split_hours(rng, hours)
        for i, chunk in enumerate(shares):
            t = i % n
            ticket = {"_key": (stream, t), "customer": customer, "team": team,
                      "created": created[t], "subject": rng.choice(SUBJECTS)}  # fmt: skip
            if i < n:
                if link[0] == "task":
                    ticket["task"] = link[1]
                elif link[0] == "line":
                    ticket["order"], ticket["line"] = link[1], link[2]
                tickets.append(ticket)
            date = rng.choice([d for d in weekdays(created[t], last)])
            entries.append({"_key": (stream, t), "date": date,
                            "employee": rng.choice(staff), "hours": chunk,
                            "description": rng.choice(WORK),
                            "_line": link[1:] if link[0] == "line" else None})  # fmt: skip
    for customer, created, subject in PRESALES:
        tickets.append({"_key": ("presales", customer, created), "customer": customer,
                        "team": "Sales Desk", "created": dt.date.fromisoformat(created),
                        "subject": subject})  # fmt: skip

    # ticket references in creation order
    tickets.sort(key=lambda t: (t["created"], t["customer"], str(t["_key"])))
    ids = {}
    for number, t in enumerate(tickets, start=1001):
        t["ticket"] = f"HD-{number}"
        ids[t["_key"]] = t["ticket"]
    support = [t for t in tickets if t["team"] == "Support"]

    for e in entries:
        e["ticket"] = ids[e.pop("_key")]
    # time logged on the migration task directly (no ticket)
    for chunk in split_hours(rng, MIGRATION_TASK_HOURS):
        entries.append(
            {
                "date": rng.choice(weekdays(dt.date(2026, 10, 6), OCT[1])),
                "employee": rng.choice(["Chloe Martin", "Farid Haddad"]),
                "task": "Mail server migration",
                "hours": chunk,
                "description": rng.choice(
                    ["mailbox export", "DNS cut-over plan", "pilot migration", "user mailboxes"]
                ),
            }
        )
    # non-billable time: handovers and training on customer tickets
    for _ in range(60):
        t = rng.choice(support)
        entries.append({"date": rng.choice(weekdays(t["created"], CUTOFF)),
                        "employee": rng.choice(SUPPORT_STAFF), "ticket": t["ticket"],
                        "hours": rng.choice([0.25, 0.5, 0.75]), "billable": False,
                        "description": rng.choice(["internal handover", "shadowing",
                                                   "knowledge base article"])})  # fmt: skip
    # time after the cut-off (counted next month)
    open_in_october = [t for t in support if t["created"] >= dt.date(2026, 10, 15)]
    for _ in range(12):
        t = rng.choice(open_in_october)
        entries.append({"date": rng.choice(weekdays(dt.date(2026, 11, 2), dt.date(2026, 11, 4))),
                        "employee": rng.choice(SUPPORT_STAFF), "ticket": t["ticket"],
                        "hours": rng.choice([0.5, 1.0]), "description": "follow-up"})  # fmt: skip
    # a correction: a double entry reversed with negative hours
    globex = next(e for e in entries if e.get("ticket") and e["date"] >= OCT[0]
                  and any(t["ticket"] == e["ticket"] and t["customer"] == "Globex"
                          for t in support))  # fmt: skip
    entries.append({**globex, "hours": -globex["hours"], "description": "correction: double entry"})
    entries.append({**globex})

    entries.sort(key=lambda e: (e["date"], e.get("ticket") or "", e.get("task") or "",
                                e["employee"], e["hours"]))  # fmt: skip
    for number, e in enumerate(entries, start=1):
        e["timesheet"] = f"TS-{number:04d}"

    ledger_hours = previous_month_hours(entries)
    # hours typed the way people do: some as text H:MM, some as Excel time cells
    for e in entries:
        h = e["hours"]
        if h > 0 and (h * 4).is_integer() and rng.random() < 0.06:
            e["hours"] = f"{int(h)}:{round((h % 1) * 60):02d}"
        elif h > 0 and rng.random() < 0.02:
            e["hours"] = dt.time(int(h), round((h % 1) * 60))

    return {
        "teams": pd.DataFrame(TEAMS),
        "products": pd.DataFrame(PRODUCTS)[column_names("products")],
        "uoms": pd.DataFrame(UOMS),
        "orders": orders_frame(),
        "order_lines": order_lines_frame(),
        "tickets": tickets_frame(tickets),
        "timesheets": timesheets_frame(entries),
        **ledger(ledger_hours),
    }


def previous_month_hours(entries: list[dict]) -> dict[tuple[str, int], float]:
    """Billable September hours per explicitly linked time-and-materials line."""
    hours: dict[tuple[str, int], float] = defaultdict(float)
    for e in entries:
        if e.get("_line") and e.get("billable", True) and SEPT[0] <= e["date"] <= SEPT[1]:
            hours[e["_line"]] += e["hours"]
    return dict(hours)


def orders_frame() -> pd.DataFrame:
    rows = [{"order": o, "customer": c, "order_date": pd.Timestamp(d), "state": s,
             "currency": cur, "customer_ref": ref} for o, c, d, s, cur, ref in ORDERS]  # fmt: skip
    return pd.DataFrame(rows)


def order_lines_frame() -> pd.DataFrame:
    rows = [{"order": o, "line": n, "product": p, "quantity": float(q), **extra}
            for o, n, p, q, extra in ORDER_LINES]  # fmt: skip
    frame = pd.DataFrame(rows)
    columns = ["order", "line", "product", "description", "quantity", "uom", "unit_price",
               "discount", "delivered"]  # fmt: skip
    return frame.reindex(columns=columns)


def tickets_frame(tickets: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(tickets).drop(columns=["_key"])
    frame["created"] = pd.to_datetime(frame["created"])
    frame["line"] = frame["line"].astype("Int64")
    return frame[["ticket", "team", "customer", "created", "subject", "task", "order", "line"]]


def timesheets_frame(entries: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(entries)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["billable"] = frame["billable"].map({False: False}).fillna(True).astype(bool)
    frame["hours"] = frame["hours"].astype(object)
    return frame[["timesheet", "date", "employee", "ticket", "task", "hours", "description",
                  "billable"]]  # fmt: skip


def ledger(tm_hours: dict[tuple[str, int], float]) -> dict[str, pd.DataFrame]:
    """August and September invoices, a credit note and a cancelled duplicate."""
    tm_days = {key: h / 8 for key, h in tm_hours.items() if key[0] in ("S00103", "S00113")}
    tm_days[("S00103", 1)] = tm_hours[("S00103", 1)]  # that line is sold in hours
    invoices = [
        ("INV/2026-08/0001", "2026-08-17", "invoice", "posted", "Acme Corp", "USD", None),
        ("INV/2026-09/0001", "2026-09-01", "invoice", "posted", "Globex", "USD", None),
        ("INV/2026-09/0002", "2026-09-08", "invoice", "posted", "Umbrella Health", "USD", None),
        ("INV/2026-09/0003", "2026-09-10", "invoice", "posted", "Soylent", "USD", None),
        ("INV/2026-09/0004", "2026-09-14", "invoice", "posted", "Stark Industries", "EUR", None),
        ("RINV/2026-09/0001", "2026-09-25", "credit_note", "posted", "Soylent", "USD",
         "INV/2026-09/0003"),
        ("INV/2026-09/0005", "2026-09-30", "invoice", "posted", "Initech", "USD", None),
        ("INV/2026-09/0006", "2026-09-30", "invoice", "posted", "Massive Dynamic", "USD", None),
        ("INV/2026-09/0007", "2026-09-30", "invoice", "cancel", "Globex", "USD", None),
    ]  # fmt: skip
    lines = [
        ("INV/2026-08/0001", "S00101", 1, 40, PRICE["PREPAID-H"], 0),
        ("INV/2026-08/0001", "S00101", 2, 1, PRICE["ONBOARD"], 0),
        ("INV/2026-09/0001", "S00102", 1, 5, PRICE["PREPAID-D"], 0),
        ("INV/2026-09/0002", "S00104", 1, 3, PRICE["PACK10"], 0),
        ("INV/2026-09/0003", "S00110", 1, 10, PRICE["PREPAID-H"], 0),
        ("INV/2026-09/0003", "S00110", 2, 3, PRICE["APPLIANCE"], 0),
        ("INV/2026-09/0004", "S00106", 1, 30, 95, 0),
        ("RINV/2026-09/0001", "S00110", 2, 3, PRICE["APPLIANCE"], 0),
        ("INV/2026-09/0005", "S00103", 1, tm_days[("S00103", 1)], PRICE["TM-H"], 0),
        ("INV/2026-09/0005", "S00103", 2, tm_days[("S00103", 2)], PRICE["TM-D"], 0),
        ("INV/2026-09/0006", "S00113", 1, tm_days[("S00113", 1)], PRICE["TM-D"], 0),
        ("INV/2026-09/0007", "S00102", 1, 5, PRICE["PREPAID-D"], 0),
    ]
    inv = pd.DataFrame(invoices, columns=["invoice", "invoice_date", "kind", "state",
                                          "customer", "currency", "reverses"])  # fmt: skip
    inv["invoice_date"] = pd.to_datetime(inv["invoice_date"])
    inv_lines = pd.DataFrame(lines, columns=["invoice", "order", "line", "quantity",
                                             "unit_price", "discount"])  # fmt: skip
    inv_lines["quantity"] = round_half_away(inv_lines["quantity"].astype(float), 0.01)
    inv_lines["subtotal"] = round_half_away(
        inv_lines["quantity"] * inv_lines["unit_price"] * (1 - inv_lines["discount"] / 100), 0.01
    )
    return {"invoices": inv, "invoice_lines": inv_lines}


def main() -> None:
    frames = build()
    for path in write_inputs(frames, HERE):
        print(path.relative_to(HERE.parent))
    ts = frames["timesheets"]
    print(f"{len(frames['orders'])} orders, {len(frames['order_lines'])} order lines, "
          f"{len(frames['tickets'])} tickets, {len(ts)} timesheets")  # fmt: skip


if __name__ == "__main__":
    main()

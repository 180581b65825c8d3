"""Fixtures written exactly like the real exports of Odoo, Harvest, Zendesk, Freshdesk (issue 12).

Each ``write_<source>(folder)`` writes, with openpyxl or the csv module, what a user of one
small invented company ("Brightline IT", closing October 2026 in Europe/Brussels) would export
from that system: real file names, sheet names, headers, value formats and quirks, as pinned in
``SOURCES.md`` beside this file. Each ``expected_<source>()`` returns what a mapping profile must
turn those files into: the contract tables (``docs/contract.md`` section 2) as
``{sheet: [row dict]}``, with contract column names and values already converted (dates as
``"YYYY-MM-DD"``, hours as floats, flags as booleans, references as text, line numbers as
ints). Rows are in the order of the source rows they come from (group-total rows dropped).

What a source cannot provide (teams and products everywhere; orders, tickets and the ledger
for the time trackers) is written as the user would write it: contract workbooks
(``teams.xlsx``, ``products.xlsx``, ...) beside the export, and expected unchanged.

Conventions the expected data assumes (the mapping must do the same):

* **Odoo order line numbers.** Odoo has no line number: ``Sequence`` (10, 20, ...) is not
  unique (two lines of S00014 both have 10). A line's contract ``line`` is its rank within its
  order in the export, which Odoo sorts by (order, sequence, id): 1, 2, ... A reference to an
  order line (``Sales Order Item``, ``Sales Order Lines``) is resolved through the line's
  database id (``Sales Order Item/ID`` -> the order lines' ``ID``); resolving it by order +
  the description shown between ``" - "`` and ``" (Customer)"`` gives the same line.
* **Odoo date-times** (order date, ticket creation) are exported in the exporting user's
  time zone, naive: the contract date is their date part, never converted.
* **Odoo tickets** are referred to by ``Ticket IDs Sequence`` (the ``41`` of ``Subject (#41)``);
  in this company it equals the database ``ID``.
* **Billable Type** "Non Billable Tasks" is ``billable`` false, any other label true.
* **Time trackers**: the ticket comes from ``#NN`` in the notes or from the ticket URL;
  employees are ``"{First Name} {Last Name}"`` (Harvest), the ``Updater name`` (Zendesk), the
  agent's ``contact.name`` looked up by ``agent_id`` (Freshdesk). Harvest's ``Task`` (a work
  category) and ``Hours Rounded`` are never read. Freshdesk's ``executed_at`` is UTC: the
  contract date is its date in Europe/Brussels.
* Contract ``timesheet`` ids are not produced; ``delivered`` is Odoo's ``Delivery Quantity``
  on every line (the contract ignores it on non-``manual`` lines).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.styles import Font

from builders import SUPPORT, write_inputs

PERIOD = "2026-10"
TIME_ZONE = "Europe/Brussels"
BRUSSELS = ZoneInfo(TIME_ZONE)
CURRENCY = "EUR"

# ---------------------------------------------------------------------------------------------
# Real headers, one constant per file (SOURCES.md says where each comes from)
# ---------------------------------------------------------------------------------------------

ODOO_FILES = {
    "timesheets": "Analytic Line (account.analytic.line).xlsx",
    "orders": "Sales Order (sale.order).xlsx",
    "order_lines": "Sales Order Line (sale.order.line).xlsx",
    "tickets": "Helpdesk Ticket (helpdesk.ticket).xlsx",
    "invoices": "Journal Entry (account.move).xlsx",
    "invoice_lines": "Journal Item (account.move.line).xlsx",
    "employees": "Employee (hr.employee).xlsx",
}
"""``f"{model description} ({model})" + ".xlsx"``, as Odoo names an export (SOURCES.md, Odoo 1)."""

ODOO_SHEET = "Sheet1"

ODOO_TIMESHEET_HEADERS = [
    "Date",
    "Employee",
    "Project",
    "Task",
    "Helpdesk Ticket",
    "Description",
    "Quantity",
    "Sales Order Item",
    "Sales Order Item/ID",
    "Billable Type",
    "Invoice",
]
ODOO_ORDER_HEADERS = [
    "Order Reference",
    "Customer",
    "Order Date",
    "Status",
    "Currency",
    "Customer Reference",
]
ODOO_ORDER_LINE_HEADERS = [
    "ID",
    "Order Reference",
    "Sequence",
    "Product",
    "Description",
    "Quantity",
    "Unit of Measure",
    "Unit Price",
    "Discount (%)",
    "Delivery Quantity",
    "Invoiced Quantity",
]
ODOO_TICKET_HEADERS = [
    "ID",
    "Ticket IDs Sequence",
    "Subject",
    "Team",
    "Customer",
    "Created on",
    "Sales Order Item",
    "Sales Order Item/ID",
]
ODOO_INVOICE_HEADERS = [
    "Number",
    "Invoice/Bill Date",
    "Type",
    "Status",
    "Partner",
    "Currency",
    "Reversal of",
]
ODOO_INVOICE_LINE_HEADERS = [
    "Journal Entry",
    "Product",
    "Label",
    "Quantity",
    "Unit of Measure",
    "Unit Price",
    "Discount (%)",
    "Subtotal",
    "Sales Order Lines",
    "Sales Order Lines/ID",
]
ODOO_HEADERS = {
    "timesheets": ODOO_TIMESHEET_HEADERS,
    "orders": ODOO_ORDER_HEADERS,
    "order_lines": ODOO_ORDER_LINE_HEADERS,
    "tickets": ODOO_TICKET_HEADERS,
    "invoices": ODOO_INVOICE_HEADERS,
    "invoice_lines": ODOO_INVOICE_LINE_HEADERS,
}

ODOO_IMPORT_TIMESHEET_HEADERS = [
    "id",
    "date",
    "employee_id/id",
    "project_id/id",
    "task_id/id",
    "helpdesk_ticket_id/id",
    "name",
    "unit_amount",
    "so_line/id",
]
ODOO_IMPORT_EMPLOYEE_HEADERS = ["id", "name"]

HARVEST_FILE = "harvest_time_report_from2026-09-01to2026-11-30.csv"
HARVEST_HEADERS = [
    "Date",
    "Client",
    "Project",
    "Project Code",
    "Task",
    "Notes",
    "Hours",
    "Hours Rounded",
    "Billable?",
    "Invoiced?",
    "Approved?",
    "First Name",
    "Last Name",
    "Roles",
    "Employee?",
    "Billable Rate",
    "Billable Amount",
    "Cost Rate",
    "Cost Amount",
    "Currency",
    "External Reference URL",
]

ZENDESK_FILE = "Time spent per ticket update.csv"
ZENDESK_HEADERS = [
    "Ticket ID",
    "Ticket subject",
    "Ticket organization name",
    "Ticket group",
    "Update - Date",
    "Updater name",
    "Time spent last update (sec)",
]

FRESHDESK_FILE = "time_entries.csv"
FRESHDESK_HEADERS = [
    "billable",
    "note",
    "timer_running",
    "id",
    "agent_id",
    "ticket_id",
    "time_spent",
    "created_at",
    "updated_at",
    "executed_at",
    "start_time",
]
FRESHDESK_AGENTS_FILE = "agents.csv"
FRESHDESK_AGENT_HEADERS = ["id", "contact.name", "contact.email"]

ZENDESK_URL = "https://brightline.zendesk.com/agent/tickets/{}"

# ---------------------------------------------------------------------------------------------
# The company (one truth that every source renders)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    odoo_id: int
    freshdesk_id: int
    role: str
    employee: bool  # Harvest's "Employee?" (No: a contractor)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


ANA = Person("Ana", "Lopes", 7, 103000012301, "Support Engineer", True)
BRAM = Person("Bram", "Peeters", 8, 103000012302, "Support Engineer", True)
CHLOE = Person("Chloé", "Martin", 11, 103000012307, "Night Desk", False)
PEOPLE = (ANA, BRAM, CHLOE)

PRODUCT_NAMES = {p["product"]: p["name"] for p in SUPPORT["products"]}


@dataclass(frozen=True)
class Order:
    order: str
    customer: str
    at: dt.datetime  # Odoo's date_order, in the user's time zone
    state: str  # contract state
    customer_ref: str | None = None


ORDERS = (
    Order("S00012", "Azure Interior", dt.datetime(2026, 9, 15, 9, 12, 40), "sale", "AZ-2026"),
    Order("S00014", "Deco Addict", dt.datetime(2026, 9, 10, 14, 5, 0), "sale"),
    # Confirmed 30 minutes after local midnight: the date part is the 5th, in any reading
    # that does not convert it (it was 4 October 22:30 UTC).
    Order("S00015", "Gemini Furniture", dt.datetime(2026, 10, 5, 0, 30, 0), "sale"),
    Order("S00016", "Gemini Furniture", dt.datetime(2026, 10, 20, 11, 0, 0), "sent"),
    Order("S00017", "Azure Interior", dt.datetime(2026, 10, 12, 16, 45, 0), "cancel"),
)
ODOO_ORDER_STATUS = {
    "draft": "Quotation",
    "sent": "Quotation Sent",
    "sale": "Sales Order",
    "cancel": "Cancelled",
}


@dataclass(frozen=True)
class Line:
    order: str
    line: int  # rank within the order (the contract's line number)
    sol_id: int  # Odoo database id
    sequence: int
    product: str
    description: str  # Odoo's line description (default: "[REF] Name")
    quantity: float
    uom: str
    unit_price: float
    discount: float = 0.0


LINES = (
    # The description was edited: the sales order item reads "S00012 - Prepaid Support (...)".
    Line("S00012", 1, 27, 10, "PREPAID-H", "Prepaid Support", 20.0, "Hours", 100.0),
    Line("S00014", 1, 31, 10, "TM-H", "[TM-H] Support Hours", 10.0, "Hours", 90.0),
    # Same Sequence as the line above: Odoo orders them by id.
    Line("S00014", 2, 32, 10, "SETUP", "[SETUP] Onboarding", 1.0, "Units", 500.0),
    Line(
        "S00015", 1, 35, 10, "PREPAID-H", "[PREPAID-H] Prepaid Support Hours", 10.0, "Hours", 95.0
    ),
    Line(
        "S00016", 1, 38, 10, "PREPAID-H", "[PREPAID-H] Prepaid Support Hours", 20.0, "Hours", 95.0
    ),
    Line("S00017", 1, 40, 10, "PREPAID-D", "[PREPAID-D] Prepaid Support Days", 1.0, "Days", 800.0),
)
LINE_BY_KEY = {(ln.order, ln.line): ln for ln in LINES}
ORDER_BY_NAME = {o.order: o for o in ORDERS}
MANUAL_DELIVERED = {("S00014", 2): 1.0}


@dataclass(frozen=True)
class Ticket:
    ticket: str
    subject: str
    team: str
    customer: str
    created: dt.datetime  # Odoo's create_date, in the user's time zone
    link: tuple[str, int] | None  # the ticket's sales order item


TICKETS = (
    Ticket("40", "Slow Wi-Fi in office", "Support", "Deco Addict",
           dt.datetime(2026, 9, 24, 10, 2, 11), ("S00014", 1)),
    Ticket("41", "VPN drops every morning", "Support", "Azure Interior",
           dt.datetime(2026, 10, 1, 0, 14, 5), ("S00012", 1)),
    Ticket("42", "Printer offline in showroom", "Support", "Deco Addict",
           dt.datetime(2026, 10, 3, 9, 30, 0), ("S00014", 1)),
    Ticket("43", "Mailbox migration", "Support", "Gemini Furniture",
           dt.datetime(2026, 10, 6, 8, 0, 0), ("S00015", 1)),
    Ticket("44", "Password reset policy", "Internal", "Azure Interior",
           dt.datetime(2026, 10, 8, 13, 20, 0), None),
    Ticket("45", "New laptop setup", "Support", "Azure Interior",
           dt.datetime(2026, 10, 20, 9, 5, 0), ("S00012", 1)),
    Ticket("46", "Backup failure alert", "Support", "Deco Addict",
           dt.datetime(2026, 10, 27, 7, 55, 0), ("S00014", 1)),
    Ticket("47", "Firewall rule request", "Support", "Gemini Furniture",
           dt.datetime(2026, 10, 30, 15, 40, 0), ("S00015", 1)),
)  # fmt: skip
TICKET_BY_ID = {t.ticket: t for t in TICKETS}


@dataclass(frozen=True)
class Work:
    """One timesheet: ``at`` is when it was logged, in Europe/Brussels."""

    aal_id: int
    at: dt.datetime
    person: Person
    ticket: str
    minutes: int  # duration in whole minutes (negative: a correction)
    description: str
    invoice: str | None = None
    stopwatch_seconds: int = 0  # extra seconds a Zendesk timer recorded

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def link(self) -> tuple[str, int] | None:
        return TICKET_BY_ID[self.ticket].link

    @property
    def internal(self) -> bool:
        return TICKET_BY_ID[self.ticket].team == "Internal"


def _at(day: str, hm: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}")


WORK = (
    Work(101, _at("2026-09-25"), BRAM, "40", 90, "Replaced access point", "INV/2026/00038"),
    # 00:30 in Brussels is 30 September 22:30 UTC: October only in local time.
    Work(102, _at("2026-10-01", "00:30"), CHLOE, "41", 30, "Night call: VPN down"),
    Work(103, _at("2026-10-01", "09:10"), ANA, "41", 60, "Checked VPN client logs", None, 14),
    Work(104, _at("2026-10-02"), ANA, "41", 120, "Rebuilt VPN profile"),
    Work(105, _at("2026-10-03", "11:00"), BRAM, "42", 45, "Printer driver update", None, 31),
    # 20 minutes: 0.3333333... h, never rounded.
    Work(106, _at("2026-10-05", "15:20"), CHLOE, "42", 20, "Phone follow-up", None, 7),
    Work(107, _at("2026-10-06", "08:30"), ANA, "43", 180, "Mailbox migration, batch 1"),
    Work(108, _at("2026-10-07"), ANA, "43", 150, "Mailbox migration, batch 2", None, 52),
    Work(109, _at("2026-10-08", "14:00"), BRAM, "44", 60, "Drafted password policy"),
    Work(110, _at("2026-10-09"), CHLOE, "43", 75, "Migrated shared calendars"),
    Work(111, _at("2026-10-12"), BRAM, "41", 30, "Monitoring after fix"),
    Work(112, _at("2026-10-14"), ANA, "43", 120, "Archive import", None, 3),
    # A negative correction of an entry logged twice.
    Work(113, _at("2026-10-15", "09:00"), BRAM, "41", -30, "Correction: 12 Oct entered twice"),
    Work(114, _at("2026-10-16"), CHLOE, "44", 30, "Policy review meeting"),
    Work(115, _at("2026-10-20", "13:00"), BRAM, "45", 105, "Laptop imaging"),
    Work(116, _at("2026-10-21"), ANA, "45", 15, "Handover to user", None, 40),
    Work(117, _at("2026-10-22"), CHLOE, "42", 60, "Printer replaced"),
    Work(118, _at("2026-10-27", "09:00"), BRAM, "46", 90, "Investigated failed backup job"),
    # 40 minutes: 0.6666666... h.
    Work(119, _at("2026-10-28"), ANA, "46", 40, "Verified restore"),
    Work(120, _at("2026-10-30", "16:00"), CHLOE, "47", 30, "Reviewed firewall request"),
    # 00:40 on 1 November in Brussels is 31 October 23:40 UTC: after the cut-off only in
    # local time.
    Work(121, _at("2026-11-01", "00:40"), CHLOE, "47", 60, "Applied firewall rule (night window)"),
    Work(122, _at("2026-11-02"), BRAM, "47", 45, "Confirmed rule with customer"),
)


@dataclass(frozen=True)
class Invoice:
    number: str
    date: dt.date
    kind: str  # contract kind
    state: str  # contract state
    customer: str
    reverses: str | None = None


@dataclass(frozen=True)
class InvoiceLine:
    invoice: str
    order: str
    line: int
    quantity: float
    unit_price: float
    discount: float = 0.0

    @property
    def subtotal(self) -> float:
        return round(self.quantity * self.unit_price * (1 - self.discount / 100), 2)


INVOICES = (
    Invoice("INV/2026/00031", dt.date(2026, 9, 15), "invoice", "posted", "Azure Interior"),
    Invoice("INV/2026/00038", dt.date(2026, 9, 30), "invoice", "posted", "Deco Addict"),
    Invoice("INV/2026/00039", dt.date(2026, 10, 5), "invoice", "cancel", "Deco Addict"),
    Invoice("INV/2026/00040", dt.date(2026, 10, 6), "invoice", "posted", "Gemini Furniture"),
    Invoice("INV/2026/00041", dt.date(2026, 10, 10), "invoice", "posted", "Deco Addict"),
    Invoice(
        "RINV/2026/00003",
        dt.date(2026, 10, 12),
        "credit_note",
        "posted",
        "Gemini Furniture",
        "INV/2026/00040",
    ),
    Invoice("INV/2026/00042", dt.date(2026, 10, 12), "invoice", "posted", "Gemini Furniture"),
)
INVOICE_LINES = (
    InvoiceLine("INV/2026/00031", "S00012", 1, 20.0, 100.0),
    InvoiceLine("INV/2026/00038", "S00014", 1, 1.5, 90.0),
    InvoiceLine("INV/2026/00039", "S00014", 2, 1.0, 500.0),
    InvoiceLine("INV/2026/00040", "S00015", 1, 10.0, 95.0),
    InvoiceLine("INV/2026/00041", "S00014", 2, 1.0, 500.0),
    InvoiceLine("RINV/2026/00003", "S00015", 1, 10.0, 95.0),
    InvoiceLine("INV/2026/00042", "S00015", 1, 10.0, 95.0, 5.0),
)
ODOO_MOVE_TYPE = {"invoice": "Customer Invoice", "credit_note": "Customer Credit Note"}
ODOO_MOVE_STATE = {"draft": "Draft", "posted": "Posted", "cancel": "Cancelled"}

# ---------------------------------------------------------------------------------------------
# Odoo renderings
# ---------------------------------------------------------------------------------------------


def _customer_of(order: str) -> str:
    return ORDER_BY_NAME[order].customer


def odoo_line_name(key: tuple[str, int]) -> str:
    """A sales order item as Odoo displays it: ``"S00012 - Prepaid Support (Azure Interior)"``."""
    ln = LINE_BY_KEY[key]
    return f"{ln.order} - {ln.description.splitlines()[0]} ({_customer_of(ln.order)})"


def odoo_product(code: str) -> str:
    return f"[{code}] {PRODUCT_NAMES[code]}"


def odoo_ticket_name(ticket: str) -> str:
    return f"{TICKET_BY_ID[ticket].subject} (#{ticket})"


def odoo_billable_type(work: Work) -> str:
    if work.link is None:
        return "Non Billable Tasks"
    product = LINE_BY_KEY[work.link].product
    return "Billed on Timesheets" if product.startswith("TM-") else "Billed at a Fixed price"


def odoo_project(work: Work) -> str:
    return next(
        t["project"] for t in SUPPORT["teams"] if t["team"] == TICKET_BY_ID[work.ticket].team
    )


def odoo_xid(table: str, record_id: int) -> str:
    """An external id as Odoo makes one on export: ``__export__.<table>_<id>_<8 hex>``."""
    digest = hashlib.sha1(f"{table}:{record_id}".encode()).hexdigest()[:8]
    return f"__export__.{table}_{record_id}_{digest}"


def _delivered(key: tuple[str, int]) -> float:
    if key in MANUAL_DELIVERED:
        return MANUAL_DELIVERED[key]
    return float(round(sum(w.hours for w in WORK if w.link == key), 2))


def _invoiced(key: tuple[str, int]) -> float:
    done = {i.number for i in INVOICES if i.state != "cancel"}
    sign = {i.number: -1 if i.kind == "credit_note" else 1 for i in INVOICES}
    total = sum(
        sign[il.invoice] * il.quantity
        for il in INVOICE_LINES
        if (il.order, il.line) == key and il.invoice in done
    )
    return float(round(total, 2))


@dataclass(frozen=True)
class Styled:
    """An xlsx cell as Odoo's xlsxwriter writes it: value, number format, bold."""

    value: object
    number_format: str | None = None
    bold: bool = False


FLOAT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _cell(value: object) -> Styled:
    """Odoo's ``ExportXlsxWriter.write_cell``: dates, date-times and floats get a format."""
    if isinstance(value, dt.datetime):
        return Styled(value, DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return Styled(value, DATE_FORMAT)
    if isinstance(value, float):
        return Styled(value, FLOAT_FORMAT)
    return Styled(value)


def _write_odoo_book(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    """One ``Sheet1`` with a bold header; ``rows`` hold plain values or :class:`Styled`."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = ODOO_SHEET
    bold = Font(bold=True)
    for c, name in enumerate(headers, start=1):
        ws.cell(row=1, column=c, value=name).font = bold
    for r, row in enumerate(rows, start=2):
        assert len(row) == len(headers), (path.name, row)
        for c, value in enumerate(row, start=1):
            styled = value if isinstance(value, Styled) else _cell(value)
            if styled.value is None or styled.value == "":
                continue  # Odoo leaves an empty field as an empty cell
            cell = ws.cell(row=r, column=c, value=styled.value)
            if isinstance(styled.value, str):
                cell.data_type = "s"  # an id such as "27" stays text, as Odoo writes it
            if styled.number_format:
                cell.number_format = styled.number_format
            if styled.bold:
                cell.font = bold
    book.save(path)
    return path


def _odoo_timesheet_row(w: Work) -> list[object]:
    sol = LINE_BY_KEY[w.link] if w.link else None
    return [
        w.at.date(),
        w.person.name,
        odoo_project(w),
        None,  # helpdesk time is logged on the ticket, not on a task
        odoo_ticket_name(w.ticket),
        w.description,
        w.hours,
        odoo_line_name(w.link) if w.link else None,
        str(sol.sol_id) if sol else None,
        odoo_billable_type(w),
        w.invoice,
    ]


def _odoo_groups() -> list[tuple[Person, list[Work]]]:
    """The timesheets grouped by Employee (groups by name), each group in the model's order
    (``account.analytic.line`` sorts by date descending, then id descending)."""
    return [
        (
            person,
            sorted(
                (w for w in WORK if w.person == person),
                key=lambda w: (w.at.date(), w.aal_id),
                reverse=True,
            ),
        )
        for person in sorted(PEOPLE, key=lambda p: p.name)
    ]


def _odoo_timesheets_grouped() -> list[list[object]]:
    """Grouped by Employee, as the list view's group-by exports it: one bold total row per
    group (label ``"Ana Lopes (7)"`` in the first column, the sum of Quantity), then the
    group's rows."""
    rows: list[list[object]] = []
    for person, entries in _odoo_groups():
        header: list[object] = [Styled(f"{person.name} ({len(entries)})", bold=True)]
        for name in ODOO_TIMESHEET_HEADERS[1:]:
            if name == "Quantity":
                header.append(Styled(sum(w.hours for w in entries), FLOAT_FORMAT, bold=True))
            else:
                header.append(Styled(None, bold=True))
        rows.append(header)
        rows += [_odoo_timesheet_row(w) for w in entries]
    return rows


def odoo_timesheet_order() -> list[Work]:
    """The timesheets in the order their rows appear in the grouped Odoo export."""
    return [w for _, entries in _odoo_groups() for w in entries]


def _write_odoo_common(folder: Path) -> None:
    """Orders, order lines, tickets and the ledger from the list export, and the contract
    workbooks for teams and products (Odoo has no list export shaped like them)."""
    _write_odoo_book(
        folder / ODOO_FILES["orders"],
        ODOO_ORDER_HEADERS,
        [
            [o.order, o.customer, o.at, ODOO_ORDER_STATUS[o.state], CURRENCY, o.customer_ref]
            for o in ORDERS
        ],
    )
    _write_odoo_book(
        folder / ODOO_FILES["order_lines"],
        ODOO_ORDER_LINE_HEADERS,
        [
            [
                str(ln.sol_id),
                ln.order,
                ln.sequence,
                odoo_product(ln.product),
                ln.description,
                ln.quantity,
                ln.uom,
                ln.unit_price,
                ln.discount,
                _delivered((ln.order, ln.line)),
                _invoiced((ln.order, ln.line)),
            ]
            for ln in LINES
        ],
    )
    _write_odoo_book(
        folder / ODOO_FILES["tickets"],
        ODOO_TICKET_HEADERS,
        [
            [
                t.ticket,
                t.ticket,
                t.subject,
                t.team,
                t.customer,
                t.created,
                odoo_line_name(t.link) if t.link else None,
                str(LINE_BY_KEY[t.link].sol_id) if t.link else None,
            ]
            # Odoo lists tickets newest first.
            for t in sorted(TICKETS, key=lambda t: int(t.ticket), reverse=True)
        ],
    )
    _write_odoo_book(
        folder / ODOO_FILES["invoices"],
        ODOO_INVOICE_HEADERS,
        [
            [
                i.number,
                i.date,
                ODOO_MOVE_TYPE[i.kind],
                ODOO_MOVE_STATE[i.state],
                i.customer,
                CURRENCY,
                i.reverses,
            ]
            for i in INVOICES
        ],
    )
    _write_odoo_book(
        folder / ODOO_FILES["invoice_lines"],
        ODOO_INVOICE_LINE_HEADERS,
        [
            [
                il.invoice,
                odoo_product(LINE_BY_KEY[(il.order, il.line)].product),
                LINE_BY_KEY[(il.order, il.line)].description,
                il.quantity,
                LINE_BY_KEY[(il.order, il.line)].uom,
                il.unit_price,
                il.discount,
                Styled(il.subtotal, FLOAT_FORMAT),  # monetary
                odoo_line_name((il.order, il.line)),
                str(LINE_BY_KEY[(il.order, il.line)].sol_id),
            ]
            for il in INVOICE_LINES
        ],
    )
    write_inputs(folder, {"teams": _teams(), "products": _products()})


def write_odoo_list_export(folder: Path) -> Path:
    """The files of Odoo 16/17's Export dialog (xlsx, "I want to update data" unticked)."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_odoo_book(
        folder / ODOO_FILES["timesheets"], ODOO_TIMESHEET_HEADERS, _odoo_timesheets_grouped()
    )
    _write_odoo_common(folder)
    return folder


def write_odoo_import_export(folder: Path) -> Path:
    """The import-compatible variant ("I want to update data" ticked) of the timesheets: field
    paths as headers, external ids for every relation, no group-by, no read-only field (so no
    Billable Type and no Invoice), and the employees' external ids with their names as a side
    table. Orders, lines, tickets and the ledger come from the list export: the
    import-compatible dialog does not offer their Status, Type or Created on (read-only)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for w in sorted(WORK, key=lambda w: (w.at.date(), w.aal_id), reverse=True):
        rows.append(
            [
                odoo_xid("account_analytic_line", w.aal_id),
                w.at.date(),
                odoo_xid("hr_employee", w.person.odoo_id),
                odoo_xid("project_project", 2 if w.internal else 1),
                None,
                odoo_xid("helpdesk_ticket", int(w.ticket)),
                w.description,
                w.hours,
                odoo_xid("sale_order_line", LINE_BY_KEY[w.link].sol_id) if w.link else None,
            ]
        )
    _write_odoo_book(folder / ODOO_FILES["timesheets"], ODOO_IMPORT_TIMESHEET_HEADERS, rows)
    _write_odoo_book(
        folder / ODOO_FILES["employees"],
        ODOO_IMPORT_EMPLOYEE_HEADERS,
        [
            [odoo_xid("hr_employee", p.odoo_id), p.name]
            for p in sorted(PEOPLE, key=lambda p: p.name)
        ],
    )
    _write_odoo_common(folder)
    return folder


# ---------------------------------------------------------------------------------------------
# Time trackers
# ---------------------------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.2f}"


HARVEST_RATE = {"Support Engineer": 90.0, "Night Desk": 110.0}
HARVEST_COST = {"Support Engineer": 45.0, "Night Desk": 60.0}
HARVEST_PROJECT = {
    "Azure Interior": ("Prepaid Support 2026", "AZ-PS"),
    "Deco Addict": ("Managed IT", "DA-MIT"),
    "Gemini Furniture": ("Prepaid Support 2026", "GF-PS"),
}


def harvest_work() -> list[Work]:
    """What Harvest holds: no negative entry (a duration cannot be below zero)."""
    return sorted((w for w in WORK if w.minutes > 0), key=lambda w: (w.at.date(), w.aal_id))


def _harvest_hours(w: Work) -> float:
    return round(w.hours, 2)


def _harvest_rounded(w: Work) -> float:
    """The account rounds up to the next quarter hour for Hours Rounded."""
    quarters = -(-w.minutes // 15)
    return quarters / 4


def _harvest_by_url(w: Work) -> bool:
    """Entries started from the Zendesk integration carry the ticket URL, not a note tag."""
    return w.aal_id % 3 == 0


def write_harvest_export(folder: Path) -> Path:
    """Harvest's Detailed time report exported as CSV, plus the contract workbooks."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / HARVEST_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HARVEST_HEADERS)
        for w in harvest_work():
            ticket = TICKET_BY_ID[w.ticket]
            project, code = HARVEST_PROJECT[ticket.customer]
            if w.internal:
                project, code = "Internal IT", "INT"
            billable = not w.internal
            rate = HARVEST_RATE[w.person.role] if billable else 0.0
            hours = _harvest_hours(w)
            by_url = _harvest_by_url(w)
            notes = w.description if by_url else f"{w.description} #{w.ticket}"
            writer.writerow(
                [
                    w.at.date().isoformat(),
                    ticket.customer,
                    project,
                    code,
                    "Meetings" if "meeting" in w.description.lower() else "Support",
                    notes,
                    f"{hours:g}",
                    f"{_harvest_rounded(w):g}",
                    "Yes" if billable else "No",
                    "Yes" if w.invoice else "No",
                    "Yes" if w.at.date() < dt.date(2026, 10, 26) else "No",
                    w.person.first,
                    w.person.last,
                    w.person.role,
                    "Yes" if w.person.employee else "No",
                    _num(rate),
                    _num(rate * hours),
                    _num(HARVEST_COST[w.person.role]),
                    _num(HARVEST_COST[w.person.role] * hours),
                    "Euro - EUR",
                    ZENDESK_URL.format(w.ticket) if by_url else "",
                ]
            )
    _write_contract_side(folder)
    return folder


def zendesk_work() -> list[Work]:
    """What the Time Tracking app holds: positive times per ticket update."""
    return sorted((w for w in WORK if w.minutes > 0), key=lambda w: w.at)


def zendesk_seconds(w: Work) -> int:
    return w.minutes * 60 + w.stopwatch_seconds


def write_zendesk_export(folder: Path) -> Path:
    """An Explore report on Support: Updates history (one row per ticket update with time
    submitted) downloaded as CSV, plus the contract workbooks."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ZENDESK_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ZENDESK_HEADERS)
        for w in zendesk_work():
            ticket = TICKET_BY_ID[w.ticket]
            writer.writerow(
                [
                    ticket.ticket,
                    ticket.subject,
                    ticket.customer,
                    ticket.team,
                    w.at.date().isoformat(),
                    w.person.name,
                    zendesk_seconds(w),
                ]
            )
    _write_contract_side(folder)
    return folder


def freshdesk_work() -> list[Work]:
    """What Freshdesk holds: ``time_spent`` is ``hh:mm``, so no negative entry."""
    return sorted((w for w in WORK if w.minutes > 0), key=lambda w: w.at)


def _utc(local: dt.datetime) -> str:
    moment = local.replace(tzinfo=BRUSSELS).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def freshdesk_time_spent(w: Work) -> str:
    return f"{w.minutes // 60:02d}:{w.minutes % 60:02d}"


def write_freshdesk_export(folder: Path) -> Path:
    """Freshdesk API v2 time entries and agents, flattened to CSV, plus the contract workbooks."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / FRESHDESK_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(FRESHDESK_HEADERS)
        for n, w in enumerate(freshdesk_work()):
            executed = _utc(w.at)
            logged = _utc(w.at + dt.timedelta(minutes=max(w.minutes, 0) + 3))
            writer.writerow(
                [
                    "false" if w.internal else "true",
                    w.description,
                    "false",
                    str(82000004100 + n),
                    str(w.person.freshdesk_id),
                    w.ticket,
                    freshdesk_time_spent(w),
                    logged,
                    logged,
                    executed,
                    executed,
                ]
            )
    with (folder / FRESHDESK_AGENTS_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(FRESHDESK_AGENT_HEADERS)
        for p in PEOPLE:
            email = f"{p.first.lower().replace('é', 'e')}.{p.last.lower()}@brightline.example"
            writer.writerow([str(p.freshdesk_id), p.name, email])
    _write_contract_side(folder)
    return folder


# ---------------------------------------------------------------------------------------------
# Expected contract data
# ---------------------------------------------------------------------------------------------


def _teams() -> list[dict]:
    return copy.deepcopy(SUPPORT["teams"])


def _products() -> list[dict]:
    return copy.deepcopy(SUPPORT["products"])


def _contract_orders() -> list[dict]:
    rows = []
    for o in ORDERS:
        row = {
            "order": o.order,
            "customer": o.customer,
            "order_date": o.at.date().isoformat(),
            "state": o.state,
            "currency": CURRENCY,
        }
        if o.customer_ref:
            row["customer_ref"] = o.customer_ref
        rows.append(row)
    return rows


def _contract_order_lines() -> list[dict]:
    return [
        {
            "order": ln.order,
            "line": ln.line,
            "product": ln.product,
            "description": ln.description,
            "quantity": ln.quantity,
            "uom": ln.uom,
            "unit_price": ln.unit_price,
            "discount": ln.discount,
            "delivered": _delivered((ln.order, ln.line)),
        }
        for ln in LINES
    ]


def _contract_tickets(order: list[Ticket]) -> list[dict]:
    rows = []
    for t in order:
        row = {
            "ticket": t.ticket,
            "team": t.team,
            "customer": t.customer,
            "created": t.created.date().isoformat(),
            "subject": t.subject,
        }
        if t.link:
            row["order"], row["line"] = t.link
        rows.append(row)
    return rows


def _contract_invoices() -> list[dict]:
    rows = []
    for i in INVOICES:
        row = {
            "invoice": i.number,
            "invoice_date": i.date.isoformat(),
            "kind": i.kind,
            "state": i.state,
            "customer": i.customer,
            "currency": CURRENCY,
        }
        if i.reverses:
            row["reverses"] = i.reverses
        rows.append(row)
    return rows


def _contract_invoice_lines() -> list[dict]:
    return [
        {
            "invoice": il.invoice,
            "order": il.order,
            "line": il.line,
            "quantity": il.quantity,
            "uom": LINE_BY_KEY[(il.order, il.line)].uom,
            "unit_price": il.unit_price,
            "discount": il.discount,
            "subtotal": il.subtotal,
        }
        for il in INVOICE_LINES
    ]


def _contract_side() -> dict[str, list[dict]]:
    """What the time trackers' users write in contract form: every table but timesheets."""
    return {
        "teams": _teams(),
        "products": _products(),
        "orders": _contract_orders(),
        "order_lines": _contract_order_lines(),
        "tickets": _contract_tickets(list(TICKETS)),
        "invoices": _contract_invoices(),
        "invoice_lines": _contract_invoice_lines(),
    }


def _write_contract_side(folder: Path) -> None:
    write_inputs(folder, _contract_side())


def _odoo_expected(timesheets: list[dict]) -> dict[str, list[dict]]:
    tables = _contract_side()
    tables["tickets"] = _contract_tickets(
        sorted(TICKETS, key=lambda t: int(t.ticket), reverse=True)
    )
    tables["timesheets"] = timesheets
    return tables


def expected_odoo() -> dict[str, list[dict]]:
    """What the ``odoo`` profile must make of :func:`write_odoo_list_export`."""
    rows = []
    for w in odoo_timesheet_order():
        row = {
            "date": w.at.date().isoformat(),
            "employee": w.person.name,
            "ticket": w.ticket,
            "hours": w.hours,
            "description": w.description,
            "billable": w.link is not None,
        }
        if w.link:
            row["order"], row["line"] = w.link
        if w.invoice:
            row["invoice"] = w.invoice
        rows.append(row)
    return _odoo_expected(rows)


def expected_odoo_import() -> dict[str, list[dict]]:
    """What the ``odoo-import`` profile must make of :func:`write_odoo_import_export`."""
    rows = []
    for w in sorted(WORK, key=lambda w: (w.at.date(), w.aal_id), reverse=True):
        row = {
            "date": w.at.date().isoformat(),
            "employee": w.person.name,
            "ticket": w.ticket,
            "hours": w.hours,
            "description": w.description,
        }
        if w.link:
            row["order"], row["line"] = w.link
        rows.append(row)
    return _odoo_expected(rows)


def expected_harvest() -> dict[str, list[dict]]:
    """What the ``harvest`` profile must make of :func:`write_harvest_export`."""
    tables = _contract_side()
    tables["timesheets"] = [
        {
            "date": w.at.date().isoformat(),
            "employee": w.person.name,
            "ticket": w.ticket,
            "hours": _harvest_hours(w),
            "description": w.description if _harvest_by_url(w) else f"{w.description} #{w.ticket}",
            "billable": not w.internal,
        }
        for w in harvest_work()
    ]
    return tables


def expected_zendesk() -> dict[str, list[dict]]:
    """What the ``zendesk-explore`` profile must make of :func:`write_zendesk_export`."""
    tables = _contract_side()
    tables["timesheets"] = [
        {
            "date": w.at.date().isoformat(),
            "employee": w.person.name,
            "ticket": w.ticket,
            "hours": zendesk_seconds(w) / 3600,
        }
        for w in zendesk_work()
    ]
    return tables


def expected_freshdesk() -> dict[str, list[dict]]:
    """What the ``freshdesk`` profile must make of :func:`write_freshdesk_export`."""
    tables = _contract_side()
    tables["timesheets"] = [
        {
            "date": w.at.date().isoformat(),
            "employee": w.person.name,
            "ticket": w.ticket,
            "hours": w.minutes / 60,
            "description": w.description,
            "billable": not w.internal,
        }
        for w in freshdesk_work()
    ]
    return tables


WRITERS = {
    "odoo": (write_odoo_list_export, expected_odoo),
    "odoo-import": (write_odoo_import_export, expected_odoo_import),
    "harvest": (write_harvest_export, expected_harvest),
    "zendesk-explore": (write_zendesk_export, expected_zendesk),
    "freshdesk": (write_freshdesk_export, expected_freshdesk),
}
"""Built-in profile name -> (writer, expected)."""

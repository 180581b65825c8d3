"""The export fixtures themselves: real headers, real value formats, and expected contract data
that the product's own validation accepts (issue 12). The facts pinned here are sourced in
``tests/mapping/SOURCES.md``; the headers are the constants of ``exports``."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import exports
import openpyxl
import pytest

from builders import check

LABEL_ROW = re.compile(r"^.+ \(\d+\)$")
ODOO_LINE = re.compile(r"^S\d{5} - .+ \(.+\)$")
ODOO_TICKET = re.compile(r"^.+ \(#(\d+)\)$")
ODOO_PRODUCT = re.compile(r"^\[[A-Z0-9-]+\] .+$")
ODOO_XID = re.compile(r"^__export__\.[a-z_]+_\d+_[0-9a-f]{8}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HH_MM = re.compile(r"^\d{2}:\d{2}$")
UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CUTOFF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("exports")
    return {name: write(base / name) for name, (write, _) in exports.WRITERS.items()}


def sheet(path: Path):
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [exports.ODOO_SHEET], path.name
    return book[exports.ODOO_SHEET]


def header(ws) -> list:
    return [c.value for c in ws[1]]


def body(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=2) if any(c.value is not None for c in row)]


def column(ws, name: str) -> list:
    i = header(ws).index(name)
    return [row[i] for row in body(ws)]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


# ---------------------------------------------------------------------------------------------
# Odoo list export
# ---------------------------------------------------------------------------------------------


def test_odoo_files_are_named_and_headed_as_odoo_exports_them(written):
    folder = written["odoo"]
    names = {p.name for p in folder.iterdir()}
    exported = {exports.ODOO_FILES[s] for s in exports.ODOO_HEADERS}
    assert names == exported | {"teams.xlsx", "products.xlsx"}
    for table, headers in exports.ODOO_HEADERS.items():
        ws = sheet(folder / exports.ODOO_FILES[table])
        assert header(ws) == headers, table
        assert all(c.font.bold for c in ws[1]), table


def test_odoo_cells_are_typed_as_odoo_writes_them(written):
    folder = written["odoo"]
    orders = sheet(folder / exports.ODOO_FILES["orders"])
    for cell in column(orders, "Order Date"):
        assert isinstance(cell.value, dt.datetime)
        assert cell.number_format == exports.DATETIME_FORMAT
    assert any(c.value.time() != dt.time(0) for c in column(orders, "Order Date"))
    assert {c.value for c in column(orders, "Status")} == {
        "Sales Order",
        "Quotation Sent",
        "Cancelled",
    }
    tickets = sheet(folder / exports.ODOO_FILES["tickets"])
    assert all(isinstance(c.value, dt.datetime) for c in column(tickets, "Created on"))
    lines = sheet(folder / exports.ODOO_FILES["order_lines"])
    assert all(ODOO_PRODUCT.match(c.value) for c in column(lines, "Product"))
    assert all(c.data_type == "s" for c in column(lines, "ID")), "Odoo writes .id as text"
    pairs = list(zip(column(lines, "Order Reference"), column(lines, "Sequence"), strict=True))
    keys = [(o.value, s.value) for o, s in pairs]
    assert len(set(keys)) < len(keys), "a Sequence repeated within an order"
    for name in ("Quantity", "Unit Price", "Delivery Quantity"):
        assert all(c.number_format == exports.FLOAT_FORMAT for c in column(lines, name)), name
    invoices = sheet(folder / exports.ODOO_FILES["invoices"])
    assert {c.value for c in column(invoices, "Type")} == {
        "Customer Invoice",
        "Customer Credit Note",
    }
    assert {c.value for c in column(invoices, "Status")} == {"Posted", "Cancelled"}
    assert all(isinstance(c.value, dt.datetime) for c in column(invoices, "Invoice/Bill Date"))
    credit = [r for r in body(invoices) if r[2].value == "Customer Credit Note"]
    assert credit and all(r[header(invoices).index("Reversal of")].value for r in credit)


def test_odoo_timesheets_have_the_real_quirks(written):
    ws = sheet(written["odoo"] / exports.ODOO_FILES["timesheets"])
    head = header(ws)
    date, qty = head.index("Date"), head.index("Quantity")
    rows = body(ws)
    groups = [i for i, r in enumerate(rows) if isinstance(r[date].value, str)]
    assert len(groups) == 3, "one group-total row per employee"
    for n, start in enumerate(groups):
        label = rows[start][date]
        assert LABEL_ROW.match(label.value) and label.font.bold
        end = groups[n + 1] if n + 1 < len(groups) else len(rows)
        members = rows[start + 1 : end]
        assert label.value.endswith(f"({len(members)})")
        assert rows[start][qty].value == pytest.approx(sum(r[qty].value for r in members))
    data = [r for i, r in enumerate(rows) if i not in groups]
    for r in data:
        assert isinstance(r[date].value, dt.datetime) and r[date].value.time() == dt.time(0)
        assert r[date].number_format == exports.DATE_FORMAT
        assert isinstance(r[qty].value, float | int)
        assert r[qty].number_format == exports.FLOAT_FORMAT
        assert ODOO_TICKET.match(r[head.index("Helpdesk Ticket")].value)
    hours = [r[qty].value for r in data]
    assert any(h < 0 for h in hours), "a negative correction"
    assert any(abs(h * 100 - round(h * 100)) > 1e-6 for h in hours), "unrounded minutes"
    assert any(r[date].value.date() > CUTOFF for r in data), "a timesheet after the cut-off"
    items = {r[head.index("Sales Order Item")].value for r in data} - {None}
    assert "S00012 - Prepaid Support (Azure Interior)" in items
    assert all(ODOO_LINE.match(v) for v in items)
    assert {r[head.index("Billable Type")].value for r in data} == {
        "Billed at a Fixed price",
        "Billed on Timesheets",
        "Non Billable Tasks",
    }


def test_odoo_import_compatible_export_uses_field_paths_and_external_ids(written):
    folder = written["odoo-import"]
    ws = sheet(folder / exports.ODOO_FILES["timesheets"])
    assert header(ws) == exports.ODOO_IMPORT_TIMESHEET_HEADERS
    employees = sheet(folder / exports.ODOO_FILES["employees"])
    assert header(employees) == exports.ODOO_IMPORT_EMPLOYEE_HEADERS
    known = {c.value for c in column(employees, "id")}
    rows = body(ws)
    assert len(rows) == len(exports.WORK), "no group-total rows"
    for name in ("id", "employee_id/id", "project_id/id", "helpdesk_ticket_id/id"):
        assert all(ODOO_XID.match(c.value) for c in column(ws, name)), name
    assert {c.value for c in column(ws, "employee_id/id")} <= known
    assert {c.value for c in column(ws, "so_line/id")} - {None}
    assert all(isinstance(c.value, dt.datetime) for c in column(ws, "date"))
    for table in ("orders", "order_lines", "tickets", "invoices", "invoice_lines"):
        assert header(sheet(folder / exports.ODOO_FILES[table])) == exports.ODOO_HEADERS[table]


# ---------------------------------------------------------------------------------------------
# Time trackers
# ---------------------------------------------------------------------------------------------


def test_harvest_detailed_time_csv(written):
    headers, rows = read_csv(written["harvest"] / exports.HARVEST_FILE)
    assert headers == exports.HARVEST_HEADERS
    for row in rows:
        assert ISO_DATE.match(row["Date"])
        for flag in ("Billable?", "Invoiced?", "Approved?", "Employee?"):
            assert row[flag] in {"Yes", "No"}, flag
        url = row["External Reference URL"]
        assert re.search(r"#\d+\b", row["Notes"]) or re.search(r"/tickets/\d+$", url)
        float(row["Hours"]), float(row["Hours Rounded"])
    assert {r["Task"] for r in rows} == {"Support", "Meetings"}, "a work category, not a task"
    assert any(r["Hours"] != r["Hours Rounded"] for r in rows)
    assert {r["Billable?"] for r in rows} == {"Yes", "No"}
    assert any(r["External Reference URL"] for r in rows)
    assert any(r["Date"] > CUTOFF.isoformat() for r in rows)


def test_zendesk_explore_csv_counts_seconds(written):
    headers, rows = read_csv(written["zendesk-explore"] / exports.ZENDESK_FILE)
    assert headers == exports.ZENDESK_HEADERS
    seconds = [r["Time spent last update (sec)"] for r in rows]
    assert all(re.fullmatch(r"\d+", s) for s in seconds)
    assert any(int(s) % 60 for s in seconds), "a timer stops on any second"
    assert all(ISO_DATE.match(r["Update - Date"]) for r in rows)


def test_freshdesk_time_entries_are_utc_and_hh_mm(written):
    folder = written["freshdesk"]
    headers, rows = read_csv(folder / exports.FRESHDESK_FILE)
    assert headers == exports.FRESHDESK_HEADERS
    agent_headers, agents = read_csv(folder / exports.FRESHDESK_AGENTS_FILE)
    assert agent_headers == exports.FRESHDESK_AGENT_HEADERS
    assert {r["agent_id"] for r in rows} <= {a["id"] for a in agents}
    local_dates = []
    for row in rows:
        assert HH_MM.match(row["time_spent"])
        assert row["billable"] in {"true", "false"} and row["timer_running"] == "false"
        for stamp in ("executed_at", "created_at", "updated_at", "start_time"):
            assert UTC_STAMP.match(row[stamp]), stamp
        utc = dt.datetime.fromisoformat(row["executed_at"].replace("Z", "+00:00"))
        local_dates.append((utc.date(), utc.astimezone(exports.BRUSSELS).date()))
    assert (dt.date(2026, 10, 31), dt.date(2026, 11, 1)) in local_dates, (
        "after the cut-off only in local time"
    )
    assert (dt.date(2026, 9, 30), dt.date(2026, 10, 1)) in local_dates, (
        "in the period only in local time"
    )
    assert "2026-10-31T23:40:00Z" in {r["executed_at"] for r in rows}


# ---------------------------------------------------------------------------------------------
# Expected contract data
# ---------------------------------------------------------------------------------------------


def source_hours(name: str, folder: Path) -> list[float]:
    """Each source row's duration in hours, read straight from the file."""
    if name in ("odoo", "odoo-import"):
        ws = sheet(folder / exports.ODOO_FILES["timesheets"])
        head = header(ws)
        first = head[0]
        return [
            r[head.index("Quantity" if first == "Date" else "unit_amount")].value
            for r in body(ws)
            if not isinstance(r[0].value, str) or first != "Date"
        ]
    if name == "harvest":
        return [float(r["Hours"]) for r in read_csv(folder / exports.HARVEST_FILE)[1]]
    if name == "zendesk-explore":
        rows = read_csv(folder / exports.ZENDESK_FILE)[1]
        return [int(r["Time spent last update (sec)"]) / 3600 for r in rows]
    rows = read_csv(folder / exports.FRESHDESK_FILE)[1]
    return [int(h) + int(m) / 60 for h, m in (r["time_spent"].split(":") for r in rows)]


@pytest.mark.parametrize("name", list(exports.WRITERS))
def test_expected_timesheets_are_the_source_rows_converted(written, name):
    expected = exports.WRITERS[name][1]()
    rows = expected["timesheets"]
    assert [r["hours"] for r in rows] == pytest.approx(source_hours(name, written[name]))
    for row in rows:
        assert ISO_DATE.match(row["date"]) and isinstance(row["ticket"], str)
        assert isinstance(row["hours"], float)
        assert "task" not in row, "Harvest's Task is a category; Odoo ticket time has no task"
    assert expected == exports.WRITERS[name][1](), "expected data is deterministic"


def test_expected_dates_follow_each_source_time_zone_rule():
    freshdesk = {r["description"]: r["date"] for r in exports.expected_freshdesk()["timesheets"]}
    assert freshdesk["Applied firewall rule (night window)"] == "2026-11-01"
    assert freshdesk["Night call: VPN down"] == "2026-10-01"
    orders = {r["order"]: r["order_date"] for r in exports.expected_odoo()["orders"]}
    assert orders["S00015"] == "2026-10-05", "an Odoo date-time is already local: its date part"


@pytest.mark.parametrize("name", list(exports.WRITERS))
def test_expected_data_validates_without_errors(tmp_path, name):
    findings = check(tmp_path, exports.WRITERS[name][1](), period=exports.PERIOD)
    errors = findings[findings["severity"] == "error"]
    assert errors.empty, errors.to_string()
    warned = set(zip(findings["code"], findings["sheet"], findings["column"], strict=True))
    assert warned == {("after_cutoff", "timesheets", "date")}

"""Two month-ends of the sample company, as a controller closes them: October, then November
with October's drafts posted in the ledger, then November again from its own audit.

What is pinned (docs/rules.md sections 8-11): every annex subtotal equals its invoice line; no
timesheet is billed beyond its hours; re-running a month with its audit fed back as the
timesheets gives byte-identical reports; the time without an order line and the time beyond
prepaid blocks are warnings and rows of ``unbilled``; the hours bridge ties. Each run is the
real command in a subprocess.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from builders import records as sheet

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
WORKBOOKS = [
    "invoices.xlsx",
    "delivered_vs_ordered.xlsx",
    "hours_by_ticket.xlsx",
    "tasks.xlsx",
    "exceptions.xlsx",
]


def run(input_dir: Path, period: str, out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "prepaid_recon", "run", str(input_dir), "--period", period,
         "--out", str(out), "-q"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return out


def write_sheet(book: openpyxl.Workbook, name: str, records: list[dict]) -> None:
    ws = book.create_sheet(name)
    header = list(records[0])
    ws.append(header)
    for record in records:
        ws.append([record[c] for c in header])


def next_month_input(previous_input: Path, out: Path, dest: Path, *, feed_audit: bool) -> Path:
    """``previous_input`` with ``out``'s drafts posted in the ledger, and, when asked, the
    timesheets replaced by ``out``'s audit (the `timesheets` sheet of hours_by_ticket.xlsx)."""
    shutil.copytree(previous_input, dest, ignore=shutil.ignore_patterns("*.py", "*.md"))
    ledger = {name: sheet(previous_input / "invoices.xlsx", name)
              for name in ("invoices", "invoice_lines")}  # fmt: skip
    posted = [dict(r, state="posted") for r in sheet(out / "invoices.xlsx", "invoices")]
    book = openpyxl.Workbook()
    book.remove(book.active)
    columns = list(ledger["invoices"][0])
    write_sheet(
        book, "invoices", ledger["invoices"] + [{c: r.get(c) for c in columns} for r in posted]
    )
    columns = list(ledger["invoice_lines"][0])
    new_lines = [
        {c: r.get(c) for c in columns} for r in sheet(out / "invoices.xlsx", "invoice_lines")
    ]
    write_sheet(book, "invoice_lines", ledger["invoice_lines"] + new_lines)
    book.save(dest / "invoices.xlsx")
    if feed_audit:
        audit = openpyxl.Workbook()
        audit.remove(audit.active)
        write_sheet(audit, "timesheets", sheet(out / "hours_by_ticket.xlsx", "timesheets"))
        audit.save(dest / "timesheets.xlsx")
    return dest


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("months")
    october = run(SAMPLE, "2026-10", work / "out" / "2026-10")
    november_input = next_month_input(SAMPLE, october, work / "nov", feed_audit=True)
    november = run(november_input, "2026-11", work / "out" / "2026-11")
    again_input = next_month_input(SAMPLE, october, work / "nov-again", feed_audit=False)
    again_input.joinpath("timesheets.xlsx").unlink()
    audit = openpyxl.Workbook()
    audit.remove(audit.active)
    write_sheet(audit, "timesheets", sheet(november / "hours_by_ticket.xlsx", "timesheets"))
    audit.save(again_input / "timesheets.xlsx")
    november_again = run(again_input, "2026-11", work / "out" / "2026-11-again")
    return {"2026-10": october, "2026-11": november, "again": november_again}


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_every_annex_subtotal_equals_its_invoice_line(months, month):
    out = months[month]
    lines = {
        (r["invoice"], r["order"], r["line"]): r
        for r in sheet(out / "invoices.xlsx", "invoice_lines")
    }
    annex = sheet(out / "invoices.xlsx", "annex")
    subtotals = [r for r in annex if r["entry"] == "subtotal"]
    parts: dict[tuple, float] = defaultdict(float)
    for r in annex:
        if r["entry"] != "subtotal":
            parts[(r["invoice"], r["order"], r["line"])] += r["quantity"]
    assert subtotals, "the sample bills time-and-materials lines every month"
    for r in subtotals:
        key = (r["invoice"], r["order"], r["line"])
        assert r["quantity"] == pytest.approx(lines[key]["quantity"], abs=1e-9), key
        assert parts[key] == pytest.approx(r["quantity"], abs=1e-9), key
    on_time_lines = {k for k, v in lines.items() if v["product"] in ("TM-H", "TM-D")}
    assert on_time_lines == {(r["invoice"], r["order"], r["line"]) for r in subtotals}


def test_november_bills_only_the_time_not_billed_before(months):
    annex = sheet(months["2026-11"] / "invoices.xlsx", "annex")
    billed_in_october = {
        (r["timesheet"]) for r in sheet(months["2026-10"] / "invoices.xlsx", "annex")
        if r["timesheet"] and r["timesheet_hours"] == r["hours"]
    }  # fmt: skip
    november = {r["timesheet"] for r in annex if r["timesheet"]}
    assert not november & billed_in_october
    subtotal = next(r for r in annex if r["entry"] == "subtotal" and r["line"] == 1)
    assert subtotal["hours"] == pytest.approx(1.5)


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_no_timesheet_is_billed_beyond_its_hours(months, month):
    for r in sheet(months[month] / "hours_by_ticket.xlsx", "timesheets"):
        if r["billed_hours"] is not None:
            assert abs(r["billed_hours"]) <= abs(r["hours"]) + 1e-9, r
        if r["invoice"]:
            assert r["status"] == "counted"


def test_rerunning_november_from_its_own_audit_gives_byte_identical_reports(months):
    for name in WORKBOOKS:
        first = (months["2026-11"] / name).read_bytes()
        assert first == (months["again"] / name).read_bytes(), name


def test_unbilled_work_is_reported_per_ticket_and_valued_in_unbilled(months):
    out = months["2026-10"]
    findings = sheet(out / "exceptions.xlsx", "exceptions")
    by_code: dict[str, list[dict]] = defaultdict(list)
    for f in findings:
        by_code[f["code"]].append(f)
    no_line = by_code["unbilled_no_order"] + by_code["unbilled_order_not_confirmed"]
    hours = {f["value"]: float(f["message"].split(": ")[1].split(" h")[0]) for f in no_line}
    assert sum(hours.values()) == pytest.approx(9.5)
    assert len(hours) == len(no_line)  # one finding per ticket
    assert all(f["sheet"] == "tickets" and f["column"] == "ticket" for f in no_line)
    beyond = by_code["beyond_prepaid_block"]
    total = sum(float(f["message"].split(": ")[1].split(" h")[0]) for f in beyond)
    assert total == pytest.approx(11.0)
    unbilled = sheet(out / "delivered_vs_ordered.xlsx", "unbilled")
    period = defaultdict(float)
    for r in unbilled:
        period[r["reason"]] += r["hours_in_period"]
    assert period["beyond_block"] == pytest.approx(11.0)
    assert period["no_order"] + period["order_not_confirmed"] == pytest.approx(9.5)
    over = [r for r in unbilled if r["reason"] == "beyond_block"]
    assert sum(r["list_value_in_period"] for r in over) == pytest.approx(1100.0)


def test_a_customers_overrun_is_not_netted_against_its_other_block(months):
    customers = {
        r["customer"]: r
        for r in sheet(months["2026-10"] / "delivered_vs_ordered.xlsx", "customers")
    }
    acme = customers["Acme Corp"]
    assert acme["overrun_hours"] == 9 and acme["available_hours"] == 33
    assert acme["closing_hours"] == acme["available_hours"] - acme["overrun_hours"]


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_the_hours_bridge_ties_to_the_hundredth(months, month):
    bridge = sheet(months[month] / "hours_by_ticket.xlsx", "bridge")
    hours = [r["hours"] for r in bridge]
    total, after, to_date, before, period = hours[:5]
    assert total == pytest.approx(after + to_date, abs=0.005)
    assert to_date == pytest.approx(before + period, abs=0.005)
    assert period == pytest.approx(sum(hours[5:]), abs=0.005)
    totals = {
        r["status"]: r for r in sheet(months[month] / "hours_by_ticket.xlsx", "control_totals")
    }
    assert totals["total"]["hours"] == pytest.approx(total)
    for r in totals.values():
        split = r["hours_before_period"] + r["hours_in_period"] + r["hours_after_cutoff"]
        assert split == pytest.approx(r["hours"], abs=0.005)


def test_the_first_timesheet_past_a_block_is_flagged_in_the_usage_listing(months):
    usage = sheet(months["2026-10"] / "delivered_vs_ordered.xlsx", "prepaid_usage")
    acme = [r for r in usage if r["order"] == "S00101"]
    first = [r for r in acme if r["first_beyond_block"]]
    assert len(first) == 1
    before = acme[acme.index(first[0]) - 1]
    assert before["block_remaining_hours"] >= 0 > first[0]["block_remaining_hours"]
    closing = acme[-1]
    assert closing["entry"] == "closing balance" and closing["block_remaining_hours"] == -9
    assert closing["beyond_block_hours"] == pytest.approx(9.0)

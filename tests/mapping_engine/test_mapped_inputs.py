"""Exports read through a mapping, end to end (``--mapping``, ``prepaid-recon.toml``, ``init
--mapping``): the same figures as the data typed in contract form, findings that name the
user's file and header, and the mapping recorded in ``run.json``."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from builders import clean_inputs, write_inputs
from builders import records as sheet

HARVEST_HEADER = [
    "Date", "Client", "Project", "Project Code", "Task", "Notes", "Hours", "Hours Rounded",
    "Billable?", "Invoiced?", "Approved?", "First Name", "Last Name", "Roles", "Employee?",
    "Billable Rate", "Billable Amount", "Cost Rate", "Cost Amount", "Currency",
    "External Reference URL",
]  # fmt: skip
ENTRIES = [
    # date, notes, hours, billable, first, last, url
    ("2026-10-02", "printer fixed #41", "1.5", "Yes", "Ana", "Silva", ""),
    ("2026-10-03", "call", "0.3333333", "Yes", "Bo", "Okafor",
     "https://acme.example/agent/tickets/41"),
    ("2026-10-04", "correction #41", "-0.25", "Yes", "Ana", "Silva", ""),
    ("2026-10-05", "internal #41", "1", "No", "Bo", "Okafor", ""),
    ("2026-11-01", "next month #41", "2", "Yes", "Ana", "Silva", ""),
]  # fmt: skip


def contract_inputs() -> dict[str, list[dict]]:
    inputs = copy.deepcopy(clean_inputs())
    inputs["tickets"][0]["ticket"] = "41"
    inputs["timesheets"] = [
        {"date": dt.date.fromisoformat(d), "employee": f"{first} {last}", "ticket": "41",
         "hours": float(hours), "description": notes, "billable": billable == "Yes"}
        for d, notes, hours, billable, first, last, _url in ENTRIES
    ]  # fmt: skip
    return inputs


def harvest_folder(folder: Path, entries=ENTRIES) -> Path:
    inputs = contract_inputs()
    del inputs["timesheets"]
    write_inputs(folder, inputs)
    path = folder / "harvest_time_report_from2026-10-01to2026-11-30.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HARVEST_HEADER)
        for d, notes, hours, billable, first, last, url in entries:
            row = dict.fromkeys(HARVEST_HEADER, "")
            row.update({"Date": d, "Client": "Acme", "Project": "Support", "Task": "Support",
                        "Notes": notes, "Hours": hours, "Billable?": billable,
                        "First Name": first, "Last Name": last, "Employee?": "Yes",
                        "External Reference URL": url, "Currency": "US Dollar - USD"})  # fmt: skip
            out.writerow([row[h] for h in HARVEST_HEADER])
    return folder


def cli(*args: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "prepaid_recon", *map(str, args)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_a_harvest_export_gives_the_figures_of_the_same_data_in_contract_form(tmp_path):
    typed = write_inputs(tmp_path / "typed", contract_inputs())
    harvest = harvest_folder(tmp_path / "harvest")
    assert cli("run", typed, "--period", "2026-10", "--out", tmp_path / "a", "-q").returncode == 0
    done = cli("run", harvest, "--period", "2026-10", "--out", tmp_path / "b", "-q",
               "--mapping", "harvest")  # fmt: skip
    assert done.returncode == 0, done.stderr
    for book, name in [("delivered_vs_ordered.xlsx", "order_lines"),
                       ("hours_by_ticket.xlsx", "control_totals"),
                       ("invoices.xlsx", "invoice_lines")]:  # fmt: skip
        assert sheet(tmp_path / "a" / book, name) == sheet(tmp_path / "b" / book, name), name
    typed_audit = sheet(tmp_path / "a" / "hours_by_ticket.xlsx", "timesheets")
    mapped_audit = sheet(tmp_path / "b" / "hours_by_ticket.xlsx", "timesheets")
    keep = ("date", "employee", "ticket", "hours", "status", "reason", "billable")
    assert [{k: r[k] for k in keep} for r in typed_audit] == [
        {k: r[k] for k in keep} for r in mapped_audit
    ]
    manifest = json.loads((tmp_path / "b" / "run.json").read_text())
    from prepaid_recon.read.mapped import builtin_text

    digest = hashlib.sha256(builtin_text("harvest").encode()).hexdigest()
    assert manifest["inputs"]["files"]["mapping: profile harvest"] == digest


def test_findings_on_a_mapped_column_name_the_users_file_row_and_header(tmp_path):
    entries = [*ENTRIES, ("2026-10-06", "#41", "2", "Perhaps", "Ana", "Silva", ""),
               ("2026-10-07", "no ticket here", "1", "Yes", "Ana", "Silva", ""),
               ("07/10/2026", "#41", "ten", "Yes", "Ana", "Silva", "")]  # fmt: skip
    folder = harvest_folder(tmp_path / "in", entries)
    done = cli("validate", folder, "--period", "2026-10", "--mapping", "harvest",
               "--out", tmp_path / "out")  # fmt: skip
    assert done.returncode == 1
    found = {(f["code"], f["row"], f["column"])
             for f in sheet(tmp_path / "out" / "exceptions.xlsx", "exceptions")}  # fmt: skip
    assert found >= {
        ("unmapped_value", 7, "Billable? → billable"),
        ("pattern_not_matched", 8, "External Reference URL / Notes → ticket"),
        ("bad_date", 9, "Date → date"),
        ("bad_hours", 9, "Hours → hours"),
    }
    rows = sheet(tmp_path / "out" / "exceptions.xlsx", "exceptions")
    assert {r["file"] for r in rows if r["row"] in (7, 8, 9)} == {
        "harvest_time_report_from2026-10-01to2026-11-30.csv"
    }
    assert "Hours -> hours (hours to hours)" in done.stderr  # the mapping it applied
    assert {r["sheet"] for r in rows if r["row"] in (7, 8, 9)} == {"timesheets"}  # a CSV


def test_a_mapping_file_in_the_input_folder_applies_without_the_option(tmp_path):
    folder = harvest_folder(tmp_path / "in")
    start = tmp_path / "start"
    done = cli("init", start, "--mapping", "harvest")
    assert done.returncode == 0, done.stderr
    assert "- [ ]" in (start / "EXPORT-CHECKLIST.md").read_text()
    (folder / "prepaid-recon.toml").write_bytes((start / "prepaid-recon.toml").read_bytes())
    done = cli("validate", folder, "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    assert "Mapping: prepaid-recon.toml" in done.stderr
    again = cli("init", start, "--mapping", "harvest")
    assert again.returncode == 2 and "already in" in again.stderr


def test_a_broken_mapping_file_is_one_finding_naming_the_key(tmp_path):
    folder = harvest_folder(tmp_path / "in")
    (folder / "prepaid-recon.toml").write_text(
        '[sheets.timesheets]\nfile = "harvest*.csv"\n[sheets.timesheets.columns]\n'
        'hours = { from = "Hours", unit = "fortnights" }\n'
    )
    done = cli("validate", folder, "--out", tmp_path / "out")
    assert done.returncode == 1
    rows = sheet(tmp_path / "out" / "exceptions.xlsx", "exceptions")
    assert [(r["code"], r["file"]) for r in rows] == [("bad_mapping", "prepaid-recon.toml")]
    assert "sheets.timesheets.columns.hours.unit" in rows[0]["message"]


def test_an_unknown_mapping_name_is_a_usage_error(tmp_path):
    done = cli("validate", harvest_folder(tmp_path / "in"), "--mapping", "harvestt")
    assert done.returncode == 2 and "harvest" in done.stderr


def test_validate_suggests_the_profile_a_failing_folder_looks_like(tmp_path):
    done = cli("validate", harvest_folder(tmp_path / "in"), "--period", "2026-10")
    assert done.returncode == 1  # timesheets.xlsx is missing: no mapping is applied silently
    assert "--mapping harvest" in done.stderr


@pytest.mark.parametrize("layout", ["sheet", "first"])
def test_a_mapped_workbook_sheet_is_found_by_name_or_first(tmp_path, layout):
    folder = tmp_path / "in"
    inputs = contract_inputs()
    rows = inputs.pop("timesheets")
    write_inputs(folder, inputs)
    book = openpyxl.Workbook()
    book.active.title = "Cover" if layout == "sheet" else "Sheet1"
    ws = book.create_sheet("Time") if layout == "sheet" else book.active
    ws.append(["When", "Who", "Ticket", "Minutes"])
    for r in rows:
        ws.append([r["date"], r["employee"], f"Ticket #{r['ticket']}", r["hours"] * 60])
    book.save(folder / "Export 2026.xlsx")
    sheet_line = 'sheet = "time"' if layout == "sheet" else ""
    (folder / "prepaid-recon.toml").write_text(
        f'[sheets.timesheets]\nfile = "export*.xlsx"\n{sheet_line}\n'
        "[sheets.timesheets.columns]\n"
        'date = { from = "When", date_format = "%Y-%m-%d" }\n'
        'employee = { from = "Who" }\n'
        'ticket = { from = "Ticket", pattern = "#(\\\\d+)" }\n'
        'hours = { from = "Minutes", unit = "minutes" }\n'
    )
    done = cli("validate", folder, "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    assert "Minutes -> hours (minutes to hours)" in done.stderr


def _with_mapping(tmp_path: Path, toml: str, files: dict[str, str]) -> list[dict]:
    """``validate`` on the clean contract input plus ``files`` (name -> CSV text) read through
    the mapping ``toml``; the findings written to exceptions.xlsx."""
    folder = tmp_path / "in"
    inputs = contract_inputs()
    write_inputs(folder, inputs)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "prepaid-recon.toml").write_text(toml, encoding="utf-8")
    done = cli("validate", folder, "--period", "2026-10", "--out", tmp_path / "out")
    assert done.returncode in (0, 1), done.stderr
    return sheet(tmp_path / "out" / "exceptions.xlsx", "exceptions")


TIMES = "When,Who,Ticket,Hours,Agent\n2026-10-02,Ana,41,1.5,7\n2026-10-03,Bo,41,2,8\n"
BASE = (
    '[sheets.timesheets]\nfile = "{file}"\n{extra}\n[sheets.timesheets.columns]\n'
    'date = {{ from = "When", date_format = "%Y-%m-%d" }}\nticket = {{ from = "Ticket" }}\n'
    'hours = {{ from = "Hours", unit = "hours" }}\n{employee}\n'
)


@pytest.mark.parametrize(
    ("file", "extra", "employee", "files", "code", "said"),
    [
        ("nothing*.csv", "", 'employee = { from = "Who" }', {"t.csv": TIMES},
         "missing_file", "no file matching"),
        ("t*.csv", "", 'employee = { from = "Who" }', {"t1.csv": TIMES, "t2.csv": TIMES},
         "ambiguous_source", "keep one"),
        ("t.csv", 'skip_rows = [{ column = "Kind", blank = true }]', 'employee = { from = "Who" }',
         {"t.csv": TIMES}, "mapped_column_missing", "skips rows by 'Kind'"),
        ("t.csv", "", 'employee = { from = "Agent", lookup = { file = "agents.csv", key = "id", '
         'value = "name" } }', {"t.csv": TIMES}, "missing_file", "no file matching 'agents.csv'"),
        ("t.csv", "", 'employee = { from = "Agent", lookup = { file = "agents.csv", key = "id", '
         'value = "full_name" } }', {"t.csv": TIMES, "agents.csv": "id,name\n7,Ana\n8,Bo\n"},
         "mapped_column_missing", "no column 'full_name'"),
        ("t.csv", "", 'employee = { from = "Agent", lookup = { file = "agents.csv", key = "id", '
         'value = "name" } }', {"t.csv": TIMES, "agents.csv": "id,name\n7,Ana\n"},
         "unmapped_value", "no row has this 'id'"),
        ("t.xls", "", 'employee = { from = "Who" }', {"t.xls": "not really"},
         "protected_or_xls", "old .xls"),
    ],
)  # fmt: skip
def test_each_way_a_mapping_cannot_find_its_data_is_a_finding(
    tmp_path, file, extra, employee, files, code, said
):
    toml = BASE.format(file=file, extra=extra, employee=employee)
    findings = _with_mapping(tmp_path, toml, files)
    assert any(f["code"] == code and said in f["message"] for f in findings), findings


def test_an_order_line_named_by_text_is_found_or_reported(tmp_path):
    times = (
        "When,Who,Ticket,Hours,Item\n"
        "2026-10-02,Ana,41,1.5,S1 - Prepaid Support Hours (Acme)\n"
        "2026-10-03,Bo,41,2,S1 - Something else (Acme)\n"
    )
    toml = BASE.format(file="t.csv", extra="", employee='employee = { from = "Who" }') + (
        'order = { from = "Item", pattern = "^(\\\\S+) - " }\n'
        'line = { from = "Item", pattern = "^\\\\S+ - (.*) \\\\([^()]*\\\\)$", line_by = "text" }\n'
    )
    findings = _with_mapping(tmp_path, toml, {"t.csv": times})
    assert [(f["code"], f["row"], f["column"]) for f in findings if f["severity"] == "error"] == [
        ("unmapped_value", 3, "Item → line")
    ]


def test_line_numbers_follow_the_sequence_within_each_order(tmp_path):
    folder = tmp_path / "in"
    inputs = contract_inputs()
    del inputs["order_lines"]
    write_inputs(folder, inputs)
    (folder / "lines.csv").write_text(
        "Order,Sequence,Product,Qty\nS1,20,PREPAID-H,10\nS1,10,TM-H,0\nS1,10,PREPAID-D,1\n",
        encoding="utf-8",
    )
    (folder / "prepaid-recon.toml").write_text(
        '[sheets.order_lines]\nfile = "lines.csv"\n[sheets.order_lines.columns]\n'
        'order = { from = "Order" }\nline = { from = "Sequence", number_within = "Order" }\n'
        'product = { from = "Product" }\nquantity = { from = "Qty" }\n',
        encoding="utf-8",
    )
    from prepaid_recon.read.tables import read_inputs

    frame = read_inputs(folder).tables["order_lines"].frame
    assert frame[["product", "line"]].values.tolist() == [
        ["PREPAID-H", 3], ["TM-H", 1], ["PREPAID-D", 2],
    ]  # fmt: skip

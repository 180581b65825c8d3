"""Text longer than an Excel cell holds (issue 11): cut on purpose, said, never silent.

Before, a text cell longer than 32,767 characters reached the reports through xlsxwriter, which
cut it silently, by code points (a text of emoji came out longer than Excel's 32,767 UTF-16
units).  Now every input cell of a column a report shows that is longer is a ``text_too_long``
warning, and the writer cuts explicitly, the same way on both row paths, to the first 32,767
UTF-16 units without splitting a character; the input keeps the whole text.  Such a text comes
from a CSV file (openpyxl, which the workbook builders use, cuts long strings itself).
"""

from __future__ import annotations

import copy
import hashlib
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from xlsxwriter.worksheet import Worksheet

from builders import clean_inputs, write_inputs
from prepaid_recon.contract.inputs import SHEETS, columns_of
from prepaid_recon.domain import (
    EXCEL_MAX_TEXT,
    excel_text_fits,
    excel_text_length,
    excel_text_prefix,
)
from prepaid_recon.findings import Code, Severity
from prepaid_recon.validate.collector import Findings, Table
from prepaid_recon.validate.texts import REPORTED_TEXT, check_long_text
from prepaid_recon.xlsx.writer import SheetSpec, write_workbook

LIMIT = EXCEL_MAX_TEXT
COMMAND = [sys.executable, "-m", "prepaid_recon"]
EMOJI = "\U0001f600"  # two UTF-16 units


# --------------------------------------------------------------------------------------------
# How long a text is, and its part that fits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fits", "prefix"),
    [
        ("a" * LIMIT, True, "a" * LIMIT),
        ("a" * (LIMIT + 1), False, "a" * LIMIT),
        (EMOJI * (LIMIT // 2), True, EMOJI * (LIMIT // 2)),  # 32,766 units
        (EMOJI * (LIMIT // 2 + 1), False, EMOJI * (LIMIT // 2)),  # never half an emoji
        ("a" + EMOJI * (LIMIT // 2), True, "a" + EMOJI * (LIMIT // 2)),  # exactly 32,767
        ("ab" + EMOJI * (LIMIT // 2), False, "ab" + EMOJI * (LIMIT // 2 - 1)),
        ("", True, ""),
    ],
    ids=["ascii-limit", "ascii-over", "emoji-fits", "emoji-over", "mixed-limit", "mixed-over", "0"],
)
def test_length_and_prefix_count_utf16_units_as_excel_does(text, fits, prefix):
    assert excel_text_fits(text) is fits
    assert excel_text_prefix(text) == prefix
    assert excel_text_length(prefix) <= LIMIT
    assert text.startswith(prefix)


# --------------------------------------------------------------------------------------------
# Validation: the warning
# --------------------------------------------------------------------------------------------


def _table(sheet: str, column: str, values: list[object]) -> Table:
    index = pd.RangeIndex(2, 2 + len(values), name="row")
    frame = pd.DataFrame({column: pd.Series(values, index=index, dtype="str")})
    return Table(sheet, f"{sheet}.csv", frame, frame, {column})


def test_every_reported_column_is_a_text_column_of_the_contract():
    for sheet, names in REPORTED_TEXT.items():
        text = {c.name for c in columns_of(sheet) if c.value_type == "text"}
        assert set(names) <= text, sheet


@pytest.mark.parametrize(
    ("sheet", "column"), [(s, c) for s, names in REPORTED_TEXT.items() for c in names]
)
def test_a_too_long_text_in_a_reported_column_is_a_warning_on_its_cell(sheet, column):
    long, emoji = "x" * (LIMIT + 1), EMOJI * (LIMIT // 2 + 1)
    table = _table(sheet, column, ["short", long, "y" * LIMIT, None, emoji])
    findings = Findings()
    check_long_text(table, findings)
    found = findings.frame()
    assert found["row"].tolist() == [3, 6]
    assert set(found["code"]) == {Code.TEXT_TOO_LONG}
    assert set(found["severity"]) == {Severity.WARNING}
    assert set(found["column"]) == {column}
    assert found["value"].tolist() == ["x" * 40 + "…", EMOJI * 40 + "…"]
    assert "32,768 characters" in found["message"].iloc[0]
    assert f"first {LIMIT:,} characters" in found["message"].iloc[0]


UNREPORTED = [
    (c.sheet, col.name)
    for c in SHEETS
    for col in columns_of(c.sheet)
    if col.value_type == "text" and col.name not in REPORTED_TEXT.get(c.sheet, ())
]


@pytest.mark.parametrize(("sheet", "column"), UNREPORTED)
def test_a_long_text_no_report_shows_is_not_warned_about(sheet, column):
    findings = Findings()
    check_long_text(_table(sheet, column, ["x" * (LIMIT + 1)]), findings)
    assert findings.frame().empty


# --------------------------------------------------------------------------------------------
# The writer: the cut, explicit and the same on both paths
# --------------------------------------------------------------------------------------------

TEXTS = [
    "a" * (LIMIT + 10),
    "a" * (LIMIT - 1) + EMOJI + "b",  # the emoji would straddle the limit
    "c" * (LIMIT - 5) + EMOJI * 4,  # 32,767 code points: xlsxwriter alone would not cut
    "short",
    None,
]


def _cells(path: Path, sheet: str, column: int) -> list[object]:
    book = openpyxl.load_workbook(path, read_only=True)
    values = [row[column] for row in book[sheet].iter_rows(min_row=2, values_only=True)]
    book.close()
    return values


@pytest.fixture
def strings_written(monkeypatch) -> list[str]:
    """Every string handed to xlsxwriter's write_string."""
    seen: list[str] = []
    original = Worksheet.write_string

    def spy(self, *args, **kwargs):
        seen.append(args[2] if len(args) > 2 else kwargs.get("string", ""))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Worksheet, "write_string", spy)
    return seen


def test_the_writer_cuts_long_text_itself_the_same_on_both_paths(tmp_path, strings_written):
    frame = pd.DataFrame({"description": pd.Series(TEXTS, dtype="str"), "n": range(5)})
    spec = SheetSpec("t", frame)
    fast, public = tmp_path / "fast.xlsx", tmp_path / "public.xlsx"
    write_workbook(fast, [spec])
    write_workbook(public, [spec], fast_rows=False)
    assert fast.read_bytes() == public.read_bytes()
    expected = [excel_text_prefix(t) if t is not None else None for t in TEXTS]
    assert expected[1] == "a" * (LIMIT - 1)
    assert expected[2] == "c" * (LIMIT - 5) + EMOJI * 2
    assert _cells(fast, "t", 0) == expected
    assert all(excel_text_length(s) <= LIMIT for s in strings_written)


def test_a_mixed_column_cuts_its_text_cells_too(tmp_path, strings_written):
    frame = pd.DataFrame({"value": ["x" * (LIMIT + 1), 2.5]}, dtype=object)
    spec = SheetSpec("summary", frame, cell_formats={"value": ["text", "hours"]})
    write_workbook(tmp_path / "mixed.xlsx", [spec])
    assert _cells(tmp_path / "mixed.xlsx", "summary", 0) == ["x" * LIMIT, 2.5]
    assert all(excel_text_length(s) <= LIMIT for s in strings_written)


# --------------------------------------------------------------------------------------------
# End to end: warnings in exceptions.xlsx, cut cells in the reports, the input untouched
# --------------------------------------------------------------------------------------------

DESCRIPTION = "d" * 40_000
EMPLOYEE = "e" * (LIMIT - 7) + EMOJI * 4  # 32,767 characters, 32,771 UTF-16 units
SUBJECT = "s" * LIMIT  # fits exactly: no warning
LINE = "o" * 50_000
CUSTOMER_REF = "r" * 33_000


def _long_inputs() -> dict[str, list[dict]]:
    inputs = copy.deepcopy(clean_inputs())
    inputs["timesheets"][0].update(description=DESCRIPTION, employee=EMPLOYEE)
    inputs["tickets"][0]["subject"] = SUBJECT
    inputs["order_lines"][0]["description"] = LINE
    inputs["orders"][0]["customer_ref"] = CUSTOMER_REF
    return inputs


def _rows(path: Path, sheet: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    values = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_run_warns_and_cuts_each_long_text_and_leaves_the_input_whole(tmp_path):
    csv = ("timesheets", "tickets", "order_lines", "orders")
    folder = write_inputs(tmp_path / "in", _long_inputs(), csv_sheets=csv)
    before = _digest(folder)
    out = tmp_path / "out"
    done = subprocess.run(
        [*COMMAND, "run", folder, "--period", "2026-10", "--out", out, "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert _digest(folder) == before

    warned = {
        (r["sheet"], r["row"], r["column"]): r
        for r in _rows(out / "exceptions.xlsx", "exceptions")
        if r["code"] == "text_too_long"
    }
    assert set(warned) == {
        ("timesheets", 2, "description"),
        ("timesheets", 2, "employee"),
        ("order_lines", 2, "description"),
        ("orders", 2, "customer_ref"),
    }
    assert warned[("timesheets", 2, "description")]["value"] == "d" * 40 + "…"
    assert "40,000 characters" in warned[("timesheets", 2, "description")]["message"]

    timesheet = _rows(out / "hours_by_ticket.xlsx", "timesheets")[0]
    assert timesheet["description"] == "d" * LIMIT
    assert timesheet["employee"] == "e" * (LIMIT - 7) + EMOJI * 3
    assert _rows(out / "hours_by_ticket.xlsx", "tickets")[0]["subject"] == SUBJECT
    line = _rows(out / "delivered_vs_ordered.xlsx", "order_lines")[0]
    assert line["description"] == "o" * LIMIT
    assert _rows(out / "invoices.xlsx", "invoice_lines")[0]["description"] == "o" * LIMIT
    task = _rows(out / "tasks.xlsx", "tasks")[0]
    assert task["task"] == excel_text_prefix("S1 - " + LINE)
    assert "r" * 100 not in (out / "run.json").read_text()  # run.json carries no input text

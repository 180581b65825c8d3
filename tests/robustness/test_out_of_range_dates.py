"""Dates outside the supported range (issue 8): a finding on the cell, never a traceback.

Before, a date beyond pandas' nanosecond range (year 9999, 0001 or 1500), as a date cell or as
ISO text, raised ``OutOfBoundsDatetime`` and no ``exceptions.xlsx`` was written.  Every path a
date takes is tried, in every date column (timesheets.date, orders.order_date, tickets.created,
invoices.invoice_date): a date cell, a date-time cell, a number formatted as a date, ISO text in
a workbook and in a CSV file.  The property over the whole representable range is in
``test_malformed_values.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys

import openpyxl
import pytest
from test_malformed_values import BASE, DATE_CELLS, PERIOD

from builders import Cell, Text, where, write_inputs
from prepaid_recon.domain import SUPPORTED_DATES, Period
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

FORMS = {
    "date cell 9999": dt.date(9999, 12, 31),
    "date cell 0001": dt.date(1, 1, 1),
    "date cell 1500": dt.date(1500, 6, 1),
    "datetime cell 9999": dt.datetime(9999, 12, 31, 23, 59, 59),
    "text 9999": Text("9999-12-31"),
    "text 0001 with a time": Text("0001-01-01T08:00"),
    "number as date 9999": Cell(2958465, "yyyy-mm-dd"),
    "number as date past 9999": Cell(2958466, "yyyy-mm-dd"),
    "first day after the range": dt.date(2100, 1, 1),
}
"""How a date outside the range reaches a date column."""

COMMAND = [sys.executable, "-m", "prepaid_recon"]


def _with_dates(value: object) -> dict[str, list[dict]]:
    """BASE with ``value`` in the first row of every date column."""
    inputs = copy.deepcopy(BASE)
    for sheet, column in DATE_CELLS:
        inputs[sheet][0][column] = value
    return inputs


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_date_outside_the_range_is_bad_date_on_its_cell_in_every_date_column(tmp_path, form):
    result = validate(read_inputs(write_inputs(tmp_path, _with_dates(FORMS[form]))), PERIOD)
    bad = result.findings[result.findings["code"].eq("bad_date")]
    assert where(bad) == {(sheet, 2, column) for sheet, column in DATE_CELLS}
    assert bad["message"].str.contains(str(SUPPORTED_DATES), regex=False).all()


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1500-06-01", "2100-01-01"])
def test_a_date_outside_the_range_in_a_csv_file_is_bad_date(tmp_path, text):
    csv = tuple(sheet for sheet, _ in DATE_CELLS)
    target = write_inputs(tmp_path, _with_dates(text), csv_sheets=csv)
    findings = validate(read_inputs(target), PERIOD).findings
    bad = findings[findings["code"].eq("bad_date")]
    assert where(bad) == {(sheet, 2, column) for sheet, column in DATE_CELLS}


def test_the_run_writes_exceptions_and_exits_1_without_a_traceback(tmp_path):
    """The command, in a child process: year 9999, 0001 and 1500 in the four date columns (and
    a year-9999 date cell in an hours column) are errors in exceptions.xlsx, exit 1."""
    inputs = copy.deepcopy(BASE)
    for (sheet, column), value in zip(
        DATE_CELLS,
        [dt.date(9999, 12, 31), Text("0001-01-01"), dt.date(1500, 6, 1), Cell(2958465, "d/m/y")],
        strict=True,
    ):
        inputs[sheet][0][column] = value
    inputs["timesheets"][1]["hours"] = dt.datetime(9999, 12, 31, 1, 30)
    folder = write_inputs(tmp_path / "in", inputs)
    out = tmp_path / "out"
    done = subprocess.run(
        [*COMMAND, "run", folder, "--period", "2026-10", "--out", out, "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "from 1900-03-01 to 2099-12-31" in done.stderr
    book = openpyxl.load_workbook(out / "exceptions.xlsx", read_only=True)
    rows = list(book["exceptions"].iter_rows(values_only=True))
    book.close()
    found = {(r[1], r[3], r[4], r[5]) for r in rows[1:]}
    assert {("bad_date", sheet, 2, column) for sheet, column in DATE_CELLS} <= found
    assert ("bad_hours", "timesheets", 3, "hours") in found
    assert (out / "run.json").exists()


def test_the_supported_range_itself():
    assert dt.date(1900, 3, 1) in SUPPORTED_DATES
    assert dt.date(2099, 12, 31) in SUPPORTED_DATES
    assert dt.datetime(2099, 12, 31, 23, 59) in SUPPORTED_DATES
    assert dt.date(1900, 2, 28) not in SUPPORTED_DATES
    assert dt.date(2100, 1, 1) not in SUPPORTED_DATES
    assert "2026-10-01" not in SUPPORTED_DATES  # only dates are in it


def test_a_period_outside_the_range_is_refused():
    assert str(Period.parse("1900-03")) == "1900-03"
    assert str(Period.parse("2099-12")) == "2099-12"
    for text in ("1900-02", "2100-01", "9999-12", "0000-01"):
        with pytest.raises(ValueError, match="from 1900-03 to 2099-12"):
            Period.parse(text)
    with pytest.raises(ValueError):
        Period(2026, 13)

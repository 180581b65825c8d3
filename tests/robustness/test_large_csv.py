"""A timesheets.csv longer than an Excel sheet (issue 6, CONTRACT section 3).

A CSV has no row limit: every row is read, counted and written, and the audit sheet
``timesheets`` of ``hours_by_ticket.xlsx`` continues on ``timesheets_2``, ``timesheets_3``, ...
A real 1,048,576+-row run takes minutes, too slow for the unit suite: here the writer's row
limit is lowered to 10 for one run of a 25-row CSV, end to end through the CLI (``write_outputs``
takes ``max_rows``; the command is given a ``write_outputs`` with ``max_rows=10`` bound, so no
seam was needed in the source).  ``benchmarks/large_csv.py`` runs the real thing
(2,000,000 rows).  Bound: in-process, under 3 s.
"""

from __future__ import annotations

import datetime as dt
import functools

import openpyxl
from hostile_files import invoke

from builders import write_csv, write_inputs
from prepaid_recon import app

ROWS, LIMIT = 25, 10


def test_timesheets_past_the_sheet_limit_continue_on_numbered_sheets(tmp_path, inputs, monkeypatch):
    """25 CSV rows, 10 rows a sheet: timesheets (10), timesheets_2 (10), timesheets_3 (5),
    each with its header, every row once and in input order; the totals count all 25."""
    inputs["timesheets"] = [
        {
            "timesheet": f"TS{i:03d}",
            "date": (dt.date(2026, 10, 1) + dt.timedelta(days=i % 28)).isoformat(),
            "employee": "Ana",
            "ticket": "T1",
            "hours": 0.25 * (1 + i % 4),
        }
        for i in range(ROWS)
    ]
    folder = write_inputs(tmp_path / "in", inputs, csv_sheets=("timesheets",))
    assert (folder / "timesheets.csv").exists() and not (folder / "timesheets.xlsx").exists()
    monkeypatch.setattr(app, "write_outputs", functools.partial(app.write_outputs, max_rows=LIMIT))
    out = tmp_path / "out"
    result = invoke("run", folder, "--period", "2026-10", "--out", out, "-q")
    assert result.exit_code == 0, result.output

    book = openpyxl.load_workbook(out / "hours_by_ticket.xlsx", read_only=True)
    names = [n for n in book.sheetnames if n.startswith("timesheets")]
    assert names == ["timesheets", "timesheets_2", "timesheets_3"]
    sheets = [list(book[n].iter_rows(values_only=True)) for n in names]
    assert [len(rows) - 1 for rows in sheets] == [10, 10, 5]
    header = sheets[0][0]
    assert all(rows[0] == header for rows in sheets)
    column = header.index("timesheet")
    ids = [row[column] for rows in sheets for row in rows[1:]]
    assert ids == [f"TS{i:03d}" for i in range(ROWS)]
    totals = {r[0]: r for r in book["control_totals"].iter_rows(values_only=True)}
    assert totals["total"][1] == ROWS
    expected = sum(0.25 * (1 + i % 4) for i in range(ROWS))
    assert abs(totals["total"][2] - expected) < 1e-9
    book.close()


def test_the_csv_reader_has_no_row_limit_of_its_own(tmp_path, inputs):
    """The CSV reader has no row limit of its own (the frame holds every line)."""
    from prepaid_recon.read.tables import read_inputs

    rows = [{**inputs["timesheets"][0], "date": "2026-10-02", "hours": 1}] * 3000
    folder = write_inputs(tmp_path / "in", {k: v for k, v in inputs.items() if k != "timesheets"})
    write_csv(folder / "timesheets.csv", rows)
    frame = read_inputs(folder).tables["timesheets"].frame
    assert len(frame) == 3000 and frame.index[-1] == 3001

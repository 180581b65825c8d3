"""A timesheets.csv longer than an Excel sheet (issue 6, CONTRACT section 3), and one too big to
hold at all (issue 10).

A CSV has no row limit: every row is read, counted and written, and the audit sheet
``timesheets`` of ``hours_by_ticket.xlsx`` continues on ``timesheets_2``, ``timesheets_3``, ...
A real 1,048,576+-row run takes minutes, too slow for the unit suite: here the writer's row
limit is lowered to 10 for one run of a 25-row CSV, end to end through the CLI (``write_outputs``
takes ``max_rows``; the command is given a ``write_outputs`` with ``max_rows=10`` bound, so no
seam was needed in the source).  ``benchmarks/large_csv.py`` runs the real thing
(2,000,000 rows).  Bound: in-process, under 3 s.

A CSV is read in bounded memory (streamed, never held whole as bytes or text) and one larger
than ``MAX_CSV_BYTES`` is refused unread: sparse files (``os.truncate``, no disk used) of 40 GB
and of just the limit go through the installed command under 1 GiB of address space
(``hostile_files.run_bounded``), where reading either whole would raise ``MemoryError``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os

import openpyxl
from hostile_files import assert_clean_failure, invoke, run_bounded

from builders import write_csv, write_inputs
from prepaid_recon import app
from prepaid_recon.read.tables import MAX_CSV_BYTES

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


def _sparse_timesheets(tmp_path, inputs, size: int):
    """The clean input with timesheets given as a sparse timesheets.csv of ``size`` bytes
    (all NUL bytes, no disk block used)."""
    folder = write_inputs(tmp_path / "in", {k: v for k, v in inputs.items() if k != "timesheets"})
    with (folder / "timesheets.csv").open("wb") as fh:
        os.truncate(fh.fileno(), size)
    return folder


def _findings(out):
    rows = list(openpyxl.load_workbook(out / "exceptions.xlsx").active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_40_gb_csv_is_refused_unread_with_the_limit_in_the_finding(tmp_path, inputs):
    """A 40 GB timesheets.csv (sparse): exit 1 at once, no traceback, no MemoryError, under
    1 GiB of address space; ``oversized_csv`` names the file, its size and the limit; the file
    is not read, not even hashed for run.json."""
    folder = _sparse_timesheets(tmp_path, inputs, 40 * 1024**3)
    out = tmp_path / "out"
    ran = run_bounded("run", folder, "--period", "2026-10", "--out", out)
    assert_clean_failure(ran.stderr, ran.code, 1, "timesheets.csv")
    assert "MemoryError" not in ran.stderr + ran.stdout
    [finding] = _findings(out)
    assert (finding["code"], finding["file"], finding["severity"]) == (
        "oversized_csv",
        "timesheets.csv",
        "error",
    )
    assert "40.0 GiB" in finding["message"] and "at most 1.0 GiB" in finding["message"]
    manifest = json.loads((out / "run.json").read_text())
    assert "timesheets.csv" not in manifest["inputs"]["files"]


def test_a_csv_of_the_limit_is_read_in_bounded_memory(tmp_path, inputs):
    """A sparse timesheets.csv of exactly ``MAX_CSV_BYTES`` (1 GiB of NUL bytes) is not refused
    for its size: it is read block by block, under 1 GiB of address space, and is
    ``not_utf8_csv`` (NUL bytes) as a small one would be."""
    folder = _sparse_timesheets(tmp_path, inputs, MAX_CSV_BYTES)
    ran = run_bounded("validate", folder)
    assert_clean_failure(ran.stderr, ran.code, 1, "timesheets.csv", "NUL")
    assert "MemoryError" not in ran.stderr + ran.stdout

"""Properties on whole input files (issue 6): malformed cells are findings, never a crash;
the same input gives the same bytes.

Conservation of hours and "permuting input rows changes no figure" are properties of the rules,
tested on random valid inputs in ``tests/rules/test_properties.py`` (not repeated here).

Bound: each test is a fixed number of examples (``max_examples``) of the small clean input,
written as real workbooks or CSV files, about 0.3 s an example in-process; no deadline per
example (file I/O varies), the first two tests about 15 s.  The date test adds about 5 s; the
option test runs the command in a child process (about 1.5 s an example, 9 examples with the
explicit ones).
"""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

from hostile_files import invoke
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builders import Cell, Text, clean_inputs, where, write_inputs
from prepaid_recon.contract.inputs import CONTRACTS
from prepaid_recon.domain import SUPPORTED_DATES, Period
from prepaid_recon.findings import FINDING_COLUMNS
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.reconcile import Options, run
from prepaid_recon.validate import validate

PERIOD = Period.parse("2026-10")


def _base() -> dict[str, list[dict]]:
    """The clean input with every optional sheet too (uoms, the ledger), so that every column
    of every sheet can be hit."""
    inputs = clean_inputs()
    inputs["uoms"] = [{"uom": "Pack10", "category": "time", "hours": 10}]
    inputs["invoices"] = [
        {"invoice": "L1", "invoice_date": dt.date(2026, 10, 1), "kind": "invoice"},
        {"invoice": "R1", "invoice_date": dt.date(2026, 10, 2), "kind": "credit_note",
         "reverses": "L1"},
    ]  # fmt: skip
    inputs["invoice_lines"] = [
        {"invoice": "L1", "order": "S1", "line": 1, "quantity": 2},
        {"invoice": "R1", "order": "S1", "line": 1, "quantity": 1},
    ]
    return inputs


BASE = _base()
CELLS = [
    (sheet, row, column)
    for sheet, rows in BASE.items()
    for row in range(len(rows))
    for column in CONTRACTS[sheet].model.to_schema().columns
]
"""Every (sheet, row, contract column) of the base input, given or not."""

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12
)  # what openpyxl can write
VALUES = st.one_of(
    st.none(),
    _TEXT,
    _TEXT.map(Text),
    st.sampled_from(["", "  ", "#N/A", "=1+2", "1:30", "-0:15", "03/04/2026", "yes", "x", "1e309",
                     "nan", "inf", "2026-02-30", "T1 ", "t1", "0", "-1", "NaN", "None", "TRUE"]),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 12, 31)),
    st.times(),
)  # fmt: skip
"""Random text, numbers, dates, times, booleans, empties and the usual spreadsheet junk."""


@st.composite
def corrupted(draw) -> tuple[dict[str, list[dict]], str, tuple]:
    inputs = copy.deepcopy(BASE)
    hits = draw(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4, unique=True))
    for sheet, row, column in hits:
        inputs[sheet][row][column] = draw(VALUES)
    layout = draw(st.sampled_from(["folder", "single", "csv"]))
    return inputs, layout, tuple(hits)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=corrupted())
def test_malformed_values_anywhere_are_findings_never_an_exception(case) -> None:
    """One to four cells of any sheet (any row, any contract column) replaced by a random
    value, written as workbooks (folder or single file) or with timesheets and order_lines as
    CSV: read and validate return findings and never raise; findings name a file, a sheet,
    a severity and a code; and when no finding is an error, the rules run on what validation
    let through without raising (conservation is asserted inside ``run``)."""
    inputs, layout, _hits = case
    with tempfile.TemporaryDirectory() as tmp:
        csv = ("timesheets", "order_lines") if layout == "csv" else ()
        target = write_inputs(
            Path(tmp), inputs, layout="single" if layout == "single" else "folder", csv_sheets=csv
        )
        result = validate(read_inputs(target), PERIOD)
        findings = result.findings
        assert list(findings.columns) == FINDING_COLUMNS
        assert set(findings["severity"]) <= {"error", "warning"}
        assert findings["code"].str.fullmatch(r"[a-z_0-9]+").all()
        assert (findings["file"].str.len() > 0).all()
        assert (findings["message"].str.len() > 0).all()
        if result.errors:
            assert result.inputs is None
        else:
            run(result.inputs, Options(PERIOD))


TIMESHEET = st.fixed_dictionaries(
    {
        "date": st.dates(dt.date(2026, 9, 25), dt.date(2026, 11, 5)),
        "employee": st.sampled_from(["Ana", "Bo", "Cy"]),
        "ticket": st.just("T1"),
        "hours": st.sampled_from([-1.0, 0.25, 1 / 3, 1.5, 2, 8]),
        "description": st.sampled_from([None, "call", "=SUM(A1)", "fix"]),
        "billable": st.sampled_from([None, True, False, "no"]),
    }
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timesheets=st.lists(TIMESHEET, min_size=0, max_size=12))
def test_the_same_input_gives_byte_identical_outputs(timesheets) -> None:
    """Random valid timesheets on the clean input, run twice through the CLI into the same
    OUT: every file written (the six reports and run.json) has the same bytes both times.
    (``tests/test_cli_run.py`` checks the same on the bundled sample.)"""
    inputs = clean_inputs()
    inputs["timesheets"] = [{**t, "timesheet": f"TS{i}"} for i, t in enumerate(timesheets)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_inputs(Path(tmp) / "in", inputs)
        out = Path(tmp) / "out"
        outputs = []
        for _ in range(2):
            result = invoke("run", folder, "--period", "2026-10", "--out", out, "-q")
            assert result.exit_code == 0, result.output
            outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
        assert len(outputs[0]) == 6
        assert outputs[0] == outputs[1]


# --------------------------------------------------------------------------------------------
# Dates over the whole representable range (issue 8) and option values (issue 9)
# --------------------------------------------------------------------------------------------

DATE_CELLS = [
    ("timesheets", "date"),
    ("orders", "order_date"),
    ("tickets", "created"),
    ("invoices", "invoice_date"),
]
"""Every date column of the input contract, each on the first row of its sheet in BASE."""

EDGES = [
    dt.date(1, 1, 1), dt.date(1500, 6, 1), dt.date(1899, 12, 31), dt.date(1900, 2, 28),
    dt.date(1900, 3, 1), dt.date(2099, 12, 31), dt.date(2100, 1, 1), dt.date(2262, 4, 12),
    dt.date(9999, 12, 31),
]  # fmt: skip
"""The supported range's edges and the nanosecond range's, drawn often."""


def _date_cell(day: dt.date, form: str):
    if form == "date cell":
        return day
    if form == "datetime cell":
        return dt.datetime.combine(day, dt.time(23, 59, 59))
    if form == "number as date":
        return Cell((day - dt.date(1899, 12, 30)).days, "yyyy-mm-dd")
    if form == "text":
        return Text(day.isoformat())
    return day.isoformat()  # in a CSV file


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    column=st.sampled_from(DATE_CELLS),
    day=st.one_of(st.sampled_from(EDGES), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    form=st.sampled_from(["date cell", "datetime cell", "number as date", "text", "csv"]),
)
@example(column=("timesheets", "date"), day=dt.date(9999, 12, 31), form="date cell")
def test_any_representable_date_in_any_date_column_is_read_or_bad_date(column, day, form) -> None:
    """A date anywhere from 0001-01-01 to 9999-12-31, in any date column, as a date cell, a
    date-time cell, a number formatted as a date, ISO text or a CSV cell: validation never
    raises; a date outside SUPPORTED_DATES is ``bad_date`` on that very cell (and its message
    states the range); a supported one is not."""
    sheet, name = column
    inputs = copy.deepcopy(BASE)
    inputs[sheet][0][name] = _date_cell(day, form)
    with tempfile.TemporaryDirectory() as tmp:
        csv = (sheet,) if form == "csv" else ()
        result = validate(read_inputs(write_inputs(Path(tmp), inputs, csv_sheets=csv)), PERIOD)
    findings = result.findings
    bad = findings[findings["code"].eq("bad_date")]
    if day in SUPPORTED_DATES:
        assert where(bad) == set()
    else:
        assert where(bad) == {(sheet, 2, name)}
        assert str(SUPPORTED_DATES) in bad["message"].iloc[0]


_OPTION_TEXT = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(lambda d: d.isoformat()[:7]),
    st.from_regex(r"-?[0-9]{1,6}-[0-9]{1,3}(-[0-9]{1,3})?", fullmatch=True),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
)
"""Option values: any representable date or month, near-dates, printable junk."""

_SEED = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([-1, 0, 2**32 - 1, 2**32]))
_COMMAND = st.one_of(
    st.tuples(st.just("run"), _OPTION_TEXT, st.one_of(st.none(), _OPTION_TEXT)),
    st.tuples(
        st.just("sample"),
        _SEED.map(str),
        _OPTION_TEXT,
        st.one_of(st.integers(-(2**70), 0), st.integers(1_048_576, 2**70)).map(str),
    ),
)
"""``sample`` always gets a number of rows out of its range, so that it stops at its options:
whether the generator itself copes with any seed and period is ``tests/test_sample.py``'s
question, not this one's (and a million rows would take minutes)."""


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=_COMMAND)
@example(command=("run", "9999-12", None))  # the tracebacks of issue 9, always tried
@example(command=("run", "2026-10", "0001-01-01"))
@example(command=("sample", "-1", "2026-10", "5"))
def test_option_values_give_an_exit_code_never_a_traceback(command, tmp_path_factory) -> None:
    """``--period``/``--invoice-date`` of ``run``, ``--seed``/``--period``/``--timesheets`` of
    ``sample``: whatever the value, the command (in a child process, where a traceback would
    show) exits 0, 1 or 2 and prints no traceback."""
    tmp = tmp_path_factory.mktemp("options")
    if command[0] == "run":
        _, period, invoice_date = command
        folder = write_inputs(tmp / "in", clean_inputs())
        args = ["run", str(folder), "--period", period, "--out", str(tmp / "out"), "-q"]
        if invoice_date is not None:
            args += ["--invoice-date", invoice_date]
    else:
        _, seed, period, rows = command
        args = ["sample", str(tmp / "sample"), "--seed", seed, "--period", period]
        args += ["--timesheets", rows]
    done = subprocess.run(
        [sys.executable, "-m", "prepaid_recon", *[f"{a}" for a in args]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1, 2), done.stderr
    assert "Traceback" not in done.stderr, done.stderr

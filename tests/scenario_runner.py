"""Runs the JSON end-to-end scenarios through the real ``prepaid-recon run`` command.

A scenario is a small month-end written as JSON: input rows per sheet, the command's options and
the figures expected in the reports. The runner writes the input workbooks with openpyxl, runs
``python -m prepaid_recon run INPUT --period ... --out ...`` in a subprocess and compares the
reports it wrote, cell by cell. ``tests/test_scenarios.py`` runs every ``tests/scenarios/*.json``
through it; maintainers can also run it directly::

    python tests/scenario_runner.py [SCENARIO.json | FOLDER ...]

which prints ``ok``/``FAIL`` per scenario (with the problems found) and ``N passed, M failed``;
with no path it runs ``tests/scenarios``. The exit status is 0 when every scenario passed.

Scenario format (JSON object):

``name``
    What the scenario shows (free text; figures are usually worked out in it).
``period``
    The ``--period`` given to the command, ``YYYY-MM``.
``args``
    Extra command-line words, e.g. ``["--invoice-date", "2026-11-03"]``.
``base``
    Name of a file ``tests/data/<base>.json`` (``{sheet: [row, ...]}``) whose rows come first.
``inputs``
    ``{sheet: [row, ...]}``, the sheets of CONTRACT.md, appended to the base's rows. A row is
    ``{column: value}``; an ISO ``"YYYY-MM-DD"`` in a date column becomes a date cell,
    ``{"time": "H:MM"}`` a time cell, ``{"text": "..."}`` a cell forced to text; anything else
    is written as it is. A sheet without rows gets the headers of ``EMPTY_HEADERS``.
``layout``
    ``"folder"`` (default: one workbook per file of ``FILES``), ``"single"`` (one workbook
    holding every sheet) or ``{"csv": [sheet, ...]}`` to give those sheets as CSV files.
``corrupt``
    ``{file name: text}``: that input file is overwritten with these bytes after writing.
``expect``
    ``exit_code`` (an int or a list of accepted ints, default 0); ``stderr_contains``
    (texts, case-insensitive); ``files_absent`` (report files that must not be written);
    ``rows`` (``{file, sheet, match: {col: v}, values: {col: v}}``: the first row matching
    ``match`` must hold ``values``); ``counts`` (``{file, sheet, count, where?: {col: v}}``);
    ``no_formulas`` (input texts that must appear in the reports as text, never inside a
    formula); ``deterministic`` (a second run on the same input writes identical bytes).

Report headers are compared by machine name (see ``column_key``), a sheet includes its
continuation sheets ``<sheet>_2``, ``<sheet>_3``..., and values are compared with ``same``.
A Python traceback on stderr is always a problem.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

TESTS = Path(__file__).resolve().parent
SCENARIOS = TESTS / "scenarios"
BASES = TESTS / "data"

COMMAND = [sys.executable, "-m", "prepaid_recon"]
TIMEOUT_SECONDS = 600
TRACEBACK = "Traceback (most recent call last)"

Row = dict[str, Any]
Scenario = Mapping[str, Any]
SheetReader = Callable[[str, str], list[Row]]
"""Reads a report sheet: (file name, sheet name) -> rows."""

FILES = {
    "teams": "teams.xlsx",
    "products": "products.xlsx",
    "uoms": "products.xlsx",
    "orders": "orders.xlsx",
    "order_lines": "orders.xlsx",
    "tickets": "tickets.xlsx",
    "timesheets": "timesheets.xlsx",
    "invoices": "invoices.xlsx",
    "invoice_lines": "invoices.xlsx",
}
"""The input workbook that holds each sheet in the ``folder`` layout."""

SINGLE_WORKBOOK = "all_inputs.xlsx"
"""The one input workbook of the ``single`` layout."""

EMPTY_HEADERS = {
    "orders": ["order", "customer", "order_date", "state"],
    "order_lines": ["order", "line", "product", "quantity"],
    "tickets": ["ticket", "team", "customer", "created"],
    "timesheets": ["date", "employee", "ticket", "hours"],
    "invoices": ["invoice", "kind", "state", "customer", "invoice_date"],
    "invoice_lines": ["invoice", "order", "line", "quantity"],
}
"""The header row written for a sheet given without rows."""

DATE_COLUMNS = frozenset({"date", "order_date", "created", "invoice_date"})
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_TOLERANCE = 0.005
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
READ_ERRORS = (KeyError, OSError, zipfile.BadZipFile, InvalidFileException)
"""What reading a missing or unreadable report raises; reported as a problem."""


# --- writing the inputs ---------------------------------------------------------------------


def load_scenario(path: Path) -> dict[str, Any]:
    """The scenario stored in the JSON file ``path``."""
    return json.loads(path.read_text(encoding="utf-8"))


def merged_inputs(scenario: Scenario, bases: Path = BASES) -> dict[str, list[Row]]:
    """Rows per sheet: the base file's rows (if ``base`` is set) followed by the scenario's."""
    inputs: dict[str, list[Row]] = {}
    if scenario.get("base"):
        base = json.loads((bases / f"{scenario['base']}.json").read_text(encoding="utf-8"))
        for sheet, rows in base.items():
            inputs[sheet] = list(rows)
    for sheet, rows in scenario.get("inputs", {}).items():
        inputs.setdefault(sheet, []).extend(rows)
    return inputs


def is_forced_text(value: Any) -> bool:
    """Whether ``value`` is the ``{"text": ...}`` form of a cell that must stay text."""
    return isinstance(value, dict) and "text" in value


def cell_value(column: str, value: Any) -> Any:
    """The Python value to store for ``value`` in ``column`` (see the scenario format)."""
    if isinstance(value, dict):
        if "time" in value:
            hours, minutes = value["time"].split(":")
            return dt.time(int(hours), int(minutes))
        if "text" in value:
            return str(value["text"])
    if column in DATE_COLUMNS and isinstance(value, str) and ISO_DATE.match(value):
        return dt.date.fromisoformat(value)
    return value


def columns_of(sheet: str, rows: Sequence[Row]) -> list[str]:
    """The header row of ``sheet``: each row's keys in first-seen order, or the empty headers."""
    if not rows:
        return list(EMPTY_HEADERS.get(sheet, []))
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def write_sheet(ws: Worksheet, sheet: str, rows: Sequence[Row]) -> None:
    """Fill ``ws`` with a header row and ``rows``; missing and ``None`` values stay blank."""
    columns = columns_of(sheet, rows)
    ws.append(columns)
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(columns, start=1):
            if row.get(column) is None:
                continue
            value = cell_value(column, row[column])
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if is_forced_text(row[column]):
                cell.data_type = "s"  # a leading "=" must not turn it into a formula
            if isinstance(value, dt.time):
                cell.number_format = "h:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def write_csv(path: Path, sheet: str, rows: Sequence[Row]) -> None:
    """Write ``rows`` as a UTF-8 CSV file; text and time forms are written as their text."""
    columns = columns_of(sheet, rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            out = []
            for column in columns:
                value = row.get(column)
                if isinstance(value, dict):
                    value = value.get("text", value.get("time"))
                out.append("" if value is None else value)
            writer.writerow(out)


def new_workbook() -> Workbook:
    """An openpyxl workbook without its default sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    return book


def write_inputs(scenario: Scenario, folder: Path, bases: Path = BASES) -> Path:
    """Write the scenario's input files into ``folder``; return the path to give the command.

    That is ``folder`` itself, or the single workbook in the ``single`` layout.
    """
    layout = scenario.get("layout", "folder")
    csv_sheets = set(layout.get("csv", [])) if isinstance(layout, dict) else set()
    single = layout == "single"
    books: dict[str, Workbook] = {}
    for sheet, rows in merged_inputs(scenario, bases).items():
        if sheet in csv_sheets:
            write_csv(folder / f"{sheet}.csv", sheet, rows)
            continue
        name = SINGLE_WORKBOOK if single else FILES[sheet]
        book = books.setdefault(name, new_workbook())
        write_sheet(book.create_sheet(sheet), sheet, rows)
    if single:
        books.setdefault(SINGLE_WORKBOOK, new_workbook())
    for name, book in books.items():
        book.save(folder / name)
    for name, text in scenario.get("corrupt", {}).items():
        (folder / name).write_bytes(text.encode())
    return folder / SINGLE_WORKBOOK if single else folder


# --- reading the reports --------------------------------------------------------------------


def column_key(header: Any) -> str:
    """A header as its machine name: 'To Invoice', 'to-invoice' and 'to_invoice' are one."""
    if header is None:
        return ""
    return re.sub(r"[\s\-]+", "_", str(header).strip()).lower()


def read_sheet(path: Path, sheet: str) -> list[Row]:
    """The rows of ``sheet`` and its continuation sheets ``<sheet>_N`` keyed by ``column_key``.

    Raises ``KeyError`` when the workbook has no such sheet; blank rows are left out.
    """
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        continuation = re.compile(re.escape(sheet) + r"_\d+")
        names = [s for s in book.sheetnames if s == sheet or continuation.fullmatch(s)]
        if not names:
            raise KeyError(f"{path.name} has no sheet '{sheet}' (has {book.sheetnames})")
        rows: list[Row] = []
        for name in names:
            values_iter = book[name].iter_rows(values_only=True)
            header = [column_key(h) for h in next(values_iter, ())]
            for values in values_iter:
                if all(v is None or v == "" for v in values):
                    continue
                rows.append(dict(zip(header, values, strict=False)))
        return rows
    finally:
        book.close()


def same(expected: Any, actual: Any) -> bool:
    """Whether the report value ``actual`` shows the expected scenario value ``expected``.

    ``None`` matches a blank cell; ``True``/``False`` match booleans and the words
    true/yes/1 and false/no/0; numbers match within ``NUMBER_TOLERANCE``; a date cell
    matches its ISO date; anything else matches as text, trimmed and case-insensitive
    (a whole float compares as an int, so ``"7"`` matches ``7.0``).
    """
    if expected is None:
        return actual is None or actual == ""
    if isinstance(expected, bool):
        if isinstance(actual, str):
            return actual.strip().lower() in (TRUE_WORDS if expected else FALSE_WORDS)
        return actual is not None and bool(actual) == expected
    if isinstance(expected, int | float):
        try:
            return abs(float(actual) - float(expected)) < NUMBER_TOLERANCE
        except (TypeError, ValueError):
            return False
    if isinstance(actual, dt.date):  # datetime is a date too
        return actual.isoformat()[:10] == str(expected)
    if isinstance(actual, float) and actual.is_integer():
        actual = int(actual)
    return actual is not None and str(actual).strip().lower() == str(expected).strip().lower()


def matches(row: Row, where: Mapping[str, Any]) -> bool:
    """Whether ``row`` holds every ``column: value`` of ``where`` (compared with ``same``)."""
    return all(same(value, row.get(column)) for column, value in where.items())


def payload_cells(path: Path, payloads: Sequence[str]) -> tuple[list[str], set[str]]:
    """Formula cells of the workbook that carry an input payload, and the payloads seen as text."""
    formulas: list[str] = []
    seen: set[str] = set()
    book = openpyxl.load_workbook(path, read_only=False, data_only=False)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                hits = [p for p in payloads if p in cell.value]
                if hits and cell.data_type == "f":
                    formulas.append(f"{path.name}:{ws.title}!{cell.coordinate}={cell.value!r}")
                elif hits:
                    seen.update(hits)
    return formulas, seen


def digest(path: Path) -> bytes:
    """The SHA-256 of the file's bytes."""
    return hashlib.sha256(path.read_bytes()).digest()


# --- running and checking -------------------------------------------------------------------


def run_command(
    scenario: Scenario, target: Path, out: Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``prepaid-recon run`` on ``target`` into ``out``, in a subprocess started in ``cwd``."""
    argv = [*COMMAND, "run", str(target), "--period", scenario["period"], "--out", str(out)]
    argv += scenario.get("args", [])
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        check=False,
    )


def process_problems(
    expect: Mapping[str, Any], proc: subprocess.CompletedProcess[str], out: Path
) -> list[str]:
    """Problems with the exit code, stderr and the files that must not have been written."""
    problems: list[str] = []
    stderr = proc.stderr or ""
    codes = expect.get("exit_code", 0)
    codes = codes if isinstance(codes, list) else [codes]
    if proc.returncode not in codes:
        problems.append(
            f"exit code {proc.returncode}, expected {codes}; stderr: {stderr.strip()[-600:]}"
        )
    if TRACEBACK in stderr:
        problems.append("a Python traceback was printed")
    for text in expect.get("stderr_contains", []):
        if text.lower() not in stderr.lower():
            problems.append(f"stderr does not mention '{text}': {stderr.strip()[-300:]}")
    problems += [
        f"{name} was written but must not be"
        for name in expect.get("files_absent", [])
        if (out / name).exists()
    ]
    return problems


def selected_rows(
    exp: Mapping[str, Any], where: Mapping[str, Any], sheet: SheetReader
) -> list[Row] | str:
    """The rows of ``exp``'s file and sheet matching ``where``, or a problem reading them."""
    try:
        rows = sheet(exp["file"], exp["sheet"])
    except READ_ERRORS as err:
        return f"{exp['file']}/{exp['sheet']}: {err}"
    return [row for row in rows if matches(row, where)]


def rows_problems(expected_rows: Iterable[Mapping[str, Any]], sheet: SheetReader) -> list[str]:
    """Problems with the ``rows`` expectations: the first matching row holds ``values``."""
    problems: list[str] = []
    for exp in expected_rows:
        match = exp.get("match", {})
        place = f"{exp['file']}/{exp['sheet']}"
        rows = selected_rows(exp, match, sheet)
        if isinstance(rows, str):
            problems.append(rows)
            continue
        if not rows:
            problems.append(f"{place}: no row matches {exp.get('match')}")
            continue
        row = rows[0]
        for column, want in exp.get("values", {}).items():
            if column not in row:
                problems.append(f"{place} {exp.get('match')}: no column '{column}'")
            elif not same(want, row[column]):
                problems.append(
                    f"{place} {exp.get('match')}: {column} = {row[column]!r}, expected {want!r}"
                )
    return problems


def counts_problems(expected_counts: Iterable[Mapping[str, Any]], sheet: SheetReader) -> list[str]:
    """Problems with the ``counts`` expectations: how many rows match ``where``."""
    problems: list[str] = []
    for exp in expected_counts:
        where = exp.get("where", {})
        rows = selected_rows(exp, where, sheet)
        if isinstance(rows, str):
            problems.append(rows)
        elif len(rows) != exp["count"]:
            problems.append(
                f"{exp['file']}/{exp['sheet']} where {where}: {len(rows)} rows, "
                f"expected {exp['count']}"
            )
    return problems


def formula_problems(payloads: Sequence[str], out: Path) -> list[str]:
    """Problems with ``no_formulas``: a payload inside a formula, or nowhere as plain text."""
    problems: list[str] = []
    seen: set[str] = set()
    for path in sorted(out.glob("*.xlsx")):
        formulas, texts = payload_cells(path, payloads)
        seen |= texts
        problems += [f"formula cell written from input text: {f}" for f in formulas]
    problems += [
        f"input text {p!r} appears nowhere as plain text" for p in payloads if p not in seen
    ]
    return problems


def determinism_problems(out: Path, again: Path) -> list[str]:
    """The ``.xlsx``/``.csv`` reports of ``out`` whose bytes differ in the second run ``again``."""
    return [
        f"{path.name} differs between two runs on the same input"
        for path in sorted(p for p in out.iterdir() if p.suffix in (".xlsx", ".csv"))
        if not (again / path.name).exists() or digest(path) != digest(again / path.name)
    ]


def run_scenario(scenario: Scenario, work: Path, bases: Path = BASES) -> list[str]:
    """Run one scenario in the empty folder ``work``; return its problems (none when it passed).

    ``work`` receives ``input/`` (the written input), ``out_a/`` (the reports) and, for
    ``deterministic``, ``out_b/`` (the second run's reports); it is left in place.
    """
    expect = scenario.get("expect", {})
    inp = work / "input"
    inp.mkdir(parents=True)
    target = write_inputs(scenario, inp, bases)
    out = work / "out_a"
    try:
        proc = run_command(scenario, target, out, work)
    except subprocess.TimeoutExpired:
        return [f"timed out after {TIMEOUT_SECONDS} s"]
    problems = process_problems(expect, proc, out)

    cache: dict[tuple[str, str], list[Row]] = {}

    def sheet(file: str, name: str) -> list[Row]:
        if (file, name) not in cache:
            cache[file, name] = read_sheet(out / file, name)
        return cache[file, name]

    problems += rows_problems(expect.get("rows", []), sheet)
    problems += counts_problems(expect.get("counts", []), sheet)
    if expect.get("no_formulas") and out.exists():
        problems += formula_problems(expect["no_formulas"], out)
    if expect.get("deterministic") and out.exists():
        again = work / "out_b"
        try:
            run_command(scenario, target, again, work)
        except subprocess.TimeoutExpired:
            return [*problems, f"second run timed out after {TIMEOUT_SECONDS} s"]
        problems += determinism_problems(out, again)
    return problems


def check_file(path: Path, work: Path) -> list[str]:
    """Run the scenario stored in ``path`` in the empty folder ``work``; return its problems."""
    return run_scenario(load_scenario(path), work)


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """The scenario files named by ``paths``: a folder stands for its ``*.json`` files."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run scenarios, print ``ok``/``FAIL`` each and ``N passed, M failed``."""
    parser = argparse.ArgumentParser(description="Run prepaid-recon's JSON end-to-end scenarios.")
    parser.add_argument(
        "paths", nargs="*", type=Path, help=f"scenario files or folders (default: {SCENARIOS})"
    )
    args = parser.parse_args(argv)
    passed = failed = 0
    for path in scenario_files(args.paths or [SCENARIOS]):
        with tempfile.TemporaryDirectory(prefix="scenario-") as work:
            problems = check_file(path, Path(work))
        if problems:
            failed += 1
            print(f"FAIL {path.stem}")
            for problem in problems:
                print(f"     {problem}")
        else:
            passed += 1
            print(f"ok   {path.stem}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Input builders for the reading, validation and CLI tests: workbooks from dicts of rows.

Imported by test modules as ``builders`` (``tests/`` is on ``sys.path`` through its conftest);
``tests/conftest.py`` turns the common ones into fixtures.

Inputs are written the way a finance user (or a scenario of ``tests/scenarios``) writes them: real
``.xlsx`` files made with openpyxl, dates as date cells, ``datetime.time`` as Excel time cells.
``CLEAN`` is a small valid input on top of the scenarios' base (``tests/data/support.json``), so
that a test adds or changes the one row it is about and asserts the finding it causes.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from prepaid_recon.contract.inputs import CONTRACTS
from prepaid_recon.domain import Period
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

SUPPORT: dict[str, list[dict]] = json.loads(
    (Path(__file__).resolve().parent / "data" / "support.json").read_text()
)
"""Teams (Support, Internal without re-invoicing, Sales without timesheets) and products."""


@dataclass(frozen=True)
class Cell:
    """A cell with an explicit Excel number format, e.g. ``Cell(0.0625, "h:mm")``."""

    value: Any
    number_format: str


@dataclass(frozen=True)
class Text:
    """A cell forced to be text even when it looks like a number (``Text("404")``)."""

    value: str


def _put(ws, row: int, column: int, value: Any) -> None:
    if value is None:
        return
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Cell):
        cell.value = value.value
        cell.number_format = value.number_format
    elif isinstance(value, Text):
        cell.value = value.value
        cell.data_type = "s"
    else:
        cell.value = value
        if isinstance(value, dt.time):
            cell.number_format = "h:mm"
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"


def columns_of(rows: Iterable[dict]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return columns


def write_sheet(ws, rows: list[dict], columns: list[str] | None = None) -> None:
    """Header on row 1, then one row per dict; ``{}`` leaves a blank row."""
    columns = columns or columns_of(rows)
    for c, name in enumerate(columns, start=1):
        ws.cell(row=1, column=c, value=name)
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(columns, start=1):
            _put(ws, r, c, row.get(name))


def write_book(path: Path, sheets: dict[str, list[dict]]) -> Path:
    """One workbook holding ``sheets`` (sheet name -> rows)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in sheets.items():
        write_sheet(book.create_sheet(sheet), rows, None if rows else _header(sheet))
    book.save(path)
    return path


def write_csv(path: Path, rows: list[dict], *, bom: bool = False) -> Path:
    columns = columns_of(rows)
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return path


def _header(sheet: str) -> list[str]:
    """The required columns (and a timesheet's ticket), for a sheet written without rows."""
    columns = CONTRACTS[sheet].model.to_schema().columns.items()
    return [c for c, col in columns if not col.nullable or (sheet, c) == ("timesheets", "ticket")]


def clean_inputs() -> dict[str, list[dict]]:
    """A valid input: the scenarios' base, one confirmed order of Acme, a linked ticket, time on it.

    Rows (Excel numbers): orders S1 = row 2; order_lines S1/1 (PREPAID-H, 10 h) = row 2;
    tickets T1 (Support, linked to S1/1) = row 2; timesheets on T1 = rows 2 and 3.
    """
    inputs = copy.deepcopy(SUPPORT)
    inputs["orders"] = [
        {"order": "S1", "customer": "Acme", "order_date": dt.date(2026, 10, 1), "state": "sale"}
    ]
    inputs["order_lines"] = [{"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 10}]
    inputs["tickets"] = [
        {
            "ticket": "T1",
            "team": "Support",
            "customer": "Acme",
            "created": dt.date(2026, 10, 1),
            "order": "S1",
            "line": 1,
        }
    ]
    inputs["timesheets"] = [
        {"date": dt.date(2026, 10, 2), "employee": "Ana", "ticket": "T1", "hours": 1.5},
        {"date": dt.date(2026, 10, 3), "employee": "Bo", "ticket": "T1", "hours": 2},
    ]
    return inputs


def write_inputs(
    folder: Path, inputs: dict[str, list[dict]], layout: str = "folder", csv_sheets=()
) -> Path:
    """Write ``inputs`` as the input folder (``layout="folder"``) or one workbook ("single").

    Sheets named in ``csv_sheets`` are written as ``<sheet>.csv`` beside the workbooks.
    Returns the INPUT path to give the command.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if layout == "single":
        return write_book(folder / "all_inputs.xlsx", inputs)
    books: dict[str, dict[str, list[dict]]] = {}
    for sheet, rows in inputs.items():
        if sheet in csv_sheets:
            write_csv(folder / f"{sheet}.csv", rows)
            continue
        books.setdefault(CONTRACTS[sheet].file, {})[sheet] = rows
    for name, sheets in books.items():
        write_book(folder / name, sheets)
    return folder


def check(
    folder: Path,
    inputs: dict[str, list[dict]],
    period: str | None = "2026-10",
    **layout: Any,
) -> pd.DataFrame:
    """Write ``inputs``, read and validate them; the findings frame."""
    target = write_inputs(folder, inputs, **layout)
    return validate(read_inputs(target), Period.parse(period) if period else None).findings


def where(findings: pd.DataFrame, code: str | None = None, severity: str | None = None) -> set:
    """``{(sheet, row, column)}`` of the findings with this code (and severity)."""
    f = findings
    if code is not None:
        f = f[f["code"] == code]
    if severity is not None:
        f = f[f["severity"] == severity]
    return {
        (s, None if pd.isna(r) else int(r), c)
        for s, r, c in zip(f["sheet"], f["row"], f["column"], strict=True)
    }


def codes(findings: pd.DataFrame) -> set[tuple[str, str]]:
    """``{(severity, code)}`` of all findings."""
    return set(zip(findings["severity"], findings["code"], strict=True))


def records(path: Path, sheet: str) -> list[dict]:
    """A written report sheet as rows keyed by its header cells, values as the cells hold them."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    values = list(book[sheet].iter_rows(values_only=True))
    book.close()
    header = list(values[0])
    return [dict(zip(header, r, strict=False)) for r in values[1:]]

"""Blank input workbooks (``prepaid-recon init DIR``) and the column table they are made from.

:data:`COLUMNS` describes every input column of CONTRACT section 2 in the templates' words:
sheet, name, value type, whether it is required, its default, its allowed values and its
meaning. It is derived from the pandera models of :mod:`prepaid_recon.contract.inputs`, the one
place the contract is written: the value type gives the template's type, ``isin`` the dropdown
values, ``ge``/``gt``/``le`` the number range, and the field's description and metadata the
human words. The templates are rendered from it: a header row per sheet, an ``instructions``
sheet listing the table, a data-validation dropdown on every enumeration and boolean column,
and a cell format per value type (``yyyy-mm-dd`` dates, ``0.00`` numbers, ``@`` text so that
``00123`` stays a reference). The data sheets hold only their header row: a header row with no
data rows is a valid empty table, so a folder made by ``init`` validates without errors.

Workbooks are opened by :func:`prepaid_recon.xlsx.book.new_workbook` (fixed metadata and
options, the formats of :data:`~prepaid_recon.xlsx.book.NUMBER_FORMATS`).  :func:`add_sheet` is
shared with :mod:`prepaid_recon.synthetic`, which writes generated inputs in the same layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from prepaid_recon.contract import inputs as schemas
from prepaid_recon.xlsx.book import (
    HEADER_STYLE,
    NUMBER_FORMATS,
    Format,
    Workbook,
    Worksheet,
    new_workbook,
)

# --------------------------------------------------------------------------------------------
# The column table (CONTRACT section 2), derived from the pandera models of schemas.py
# --------------------------------------------------------------------------------------------

TEXT = "text"
BOOL = "bool"
DATE = "date"
NUMBER = "number"
INTEGER = "whole number"
HOURS = "hours"
PERCENT = "percent"
CHOICE = "choice"

BOOL_CHOICES = ("TRUE", "FALSE")

_TYPES = {
    schemas.TEXT: TEXT,
    schemas.BOOL: BOOL,
    schemas.DATE: DATE,
    schemas.NUMBER: NUMBER,
    schemas.WHOLE: INTEGER,
    schemas.HOURS: HOURS,
    schemas.PERCENT: PERCENT,
}
"""Value type of the contract -> the type shown in the templates."""


@dataclass(frozen=True)
class Column:
    """One input column as the contract defines it, in the words of the templates."""

    sheet: str
    name: str
    type: str
    required: str
    default: str
    meaning: str
    choices: tuple[str, ...] = ()
    strict: bool = True
    """False when the dropdown only suggests values (other text is allowed, e.g. a custom unit)."""
    minimum: float | None = None
    maximum: float | None = None
    minimum_excluded: bool = False
    """True when the minimum itself is refused (``gt``): the value must be above it."""


def _required_text(column: pa.Column) -> str:
    """The "required" words of a column: its metadata's, else from required and unique."""
    meta = column.metadata
    if meta.get("required_text"):
        return meta["required_text"]
    if meta["required"]:
        return "yes, unique" if column.unique else "yes"
    return "no"


def _default_text(column: pa.Column) -> str:
    """The "default" words of a column: its metadata's, else its default value as typed."""
    meta = column.metadata
    if meta.get("default_text"):
        return meta["default_text"]
    value = meta["default"]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | int):
        return f"{value:g}"
    return str(value)


def _column(sheet: str, name: str, column: pa.Column) -> Column:
    """The template column of one pandera column: its checks become choices and bounds."""
    meta = column.metadata
    kind = _TYPES[meta["value_type"]]
    choices: tuple[str, ...] = ()
    strict = True
    minimum = maximum = None
    minimum_excluded = False
    for check in column.checks:
        stats = check.statistics
        if check.name == "isin":
            kind, choices = CHOICE, tuple(str(v) for v in stats["allowed_values"])
        elif check.name in ("greater_than_or_equal_to", "greater_than"):
            minimum = stats["min_value"]
            minimum_excluded = check.name == "greater_than"
        elif check.name == "less_than_or_equal_to":
            maximum = stats["max_value"]
    if kind == BOOL:
        choices = BOOL_CHOICES
    elif not choices and meta.get("suggested"):
        choices, strict = tuple(meta["suggested"]), False
    return Column(
        sheet, name, kind, _required_text(column), _default_text(column),
        column.description or "", choices, strict, minimum, maximum, minimum_excluded,
    )  # fmt: skip


COLUMNS: tuple[Column, ...] = tuple(
    _column(contract.sheet, name, column)
    for contract in schemas.SHEETS
    for name, column in contract.model.to_schema().columns.items()
)
"""Every input column, sheet by sheet in contract order, as :mod:`~prepaid_recon.contract.inputs`
says."""

WORKBOOKS: dict[str, tuple[str, ...]] = {
    "teams.xlsx": ("teams",),
    "products.xlsx": ("products", "uoms"),
    "orders.xlsx": ("orders", "order_lines"),
    "tickets.xlsx": ("tickets",),
    "timesheets.xlsx": ("timesheets",),
    "invoices.xlsx": ("invoices", "invoice_lines"),
}
"""Input file name -> its sheets, in the order they are written (CONTRACT section 2)."""

TYPE_NOTES: tuple[tuple[str, str], ...] = (
    (TEXT, "Trimmed; empty means missing. References match case-sensitively."),
    (BOOL, "TRUE/FALSE, yes/no, y/n, 1/0 or x (true)."),
    (DATE, "A date cell or ISO text YYYY-MM-DD; 03/04/2026 is refused as ambiguous."),
    (NUMBER, "A number, or text with '.' as decimal point."),
    (INTEGER, "A whole number."),
    (HOURS, "Decimal hours (1.5), text H:MM (1:30) or a time cell."),
    (PERCENT, "A number from 0 to 100 (20 = 20 %)."),
    (CHOICE, "One of the listed values (use the dropdown)."),
)
"""How each value type is read, for the instructions sheet."""

FIRST_ROW, LAST_ROW = 1, 1_048_575
"""Zero-based row range that receives validations (every data row of the sheet)."""

_FORMAT_KINDS = {
    DATE: "date",
    NUMBER: "number",
    PERCENT: "number",  # typed as a plain 0..100 number; the "%" sign is for the reports
    INTEGER: "int",
    TEXT: "text",
}
"""Value type of a template column -> its kind in :data:`~prepaid_recon.xlsx.book.NUMBER_FORMATS`
(hours and choices have none: hours may be typed as H:MM text)."""


def sheet_columns(sheet: str) -> list[Column]:
    """The columns of one input sheet, in contract order."""
    return [c for c in COLUMNS if c.sheet == sheet]


def column_names(sheet: str) -> list[str]:
    """The header of one input sheet, in contract order."""
    return [c.name for c in sheet_columns(sheet)]


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


class Formats:
    """The cell formats of one workbook, created once (xlsxwriter formats belong to a book)."""

    def __init__(self, book: Workbook) -> None:
        self.header = book.add_format(HEADER_STYLE)
        self.by_type = {
            t: book.add_format({"num_format": NUMBER_FORMATS[k]}) for t, k in _FORMAT_KINDS.items()
        }
        self.date = self.by_type[DATE]
        self.time = book.add_format({"num_format": NUMBER_FORMATS["time"]})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})

    def column(self, column: Column) -> Format | None:
        """Format of a data column, by its value type; choices, booleans, text with suggested
        values and hours get none (what is typed stays as typed)."""
        if column.type == CHOICE or (column.type == TEXT and column.choices):
            return None
        return self.by_type.get(column.type)


def _validation(column: Column) -> dict[str, Any] | None:
    """The Excel data validation of a column: a dropdown for choices, a range for numbers."""
    if column.choices:
        return {
            "validate": "list",
            "source": list(column.choices),
            "ignore_blank": True,
            "show_error": column.strict,
            "error_title": column.name,
            "error_message": f"{column.name}: one of {', '.join(column.choices)}.",
            "input_title": column.name[:32],
            "input_message": column.meaning[:255],
            "show_input": True,
        }
    if column.minimum is None and column.maximum is None:
        return None
    kind = "integer" if column.type == INTEGER else "decimal"
    rule: dict[str, Any]
    if column.minimum is not None and column.maximum is not None:
        rule = {"criteria": "between", "minimum": column.minimum, "maximum": column.maximum}
        text = f"a number from {column.minimum:g} to {column.maximum:g}"
    elif column.minimum is not None:
        op = ">" if column.minimum_excluded else ">="
        rule = {"criteria": op, "value": column.minimum}
        text = f"a number {op} {column.minimum:g}"
    else:
        rule = {"criteria": "<=", "value": column.maximum}
        text = f"a number <= {column.maximum:g}"
    return {
        "validate": kind,
        **rule,
        "ignore_blank": True,
        # Hours may be typed as H:MM text: warn instead of refusing.
        "error_type": "warning" if column.type == HOURS else "stop",
        "error_title": column.name,
        "error_message": f"{column.name}: {text}.",
    }


def add_sheet(
    book: Workbook, formats: Formats, sheet: str, names: list[str] | None = None
) -> Worksheet:
    """Add an input sheet with its header row, column formats, validations and frozen header.

    ``names`` are the header cells (default: every contract column of the sheet); a name that
    is not a contract column gets no format and no validation.
    """
    ws = book.add_worksheet(sheet)
    known = {c.name: c for c in sheet_columns(sheet)}
    for c, name in enumerate(names if names is not None else list(known)):
        column = known.get(name)
        fmt = formats.column(column) if column is not None else None
        ws.set_column(c, c, max(12, len(name) + 4), fmt)
        ws.write_string(0, c, name, formats.header)
        validation = _validation(column) if column is not None else None
        if validation is not None:
            ws.data_validation(FIRST_ROW, c, LAST_ROW, c, validation)
    ws.freeze_panes(1, 0)
    return ws


def add_instructions(book: Workbook, formats: Formats, sheets: tuple[str, ...]) -> Worksheet:
    """Add the ``instructions`` sheet: one row per column of ``sheets``, then the value types."""
    ws = book.add_worksheet("instructions")
    header = ["sheet", "column", "type", "required", "default", "allowed values", "meaning"]
    widths = [14, 20, 12, 26, 22, 34, 80]
    for c, (title, width) in enumerate(zip(header, widths, strict=True)):
        ws.set_column(c, c, width, formats.wrap if title == "meaning" else formats.top)
        ws.write_string(0, c, title, formats.header)
    row = 1
    for sheet in sheets:
        for column in sheet_columns(sheet):
            allowed = ", ".join(column.choices)
            if allowed and not column.strict:
                allowed += ", or other"
            values = [sheet, column.name, column.type, column.required, column.default,
                      allowed, column.meaning]  # fmt: skip
            for c, value in enumerate(values):
                if value:
                    ws.write_string(row, c, value)
            row += 1
    row += 1
    ws.write_string(row, 0, "type", formats.header)
    ws.write_string(row, 1, "how it is read", formats.header)
    for type_name, note in TYPE_NOTES:
        row += 1
        ws.write_string(row, 0, type_name)
        ws.write_string(row, 1, note)
    row += 2
    ws.write_string(
        row, 0, "Row 1 of each sheet is the header; an empty cell takes the column's default. "
        "Unknown columns and this sheet are ignored."
    )  # fmt: skip
    ws.freeze_panes(1, 0)
    return ws


def existing_files(folder: Path | str, names: Iterable[str]) -> list[Path]:
    """The files of ``folder`` that writing ``names`` into it would replace, in the order of
    ``names``: same name in any letter case (the reader takes ``Teams.xlsx`` for
    ``teams.xlsx``, so writing beside it would leave two).  A missing folder holds none."""
    folder = Path(folder)
    try:
        present = {entry.name.lower(): entry for entry in folder.iterdir()}
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [present[name.lower()] for name in names if name.lower() in present]


def write_templates(folder: Path | str) -> list[Path]:
    """Write the blank input workbooks into ``folder`` (created if needed); return their paths.

    Each workbook holds its data sheets (header row only) and an ``instructions`` sheet.
    Existing files of the same names are overwritten: ``init`` refuses them first
    (:func:`existing_files`) unless ``--force``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for file_name, sheets in WORKBOOKS.items():
        path = folder / file_name
        book = new_workbook(path, title=path.stem)
        formats = Formats(book)
        for sheet in sheets:
            add_sheet(book, formats, sheet)
        add_instructions(book, formats, sheets)
        book.close()
        written.append(path)
    return written

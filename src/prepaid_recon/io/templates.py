"""Blank input workbooks (``prepaid-recon init DIR``) and the column table they are made from.

:data:`COLUMNS` is the single description of every input column of CONTRACT section 2: sheet,
name, value type, whether it is required, its default, its allowed values and its meaning. The
templates are rendered from it: a header row per sheet, an ``instructions`` sheet listing the
table, a data-validation dropdown on every enumeration and boolean column, and a cell format
per value type (``yyyy-mm-dd`` dates, ``0.00`` numbers, ``@`` text so that ``00123`` stays a
reference). The data sheets hold only their header row: a header row with no data rows is a
valid empty table, so a folder made by ``init`` validates without errors.

:func:`add_sheet` is shared with :mod:`prepaid_recon.sample`, which writes generated inputs in
the same layout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# --------------------------------------------------------------------------------------------
# The column table (CONTRACT section 2), kept as data
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


@dataclass(frozen=True)
class Column:
    """One input column as the contract defines it."""

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


_S_PRODUCT = ("service", "consumable", "goods")
_POLICY = ("prepaid", "timesheet", "manual")
_TRACKING = ("no", "task_global_project", "task_in_project", "project_only")
_ORDER_STATE = ("draft", "sent", "sale", "done", "cancel")
_UNITS = ("Hours", "Days", "Units")

# fmt: off
COLUMNS: tuple[Column, ...] = (
    # teams ----------------------------------------------------------------------------------
    Column("teams", "team", TEXT, "yes, unique", "", "Helpdesk team name."),
    Column("teams", "timesheet_on_ticket", BOOL, "yes", "",
           "Time can be logged on this team's tickets.", BOOL_CHOICES),
    Column("teams", "time_reinvoicing", BOOL, "no", "FALSE",
           "Logged time is billed to a sales order item; needs timesheet_on_ticket.",
           BOOL_CHOICES),
    Column("teams", "project", TEXT, "when timesheet_on_ticket", "",
           "Project in which the team's ticket time is logged."),
    # products -------------------------------------------------------------------------------
    Column("products", "product", TEXT, "yes, unique", "",
           "Product reference used by order lines."),
    Column("products", "name", TEXT, "no", "= product",
           "Display name, used in generated task names (\"<order> - <name>\")."),
    Column("products", "type", CHOICE, "yes", "",
           "Only services take part in time tracking.", _S_PRODUCT),
    Column("products", "uom", TEXT, "yes", "",
           "Unit of measure: Hours, Days, Units or a unit of the uoms sheet.",
           _UNITS, strict=False),
    Column("products", "invoicing_policy", CHOICE, "yes for services",
           "prepaid (goods, consumables)",
           "prepaid: invoice the ordered quantity; timesheet: invoice delivered time; "
           "manual: invoice the delivered quantity typed on the order line.", _POLICY),
    Column("products", "service_tracking", CHOICE, "no", "no",
           "What confirming an order creates: nothing, a task in the product's project, "
           "a task in a project per order, or only that project.", _TRACKING),
    Column("products", "project", TEXT, "for task_global_project", "",
           "Project that receives the tasks of task_global_project lines."),
    Column("products", "unit_price", NUMBER, "no", "0", "Price per product unit.",
           minimum=0),
    Column("products", "tax_rate", PERCENT, "no", "0",
           "Tax on top of the price, in percent (20 = 20 %).", minimum=0, maximum=100),
    Column("products", "upsell_threshold", PERCENT, "no", "100",
           "Alert when delivered > ordered x threshold / 100; may exceed 100.", minimum=0),
    # uoms -----------------------------------------------------------------------------------
    Column("uoms", "uom", TEXT, "yes, unique", "", "Custom unit name, e.g. Pack50."),
    Column("uoms", "category", TEXT, "yes", "",
           "Units convert only within a category: time, unit or any other name.",
           ("time", "unit"), strict=False),
    Column("uoms", "hours", NUMBER, "for category time", "",
           "Size of the unit in hours (Pack50 = 50).", minimum=0),
    Column("uoms", "ratio", NUMBER, "for other categories", "",
           "Size in the category's reference unit.", minimum=0),
    Column("uoms", "rounding", NUMBER, "no", "0.01",
           "Rounding step of quantities in this unit.", minimum=0),
    # orders ---------------------------------------------------------------------------------
    Column("orders", "order", TEXT, "yes, unique", "", "Sales order reference."),
    Column("orders", "customer", TEXT, "yes", "", "Customer name."),
    Column("orders", "order_date", DATE, "yes", "", "Confirmation date."),
    Column("orders", "state", CHOICE, "yes", "",
           "sale and done are confirmed; draft, sent and cancel are not.", _ORDER_STATE),
    Column("orders", "currency", TEXT, "no", "--currency (USD)",
           "ISO 4217 code, e.g. USD, EUR, JPY."),
    Column("orders", "customer_ref", TEXT, "no", "",
           "Customer reference, used in generated project names."),
    # order_lines ----------------------------------------------------------------------------
    Column("order_lines", "order", TEXT, "yes", "", "Sales order; must exist in orders."),
    Column("order_lines", "line", INTEGER, "yes, unique per order", "",
           "Line sequence (1, 2, ...).", minimum=1),
    Column("order_lines", "product", TEXT, "yes", "", "Product; must exist in products."),
    Column("order_lines", "description", TEXT, "no", "product name",
           "Line description; names the line's task when it differs from the product name."),
    Column("order_lines", "quantity", NUMBER, "yes", "",
           "Ordered quantity in the line's unit."),
    Column("order_lines", "uom", TEXT, "no", "product's unit",
           "Unit of the line; same category as the product's unit.", _UNITS, strict=False),
    Column("order_lines", "unit_price", NUMBER, "no", "product's price in this unit",
           "Price per unit of the line.", minimum=0),
    Column("order_lines", "discount", PERCENT, "no", "0", "Discount in percent.",
           minimum=0, maximum=100),
    Column("order_lines", "delivered", NUMBER, "no (manual lines: warning, 0)", "",
           "Delivered quantity typed by hand; manual lines only."),
    # tickets --------------------------------------------------------------------------------
    Column("tickets", "ticket", TEXT, "yes, unique", "", "Ticket reference."),
    Column("tickets", "team", TEXT, "yes", "", "Helpdesk team; must exist in teams."),
    Column("tickets", "customer", TEXT, "yes", "", "Customer of the ticket."),
    Column("tickets", "created", DATE, "yes", "", "Ticket creation date."),
    Column("tickets", "subject", TEXT, "no", "", "Ticket subject."),
    Column("tickets", "task", TEXT, "no", "",
           "Task created by an order (as named in tasks.xlsx) the ticket is linked to."),
    Column("tickets", "order", TEXT, "no (with line)", "",
           "Sales order of the ticket's order item, set explicitly."),
    Column("tickets", "line", INTEGER, "no (with order)", "",
           "Line of the ticket's order item, set explicitly.", minimum=1),
    # timesheets -----------------------------------------------------------------------------
    Column("timesheets", "timesheet", TEXT, "no, unique when given", "<file>:<row>",
           "Timesheet id."),
    Column("timesheets", "date", DATE, "yes", "", "Date the time was spent."),
    Column("timesheets", "employee", TEXT, "yes", "", "Employee who logged the time."),
    Column("timesheets", "ticket", TEXT, "ticket or task", "",
           "Ticket the time is logged on; must exist in tickets. With both, the ticket decides."),
    Column("timesheets", "task", TEXT, "ticket or task", "",
           "Task the time is logged on directly."),
    Column("timesheets", "hours", HOURS, "yes", "",
           "Hours from -24 to 24 (negative = correction): 1.5, or 1:30 typed as a time.",
           minimum=-24, maximum=24),
    Column("timesheets", "description", TEXT, "no", "", "What was done."),
    Column("timesheets", "billable", BOOL, "no", "TRUE", "FALSE: never billed.",
           BOOL_CHOICES),
    Column("timesheets", "order", TEXT, "no (with line)", "",
           "Explicit sales order item for this entry (overrides ticket and task)."),
    Column("timesheets", "line", INTEGER, "no (with order)", "",
           "Line of that explicit sales order item.", minimum=1),
    Column("timesheets", "invoice", TEXT, "no", "",
           "Invoice that already billed this entry (from an earlier run's output)."),
    # invoices -------------------------------------------------------------------------------
    Column("invoices", "invoice", TEXT, "yes, unique", "", "Invoice or credit note number."),
    Column("invoices", "invoice_date", DATE, "yes", "", "Document date."),
    Column("invoices", "kind", CHOICE, "no", "invoice",
           "invoice adds, credit_note subtracts.", ("invoice", "credit_note")),
    Column("invoices", "state", CHOICE, "no", "posted",
           "cancel: ignored; draft and posted count.", ("draft", "posted", "cancel")),
    Column("invoices", "customer", TEXT, "no", "", "Customer invoiced."),
    Column("invoices", "currency", TEXT, "no", "", "ISO 4217 code."),
    Column("invoices", "reverses", TEXT, "no", "",
           "For a credit note: the invoice it reverses; must exist."),
    # invoice_lines --------------------------------------------------------------------------
    Column("invoice_lines", "invoice", TEXT, "yes", "", "Document; must exist in invoices."),
    Column("invoice_lines", "order", TEXT, "yes", "", "Sales order of the invoiced line."),
    Column("invoice_lines", "line", INTEGER, "yes", "",
           "Order line invoiced; must exist in order_lines.", minimum=1),
    Column("invoice_lines", "quantity", NUMBER, "yes", "",
           "Quantity invoiced, positive on both kinds, in the order line's unit unless uom "
           "is given."),
    Column("invoice_lines", "uom", TEXT, "no", "order line's unit", "Unit of quantity.",
           _UNITS, strict=False),
    Column("invoice_lines", "unit_price", NUMBER, "no", "", "Informational.", minimum=0),
    Column("invoice_lines", "discount", PERCENT, "no", "", "Informational.",
           minimum=0, maximum=100),
    Column("invoice_lines", "subtotal", NUMBER, "no", "", "Informational."),
)
# fmt: on

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

CREATED = dt.datetime(2026, 1, 1)
"""Fixed document creation time: committed templates do not change when regenerated."""

FIRST_ROW, LAST_ROW = 1, 1_048_575
"""Zero-based row range that receives validations (every data row of the sheet)."""

_NUMBER_FORMATS = {
    DATE: "yyyy-mm-dd",
    NUMBER: "0.00",
    PERCENT: "0.00",
    INTEGER: "0",
    TEXT: "@",
}


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

    def __init__(self, book: Workbook):
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        self.by_type = {t: book.add_format({"num_format": f}) for t, f in _NUMBER_FORMATS.items()}
        self.date = self.by_type[DATE]
        self.time = book.add_format({"num_format": "h:mm"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})

    def column(self, column: Column):
        """Format of a data column; enumerations and text take the text format, hours none."""
        if column.type == CHOICE or (column.type == TEXT and column.choices):
            return None
        return self.by_type.get(column.type)


def _validation(column: Column) -> dict | None:
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
    if column.minimum is not None and column.maximum is not None:
        rule = {"criteria": "between", "minimum": column.minimum, "maximum": column.maximum}
        text = f"a number from {column.minimum:g} to {column.maximum:g}"
    else:
        rule = {"criteria": ">=", "value": column.minimum}
        text = f"a number >= {column.minimum:g}"
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


def new_workbook(path: Path, *, constant_memory: bool = False) -> Workbook:
    """An xlsxwriter workbook with fixed metadata, so that the same content gives the same bytes."""
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": constant_memory, "strings_to_formulas": False,
                    "strings_to_urls": False, "strings_to_numbers": False},
    )  # fmt: skip
    book.set_properties({"created": CREATED, "author": "prepaid-recon", "title": path.stem})
    return book


def write_templates(folder: Path) -> list[Path]:
    """Write the blank input workbooks into ``folder`` (created if needed); return their paths.

    Each workbook holds its data sheets (header row only) and an ``instructions`` sheet.
    Existing files of the same names are overwritten.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for file_name, sheets in WORKBOOKS.items():
        path = folder / file_name
        book = new_workbook(path)
        formats = Formats(book)
        for sheet in sheets:
            add_sheet(book, formats, sheet)
        add_instructions(book, formats, sheets)
        book.close()
        written.append(path)
    return written


def describe() -> str:
    """The column table as Markdown text (one table per sheet), for docs and ``--help`` pages."""
    lines: list[str] = []
    for sheets in WORKBOOKS.values():
        for sheet in sheets:
            lines += [f"### {sheet}", "", "| column | type | required | default | meaning |",
                      "|---|---|---|---|---|"]  # fmt: skip
            for c in sheet_columns(sheet):
                kind = " / ".join(c.choices) if c.type == CHOICE else c.type
                lines.append(f"| `{c.name}` | {kind} | {c.required} | {c.default} | {c.meaning} |")
            lines.append("")
    return "\n".join(lines)

"""The input contract, written once: one pandera ``DataFrameModel`` per input sheet.

Each field carries, besides pandera's checks (required, allowed values, ranges, uniqueness), the
metadata the reader needs to parse a cell: its ``value_type`` (text, bool, date, number, whole,
hours, percent) and its default when the cell is empty; and the words an accountant reads in the
instructions sheet of the templates: the meaning (the field's description), the required and
default words where they are conditional or computed, and suggested values that are not
enforced.  :mod:`prepaid_recon.xlsx.templates` derives its column table from these models.
Validation runs them with ``lazy=True`` on the parsed frames so that one pass reports every
problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

from prepaid_recon.domain import BUILTIN_UOMS, TIME, UNIT


def normalize_header(name: object) -> str:
    """The header rule: `Order Line`, `order-line` and `ORDER_LINE` are one column: `order_line`."""
    return re.sub(r"[\s\-_]+", "_", str(name).strip().lower()).strip("_")


TEXT, BOOL, DATE, NUMBER, WHOLE, HOURS, PERCENT = (
    "text", "bool", "date", "number", "whole", "hours", "percent",
)  # fmt: skip

SERVICE_TYPES = ["service", "consumable", "goods"]
POLICIES = ["prepaid", "timesheet", "manual"]
TRACKINGS = ["no", "task_global_project", "task_in_project", "project_only"]
ORDER_STATES = ["draft", "sent", "sale", "done", "cancel"]
CONFIRMED_STATES = ("sale", "done")
DOC_KINDS = ["invoice", "credit_note"]
DOC_STATES = ["draft", "posted", "cancel"]
UNITS = [u.name for u in BUILTIN_UOMS]
"""Suggested (not enforced) units: the built-in ones; a unit of the uoms sheet is also allowed."""
UOM_CATEGORIES = [TIME, UNIT]
"""Suggested (not enforced) unit categories; any other name makes a category of its own."""


def _field(
    value_type: str,
    *,
    required: bool = False,
    default: Any = None,
    meaning: str = "",
    unique: bool = False,
    required_text: str | None = None,
    default_text: str | None = None,
    suggested: Sequence[str] = (),
    **checks: Any,
) -> Any:
    """A column of the contract: its value type, whether it is required, its default, checks.

    ``meaning`` is the sentence an accountant reads in the templates' instructions sheet.
    ``required_text`` and ``default_text`` replace the words derived from ``required``/``unique``
    and ``default`` when the truth is conditional or computed ("yes for services", "= product");
    they are words only, checked elsewhere.  ``suggested`` values fill a dropdown that does not
    refuse other text; unlike ``isin`` they are not checked.
    """
    return pa.Field(
        nullable=not required,
        unique=unique,
        description=meaning,
        metadata={
            "value_type": value_type,
            "required": required,
            "default": default,
            "required_text": required_text,
            "default_text": default_text,
            "suggested": tuple(suggested),
        },
        **checks,
    )


class _Sheet(pa.DataFrameModel):
    class Config:
        strict = False
        coerce = False


class Teams(_Sheet):
    team: Series[str] = _field(TEXT, required=True, unique=True, meaning="Helpdesk team name.")
    timesheet_on_ticket: Series[bool] = _field(
        BOOL, required=True, meaning="Time can be logged on this team's tickets."
    )
    time_reinvoicing: Series[bool] = _field(
        BOOL,
        default=False,
        meaning="Logged time is billed to a sales order item; needs timesheet_on_ticket.",
    )
    project: Series[str] = _field(
        TEXT,
        required_text="when timesheet_on_ticket",
        meaning="Project in which the team's ticket time is logged.",
    )


class Products(_Sheet):
    product: Series[str] = _field(
        TEXT, required=True, unique=True, meaning="Product reference used by order lines."
    )
    name: Series[str] = _field(
        TEXT,
        default_text="= product",
        meaning='Display name, used in generated task names ("<order> - <name>").',
    )
    type: Series[str] = _field(
        TEXT,
        required=True,
        isin=SERVICE_TYPES,
        meaning="Only services take part in time tracking.",
    )
    uom: Series[str] = _field(
        TEXT,
        required=True,
        suggested=UNITS,
        meaning="Unit of measure: Hours, Days, Units or a unit of the uoms sheet.",
    )
    invoicing_policy: Series[str] = _field(
        TEXT,
        isin=POLICIES,
        required_text="yes for services",
        default_text="prepaid (goods, consumables)",
        meaning="prepaid: invoice the ordered quantity; timesheet: invoice delivered time; "
        "manual: invoice the delivered quantity typed on the order line.",
    )
    service_tracking: Series[str] = _field(
        TEXT,
        default="no",
        isin=TRACKINGS,
        meaning="What confirming an order creates: nothing, a task in the product's project, "
        "a task in a project per order, or only that project.",
    )
    project: Series[str] = _field(
        TEXT,
        required_text="for task_global_project",
        meaning="Project that receives the tasks of task_global_project lines.",
    )
    unit_price: Series[float] = _field(NUMBER, default=0.0, ge=0, meaning="Price per product unit.")
    tax_rate: Series[float] = _field(
        PERCENT,
        default=0.0,
        ge=0,
        le=100,
        meaning="Tax on top of the price, in percent (20 = 20 %).",
    )
    upsell_threshold: Series[float] = _field(
        NUMBER,
        default=100.0,
        gt=0,
        meaning="Alert when delivered > ordered x threshold / 100; may exceed 100.",
    )


class Uoms(_Sheet):
    uom: Series[str] = _field(
        TEXT, required=True, unique=True, meaning="Custom unit name, e.g. Pack50."
    )
    category: Series[str] = _field(
        TEXT,
        required=True,
        suggested=UOM_CATEGORIES,
        meaning="Units convert only within a category: time, unit or any other name.",
    )
    hours: Series[float] = _field(
        NUMBER,
        gt=0,
        required_text="for category time",
        meaning="Size of the unit in hours (Pack50 = 50).",
    )
    ratio: Series[float] = _field(
        NUMBER,
        gt=0,
        required_text="for other categories",
        meaning="Size in the category's reference unit.",
    )
    rounding: Series[float] = _field(
        NUMBER, default=0.01, gt=0, meaning="Rounding step of quantities in this unit."
    )


class Orders(_Sheet):
    order: Series[str] = _field(TEXT, required=True, unique=True, meaning="Sales order reference.")
    customer: Series[str] = _field(TEXT, required=True, meaning="Customer name.")
    order_date: Series[Any] = _field(DATE, required=True, meaning="Confirmation date.")
    state: Series[str] = _field(
        TEXT,
        required=True,
        isin=ORDER_STATES,
        meaning="sale and done are confirmed; draft, sent and cancel are not.",
    )
    currency: Series[str] = _field(
        TEXT, default_text="--currency (USD)", meaning="ISO 4217 code, e.g. USD, EUR, JPY."
    )
    customer_ref: Series[str] = _field(
        TEXT, meaning="Customer reference, used in generated project names."
    )


class OrderLines(_Sheet):
    order: Series[str] = _field(TEXT, required=True, meaning="Sales order; must exist in orders.")
    line: Series[Any] = _field(
        WHOLE,
        required=True,
        ge=1,
        required_text="yes, unique per order",
        meaning="Line sequence (1, 2, ...).",
    )
    product: Series[str] = _field(TEXT, required=True, meaning="Product; must exist in products.")
    description: Series[str] = _field(
        TEXT,
        default_text="product name",
        meaning="Line description; names the line's task when it differs from the product name.",
    )
    quantity: Series[float] = _field(
        NUMBER, required=True, meaning="Ordered quantity in the line's unit."
    )
    uom: Series[str] = _field(
        TEXT,
        suggested=UNITS,
        default_text="product's unit",
        meaning="Unit of the line; same category as the product's unit.",
    )
    unit_price: Series[float] = _field(
        NUMBER,
        ge=0,
        default_text="product's price in this unit",
        meaning="Price per unit of the line.",
    )
    discount: Series[float] = _field(
        PERCENT, default=0.0, ge=0, le=100, meaning="Discount in percent."
    )
    delivered: Series[float] = _field(
        NUMBER,
        required_text="no (manual lines: warning, 0)",
        meaning="Delivered quantity typed by hand; manual lines only.",
    )


class Tickets(_Sheet):
    ticket: Series[str] = _field(TEXT, required=True, unique=True, meaning="Ticket reference.")
    team: Series[str] = _field(TEXT, required=True, meaning="Helpdesk team; must exist in teams.")
    customer: Series[str] = _field(TEXT, required=True, meaning="Customer of the ticket.")
    created: Series[Any] = _field(DATE, required=True, meaning="Ticket creation date.")
    subject: Series[str] = _field(TEXT, meaning="Ticket subject.")
    task: Series[str] = _field(
        TEXT,
        meaning="Task created by an order (as named in tasks.xlsx) the ticket is linked to.",
    )
    order: Series[str] = _field(
        TEXT,
        required_text="no (with line)",
        meaning="Sales order of the ticket's order item, set explicitly.",
    )
    line: Series[Any] = _field(
        WHOLE,
        ge=1,
        required_text="no (with order)",
        meaning="Line of the ticket's order item, set explicitly.",
    )


class Timesheets(_Sheet):
    timesheet: Series[str] = _field(
        TEXT,
        required_text="no, unique when given",
        default_text="<file>:<row>",
        meaning="Timesheet id.",
    )
    date: Series[Any] = _field(DATE, required=True, meaning="Date the time was spent.")
    employee: Series[str] = _field(TEXT, required=True, meaning="Employee who logged the time.")
    ticket: Series[str] = _field(
        TEXT,
        required_text="ticket or task",
        meaning="Ticket the time is logged on; must exist in tickets. "
        "With both, the ticket decides.",
    )
    task: Series[str] = _field(
        TEXT, required_text="ticket or task", meaning="Task the time is logged on directly."
    )
    hours: Series[float] = _field(
        HOURS,
        required=True,
        ge=-24,
        le=24,
        meaning="Hours from -24 to 24 (negative = correction): 1.5, or 1:30 typed as a time.",
    )
    description: Series[str] = _field(TEXT, meaning="What was done.")
    billable: Series[bool] = _field(BOOL, default=True, meaning="FALSE: never billed.")
    order: Series[str] = _field(
        TEXT,
        required_text="no (with line)",
        meaning="Explicit sales order item for this entry (overrides ticket and task).",
    )
    line: Series[Any] = _field(
        WHOLE,
        ge=1,
        required_text="no (with order)",
        meaning="Line of that explicit sales order item.",
    )
    invoice: Series[str] = _field(
        TEXT, meaning="Invoice that already billed this entry (from an earlier run's output)."
    )


class Invoices(_Sheet):
    invoice: Series[str] = _field(
        TEXT, required=True, unique=True, meaning="Invoice or credit note number."
    )
    invoice_date: Series[Any] = _field(DATE, required=True, meaning="Document date.")
    kind: Series[str] = _field(
        TEXT,
        default="invoice",
        isin=DOC_KINDS,
        meaning="invoice adds, credit_note subtracts.",
    )
    state: Series[str] = _field(
        TEXT,
        default="posted",
        isin=DOC_STATES,
        meaning="cancel: ignored; draft and posted count.",
    )
    customer: Series[str] = _field(TEXT, meaning="Customer invoiced.")
    currency: Series[str] = _field(TEXT, meaning="ISO 4217 code.")
    reverses: Series[str] = _field(
        TEXT, meaning="For a credit note: the invoice it reverses; must exist."
    )


class InvoiceLines(_Sheet):
    invoice: Series[str] = _field(TEXT, required=True, meaning="Document; must exist in invoices.")
    order: Series[str] = _field(TEXT, required=True, meaning="Sales order of the invoiced line.")
    line: Series[Any] = _field(
        WHOLE,
        required=True,
        ge=1,
        meaning="Order line invoiced; must exist in order_lines.",
    )
    quantity: Series[float] = _field(
        NUMBER,
        required=True,
        meaning="Quantity invoiced, positive on both kinds, in the order line's unit unless uom "
        "is given.",
    )
    uom: Series[str] = _field(
        TEXT, suggested=UNITS, default_text="order line's unit", meaning="Unit of quantity."
    )
    unit_price: Series[float] = _field(NUMBER, meaning="Informational.")
    discount: Series[float] = _field(NUMBER, meaning="Informational.")
    subtotal: Series[float] = _field(NUMBER, meaning="Informational.")


@dataclass(frozen=True)
class SheetContract:
    """Where a logical input table lives and which model validates it."""

    sheet: str
    file: str
    model: type[_Sheet]
    required: bool

    @property
    def stem(self) -> str:
        return self.file.removesuffix(".xlsx")


SHEETS: tuple[SheetContract, ...] = (
    SheetContract("teams", "teams.xlsx", Teams, True),
    SheetContract("products", "products.xlsx", Products, True),
    SheetContract("uoms", "products.xlsx", Uoms, False),
    SheetContract("orders", "orders.xlsx", Orders, True),
    SheetContract("order_lines", "orders.xlsx", OrderLines, True),
    SheetContract("tickets", "tickets.xlsx", Tickets, True),
    SheetContract("timesheets", "timesheets.xlsx", Timesheets, True),
    SheetContract("invoices", "invoices.xlsx", Invoices, False),
    SheetContract("invoice_lines", "invoices.xlsx", InvoiceLines, False),
)
CONTRACTS: dict[str, SheetContract] = {c.sheet: c for c in SHEETS}


@dataclass(frozen=True)
class ColumnContract:
    name: str
    value_type: str
    required: bool
    default: Any
    meaning: str


def columns_of(sheet: str) -> list[ColumnContract]:
    """The columns of an input sheet, in contract order, with value type, default and meaning."""
    schema = CONTRACTS[sheet].model.to_schema()
    return [
        ColumnContract(
            name,
            col.metadata["value_type"],
            col.metadata["required"],
            col.metadata["default"],
            col.description or "",
        )
        for name, col in schema.columns.items()
    ]

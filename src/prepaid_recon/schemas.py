"""The input contract, written once: one pandera ``DataFrameModel`` per input sheet.

Each field carries, besides pandera's checks (required, allowed values, ranges, uniqueness), the
metadata the reader needs to parse a cell: its value ``kind`` (text, bool, date, number, whole,
hours, percent), its default when the cell is empty, and the words an accountant reads in the
instructions sheet of the templates.  Validation runs these models with ``lazy=True`` on the
parsed frames so that one pass reports every problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

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


def _field(
    kind: str,
    *,
    required: bool = False,
    default: Any = None,
    meaning: str = "",
    unique: bool = False,
    **checks: Any,
) -> Any:
    """A column of the contract: its parse kind, whether it is required, its default, checks."""
    return pa.Field(
        nullable=not required,
        unique=unique,
        description=meaning,
        metadata={"kind": kind, "required": required, "default": default},
        **checks,
    )


class _Sheet(pa.DataFrameModel):
    class Config:
        strict = False
        coerce = False


class Teams(_Sheet):
    team: Series[str] = _field(TEXT, required=True, unique=True, meaning="helpdesk team")
    timesheet_on_ticket: Series[bool] = _field(
        BOOL, required=True, meaning="time can be logged on this team's tickets"
    )
    time_reinvoicing: Series[bool] = _field(
        BOOL, default=False, meaning="logged time is billed to a sales order item"
    )
    project: Series[str] = _field(TEXT, meaning="project in which ticket time is logged")


class Products(_Sheet):
    product: Series[str] = _field(TEXT, required=True, unique=True, meaning="product reference")
    name: Series[str] = _field(TEXT, meaning="display name, used in task names (default: product)")
    type: Series[str] = _field(TEXT, required=True, isin=SERVICE_TYPES, meaning="product type")
    uom: Series[str] = _field(TEXT, required=True, meaning="unit of measure")
    invoicing_policy: Series[str] = _field(
        TEXT, isin=POLICIES, meaning="prepaid, timesheet or manual (required for services)"
    )
    service_tracking: Series[str] = _field(
        TEXT, default="no", isin=TRACKINGS, meaning="what confirming an order creates"
    )
    project: Series[str] = _field(TEXT, meaning="project receiving the tasks (global project)")
    unit_price: Series[float] = _field(NUMBER, default=0.0, ge=0, meaning="price per unit")
    tax_rate: Series[float] = _field(PERCENT, default=0.0, ge=0, le=100, meaning="tax in %")
    upsell_threshold: Series[float] = _field(
        NUMBER, default=100.0, gt=0, meaning="alert when delivered > ordered × threshold %"
    )


class Uoms(_Sheet):
    uom: Series[str] = _field(TEXT, required=True, unique=True, meaning="unit name")
    category: Series[str] = _field(TEXT, required=True, meaning="time, unit or another category")
    hours: Series[float] = _field(NUMBER, gt=0, meaning="size in hours (time units)")
    ratio: Series[float] = _field(NUMBER, gt=0, meaning="size in the category's reference unit")
    rounding: Series[float] = _field(NUMBER, default=0.01, gt=0, meaning="rounding step")


class Orders(_Sheet):
    order: Series[str] = _field(TEXT, required=True, unique=True, meaning="sales order reference")
    customer: Series[str] = _field(TEXT, required=True, meaning="customer")
    order_date: Series[Any] = _field(DATE, required=True, meaning="confirmation date")
    state: Series[str] = _field(TEXT, required=True, isin=ORDER_STATES, meaning="order state")
    currency: Series[str] = _field(TEXT, meaning="ISO 4217 code (default: --currency)")
    customer_ref: Series[str] = _field(TEXT, meaning="used in generated project names")


class OrderLines(_Sheet):
    order: Series[str] = _field(TEXT, required=True, meaning="sales order")
    line: Series[Any] = _field(WHOLE, required=True, ge=1, meaning="line sequence")
    product: Series[str] = _field(TEXT, required=True, meaning="product reference")
    description: Series[str] = _field(TEXT, meaning="line description (default: product name)")
    quantity: Series[float] = _field(NUMBER, required=True, meaning="ordered quantity")
    uom: Series[str] = _field(TEXT, meaning="unit (default: the product's)")
    unit_price: Series[float] = _field(NUMBER, ge=0, meaning="price per unit")
    discount: Series[float] = _field(PERCENT, default=0.0, ge=0, le=100, meaning="discount in %")
    delivered: Series[float] = _field(NUMBER, meaning="delivered quantity (manual lines)")


class Tickets(_Sheet):
    ticket: Series[str] = _field(TEXT, required=True, unique=True, meaning="ticket reference")
    team: Series[str] = _field(TEXT, required=True, meaning="helpdesk team")
    customer: Series[str] = _field(TEXT, required=True, meaning="customer")
    created: Series[Any] = _field(DATE, required=True, meaning="creation date")
    subject: Series[str] = _field(TEXT, meaning="subject")
    task: Series[str] = _field(TEXT, meaning="task name created by the order")
    order: Series[str] = _field(TEXT, meaning="sales order item: order")
    line: Series[Any] = _field(WHOLE, ge=1, meaning="sales order item: line")


class Timesheets(_Sheet):
    timesheet: Series[str] = _field(TEXT, meaning="id (default: <file>:<row>)")
    date: Series[Any] = _field(DATE, required=True, meaning="date worked")
    employee: Series[str] = _field(TEXT, required=True, meaning="employee")
    ticket: Series[str] = _field(TEXT, meaning="ticket (or task)")
    task: Series[str] = _field(TEXT, meaning="task (or ticket)")
    hours: Series[float] = _field(HOURS, required=True, ge=-24, le=24, meaning="hours, H:MM ok")
    description: Series[str] = _field(TEXT, meaning="work description")
    billable: Series[bool] = _field(BOOL, default=True, meaning="false: never billed")
    order: Series[str] = _field(TEXT, meaning="explicit sales order item: order")
    line: Series[Any] = _field(WHOLE, ge=1, meaning="explicit sales order item: line")
    invoice: Series[str] = _field(TEXT, meaning="invoice that already billed this entry")


class Invoices(_Sheet):
    invoice: Series[str] = _field(TEXT, required=True, unique=True, meaning="document number")
    invoice_date: Series[Any] = _field(DATE, required=True, meaning="document date")
    kind: Series[str] = _field(TEXT, default="invoice", isin=DOC_KINDS, meaning="document kind")
    state: Series[str] = _field(TEXT, default="posted", isin=DOC_STATES, meaning="state")
    customer: Series[str] = _field(TEXT, meaning="customer")
    currency: Series[str] = _field(TEXT, meaning="currency")
    reverses: Series[str] = _field(TEXT, meaning="credit note: the invoice it reverses")


class InvoiceLines(_Sheet):
    invoice: Series[str] = _field(TEXT, required=True, meaning="document number")
    order: Series[str] = _field(TEXT, required=True, meaning="order of the invoiced line")
    line: Series[Any] = _field(WHOLE, required=True, ge=1, meaning="invoiced order line")
    quantity: Series[float] = _field(NUMBER, required=True, meaning="quantity (positive)")
    uom: Series[str] = _field(TEXT, meaning="unit (default: the order line's)")
    unit_price: Series[float] = _field(NUMBER, meaning="informational")
    discount: Series[float] = _field(NUMBER, meaning="informational")
    subtotal: Series[float] = _field(NUMBER, meaning="informational")


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
    kind: str
    required: bool
    default: Any
    meaning: str


def columns_of(sheet: str) -> list[ColumnContract]:
    """The columns of an input sheet, in contract order, with parse kind, default and meaning."""
    schema = CONTRACTS[sheet].model.to_schema()
    return [
        ColumnContract(
            name,
            col.metadata["kind"],
            col.metadata["required"],
            col.metadata["default"],
            col.description or "",
        )
        for name, col in schema.columns.items()
    ]

"""The output contract, written once: every file a run writes, its sheets, their columns.

The rules build their tables with these column lists, the reports lay the workbooks out from
them, the writer formats each column by its :data:`FORMATS` entry, and ``docs/contract.md`` is
checked against them by a test.  A column name means one thing in every sheet, so its format
is declared once per name, not per sheet.

Formats: ``text``; ``int`` (counts, line numbers, Excel rows); ``hours`` and ``qty`` (hours and
quantities, two decimals); ``money`` (in the row's currency decimals); ``percent`` (0..100);
``date``; ``bool`` (Excel booleans).
"""

from __future__ import annotations

from dataclasses import dataclass

from prepaid_recon.findings import FINDING_COLUMNS

INVOICES = "invoices.xlsx"
DELIVERED_VS_ORDERED = "delivered_vs_ordered.xlsx"
HOURS_BY_TICKET = "hours_by_ticket.xlsx"
TASKS = "tasks.xlsx"
EXCEPTIONS = "exceptions.xlsx"
RUN_JSON = "run.json"

REPORT_FILES: tuple[str, ...] = (INVOICES, DELIVERED_VS_ORDERED, HOURS_BY_TICKET, TASKS)
"""The workbooks of a successful run besides ``exceptions.xlsx`` (written on every run)."""

OUTPUT_FILES: tuple[str, ...] = (*REPORT_FILES, EXCEPTIONS, RUN_JSON)
"""Every file a run may write into OUT (and so may remove there when a run does not write it)."""


@dataclass(frozen=True)
class OutputSheet:
    """One output sheet: its workbook, the columns the contract promises (in order, first) and
    the extra columns a controller reads after them."""

    name: str
    file: str
    columns: tuple[str, ...]
    extras: tuple[str, ...] = ()


def _sheet(file: str, name: str, columns: str, extras: str = "") -> OutputSheet:
    return OutputSheet(name, file, tuple(columns.split()), tuple(extras.split()))


SHEETS: dict[str, OutputSheet] = {
    s.name: s
    for s in (
        _sheet(
            INVOICES,
            "invoices",
            "invoice kind state customer invoice_date currency untaxed tax total",
            extras="orders customer_ref service_from service_to",
        ),
        _sheet(
            INVOICES,
            "invoice_lines",
            "invoice order line product description quantity uom unit_price discount subtotal "
            "tax total",
            extras="currency tax_rate",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "order_lines",
            "order line customer product invoicing_policy uom ordered delivered "
            "delivered_in_period invoiced to_invoice remaining_hours invoice_status upsell_alert "
            "task",
            extras="customer_ref state order_date description currency unit_price discount "
            "untaxed_ordered "
            "untaxed_invoiced untaxed_to_invoice ordered_hours delivered_hours consumed_percent "
            "alert_at upsell_threshold near_threshold",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "orders",
            "order customer state currency invoice_status untaxed_ordered untaxed_invoiced "
            "untaxed_to_invoice",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "prepaid_balances",
            "customer order line opening_hours purchased_hours consumed_hours closing_hours",
            extras="overrun_hours",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "customers",
            "customer opening_hours purchased_hours consumed_hours closing_hours",
            extras="available_hours overrun_hours",
        ),
        _sheet(
            HOURS_BY_TICKET,
            "tickets",
            "ticket team customer subject order line task link hours billable_hours "
            "non_billable_hours hours_in_period timesheets first_date last_date",
            extras="billable_hours_in_period non_billable_hours_in_period",
        ),
        _sheet(
            HOURS_BY_TICKET,
            "timesheets",
            "timesheet source_row date employee ticket task description order line hours "
            "quantity status reason invoice",
            extras="customer billable billed_hours block_remaining_hours beyond_block_hours "
            "first_beyond_block",
        ),
        _sheet(
            HOURS_BY_TICKET,
            "employees",
            "employee hours billable_hours non_billable_hours",
            extras="hours_in_period billable_hours_in_period non_billable_hours_in_period",
        ),
        _sheet(
            HOURS_BY_TICKET,
            "control_totals",
            "status rows hours",
            extras="hours_before_period hours_in_period hours_after_cutoff",
        ),
        _sheet(TASKS, "tasks", "task project order line customer allocated_hours"),
        _sheet(TASKS, "projects", "project order allocated_hours"),
        _sheet(EXCEPTIONS, "exceptions", " ".join(FINDING_COLUMNS)),
    )
}
"""The contract's sheets, by sheet name, in the order of the contract."""

ROLLUPS: dict[str, OutputSheet] = {
    s.name: s
    for s in (
        _sheet(INVOICES, "totals", "currency kind documents lines untaxed tax total"),
        _sheet(
            INVOICES,
            "to_invoice_by_customer",
            "customer currency documents invoices credit_notes untaxed tax total",
        ),
        _sheet(
            INVOICES,
            "annex",
            "invoice customer order line entry timesheet date employee ticket subject description "
            "hours quantity uom timesheet_hours",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "unbilled",
            "customer reason hours hours_in_period tickets timesheets priced_by currency "
            "list_price list_value list_value_in_period",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "prepaid_usage",
            "customer order line entry timesheet date employee ticket subject description hours "
            "block_remaining_hours beyond_block_hours first_beyond_block",
        ),
        _sheet(HOURS_BY_TICKET, "bridge", "step scope timesheets hours"),
        _sheet(DELIVERED_VS_ORDERED, "summary", "section figure unit value"),
        _sheet(
            DELIVERED_VS_ORDERED,
            "top_customers",
            "customer ordered_hours delivered_hours remaining_hours",
        ),
        _sheet(
            DELIVERED_VS_ORDERED,
            "blocks_at_risk",
            "block ordered_hours delivered_hours consumed_percent",
        ),
    )
}
"""Sheets the reports add for a reader (roll-ups and listings of the contract's tables, never
re-read as input)."""


def columns(sheet: str) -> list[str]:
    """The contract's columns of an output sheet (or roll-up), in order."""
    spec = SHEETS.get(sheet) or ROLLUPS[sheet]
    return list(spec.columns)


def _formatted(number_format: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), number_format)


FORMATS: dict[str, str] = {
    **_formatted(
        "int", "line source_row row rows timesheets tickets documents lines invoices credit_notes"
    ),
    **_formatted(
        "hours",
        "hours billable_hours non_billable_hours hours_in_period remaining_hours opening_hours "
        "purchased_hours consumed_hours closing_hours allocated_hours ordered_hours "
        "delivered_hours billed_hours block_remaining_hours beyond_block_hours timesheet_hours "
        "overrun_hours available_hours billable_hours_in_period non_billable_hours_in_period "
        "hours_before_period hours_after_cutoff",
    ),
    **_formatted("qty", "quantity ordered delivered delivered_in_period invoiced to_invoice"),
    **_formatted(
        "money",
        "unit_price subtotal tax total untaxed untaxed_ordered untaxed_invoiced "
        "untaxed_to_invoice price_subtotal list_price list_value list_value_in_period",
    ),
    **_formatted("percent", "discount tax_rate upsell_threshold consumed_percent alert_at"),
    **_formatted(
        "date", "invoice_date order_date date first_date last_date created service_from service_to"
    ),
    **_formatted("bool", "upsell_alert billable first_beyond_block near_threshold"),
    **_formatted("text", "value invoice order customer currency description subject"),
}
"""How each output column is formatted, by column name (a column not listed takes its format
from its values: numbers as numbers, everything else as text)."""

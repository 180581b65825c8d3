"""Text longer than an Excel cell holds, in a column whose text a report shows: a warning.

An Excel cell holds at most 32,767 characters (:data:`~prepaid_recon.domain.EXCEL_MAX_TEXT`,
counted in UTF-16 units as Excel counts them).  A longer text is read whole and the rules use it
whole; only the report cell is cut, by the writer (:func:`~prepaid_recon.domain.
excel_text_prefix`).  So that the cut is never silent, each such input cell is
``text_too_long``: a warning, the run continues.
"""

from __future__ import annotations

import pandas as pd

from prepaid_recon.domain import EXCEL_MAX_TEXT, excel_text_length
from prepaid_recon.findings import Code
from prepaid_recon.validate.collector import Findings, Table

REPORTED_TEXT: dict[str, tuple[str, ...]] = {
    "products": ("name", "uom", "project"),
    "orders": ("order", "customer", "customer_ref"),
    "order_lines": ("order", "product", "description", "uom"),
    "tickets": ("ticket", "team", "customer", "subject", "task", "order"),
    "timesheets": ("timesheet", "employee", "ticket", "task", "description", "order", "invoice"),
}
"""The input text columns whose cells a report shows: copied as they are (an order's customer,
a timesheet's description), as a default (a product's unit on a line without one) or inside a
name the rules make (a product's name and project in task and project names).

Not listed: columns whose text no report shows (a team's project, a unit's category, the
ledger's sheets), keys a report shows through the cell that refers to them (a team, a product
code and a unit are shown as the ticket's or the order line's own cell), and columns restricted
to a list of values or to a currency code (a long text there is an error already)."""

_SHOWN = 40
"""Characters of a long text shown as the finding's value (the message gives its length)."""


def check_long_text(table: Table, findings: Findings) -> None:
    """``text_too_long`` on each cell of a reported column longer than an Excel cell holds."""
    for column in REPORTED_TEXT.get(table.sheet, ()):
        if column not in table.columns_given:
            continue
        text = table.data[column]
        # Half the limit in characters cannot pass it in UTF-16 units: most cells stop here.
        maybe = text.str.len().gt(EXCEL_MAX_TEXT // 2).fillna(False).astype(bool)
        if not maybe.any():
            continue
        units = text[maybe].map(excel_text_length)
        long = units[units > EXCEL_MAX_TEXT]
        if long.empty:
            continue
        mask = pd.Series(text.index.isin(long.index), index=text.index)
        messages = long.map(
            (
                f"'{column}' is {{:,}} characters long and an Excel cell holds "
                f"{EXCEL_MAX_TEXT:,}: the reports show its first {EXCEL_MAX_TEXT:,} "
                "characters; the input keeps the whole text."
            ).format
        )
        shown = text[long.index].str.slice(0, _SHOWN) + "…"
        findings.add(Code.TEXT_TOO_LONG, table, mask, column, messages, shown)

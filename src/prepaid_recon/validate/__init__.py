"""Validation: the only place where input problems become findings.

One pass over everything read: missing files, sheets and columns; cells that are not of their
column's type; the pandera models of :mod:`prepaid_recon.contract.inputs` (required values,
allowed values, ranges, duplicate keys) run with ``lazy=True``; then the checks of CONTRACT
section 4, sheet by sheet and across sheets (references, unit categories, links to lines of
another customer or of unconfirmed orders, time on teams without timesheets, time on lines not
sold in a unit of time, dates after the cut-off).  Each problem is one row ``severity, code,
file, sheet, row, column, value, message`` in an accountant's words; every code is a
:class:`prepaid_recon.findings.Code`.

Vectorised throughout: checks are masks over whole columns, findings are built per check.

* :mod:`.collector`: the findings collector and the parsed table findings point into;
* :mod:`.columns`: each column parsed, missing columns, the pandera models' failures;
* :mod:`.defaults`: the contract's defaults for empty optional cells;
* :mod:`.sheets`: the checks of one sheet (teams, uoms, products, orders, order lines);
* :mod:`.references`: the checks across sheets (links, tickets, timesheets, ledger);
* :mod:`.lookups`: order-line keys, lookups and the shared unknown-reference check;
* :mod:`.texts`: text too long for an Excel cell in a column a report shows (a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from prepaid_recon.contract.inputs import SHEETS, columns_of
from prepaid_recon.domain import Inputs, Period, UomTable
from prepaid_recon.findings import Severity
from prepaid_recon.read.tables import ReadResult
from prepaid_recon.validate.collector import Findings, Table
from prepaid_recon.validate.columns import EMPTY, parse_table, run_model
from prepaid_recon.validate.defaults import apply_defaults
from prepaid_recon.validate.references import (
    check_ledger,
    check_tickets,
    check_timesheets,
    line_facts,
    task_lines,
)
from prepaid_recon.validate.sheets import (
    check_order_lines,
    check_orders,
    check_products,
    check_teams,
    check_uoms,
    usable_uoms,
)
from prepaid_recon.validate.texts import check_long_text

__all__ = ["Validated", "validate"]


@dataclass
class Validated:
    """The outcome of validation: findings always; inputs only when there is no error."""

    findings: pd.DataFrame
    inputs: Inputs | None
    row_counts: dict[str, int]

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == Severity.ERROR).sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == Severity.WARNING).sum())


def validate(read: ReadResult, period: Period | None, currency: str = "USD") -> Validated:
    """Check everything ``run`` checks, in one pass, and hand clean inputs to the rules."""
    findings = Findings()
    for finding in read.findings:
        findings.add_one(finding)
    tables: dict[str, Table] = {}
    for sheet, raw in read.tables.items():
        tables[sheet] = parse_table(raw, findings)
        run_model(tables[sheet], findings)
        check_long_text(tables[sheet], findings)
    apply_defaults(tables, currency)
    counts = {sheet: len(t.data) for sheet, t in tables.items()}

    uoms = UomTable.from_frame(usable_uoms(tables))
    if "teams" in tables:
        check_teams(tables["teams"], findings)
    if "uoms" in tables:
        check_uoms(tables["uoms"], findings)
    if "products" in tables:
        check_products(tables["products"], findings, uoms)
    if "orders" in tables:
        check_orders(tables["orders"], findings, period)
    if {"orders", "order_lines", "products"} <= tables.keys():
        check_order_lines(tables["order_lines"], findings, tables, uoms, period)
        facts = line_facts(tables, uoms, period)
        tasks = task_lines(tables, uoms, period)
        if {"tickets", "teams"} <= tables.keys():
            check_tickets(tables["tickets"], findings, tables, facts, tasks, period)
            if "timesheets" in tables:
                check_timesheets(tables["timesheets"], findings, tables, facts, tasks, period)
        if {"invoices", "invoice_lines"} <= tables.keys():
            check_ledger(tables, findings, facts, uoms, period)

    frame = findings.frame()
    inputs = None if (frame["severity"] == Severity.ERROR).any() else _inputs(tables)
    return Validated(frame, inputs, counts)


def _inputs(tables: dict[str, Table]) -> Inputs:
    """The clean, typed tables handed to the rules (empty tables for absent optional sheets)."""

    def frame(sheet: str) -> pd.DataFrame:
        if sheet in tables:
            return tables[sheet].data
        cols = {
            c.name: EMPTY[c.value_type](pd.RangeIndex(0, name="row")) for c in columns_of(sheet)
        }
        return pd.DataFrame(cols, index=pd.RangeIndex(0, name="row"))

    return Inputs(**{c.sheet: frame(c.sheet) for c in SHEETS})

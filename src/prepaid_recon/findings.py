"""Findings: what validation says about the input, one row per problem, pointing at a cell.

Data problems are findings, never exceptions (program problems are ``errors.ReconError``).
Each finding names the file, the sheet, the Excel row and the column a user has to look at,
the value found there and a message in an accountant's words.

Every finding carries a :class:`Code` from one registry: the codes are a stable public contract
(users and scripts filter ``exceptions.xlsx`` on them, tests assert them), so each is declared
once here with its severity, its meaning and where it points.  ``docs/findings.md`` is generated
from this registry (``python -m prepaid_recon.findings > docs/findings.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


FINDING_COLUMNS = ["severity", "code", "file", "sheet", "row", "column", "value", "message"]


class Code(StrEnum):
    """Every finding code; the values are the codes users see (a stable contract)."""

    # Files and sheets: the input cannot be read as tables.
    MISSING_FILE = "missing_file"
    MISSING_SHEET = "missing_sheet"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    AMBIGUOUS_SOURCE = "ambiguous_source"
    UNREADABLE_FILE = "unreadable_file"
    NOT_A_WORKBOOK = "not_a_workbook"
    PROTECTED_OR_XLS = "protected_or_xls"
    CORRUPT_WORKBOOK = "corrupt_workbook"
    OVERSIZED_WORKBOOK = "oversized_workbook"
    UNSAFE_WORKBOOK = "unsafe_workbook"
    OVERSIZED_SHEET = "oversized_sheet"
    NOT_UTF8_CSV = "not_utf8_csv"
    EMPTY_CSV = "empty_csv"
    BAD_CSV = "bad_csv"
    OVERSIZED_CSV = "oversized_csv"
    # A mapping: the file, and what it could not map.
    BAD_MAPPING = "bad_mapping"
    MAPPED_COLUMN_MISSING = "mapped_column_missing"
    UNMAPPED_VALUE = "unmapped_value"
    PATTERN_NOT_MATCHED = "pattern_not_matched"
    # Cells that cannot be read as their column's type.
    BAD_TEXT = "bad_text"
    BAD_BOOL = "bad_bool"
    BAD_DATE = "bad_date"
    BAD_NUMBER = "bad_number"
    BAD_PERCENT = "bad_percent"
    BAD_WHOLE = "bad_whole"
    BAD_HOURS = "bad_hours"
    # Values of one sheet.
    MISSING_VALUE = "missing_value"
    DUPLICATE_KEY = "duplicate_key"
    NOT_ALLOWED = "not_allowed"
    OUT_OF_RANGE = "out_of_range"
    INVALID_VALUE = "invalid_value"
    BAD_CURRENCY = "bad_currency"
    # Across sheets: references and links.
    UNKNOWN_REFERENCE = "unknown_reference"
    UOM_CATEGORY_MISMATCH = "uom_category_mismatch"
    INCOMPLETE_LINK = "incomplete_link"
    INVALID_LINK = "invalid_link"
    NON_TIME_UNIT_LINK = "non_time_unit_link"
    TEAM_WITHOUT_TIMESHEETS = "team_without_timesheets"
    # Warnings: the run continues.
    AFTER_CUTOFF = "after_cutoff"
    LINK_AFTER_CUTOFF = "link_after_cutoff"
    LINK_NOT_BILLED = "link_not_billed"
    MISSING_DELIVERED = "missing_delivered"
    NEGATIVE_QUANTITY = "negative_quantity"
    BEFORE_TICKET_CREATED = "before_ticket_created"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    TEXT_TOO_LONG = "text_too_long"
    # Warnings of the reconciliation: blocks at risk, billable work the run does not bill.
    NEAR_THRESHOLD = "near_threshold"
    BEYOND_PREPAID_BLOCK = "beyond_prepaid_block"
    UNBILLED_NO_ORDER = "unbilled_no_order"
    UNBILLED_ORDER_NOT_CONFIRMED = "unbilled_order_not_confirmed"
    UNBILLED_NO_BLOCK_LEFT = "unbilled_no_block_left"
    UNBILLED_TICKET_NOT_LINKED = "unbilled_ticket_not_linked"
    UNBILLED_TEAM_NOT_REINVOICING = "unbilled_team_not_reinvoicing"
    UNBILLED_LINE_NOT_AVAILABLE = "unbilled_line_not_available"

    @property
    def severity(self) -> Severity:
        """The severity a finding of this code has."""
        return CODE_INFO[self].severity

    @property
    def meaning(self) -> str:
        return CODE_INFO[self].meaning


@dataclass(frozen=True)
class CodeInfo:
    """What a code says: its severity, what it means, and which cell its findings point at."""

    severity: Severity
    meaning: str
    points_at: str


_E, _W = Severity.ERROR, Severity.WARNING
_FILE = "the file (`row` and `column` empty)"
_FILE_SHEET = "the file, and the sheet when one is concerned (`row` and `column` empty)"
_CELL = "the cell, with its value as typed"
_UNBILLED = (
    "the ticket's row in `tickets`, column `ticket` (time on a task without a ticket: the "
    "first such timesheet, column `task`); the message gives the hours, the number of "
    "timesheets and their first and last date"
)

CODE_INFO: dict[Code, CodeInfo] = {
    Code.MISSING_FILE: CodeInfo(
        _E,
        "a required workbook (or its CSV files) is not in the INPUT folder",
        "the missing file and its sheet (`row` and `column` empty)",
    ),
    Code.MISSING_SHEET: CodeInfo(
        _E,
        "a required sheet is missing from its workbook, or one half of the ledger pair is missing",
        "the workbook and the missing sheet (`row` and `column` empty)",
    ),
    Code.MISSING_COLUMN: CodeInfo(
        _E,
        "a required column is missing (a timesheets sheet needs `ticket` or `task`)",
        "the sheet and the missing column (`row` empty)",
    ),
    Code.DUPLICATE_COLUMN: CodeInfo(
        _E,
        "two headers of a sheet name the same column (the first is read)",
        "the header row, the column, the repeated header as typed",
    ),
    Code.AMBIGUOUS_SOURCE: CodeInfo(
        _E,
        "a sheet is given both in its workbook and as a CSV file",
        "the CSV file and the sheet (`row` and `column` empty)",
    ),
    Code.UNREADABLE_FILE: CodeInfo(_E, "the file cannot be opened by the system", _FILE),
    Code.NOT_A_WORKBOOK: CodeInfo(
        _E, "the file is empty, is not an `.xlsx` workbook, or is a folder", _FILE
    ),
    Code.PROTECTED_OR_XLS: CodeInfo(
        _E, "a password-protected workbook or an old `.xls` file", _FILE
    ),
    Code.CORRUPT_WORKBOOK: CodeInfo(_E, "the workbook is damaged and cannot be read", _FILE),
    Code.OVERSIZED_WORKBOOK: CodeInfo(
        _E, "the archive would inflate too much when opened (zip bomb)", _FILE
    ),
    Code.UNSAFE_WORKBOOK: CodeInfo(
        _E, "the workbook declares XML entities (refused unread)", _FILE
    ),
    Code.OVERSIZED_SHEET: CodeInfo(
        _E, "a sheet's used range is too wide or too large to read", _FILE_SHEET
    ),
    Code.NOT_UTF8_CSV: CodeInfo(
        _E, "a CSV file that is not UTF-8 text or contains NUL bytes", _FILE
    ),
    Code.EMPTY_CSV: CodeInfo(_E, "a CSV file without even a header line", _FILE),
    Code.BAD_CSV: CodeInfo(
        _E,
        "a CSV file that cannot be parsed, or a row with more fields than the header",
        _FILE,
    ),
    Code.OVERSIZED_CSV: CodeInfo(
        _E, "a CSV file larger than 1 GiB (about 15 million rows), refused unread", _FILE
    ),
    Code.BAD_MAPPING: CodeInfo(
        _E,
        "the mapping file (`--mapping`, or `prepaid-recon.toml` in INPUT) is not valid TOML or "
        "not a valid mapping; the message names the key",
        "the mapping file (`row` and `column` empty)",
    ),
    Code.MAPPED_COLUMN_MISSING: CodeInfo(
        _E,
        "a header the mapping reads (or a side table it looks values up in) is not in the file",
        "the file and sheet as the user named them, header row, the mapped column",
    ),
    Code.UNMAPPED_VALUE: CodeInfo(
        _E,
        "a value with no entry in the mapping's value map (or in its lookup table)",
        "the cell, column `<their header> → <column>`",
    ),
    Code.PATTERN_NOT_MATCHED: CodeInfo(
        _E,
        "a cell that the mapping's pattern does not match (the value cannot be extracted)",
        "the cell, column `<their header> → <column>`",
    ),
    Code.BAD_TEXT: CodeInfo(
        _E, "an Excel error value (`#N/A`, `#REF!`, ...) in a text column", _CELL
    ),
    Code.BAD_BOOL: CodeInfo(
        _E, "a cell that is not a yes/no value (true/false, yes/no, 1/0, x)", _CELL
    ),
    Code.BAD_DATE: CodeInfo(_E, "a cell that is not a date (an Excel date or `YYYY-MM-DD`)", _CELL),
    Code.BAD_NUMBER: CodeInfo(_E, "a cell that is not a number (`.` as decimal point)", _CELL),
    Code.BAD_PERCENT: CodeInfo(_E, "a cell that is not a percentage (a number)", _CELL),
    Code.BAD_WHOLE: CodeInfo(_E, "a cell that is not a whole number", _CELL),
    Code.BAD_HOURS: CodeInfo(
        _E, "a cell that is not hours (a number such as 1.5, or H:MM such as 1:30)", _CELL
    ),
    Code.MISSING_VALUE: CodeInfo(
        _E,
        "a required value is empty (also the conditional ones: a team's `project`, a service's "
        "`invoicing_policy`, a global-project service's `project`, a unit's `hours` or `ratio`, "
        "a timesheet's `ticket` or `task`)",
        "the empty cell",
    ),
    Code.DUPLICATE_KEY: CodeInfo(
        _E,
        "a key already used on an earlier row (also a custom unit named `Hours`, `Days` or "
        "`Units`)",
        "every row after the first that repeats the key, in the key column",
    ),
    Code.NOT_ALLOWED: CodeInfo(
        _E,
        "a value outside its allowed set (or not of its required form); `time_reinvoicing` "
        "without `timesheet_on_ticket`; a non-service product invoiced on `timesheet`",
        _CELL,
    ),
    Code.OUT_OF_RANGE: CodeInfo(_E, "a number outside its allowed range", _CELL),
    Code.INVALID_VALUE: CodeInfo(
        _E,
        "a value refused by a check of the input contract that no other code describes "
        "(the message names the check)",
        "the cell (or the column, `row` empty, when the check is about the whole column)",
    ),
    Code.BAD_CURRENCY: CodeInfo(_E, "a currency that is not an ISO 4217 code", _CELL),
    Code.UNKNOWN_REFERENCE: CodeInfo(
        _E,
        "a reference to a team, product, order, order line, ticket, task, unit or invoice that "
        "does not exist (references match case-sensitively; a near match is hinted at)",
        "the referring row, in the referring column",
    ),
    Code.UOM_CATEGORY_MISMATCH: CodeInfo(
        _E,
        "a unit of another category than the product's (order line) or the order line's "
        "(ledger line)",
        "the row's `uom` cell",
    ),
    Code.INCOMPLETE_LINK: CodeInfo(
        _E,
        "`order` without `line`, or the reverse, on a ticket or a timesheet",
        "the row, in the column of the link",
    ),
    Code.INVALID_LINK: CodeInfo(
        _E,
        "a link to a line of another customer, of an unconfirmed order, or that is not a "
        "service; a ticket's task of another customer's order",
        "the linking row, column `order` (column `task` for a ticket's task)",
    ),
    Code.NON_TIME_UNIT_LINK: CodeInfo(
        _E,
        "time reaches a `prepaid` or `timesheet` line whose unit is not a unit of time (a "
        "ticket or task linked to such a line with no time on it is valid)",
        "the timesheet row that brings the time: column `order` (its own link), `task` "
        "(its task) or `ticket` (through its ticket)",
    ),
    Code.TEAM_WITHOUT_TIMESHEETS: CodeInfo(
        _E,
        "time logged on a ticket of a team without `timesheet_on_ticket`",
        "each such timesheet row, column `ticket`",
    ),
    Code.AFTER_CUTOFF: CodeInfo(
        _W,
        "an order, timesheet or ledger invoice dated after the cut-off: ignored this run "
        "(timesheets are counted in a later period)",
        "the row's date cell",
    ),
    Code.LINK_AFTER_CUTOFF: CodeInfo(
        _W,
        "a link to a line of an order dated after the cut-off: its time is not billed this run",
        "the linking row, column `order`",
    ),
    Code.LINK_NOT_BILLED: CodeInfo(
        _W,
        "a ticket linked to an order line while its team does not re-invoice time",
        "the ticket row, column `order`",
    ),
    Code.MISSING_DELIVERED: CodeInfo(
        _W, "a `manual` line without `delivered` (taken as 0)", "the line's `delivered` cell"
    ),
    Code.NEGATIVE_QUANTITY: CodeInfo(
        _W,
        "a negative quantity on an order line or a ledger line",
        "the row's `quantity` cell",
    ),
    Code.BEFORE_TICKET_CREATED: CodeInfo(
        _W, "a timesheet dated before its ticket was created", "the timesheet's `date` cell"
    ),
    Code.POSSIBLE_DUPLICATE: CodeInfo(
        _W,
        "the same timesheet entry exported twice (both are still counted)",
        "every repeat after the first, column `hours` (the message names the first row)",
    ),
    Code.TEXT_TOO_LONG: CodeInfo(
        _W,
        "a text longer than an Excel cell holds (32,767 characters) in a column that a report "
        "shows: the report shows its first 32,767 characters, the input keeps the whole text",
        "the cell, with the first 40 characters of its text",
    ),
    Code.NEAR_THRESHOLD: CodeInfo(
        _W,
        "a prepaid block consumed past its alert level (`--alert-at`, else the product's upsell "
        "threshold): time to sell the next block",
        "the order line's row in `order_lines`, column `quantity`; the message gives the % "
        "consumed, the hours left and the level",
    ),
    Code.BEYOND_PREPAID_BLOCK: CodeInfo(
        _W,
        "time logged in the period beyond a prepaid block (the block is used up: the time is "
        "not billed until an upsell covers it); one finding per ticket",
        _UNBILLED,
    ),
    Code.UNBILLED_NO_ORDER: CodeInfo(
        _W,
        "billable time in the period for a customer with no sales order; one finding per ticket",
        _UNBILLED,
    ),
    Code.UNBILLED_ORDER_NOT_CONFIRMED: CodeInfo(
        _W,
        "billable time in the period for a customer whose orders are not confirmed (draft, sent "
        "or cancelled); one finding per ticket",
        _UNBILLED,
    ),
    Code.UNBILLED_NO_BLOCK_LEFT: CodeInfo(
        _W,
        "billable time in the period on a ticket that no prepaid block could take: none had "
        "hours left (or existed) when the ticket was created; one finding per ticket",
        _UNBILLED,
    ),
    Code.UNBILLED_TICKET_NOT_LINKED: CodeInfo(
        _W,
        "billable time in the period on a ticket that names no order line, for a customer "
        "with no prepaid block to link it to (a time-and-materials line must be named); one "
        "finding per ticket",
        _UNBILLED,
    ),
    Code.UNBILLED_TEAM_NOT_REINVOICING: CodeInfo(
        _W,
        "billable time in the period on a ticket of a team that does not re-invoice time; one "
        "finding per ticket",
        _UNBILLED,
    ),
    Code.UNBILLED_LINE_NOT_AVAILABLE: CodeInfo(
        _W,
        "billable time in the period linked to an order line that cannot be billed this run "
        "(its order is dated after the cut-off); one finding per ticket",
        _UNBILLED,
    ),
}
"""The registry: every :class:`Code` with its severity, meaning and where it points."""


@dataclass(frozen=True)
class Finding:
    """One problem in the input, pointing at the cell a user must look at."""

    severity: Severity
    code: Code
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def __post_init__(self) -> None:
        if not isinstance(self.code, Code):
            raise TypeError(f"a finding's code must be a Code member, not {self.code!r}")


def findings_table_markdown() -> str:
    """``docs/findings.md``: the registry as a table, code | severity | meaning | where."""
    lines = [
        "# Finding codes",
        "",
        "<!-- Generated from src/prepaid_recon/findings.py: do not edit by hand. Regenerate with",
        "     python -m prepaid_recon.findings > docs/findings.md -->",
        "",
        "Every problem found in the input is a finding: a row of `exceptions.xlsx` with a",
        "`severity`, a stable `code`, and the `file`, `sheet`, `row`, `column` and `value` it",
        "points at. An **error** stops the run before any financial report is written (exit 1);",
        "a **warning** lets it continue. The codes below are the whole list.",
        "",
        "| code | severity | what it means | where it points |",
        "|---|---|---|---|",
    ]
    for code in Code:
        info = CODE_INFO[code]
        lines.append(
            f"| `{code.value}` | {info.severity.value} | {info.meaning} | {info.points_at} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(findings_table_markdown(), end="")

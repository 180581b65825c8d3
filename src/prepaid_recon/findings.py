"""Findings: what validation says about the input, one row per problem, pointing at a cell.

Data problems are findings, never exceptions (program problems are ``errors.ReconError``).
Each finding names the file, the sheet, the Excel row and the column a user has to look at,
the value found there and a message in an accountant's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


FINDING_COLUMNS = ["severity", "code", "file", "sheet", "row", "column", "value", "message"]


@dataclass(frozen=True)
class Finding:
    """One problem in the input, pointing at the cell a user must look at."""

    severity: Severity
    code: str
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str

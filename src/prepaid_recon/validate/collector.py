"""The findings collector, and the parsed table findings point into.

A check is a mask over a whole column: :meth:`Findings.add` turns every row the mask flags into
one finding ``severity, code, file, sheet, row, column, value, message`` in one chunk, with the
value shown as the user typed it.  The severity is the code's own (see :mod:`prepaid_recon.
findings`); only a :class:`~prepaid_recon.findings.Code` is accepted, never a bare string.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from prepaid_recon.contract.inputs import SHEETS
from prepaid_recon.findings import FINDING_COLUMNS, Code, Finding, Severity
from prepaid_recon.read.cells import display

SHEET_ORDER = {c.sheet: i for i, c in enumerate(SHEETS)}
"""Findings are sorted by sheet in contract order, not alphabetically."""


@dataclass
class Table:
    """A parsed input table with the raw cells kept for messages."""

    sheet: str
    file: str
    data: pd.DataFrame
    raw: pd.DataFrame
    columns_given: set[str]
    shown_sheet: str = ""
    """The sheet of the user's file, when it is not named like the input sheet (a mapping)."""
    sources: dict[str, str] = field(default_factory=dict)
    """The user's header of each mapped column (``Quantity`` for ``hours``)."""

    def shown_column(self, column: str) -> str:
        """A column as a finding names it: ``Quantity → hours`` when it was mapped."""
        source = self.sources.get(column)
        return f"{source} → {column}" if source else column

    def shown(self, column: str) -> pd.Series:
        """The cells of a column as the user typed them (parsed value when not read)."""
        if column in self.raw.columns:
            return display(self.raw[column])
        if column in self.data.columns:
            return self.data[column].astype("object").astype(str)
        return pd.Series("", index=self.data.index)


def _checked(code: Code) -> Code:
    if not isinstance(code, Code):
        raise TypeError(f"a finding's code must be a Code member, not {code!r}")
    return code


class Findings:
    """Collects findings as frames: one chunk per check, however many rows it flags."""

    def __init__(self) -> None:
        self._chunks: list[pd.DataFrame] = []
        self._flagged: set[tuple[str, int, str]] = set()

    def add_one(self, finding: Finding) -> None:
        """One finding as it is (a whole file, sheet or column: ``row`` may be None)."""
        _checked(finding.code)
        row = {c: getattr(finding, c) for c in FINDING_COLUMNS}
        row["severity"] = str(finding.severity)
        row["code"] = str(finding.code)
        self._chunks.append(pd.DataFrame([row], columns=FINDING_COLUMNS))

    def add(
        self,
        code: Code,
        table: Table,
        mask: pd.Series,
        column: str,
        message: str | pd.Series,
        values: pd.Series | None = None,
        *,
        severity: Severity | None = None,
    ) -> None:
        """Flag every row of ``table`` where ``mask`` holds, pointing at ``column``.

        ``values`` replaces the cells shown (default: the column as typed); ``severity`` the
        code's own severity.
        """
        severity = severity or _checked(code).severity
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = mask.index[mask.to_numpy()]
        if values is None:
            values = table.shown(column)
        value = values.reindex(rows).astype("object").where(lambda v: v.notna(), "")
        msg = message.reindex(rows) if isinstance(message, pd.Series) else message
        chunk = pd.DataFrame(
            {
                "severity": str(severity),
                "code": str(code),
                "file": table.file,
                "sheet": table.shown_sheet or table.sheet,
                "row": rows.astype("int64"),
                "column": table.shown_column(column),
                "value": value.astype(str).to_numpy(),
                "message": msg if isinstance(msg, str) else msg.to_numpy(),
            },
            columns=FINDING_COLUMNS,
        )
        if severity == Severity.ERROR:
            for r in rows:
                self._flagged.add((table.sheet, int(r), column))
        self._chunks.append(chunk)

    def is_flagged(self, sheet: str, row: int, column: str) -> bool:
        """Whether an error already points at this cell (a cell is not reported twice)."""
        return (sheet, row, column) in self._flagged

    def frame(self) -> pd.DataFrame:
        """All findings, errors first, then in file, sheet, row, column order."""
        if not self._chunks:
            return pd.DataFrame(columns=FINDING_COLUMNS).astype({"row": "Int64"})
        out = pd.concat(self._chunks, ignore_index=True)
        out["row"] = out["row"].astype("Int64")
        out["_sheet"] = out["sheet"].map(SHEET_ORDER).fillna(99)
        out["_sev"] = out["severity"].map({Severity.ERROR.value: 0, Severity.WARNING.value: 1})
        out = out.sort_values(
            ["_sev", "file", "_sheet", "row", "column", "code"], kind="stable", na_position="first"
        )
        return out.drop(columns=["_sheet", "_sev"]).reset_index(drop=True)

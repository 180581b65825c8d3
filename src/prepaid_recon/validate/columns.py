"""Each sheet's columns against the input contract: present, readable, and within its rules.

* A required column absent from a sheet is ``missing_column`` (an optional one is added empty).
* Every cell is parsed with its column's parser (:data:`prepaid_recon.read.cells.PARSERS`); a
  given cell that cannot be read as its type is ``bad_<kind>`` (``bad_date``, ``bad_hours``...).
* The sheet's pandera model (:mod:`prepaid_recon.contract.inputs`) then runs lazily on the parsed
  frame and each failure becomes a finding: required values (``missing_value``), duplicate keys
  (``duplicate_key``), allowed values (``not_allowed``), ranges (``out_of_range``).  A cell
  already reported as unreadable is not reported again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from prepaid_recon.contract.inputs import CONTRACTS, columns_of
from prepaid_recon.findings import Code, Finding, Severity
from prepaid_recon.read.cells import EXPECTED, PARSERS
from prepaid_recon.read.tables import RawTable
from prepaid_recon.validate.collector import Findings, Table

EMPTY: dict[str, Callable[[pd.Index], pd.Series]] = {
    "text": lambda idx: pd.Series(pd.NA, index=idx, dtype="str"),
    "bool": lambda idx: pd.Series(pd.NA, index=idx, dtype="boolean"),
    "date": lambda idx: pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]"),
    "number": lambda idx: pd.Series(np.nan, index=idx, dtype="float64"),
    "percent": lambda idx: pd.Series(np.nan, index=idx, dtype="float64"),
    "hours": lambda idx: pd.Series(np.nan, index=idx, dtype="float64"),
    "whole": lambda idx: pd.Series(pd.NA, index=idx, dtype="Int64"),
}
"""An absent column of each kind, all empty, typed as its parser would type it."""

BAD_CELL: dict[str, Code] = {
    "text": Code.BAD_TEXT,
    "bool": Code.BAD_BOOL,
    "date": Code.BAD_DATE,
    "number": Code.BAD_NUMBER,
    "percent": Code.BAD_PERCENT,
    "whole": Code.BAD_WHOLE,
    "hours": Code.BAD_HOURS,
}
"""The code of a cell that cannot be read as its column's kind."""


def parse_table(raw: RawTable, findings: Findings) -> Table:
    """Parse every contract column of a sheet; report missing columns and unreadable cells."""
    frame = raw.frame
    data = {}
    given = set(frame.columns)
    table = Table(raw.sheet, raw.file, pd.DataFrame(index=frame.index), frame, given)
    for col in columns_of(raw.sheet):
        if col.name not in given:
            data[col.name] = EMPTY[col.kind](frame.index)
            if col.required:
                findings.add_one(
                    Finding(
                        Severity.ERROR,
                        Code.MISSING_COLUMN,
                        raw.file,
                        raw.sheet,
                        None,
                        col.name,
                        "",
                        f"sheet '{raw.sheet}' of {raw.file} has no column '{col.name}'.",
                    )
                )
            continue
        parsed, bad = PARSERS[col.kind](frame[col.name])
        findings.add(
            BAD_CELL[col.kind],
            table,
            bad,
            col.name,
            f"'{col.name}' must be {EXPECTED[col.kind]}.",
        )
        data[col.name] = parsed
    table.data = pd.DataFrame(data, index=frame.index)
    return table


_CHECK_CODES = {
    "not_nullable": (Code.MISSING_VALUE, "'{col}' is required but empty."),
    "field_uniqueness": (Code.DUPLICATE_KEY, "'{col}' {value} is already used on an earlier row."),
    "isin": (Code.NOT_ALLOWED, "'{col}' must be one of {allowed}; '{value}' is not."),
    "greater_than_or_equal_to": (Code.OUT_OF_RANGE, "'{col}' must be at least {bound}."),
    "less_than_or_equal_to": (Code.OUT_OF_RANGE, "'{col}' must be at most {bound}."),
    "greater_than": (Code.OUT_OF_RANGE, "'{col}' must be more than {bound}."),
}


def run_model(table: Table, findings: Findings) -> None:
    """Run the sheet's pandera model lazily and translate each failure into a finding."""
    model = CONTRACTS[table.sheet].model
    schema = model.to_schema()
    data = table.data
    try:
        schema.validate(data, lazy=True)
        return
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases[cases["index"].notna() & cases["column"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=True):
        name = str(check).split("(")[0]
        if name not in _CHECK_CODES:
            continue
        code, template = _CHECK_CODES[name]
        rows = pd.Index(group["index"].astype("int64").unique())
        if name == "not_nullable" and column not in table.columns_given:
            continue  # reported once as a missing column
        if name == "field_uniqueness":
            repeated = data[column].duplicated(keep="first")
            rows = rows[repeated.reindex(rows).fillna(False).to_numpy()]
        rows = pd.Index([r for r in rows if not findings.is_flagged(table.sheet, int(r), column)])
        if rows.empty:
            continue
        col_schema = schema.columns[column]
        allowed = ""
        bound = ""
        for c in col_schema.checks:
            if c.name == "isin":
                allowed = ", ".join(sorted(c.statistics["allowed_values"]))
            if c.name == name and "min_value" in c.statistics:
                bound = _fmt(c.statistics["min_value"])
            if c.name == name and "max_value" in c.statistics:
                bound = _fmt(c.statistics["max_value"])
        mask = pd.Series(data.index.isin(rows), index=data.index)
        shown = table.shown(column)
        messages = shown.map(
            lambda v, col=column, t=template, a=allowed, b=bound: t.format(
                col=col, value=v, allowed=a, bound=b
            )
        )
        findings.add(code, table, mask, column, messages)


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)

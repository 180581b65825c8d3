"""Each sheet's columns against the input contract: present, readable, and within its rules.

* A required column absent from a sheet is ``missing_column`` (an optional one is added empty).
* Every cell is parsed with its column's parser (:data:`prepaid_recon.read.cells.PARSERS`); a
  given cell that cannot be read as its type is ``bad_<kind>`` (``bad_date``, ``bad_hours``...).
* The sheet's pandera model (:mod:`prepaid_recon.contract.inputs`) then runs lazily on the parsed
  frame and every failure becomes a finding: required values (``missing_value``), duplicate keys
  (``duplicate_key``), allowed values and forms (``not_allowed``), ranges (``out_of_range``),
  and any check without a finding of its own (``invalid_value``, naming the check; see
  :data:`CHECK_FINDINGS`).  A cell already reported as unreadable is not reported again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TypeAlias

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

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
    table = Table(
        raw.sheet,
        raw.file,
        pd.DataFrame(index=frame.index),
        frame,
        given,
        shown_sheet=raw.shown_sheet,
        sources=dict(raw.sources),
    )
    for col in columns_of(raw.sheet):
        if col.name not in given:
            data[col.name] = EMPTY[col.value_type](frame.index)
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
        parsed, bad = PARSERS[col.value_type](frame[col.name])
        findings.add(
            BAD_CELL[col.value_type],
            table,
            bad,
            col.name,
            f"'{col.name}' must be {EXPECTED[col.value_type]}.",
        )
        data[col.name] = (
            on_raw_text(parsed, frame[col.name]) if col.value_type == "text" else parsed
        )
    table.data = pd.DataFrame(data, index=frame.index, copy=False)  # the parsed columns, not a copy
    return table


def on_raw_text(parsed: pd.Series, raw: pd.Series) -> pd.Series:
    """The parsed text column on the raw column's text, when every parsed text is its cell as
    read (only empty cells became missing): the text is then held once, not twice.

    Validation keeps the raw cells (messages show a cell as typed) beside the parsed table; a
    timesheets.csv of millions of rows, whose cells are already trimmed, would otherwise hold
    its text columns twice.  The result has the parsed column's values, missing cells and
    dtype; it shares the raw column's Arrow buffers, with the parsed column's missing cells.
    Any other column (a cell trimmed, a number read as text, not Arrow text) is ``parsed``.
    """
    if not (
        len(parsed)
        and isinstance(parsed.array, pd.arrays.ArrowStringArray)
        and isinstance(raw.array, pd.arrays.ArrowStringArray)
    ):
        return parsed
    text, cells = _arrow_text(parsed), _arrow_text(raw)
    same = pc.equal(text, cells).fill_null(False)
    if not pc.all(pc.or_(same, text.is_null())).as_py():
        return parsed
    given = text.is_valid().to_numpy(zero_copy_only=False)
    chunks, start = [], 0
    for chunk in cells.chunks:
        size, skip = len(chunk), chunk.offset
        if size == 0:
            continue
        here = given[start : start + size]
        start += size
        bits = np.packbits(np.concatenate([np.zeros(skip, dtype=bool), here]), bitorder="little")
        _, offsets, chars = chunk.buffers()
        buffers = [pyarrow.py_buffer(bits), offsets, chars or pyarrow.py_buffer(b"")]
        nulls = size - int(np.count_nonzero(here))
        chunks.append(
            pyarrow.Array.from_buffers(chunk.type, size, buffers, null_count=nulls, offset=skip)
        )
    if not chunks:
        return parsed
    shared = pyarrow.chunked_array(chunks, type=cells.type)
    out = shared.to_pandas(types_mapper={cells.type: parsed.dtype}.get)
    out.index = parsed.index
    return out


def _arrow_text(values: pd.Series) -> pyarrow.ChunkedArray:
    """An Arrow text column's chunks (its own buffers, not a copy)."""
    out = pyarrow.array(values.array)
    return out if isinstance(out, pyarrow.ChunkedArray) else pyarrow.chunked_array([out])


# --------------------------------------------------------------------------------------------
# The pandera models: every failure becomes a finding
# --------------------------------------------------------------------------------------------

Template: TypeAlias = str | Callable[[Mapping[str, object]], str]
"""A message template, or a function of the check's statistics giving one.

Placeholders: ``{col}`` the column, ``{cell}`` the cell as typed (for a failure of the whole
column, what pandera found), and any statistic of the check (``{min_value}``, ...).
"""


@dataclass(frozen=True)
class CheckFinding:
    """What a failed pandera check becomes: a finding code and a message template."""

    code: Code
    template: Template


def _in_range(stats: Mapping[str, object]) -> str:
    low = "at least" if stats.get("include_min", True) else "more than"
    high = "at most" if stats.get("include_max", True) else "less than"
    return f"'{{col}}' must be {low} {{min_value}} and {high} {{max_value}}."


def _str_length(stats: Mapping[str, object]) -> str:
    if stats.get("exact_value") is not None:
        return "'{col}' must be {exact_value} characters long; '{cell}' is not."
    if stats.get("min_value") is None:
        return "'{col}' must be at most {max_value} characters long; '{cell}' is not."
    if stats.get("max_value") is None:
        return "'{col}' must be at least {min_value} characters long; '{cell}' is not."
    return "'{col}' must be {min_value} to {max_value} characters long; '{cell}' is not."


CHECK_FINDINGS: dict[str, CheckFinding] = {
    # Properties of a column (pa.Field(nullable=..., unique=...)) and of the frame.
    "not_nullable": CheckFinding(Code.MISSING_VALUE, "'{col}' is required but empty."),
    "field_uniqueness": CheckFinding(
        Code.DUPLICATE_KEY, "'{col}' {cell} is already used on an earlier row."
    ),
    "multiple_fields_uniqueness": CheckFinding(
        Code.DUPLICATE_KEY, "'{col}' {cell} repeats, with the same {unique}, an earlier row."
    ),
    "column_in_dataframe": CheckFinding(Code.MISSING_COLUMN, "the sheet has no column '{cell}'."),
    "dtype": CheckFinding(Code.INVALID_VALUE, "'{col}' holds {cell} values, not {expected}."),
    # pandera's built-in checks.
    "isin": CheckFinding(
        Code.NOT_ALLOWED, "'{col}' must be one of {allowed_values}; '{cell}' is not."
    ),
    "notin": CheckFinding(
        Code.NOT_ALLOWED, "'{col}' cannot be {forbidden_values}; '{cell}' is not allowed."
    ),
    "equal_to": CheckFinding(Code.NOT_ALLOWED, "'{col}' must be {value}; '{cell}' is not."),
    "not_equal_to": CheckFinding(Code.NOT_ALLOWED, "'{col}' cannot be {value}."),
    "unique_values_eq": CheckFinding(
        Code.NOT_ALLOWED, "the values of '{col}' must be exactly {values}."
    ),
    "str_matches": CheckFinding(
        Code.NOT_ALLOWED, "'{col}' must match the pattern {pattern}; '{cell}' does not."
    ),
    "str_contains": CheckFinding(
        Code.NOT_ALLOWED, "'{col}' must contain {pattern}; '{cell}' does not."
    ),
    "str_startswith": CheckFinding(
        Code.NOT_ALLOWED, "'{col}' must start with '{string}'; '{cell}' does not."
    ),
    "str_endswith": CheckFinding(
        Code.NOT_ALLOWED, "'{col}' must end with '{string}'; '{cell}' does not."
    ),
    "str_length": CheckFinding(Code.NOT_ALLOWED, _str_length),
    "greater_than": CheckFinding(Code.OUT_OF_RANGE, "'{col}' must be more than {min_value}."),
    "greater_than_or_equal_to": CheckFinding(
        Code.OUT_OF_RANGE, "'{col}' must be at least {min_value}."
    ),
    "less_than": CheckFinding(Code.OUT_OF_RANGE, "'{col}' must be less than {max_value}."),
    "less_than_or_equal_to": CheckFinding(
        Code.OUT_OF_RANGE, "'{col}' must be at most {max_value}."
    ),
    "in_range": CheckFinding(Code.OUT_OF_RANGE, _in_range),
}
"""pandera check name -> the finding its failures become.  A check not listed here (a custom
check) still becomes a finding: ``invalid_value``, naming the check (:func:`_unknown_check`)."""


@cache
def contract_schema(sheet: str) -> pa.DataFrameSchema:
    """The sheet's pandera schema as validation runs it: every check, but no dtype check.

    Cell types are the parsers' job (``bad_<kind>``); the models' dtypes describe the inputs
    after defaults, when an empty yes/no cell has become false (before, it is NA and the column
    a nullable ``boolean``, which a ``bool`` dtype check would refuse).
    """
    schema = CONTRACTS[sheet].model.to_schema()
    return schema.update_columns({name: {"dtype": None} for name in schema.columns})


def run_model(table: Table, findings: Findings, schema: pa.DataFrameSchema | None = None) -> None:
    """Run the sheet's pandera model lazily and turn every failure into a finding.

    ``schema`` defaults to the sheet's contract (:func:`contract_schema`).  A failure on a row
    points at its cell, unless the cell is already reported (an unreadable cell is not also
    missing); a failure of a whole column (no row) is one finding with ``row`` empty.  A
    required column absent from the sheet is reported once, as ``missing_column``, not again
    on every row.
    """
    if schema is None:
        schema = contract_schema(table.sheet)
    try:
        schema.validate(table.data, lazy=True)
        return
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases.assign(column=cases["column"].fillna("").astype(str))
    on_rows = cases["index"].notna()
    for (column, check), group in cases[on_rows].groupby(["column", "check"], sort=True):
        _rows_failing(table, findings, schema, str(column), str(check), group)
    for (column, check), group in cases[~on_rows].groupby(["column", "check"], sort=True):
        _column_failing(table, findings, schema, str(column), str(check), group)


def _rows_failing(
    table: Table,
    findings: Findings,
    schema: pa.DataFrameSchema,
    column: str,
    check: str,
    group: pd.DataFrame,
) -> None:
    """One check failed on some rows of a column: a finding on each cell not yet reported."""
    data = table.data
    name, stats = _check_of(schema, column, check, group)
    if name == "not_nullable" and column not in table.columns_given:
        return  # reported once as a missing column
    rows = pd.Index(group["index"].astype("int64").unique())
    if name in ("field_uniqueness", "multiple_fields_uniqueness"):
        keys = [column] if name == "field_uniqueness" else list(schema.unique or [column])
        repeated = data[keys].duplicated(keep="first")  # the first of a key is not a repeat
        rows = rows[repeated.reindex(rows).fillna(False).to_numpy()]
    rows = pd.Index([r for r in rows if not findings.is_flagged(table.sheet, int(r), column)])
    if rows.empty:
        return
    found = CHECK_FINDINGS.get(name) or _unknown_check(name, stats)
    template = found.template if isinstance(found.template, str) else found.template(stats)
    mask = pd.Series(data.index.isin(rows), index=data.index)
    messages = table.shown(column).map(lambda v: _render(template, column, v, stats))
    findings.add(found.code, table, mask, column, messages)


def _column_failing(
    table: Table,
    findings: Findings,
    schema: pa.DataFrameSchema,
    column: str,
    check: str,
    group: pd.DataFrame,
) -> None:
    """One check failed on a whole column (no row): one finding pointing at the column.

    A missing column is one finding per column, named by pandera as the failure case.
    """
    name, stats = _check_of(schema, column, check, group)
    found = CHECK_FINDINGS.get(name) or _unknown_check(name, stats)
    template = found.template if isinstance(found.template, str) else found.template(stats)
    cases = [str(v) for v in group["failure_case"].drop_duplicates()]
    pointed = (
        [(c, c) for c in cases] if name == "column_in_dataframe" else [(column, ", ".join(cases))]
    )
    for col, cell in pointed:
        findings.add_one(
            Finding(
                found.code.severity,
                found.code,
                table.file,
                table.sheet,
                None,
                col,
                cell,
                _render(template, col, cell, stats),
            )
        )


def _check_of(
    schema: pa.DataFrameSchema, column: str, check: str, group: pd.DataFrame
) -> tuple[str, dict[str, object]]:
    """The failed check's name and statistics, found in the schema by its number."""
    name = check.split("(")[0]
    stats: dict[str, object] = {}
    number = group["check_number"].iloc[0]
    if name == "dtype":
        stats["expected"] = check.removeprefix("dtype(").removesuffix(")").strip("'\"")
    elif name == "multiple_fields_uniqueness":
        stats["unique"] = " and ".join(f"'{c}'" for c in schema.unique or [] if c != column)
    elif number is not None and not pd.isna(number):
        frame_check = group["schema_context"].iloc[0] == "DataFrameSchema"
        checks = schema.checks if frame_check else schema.columns[column].checks
        found = checks[int(number)]
        name = found.name or name
        stats.update(found.statistics or {})
        if found.error and found.error != check:
            stats["error"] = found.error
    return name, stats


def _unknown_check(name: str, stats: Mapping[str, object]) -> CheckFinding:
    """A check without a finding of its own (a custom one): ``invalid_value``, naming it."""
    words = name.strip("_<>").replace("_", " ") or "unnamed"
    error = str(stats.get("error") or "")
    detail = f" ({error})" if error and error != name else ""
    text = (
        f"'{{col}}' fails the check '{_escaped(words)}'{_escaped(detail)}: '{{cell}}' is refused."
    )
    return CheckFinding(Code.INVALID_VALUE, text)


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _render(template: str, column: str, cell: object, stats: Mapping[str, object]) -> str:
    values = _Blank({k: _fmt(v) for k, v in stats.items()})
    values.update(col=column, cell=str(cell))
    return template.format_map(values)


def _fmt(value: object) -> str:
    """A check's statistic in a message: 0 not 0.0, lists sorted and comma-separated."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float | int):
        return f"{value:g}"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(_fmt(v) for v in value))
    return str(value)

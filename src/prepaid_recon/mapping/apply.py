"""A mapped sheet: the user's export, read as it is, turned into an input sheet of the contract.

Mapping happens while reading, before validation: the rows keep their Excel row numbers, and
every contract column remembers the user's header it came from (``Quantity → hours``), so that
a finding on it names what the user sees.  The rules and the reports never see a source header.

Findings of the mapping itself (errors): a source header the mapping names is missing from the
file (``mapped_column_missing``), a label with no entry in a value map (``unmapped_value``), a
cell a pattern does not match (``pattern_not_matched``) — each on its cell, all in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field

import pandas as pd

from prepaid_recon.contract.inputs import CONTRACTS, normalize_header
from prepaid_recon.findings import Code, Finding, Severity
from prepaid_recon.mapping import convert
from prepaid_recon.mapping.model import ColumnMap, SheetMap


@dataclass
class MappedSheet:
    """A contract sheet built from an export: its cells (contract column names, Excel rows as
    index), where each column came from, and what the mapping found wrong."""

    frame: pd.DataFrame
    sources: dict[str, str]
    findings: list[Finding] = field(default_factory=list)
    examples: dict[str, tuple[object, object]] = field(default_factory=dict)
    """Per mapped column, its first value: the source cell before and the value after."""


def _header_index(columns: pd.Index) -> dict[str, str]:
    """Each header as written, and as normalized (``Billable?`` and ``billable``), to its
    column: a mapping names headers as the user reads them, matched case-insensitively."""
    out: dict[str, str] = {}
    for name in columns:
        out.setdefault(str(name), name)
        out.setdefault(str(name).strip().casefold(), name)
        out.setdefault(normalize_header(name), name)
    return out


def _find(headers: dict[str, str], wanted: str) -> str | None:
    for key in (wanted, wanted.strip().casefold(), normalize_header(wanted)):
        if key in headers:
            return headers[key]
    return None


class _Sheet:
    """One mapped sheet while it is built: the source frame, and its findings."""

    def __init__(self, frame: pd.DataFrame, sheet: str, file: str, shown_sheet: str) -> None:
        self.frame = frame
        self.sheet = sheet
        self.file = file
        self.shown = shown_sheet
        self.headers = _header_index(frame.columns)
        self.findings: list[Finding] = []

    def error(self, code: Code, row: int | None, column: str, value: object, message: str) -> None:
        self.findings.append(
            Finding(Severity.ERROR, code, self.file, self.shown, row, column, str(value), message)
        )

    def cell_errors(
        self, code: Code, mask: pd.Series, cells: pd.Series, column: str, message: str
    ) -> None:
        for row in mask.index[mask.to_numpy(bool)]:
            self.error(code, int(row), column, cells.at[row], message)


def _source_cells(state: _Sheet, name: str, spec: ColumnMap) -> tuple[pd.Series | None, str]:
    """The raw cells a column starts from, and the description of its source."""
    frame = state.frame
    if spec.constant is not None:
        return pd.Series(
            spec.constant, index=frame.index, dtype=object
        ), f"constant {spec.constant!r}"
    missing = [h for h in spec.headers() if _find(state.headers, h) is None]
    if spec.template is not None:
        if missing:
            state.error(
                Code.MAPPED_COLUMN_MISSING, 1, name, ", ".join(missing),
                f"the mapping builds '{name}' from {', '.join(missing)}, not in this sheet.",
            )  # fmt: skip
            return None, spec.template
        renamed = frame.rename(columns={_find(state.headers, h): h for h in spec.headers()})
        return convert.filled_template(renamed, spec.template), spec.template
    assert spec.source is not None  # exactly one source, checked by the model
    found = [_find(state.headers, h) for h in spec.source]
    present = [h for h in found if h is not None]
    if not present:
        state.error(
            Code.MAPPED_COLUMN_MISSING, 1, name, " / ".join(spec.source),
            f"the mapping reads '{name}' from {' or '.join(spec.source)}: no such column in "
            "this sheet.",
        )  # fmt: skip
        return None, " / ".join(spec.source)
    if len(present) == 1 or spec.pattern is None:
        return frame[present[0]].astype(object), str(present[0])
    # Several headers with a pattern: the first whose cell matches gives the value.
    cells = pd.Series(None, index=frame.index, dtype=object)
    for header in present:
        got, _ = convert.extracted(frame[header].astype(object), spec.pattern)
        cells = cells.where(cells.notna(), frame[header].astype(object).where(got.notna()))
    rest = cells.isna()
    given = frame[present].astype(object).map(lambda v: None if convert.is_empty(v) else v)
    first_given = given.bfill(axis=1).iloc[:, 0]
    cells[rest] = first_given[rest]  # matched by none: the first given cell, to report
    return cells.astype(object), " / ".join(str(h) for h in present)


def map_sheet(
    frame: pd.DataFrame,
    spec: SheetMap,
    sheet: str,
    file: str,
    shown_sheet: str,
    side_tables: MappingType[str, pd.DataFrame] | None = None,
) -> MappedSheet:
    """The contract sheet ``sheet`` built from ``frame`` (an export as read: its own headers,
    Excel rows as index) by ``spec``.

    Rows matching a ``skip_rows`` filter are dropped (their row numbers are not reused). Each
    mapped column is built as the mapping says (:mod:`prepaid_recon.mapping.model`); with
    ``only_listed_columns = false``, a header that is a contract column's name is read as that
    column too, as without a mapping. ``side_tables`` holds the lookups' tables by file pattern.
    """
    state = _Sheet(frame, sheet, file, shown_sheet or sheet)
    keep = pd.Series(True, index=frame.index)
    for rule in spec.skip_rows:
        header = _find(state.headers, rule.column)
        if header is None:
            state.error(
                Code.MAPPED_COLUMN_MISSING, 1, rule.column, rule.column,
                f"the mapping skips rows by '{rule.column}': no such column in this sheet.",
            )  # fmt: skip
            continue
        text = frame[header].map(lambda v: "" if convert.is_empty(v) else str(v).strip())
        if rule.blank:
            keep &= text.ne("")
        else:
            keep &= ~text.str.contains(rule.matches or "", regex=True)
    state.frame = frame = frame[keep.to_numpy(bool)]

    columns: dict[str, pd.Series] = {}
    sources: dict[str, str] = {}
    examples: dict[str, tuple[object, object]] = {}
    for name, col in spec.columns.items():
        cells, source = _source_cells(state, name, col)
        sources[name] = source
        if cells is None:
            continue
        original = cells
        shown = f"{source} → {name}"
        if col.pattern is not None:
            before = cells
            cells, missed = convert.extracted(cells, col.pattern)
            state.cell_errors(
                Code.PATTERN_NOT_MATCHED, missed, before, shown,
                f"the mapping's pattern {col.pattern!r} for '{name}' does not match.",
            )  # fmt: skip
        if col.values is not None:
            before = cells
            cells, unknown = convert.mapped_values(cells, col.values)
            listed = ", ".join(repr(k) for k in col.values)
            state.cell_errors(
                Code.UNMAPPED_VALUE, unknown, before, shown,
                f"'{name}' has no entry for this value in the mapping (listed: {listed}).",
            )  # fmt: skip
        if col.unit is not None:
            cells = convert.duration_hours(cells, col.unit)
        if col.date_format is not None:
            cells = convert.dates(cells, col.date_format, col.timezone)
        if col.lookup is not None:
            cells = _looked_up(state, name, shown, cells, col, side_tables or {})
        if col.number_within is not None:
            cells = _numbered(state, name, cells, col.number_within)
        columns[name] = cells
        given = cells.notna().to_numpy(bool)
        if given.any():
            first = int(given.argmax())
            examples[name] = (original.iat[first], cells.iat[first])

    if not spec.only_listed_columns:
        wanted = set(CONTRACTS[sheet].model.to_schema().columns) - set(columns)
        for header in frame.columns:
            key = normalize_header(header)
            if key in wanted and key not in columns:
                columns[key] = frame[header].astype(object)
                sources[key] = str(header)
    out = pd.DataFrame(columns, index=frame.index)
    return MappedSheet(out, sources, state.findings, examples)


def _looked_up(
    state: _Sheet,
    name: str,
    shown: str,
    cells: pd.Series,
    col: ColumnMap,
    side_tables: MappingType[str, pd.DataFrame],
) -> pd.Series:
    """Cells replaced through the lookup's side table (an agent id by the agent's name); a
    value the table does not hold is ``unmapped_value``."""
    lookup = col.lookup
    assert lookup is not None
    table = side_tables.get(lookup.file)
    if table is None:
        state.error(
            Code.MAPPED_COLUMN_MISSING, None, shown, lookup.file,
            f"the side table {lookup.file!r} that '{name}' is looked up in was not found.",
        )  # fmt: skip
        return pd.Series(None, index=cells.index, dtype=object)
    headers = _header_index(table.columns)
    key, value = _find(headers, lookup.key), _find(headers, lookup.value)
    if key is None or value is None:
        absent = lookup.key if key is None else lookup.value
        state.error(
            Code.MAPPED_COLUMN_MISSING, None, shown, absent,
            f"the side table {lookup.file!r} has no column {absent!r}.",
        )  # fmt: skip
        return pd.Series(None, index=cells.index, dtype=object)
    values = dict(zip(table[key].map(_as_key), table[value], strict=False))
    keys = [_as_key(value) for value in cells.tolist()]
    out = pd.Series([values.get(k) if k else None for k in keys], index=cells.index, dtype=object)
    unknown = pd.Series([bool(k) and k not in values for k in keys], index=cells.index)
    state.cell_errors(
        Code.UNMAPPED_VALUE, unknown, cells, shown,
        f"'{name}' looked up in {lookup.file!r}: no row has this {lookup.key!r}.",
    )  # fmt: skip
    return out


def _as_key(value: object) -> str | None:
    """A cell as a lookup key: trimmed text, a whole number without its ``.0``; None if empty."""
    if convert.is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _numbered(state: _Sheet, name: str, cells: pd.Series, within: str) -> pd.Series:
    """Line numbers 1, 2, ... within each value of the ``within`` header, in the order of the
    cells' values (numbers compared as numbers), then of the rows."""
    header = _find(state.headers, within)
    if header is None:
        state.error(
            Code.MAPPED_COLUMN_MISSING, 1, name, within,
            f"the mapping numbers '{name}' within '{within}': no such column in this sheet.",
        )  # fmt: skip
        return pd.Series(None, index=cells.index, dtype=object)
    groups = state.frame[header].map(_as_key)
    order = pd.to_numeric(cells, errors="coerce")
    frame = pd.DataFrame({"group": groups, "order": order, "at": range(len(cells))})
    frame.index = cells.index
    frame = frame.sort_values(["group", "order", "at"], kind="stable", na_position="last")
    frame["n"] = frame.groupby("group", dropna=False).cumcount() + 1
    return frame["n"].reindex(cells.index).astype(object)

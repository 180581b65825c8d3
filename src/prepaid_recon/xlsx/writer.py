"""Formatted, deterministic, formula-safe xlsx workbooks, one sheet spec at a time.

The writer only formats: every figure it writes was computed by ``reports.py`` (compute once,
render many).  What it guarantees for every sheet (CONTRACT section 3):

* row 1 holds exactly the frame's column names; it is frozen and carries an autofilter;
* column widths come from the header and a fixed-size sample of the data (deterministic);
* numbers keep their type: hours and quantities ``0.00``, money in its currency's decimals
  (chosen per row through ``currency_column``), dates as real Excel dates ``yyyy-mm-dd``,
  booleans as Excel booleans, NaN/NA as an empty cell;
* no cell is ever a formula: every text is written with ``write_string`` and the workbook is
  opened with ``strings_to_formulas/urls/numbers`` off, so ``=1+2``, ``+SUM(A1)``, ``-2+3`` and
  ``@cmd`` from the input stay plain text.  (Conditional-format rules and charts are the only
  formulas, put there on purpose.);
* a sheet longer than Excel's 1,048,576 rows continues on ``<name>_2``, ``<name>_3``, ... each
  with its header (xlsxwriter would silently drop the rows past the limit);
* the same frames give byte-identical files: the creation time is pinned and xlsxwriter already
  stamps every zip member with 1980-01-01;
* big sheets stream in xlsxwriter's ``constant_memory`` mode (one row in memory at a time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from prepaid_recon.domain import minor_units

__all__ = [
    "EXCEL_MAX_DATA_ROWS",
    "FIXED_CREATED",
    "KINDS",
    "ChartSpec",
    "Highlight",
    "SheetSpec",
    "chunk_bounds",
    "sheet_names",
    "write_workbook",
]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1
"""Data rows that fit on one sheet below its header row."""

FIXED_CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Creation time stamped into every workbook unless the caller gives one: never the clock."""

KINDS = frozenset({"text", "int", "hours", "qty", "money", "date", "bool", "percent"})
"""How a column is written. ``money`` takes its decimals from the row's currency."""

_NUMBER_FORMATS = {
    "int": "0",
    "hours": "0.00",
    "qty": "0.00",
    "percent": '0.00"%"',  # percents are 0..100 numbers (CONTRACT section 2), shown with a sign
    "date": "yyyy-mm-dd",
}
_MONEY_FORMATS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
_HIGHLIGHT_STYLES = {
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
}
_WIDTH_SAMPLE_ROWS = 2000
_MIN_WIDTH = 6.0
_MAX_WIDTH = 60.0
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


# --------------------------------------------------------------------------------------------
# What callers hand to the writer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """Colour a whole data row when ``column <operator> value`` holds (a conditional format).

    ``value`` is an Excel literal (``0``, ``TRUE``, ``"upselling"``); ``style`` is ``bad`` (red)
    or ``warn`` (amber).  Empty cells never match ``< 0`` (Excel reads them as 0).
    """

    column: str
    operator: str
    value: str
    style: str = "bad"


@dataclass(frozen=True)
class ChartSpec:
    """A native clustered column chart placed on the sheet that owns it.

    The data is read from ``data_sheet`` (a sheet of the same workbook): one category per row
    from ``category_column``, one series per name in ``value_columns``.
    """

    title: str
    data_sheet: str
    category_column: str
    value_columns: Sequence[str]
    y_axis_title: str = ""
    anchor: str = "F2"


@dataclass
class SheetSpec:
    """One table to write: a frame, how each column is formatted, and its decorations.

    ``kinds`` maps a column to one of :data:`KINDS`; a column without one is guessed from its
    dtype (bool, datetime, integer -> int, float -> qty, anything else -> text).
    ``currency_column`` names the column holding each row's ISO code for ``money`` columns
    (without it money gets 2 decimals).  ``cell_kinds`` overrides the kind cell by cell for a
    small mixed column (the summary's ``value``): one kind per row, ``money:<CODE>`` for money.
    Numeric columns are the caller's to fill (0, never NaN) except where the contract allows
    an empty cell; the writer writes NaN/NA as an empty cell.
    """

    name: str
    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)
    currency_column: str | None = None
    highlight: Sequence[Highlight] = ()
    cell_kinds: dict[str, Sequence[str]] = field(default_factory=dict)
    charts: Sequence[ChartSpec] = ()

    def kind_of(self, column: str) -> str:
        """The declared kind of ``column``, or the one its dtype implies."""
        kind = self.kinds.get(column)
        if kind is not None:
            if kind not in KINDS:
                raise ValueError(f"sheet {self.name}: unknown kind {kind!r} for {column!r}")
            return kind
        dtype = self.frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            return "bool"
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return "date"
        if pd.api.types.is_integer_dtype(dtype):
            return "int"
        if pd.api.types.is_float_dtype(dtype):
            return "qty"
        return "text"


# --------------------------------------------------------------------------------------------
# Splitting long sheets
# --------------------------------------------------------------------------------------------


def chunk_bounds(n_rows: int, max_rows: int = EXCEL_MAX_DATA_ROWS) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` row ranges of at most ``max_rows`` rows covering ``n_rows``.

    Always at least one range, so an empty table still gets its sheet with a header row.
    No row is lost and none is repeated: the ranges are contiguous from 0 to ``n_rows``.
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    if n_rows <= 0:
        return [(0, 0)]
    return [(start, min(start + max_rows, n_rows)) for start in range(0, n_rows, max_rows)]


def sheet_names(name: str, n_chunks: int) -> list[str]:
    """``name``, then ``name_2``, ``name_3``, ... for the continuation sheets."""
    return [name if i == 0 else f"{name}_{i + 1}" for i in range(n_chunks)]


# --------------------------------------------------------------------------------------------
# Column preparation (vectorised; the row loop only indexes lists)
# --------------------------------------------------------------------------------------------


def _text_values(series: pd.Series) -> list[str | None]:
    """Python strings, None for NA; non-string values become their text."""
    values = series.astype(object).to_numpy()
    mask = pd.isna(values)
    out: list[Any] = values.tolist()
    if mask.any():
        for i in np.flatnonzero(mask).tolist():
            out[i] = None
    for i, v in enumerate(out):
        if v is not None and v.__class__ is not str:
            out[i] = str(v)
    return out


def _float_values(series: pd.Series) -> list[float | None]:
    """Python floats, None for NaN/NA."""
    arr = pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    out: list[Any] = arr.tolist()
    nan = np.isnan(arr)
    if nan.any():
        for i in np.flatnonzero(nan).tolist():
            out[i] = None
    return out


def _date_values(series: pd.Series) -> list[float | None]:
    """Excel serial day numbers (1900 date system), None for NaT."""
    stamps = pd.to_datetime(series)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    ns = stamps.to_numpy(dtype="datetime64[ns]")
    nat = np.isnat(ns)
    days = (ns - _EXCEL_EPOCH.astype("datetime64[ns]")) / np.timedelta64(1, "D")
    out: list[Any] = np.where(nat, 0.0, days).tolist()
    for i in np.flatnonzero(nat).tolist():
        out[i] = None
    return out


def _bool_values(series: pd.Series) -> list[bool | None]:
    values = series.astype(object).to_numpy()
    mask = pd.isna(values)
    return [None if m else bool(v) for v, m in zip(values.tolist(), mask.tolist(), strict=True)]


def _display_width(kind: str, values: list[Any], header: str, decimals: int = 2) -> float:
    """Column width from the header and the first rows: deterministic and readable."""
    width = len(header) + 3.0  # room for the autofilter button
    sample = [v for v in values[:_WIDTH_SAMPLE_ROWS] if v is not None]
    if sample:
        if kind == "text":
            longest = max(len(v) for v in sample)
        elif kind == "date":
            longest = 10
        elif kind == "bool":
            longest = 5
        elif kind == "int":
            longest = max(len(f"{v:.0f}") for v in sample)
        else:
            biggest = max(abs(v) for v in sample)
            longest = len(f"{-biggest:,.{decimals}f}") + (1 if kind == "percent" else 0)
        width = max(width, longest + 2.0)
    return float(min(max(width, _MIN_WIDTH), _MAX_WIDTH))


class _Formats:
    """Every cell format of a workbook, created once up front (xlsxwriter dedupes by object)."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"})
        self.by_kind = {
            k: workbook.add_format({"num_format": f}) for k, f in _NUMBER_FORMATS.items()
        }
        self.money = {d: workbook.add_format({"num_format": f}) for d, f in _MONEY_FORMATS.items()}
        self.highlight = {k: workbook.add_format(v) for k, v in _HIGHLIGHT_STYLES.items()}
        # Number the cell formats now, in creation order: xlsxwriter would number them on first
        # use, so the order cells are written in would leak into styles.xml.
        for fmt in (self.header, *self.by_kind.values(), *self.money.values()):
            fmt._get_xf_index()

    def money_for(self, currency: object) -> Any:
        if isinstance(currency, str) and currency:
            return self.money[minor_units(currency)]
        return self.money[2]


@dataclass
class _Column:
    """A column ready for the row loop: its values and how to write each cell."""

    index: int
    name: str
    kind: str
    values: list[Any]
    fmt: Any = None  # one format for the whole column ...
    row_formats: list[Any] | None = None  # ... or one per row (money per currency, cell_kinds)
    row_writers: list[str] | None = None  # per-row writer names for mixed (cell_kinds) columns
    width: float = 10.0


def _prepare(spec: SheetSpec, formats: _Formats) -> list[_Column]:
    frame = spec.frame
    columns: list[_Column] = []
    currencies: list[Any] | None = None
    if spec.currency_column is not None:
        currencies = frame[spec.currency_column].astype(object).tolist()
    for index, name in enumerate(frame.columns):
        if not isinstance(name, str):
            raise ValueError(f"sheet {spec.name}: column names must be text, got {name!r}")
        series = frame[name]
        if name in spec.cell_kinds:
            columns.append(_prepare_mixed(index, name, series, spec.cell_kinds[name], formats))
            continue
        kind = spec.kind_of(name)
        col = _Column(index, name, kind, [])
        decimals = 2
        if kind == "text":
            col.values = _text_values(series)
        elif kind == "bool":
            col.values = _bool_values(series)
        elif kind == "date":
            col.values = _date_values(series)
            col.fmt = formats.by_kind["date"]
        else:
            col.values = _float_values(series)
            if any(v is not None and math.isinf(v) for v in col.values):
                raise ValueError(f"sheet {spec.name}: column {name} holds an infinite number")
            if kind == "money":
                if currencies is None:
                    col.fmt = formats.money[2]
                else:
                    by_code = {c: formats.money_for(c) for c in sorted(set(map(str, currencies)))}
                    col.row_formats = [by_code[str(c)] for c in currencies]
                    decimals = max((minor_units(c) for c in by_code), default=2)
            else:
                col.fmt = formats.by_kind[kind]
        col.width = _display_width(kind, col.values, name, decimals)
        columns.append(col)
    return columns


def _prepare_mixed(
    index: int, name: str, series: pd.Series, kinds: Sequence[str], formats: _Formats
) -> _Column:
    """A small column whose cells each have their own kind (``money:<CODE>`` for money)."""
    raw = series.astype(object).tolist()
    if len(kinds) != len(raw):
        raise ValueError(f"column {name}: {len(kinds)} cell kinds for {len(raw)} rows")
    values: list[Any] = []
    writers: list[str] = []
    fmts: list[Any] = []
    widths: list[float] = []
    for value, kind in zip(raw, kinds, strict=True):
        base, _, code = kind.partition(":")
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            values.append(None)
            writers.append("blank")
            fmts.append(None)
            continue
        if base == "text":
            values.append(str(value))
            writers.append("string")
            fmts.append(None)
        elif base == "bool":
            values.append(bool(value))
            writers.append("boolean")
            fmts.append(None)
        elif base == "date":
            values.append(_date_values(pd.Series([value]))[0])
            writers.append("number")
            fmts.append(formats.by_kind["date"])
        elif base == "money":
            values.append(float(value))
            writers.append("number")
            fmts.append(formats.money_for(code))
        elif base in _NUMBER_FORMATS:
            values.append(float(value))
            writers.append("number")
            fmts.append(formats.by_kind[base])
        else:
            raise ValueError(f"column {name}: unknown cell kind {kind!r}")
        widths.append(_display_width(base if base != "money" else "qty", [values[-1]], name))
    col = _Column(index, name, "mixed", values, None, fmts, writers)
    col.width = max([_display_width("text", [], name), *widths])
    return col


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _write_rows(worksheet: Any, columns: list[_Column], start: int, stop: int) -> None:
    """Write data rows ``start:stop`` below the header, row by row (constant_memory order).

    The undecorated ``_write_*`` methods of xlsxwriter skip the A1-notation argument parsing of
    the public ones; the values were prepared per column, so the loop only indexes lists.
    """
    write_number = worksheet._write_number
    write_string = worksheet._write_string
    write_boolean = worksheet._write_boolean
    by_name = {"number": write_number, "string": write_string, "boolean": write_boolean}
    plain: list[tuple[int, Callable[..., Any], list[Any], Any]] = []
    per_row: list[tuple[int, Callable[..., Any], list[Any], list[Any]]] = []
    mixed: list[_Column] = []
    for col in columns:
        if col.row_writers is not None:
            mixed.append(col)
            continue
        if col.kind == "text":
            write = write_string
        elif col.kind == "bool":
            write = write_boolean
        else:
            write = write_number
        if col.row_formats is not None:
            per_row.append((col.index, write, col.values, col.row_formats))
        else:
            plain.append((col.index, write, col.values, col.fmt))
    row = 1
    for i in range(start, stop):
        for c, write, values, fmt in plain:
            v = values[i]
            if v is not None:
                write(row, c, v, fmt)
        for c, write, values, fmts in per_row:
            v = values[i]
            if v is not None:
                write(row, c, v, fmts[i])
        for col in mixed:
            kind = col.row_writers[i]  # type: ignore[index]
            if kind != "blank":
                by_name[kind](row, col.index, col.values[i], col.row_formats[i])  # type: ignore[index]
        row += 1


_FAST_BATCH_ROWS = 20_000
_SHORT_STRING = 32767 // 2  # a string this short cannot pass Excel's 32,767 UTF-16 units


def _fast_path_possible(worksheet: Any, columns: list[_Column]) -> bool:
    """The direct row writer applies to streamed sheets of plain columns and ordinary strings."""
    if not getattr(worksheet, "constant_memory", False) or getattr(worksheet, "fh", None) is None:
        return False
    if any(col.row_writers is not None for col in columns):
        return False
    for col in columns:
        if col.kind == "text" and any(v is not None and len(v) > _SHORT_STRING for v in col.values):
            return False
    return True


_NEEDS_ESCAPING = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")


def _inline_string_body(text: str, attr: str) -> str:
    """The cell element after its reference, exactly as xlsxwriter writes an inline string."""
    if _NEEDS_ESCAPING.search(text) is None:
        return f'{attr} t="inlineStr"><is><t>{text}</t></is></c>'
    text = XMLwriter._escape_control_characters(text)
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'{attr} t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def _render_column(col: _Column, start: int, stop: int, first_row: int) -> list[str]:
    """XML of one column's cells for data rows ``start:stop`` ('' for an empty cell)."""
    letter = xl_col_to_name(col.index)
    values = col.values[start:stop]
    rows = range(first_row, first_row + len(values))
    if col.kind == "text":
        cache: dict[str, str] = {}
        out = []
        for r, v in zip(rows, values, strict=True):
            if v is None:
                out.append("")
                continue
            body = cache.get(v)
            if body is None:
                body = cache[v] = _inline_string_body(v, "")
            out.append(f'<c r="{letter}{r}"{body}')
        return out
    if col.kind == "bool":
        return [
            "" if v is None else f'<c r="{letter}{r}" t="b"><v>{1 if v else 0}</v></c>'
            for r, v in zip(rows, values, strict=True)
        ]
    if col.row_formats is not None:
        attrs = [f' s="{f._get_xf_index()}"' if f else "" for f in col.row_formats[start:stop]]
        return [
            "" if v is None else f'<c r="{letter}{r}"{a}><v>{v:.16G}</v></c>'
            for r, v, a in zip(rows, values, attrs, strict=True)
        ]
    attr = f' s="{col.fmt._get_xf_index()}"' if col.fmt else ""
    return [
        "" if v is None else f'<c r="{letter}{r}"{attr}><v>{v:.16G}</v></c>'
        for r, v in zip(rows, values, strict=True)
    ]


def _write_rows_fast(worksheet: Any, columns: list[_Column], start: int, stop: int) -> None:
    """Stream data rows straight into the sheet's row file, as xlsxwriter would write them.

    In ``constant_memory`` mode xlsxwriter appends each finished row's XML to a temporary file;
    going through its per-cell API costs two method calls, a namedtuple and an attribute list
    per cell.  Here each column's cells are rendered at once (strings escaped once per distinct
    value) and a batch of rows is written in one call.  The output is the same bytes
    (``test_fast_rows_write_the_same_xml_as_xlsxwriter`` pins it).
    """
    worksheet._write_single_row(1)  # flush the header row (row 0) the ordinary way
    fh = worksheet.fh
    for a in range(start, stop, _FAST_BATCH_ROWS):
        b = min(a + _FAST_BATCH_ROWS, stop)
        first_row = a - start + 2  # Excel row number of data row ``a`` on this sheet
        rendered = [_render_column(col, a, b, first_row) for col in columns]
        fh.write(
            "".join(
                f'<row r="{r}">{"".join(cells)}</row>'
                for r, cells in enumerate(zip(*rendered, strict=True), start=first_row)
            )
        )
    last = stop - start  # zero-based index of the last data row
    worksheet._check_dimensions(last, len(columns) - 1)
    worksheet.previous_row = last


def _add_highlights(
    worksheet: Any, spec: SheetSpec, formats: _Formats, n_rows: int, n_cols: int
) -> None:
    if n_rows == 0:
        return
    positions = {name: i for i, name in enumerate(spec.frame.columns)}
    for rule in spec.highlight:
        if rule.column not in positions:
            raise ValueError(f"sheet {spec.name}: no column {rule.column!r} to highlight")
        letter = xl_col_to_name(positions[rule.column])
        worksheet.conditional_format(
            1,
            0,
            n_rows,
            n_cols - 1,
            {
                "type": "formula",
                "criteria": f"=${letter}2{rule.operator}{rule.value}",
                "format": formats.highlight[rule.style],
            },
        )


def _add_chart(
    workbook: xlsxwriter.Workbook,
    worksheet: Any,
    chart: ChartSpec,
    specs: dict[str, SheetSpec],
) -> None:
    data = specs.get(chart.data_sheet)
    if data is None:
        raise ValueError(f"chart {chart.title!r}: no sheet {chart.data_sheet!r} in the workbook")
    n = len(data.frame)
    if n == 0 or n > EXCEL_MAX_DATA_ROWS:
        return  # nothing to draw (or too much to draw readably): the data sheet stays
    positions = {name: i for i, name in enumerate(data.frame.columns)}
    cat = positions[chart.category_column]
    column_chart = workbook.add_chart({"type": "column"})
    for name in chart.value_columns:
        col = positions[name]
        column_chart.add_series(
            {
                "name": [chart.data_sheet, 0, col],
                "categories": [chart.data_sheet, 1, cat, n, cat],
                "values": [chart.data_sheet, 1, col, n, col],
            }
        )
    column_chart.set_title({"name": chart.title})
    column_chart.set_y_axis({"name": chart.y_axis_title, "num_format": "0"})
    column_chart.set_legend({"position": "bottom"})
    column_chart.set_size({"width": 720, "height": 400})
    worksheet.insert_chart(chart.anchor, column_chart)


def _print_setup(worksheet: Any) -> None:
    """Printed, a report is landscape, one page wide, with the header row on every page."""
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0)


def write_workbook(
    path: Path | str,
    sheets: Sequence[SheetSpec],
    *,
    created: dt.datetime = FIXED_CREATED,
    max_rows: int = EXCEL_MAX_DATA_ROWS,
    tmpdir: Path | str | None = None,
    fast_rows: bool = True,
) -> list[str]:
    """Write ``sheets`` in order into one xlsx workbook at ``path``; return the sheet names.

    A table longer than ``max_rows`` data rows continues on ``<name>_2``, ``<name>_3``, ...
    (``max_rows`` is injectable so that tests can split small tables).  ``created`` is the only
    date stamped into the file; the default is a fixed constant so that the same frames always
    give the same bytes.  ``fast_rows=False`` writes every cell through xlsxwriter's own API
    (the reference the fast row writer is tested against).
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(tmpdir) if tmpdir is not None else None,
        },
    )
    written: list[str] = []
    try:
        workbook.set_properties({"created": created, "author": "prepaid-recon"})
        formats = _Formats(workbook)
        specs = {spec.name: spec for spec in sheets}
        for spec in sheets:
            columns = _prepare(spec, formats)
            n_cols = len(columns)
            bounds = chunk_bounds(len(spec.frame), max_rows)
            for name, (start, stop) in zip(
                sheet_names(spec.name, len(bounds)), bounds, strict=True
            ):
                worksheet = workbook.add_worksheet(name)
                written.append(name)
                for col in columns:
                    worksheet.set_column(col.index, col.index, col.width)
                worksheet.freeze_panes(1, 0)
                _print_setup(worksheet)
                if n_cols:
                    worksheet.autofilter(0, 0, stop - start, n_cols - 1)
                for col in columns:
                    worksheet.write_string(0, col.index, col.name, formats.header)
                if fast_rows and stop > start and _fast_path_possible(worksheet, columns):
                    _write_rows_fast(worksheet, columns, start, stop)
                else:
                    _write_rows(worksheet, columns, start, stop)
                _add_highlights(worksheet, spec, formats, stop - start, n_cols)
                if start == 0:
                    for chart in spec.charts:
                        _add_chart(workbook, worksheet, chart, specs)
    except BaseException:
        # Never leave a half-written workbook behind: close (which releases xlsxwriter's temp
        # files) and remove whatever it produced.
        with contextlib.suppress(Exception):
            workbook.close()
        Path(path).unlink(missing_ok=True)
        raise
    workbook.close()
    return written

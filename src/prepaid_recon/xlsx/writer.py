"""Formatted, deterministic, formula-safe xlsx workbooks, one sheet spec at a time.

The writer only formats: every figure it writes was computed by :mod:`prepaid_recon.report`
(compute once, render many).  What it guarantees for every sheet (CONTRACT section 3):

* row 1 holds exactly the frame's column names; it is frozen and carries an autofilter;
* column widths come from the header and a fixed-size sample of the data (deterministic);
* numbers keep their type: hours and quantities ``0.00``, money in its currency's decimals
  (chosen per row through ``currency_column``), dates as real Excel dates ``yyyy-mm-dd``,
  booleans as Excel booleans, NaN/NA as an empty cell;
* no cell is ever a formula: every text is written as a string and the workbook is opened with
  ``strings_to_formulas/urls/numbers`` off (:func:`prepaid_recon.xlsx.book.new_workbook`), so
  ``=1+2``, ``+SUM(A1)``, ``-2+3`` and ``@cmd`` from the input stay plain text.
  (Conditional-format rules and charts are the only formulas, put there on purpose.);
* a text longer than an Excel cell holds (32,767 characters, counted in UTF-16 units as Excel
  counts them) is cut here, in :func:`_text_values` and :func:`_prepare_mixed`, to its first
  32,767 units without splitting a character (:func:`~prepaid_recon.domain.excel_text_prefix`):
  the same cut on both row paths, and xlsxwriter (which would cut by code points, silently)
  never sees a longer string.  Validation warns on each input cell cut so (``text_too_long``);
* a sheet longer than Excel's 1,048,576 rows continues on ``<name>_2``, ``<name>_3``, ... each
  with its header (xlsxwriter would silently drop the rows past the limit);
* the same frames give byte-identical files: the creation time is pinned
  (:data:`~prepaid_recon.xlsx.book.FIXED_CREATED`) and xlsxwriter already stamps every zip
  member with 1980-01-01;
* big sheets stream in xlsxwriter's ``constant_memory`` mode (one row in memory at a time),
  their rows rendered by :mod:`prepaid_recon.xlsx.fastrows` when the installed xlsxwriter
  allows it, else cell by cell through xlsxwriter's public API (the same bytes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_col_to_name

from prepaid_recon.domain import EXCEL_MAX_TEXT, excel_text_prefix, minor_units
from prepaid_recon.xlsx import fastrows
from prepaid_recon.xlsx.book import (
    FIXED_CREATED,
    HEADER_STYLE,
    MONEY_FORMATS,
    NUMBER_FORMATS,
    Format,
    Workbook,
    Worksheet,
    excel_serial,
    excel_serials,
    new_workbook,
)

__all__ = [
    "EXCEL_MAX_DATA_ROWS",
    "FIXED_CREATED",
    "FORMATS",
    "ChartSpec",
    "Highlight",
    "SheetSpec",
    "chunk_bounds",
    "sheet_names",
    "write_workbook",
]

EXCEL_MAX_DATA_ROWS = 1_048_576 - 1
"""Data rows that fit on one sheet (Excel's 1,048,576 rows) below its header row."""

FORMATS = frozenset({"text", "int", "hours", "qty", "money", "date", "bool", "percent"})
"""How a column is written. ``money`` takes its decimals from the row's currency."""

_NUMBER_FORMATS_USED = ("int", "hours", "qty", "percent", "date")
"""The kinds with one number format (:data:`~prepaid_recon.xlsx.book.NUMBER_FORMATS`), in the
order their formats are created (the order of ``styles.xml``)."""

_HIGHLIGHT_STYLES = {
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "total": {"bold": True, "bg_color": "#EDEDED", "top": 1},
}
_WIDTH_SAMPLE_ROWS = 2000
_MIN_WIDTH = 6.0
_MAX_WIDTH = 60.0


# --------------------------------------------------------------------------------------------
# What callers hand to the writer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """Colour a whole data row when ``column <operator> value`` holds (a conditional format).

    ``value`` is an Excel literal (``0``, ``TRUE``, ``"upselling"``); ``style`` is ``bad`` (red),
    ``warn`` (amber) or ``total`` (bold on grey, a subtotal or closing row).  Empty cells never
    match ``< 0`` (Excel reads them as 0).
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

    ``formats`` maps a column to one of :data:`FORMATS`; a column without one is guessed from its
    dtype (bool, datetime, integer -> int, float -> qty, anything else -> text).
    ``currency_column`` names the column holding each row's ISO code for ``money`` columns
    (without it money gets 2 decimals).  ``cell_formats`` overrides the format cell by cell for a
    small mixed column (the summary's ``value``): one format per row, ``money:<CODE>`` for money.
    Numeric columns are the caller's to fill (0, never NaN) except where the contract allows
    an empty cell; the writer writes NaN/NA as an empty cell.
    """

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    currency_column: str | None = None
    highlight: Sequence[Highlight] = ()
    cell_formats: dict[str, Sequence[str]] = field(default_factory=dict)
    charts: Sequence[ChartSpec] = ()

    def format_of(self, column: str) -> str:
        """The declared format of ``column``, or the one its dtype implies."""
        kind = self.formats.get(column)
        if kind is not None:
            if kind not in FORMATS:
                raise ValueError(f"sheet {self.name}: unknown format {kind!r} for {column!r}")
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
    """Python strings, None for NA; non-string values become their text; a text too long for a
    cell is cut to what the cell holds (:func:`_cell_text`)."""
    values = series.astype(object).to_numpy()
    mask = pd.isna(values)
    out: list[Any] = values.tolist()
    if mask.any():
        for i in np.flatnonzero(mask).tolist():
            out[i] = None
    for i, v in enumerate(out):
        if v is None:
            continue
        if v.__class__ is not str:
            v = out[i] = str(v)
        if len(v) > _SURELY_FITS:
            out[i] = excel_text_prefix(v)
    return out


_SURELY_FITS = EXCEL_MAX_TEXT // 2
"""A text of at most this many characters fits in a cell whatever they are (UTF-16 units)."""


def _cell_text(value: object) -> str:
    """The text of one cell as written: cut to the first 32,767 UTF-16 units when longer."""
    return excel_text_prefix(str(value))


def _none_for_nan(arr: np.ndarray) -> list[float | None]:
    """Python floats of a float array, None where it holds NaN (an empty cell)."""
    out: list[float | None] = arr.tolist()
    nan = np.isnan(arr)
    if nan.any():
        for i in np.flatnonzero(nan).tolist():
            out[i] = None
    return out


def _float_values(series: pd.Series) -> list[float | None]:
    """Python floats, None for NaN/NA."""
    return _none_for_nan(
        pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    )


def _date_values(series: pd.Series) -> list[float | None]:
    """Excel serial numbers (:func:`~prepaid_recon.xlsx.book.excel_serials`), None for NaT."""
    return _none_for_nan(excel_serials(series))


def _bool_values(series: pd.Series) -> list[bool | None]:
    """Python booleans, None for NA."""
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

    def __init__(self, workbook: Workbook) -> None:
        self.header = workbook.add_format(HEADER_STYLE)
        self.by_kind = {
            k: workbook.add_format({"num_format": NUMBER_FORMATS[k]}) for k in _NUMBER_FORMATS_USED
        }
        self.money = {d: workbook.add_format({"num_format": f}) for d, f in MONEY_FORMATS.items()}
        self.highlight = {k: workbook.add_format(v) for k, v in _HIGHLIGHT_STYLES.items()}
        # Numbered now, in creation order, so that styles.xml does not depend on the path the
        # rows take (fast or cell by cell).
        fastrows.number_formats_in_order(
            [self.header, *self.by_kind.values(), *self.money.values()]
        )

    def money_for(self, currency: object) -> Format:
        """The money format of a row's currency: its ISO 4217 decimals; 2 without a code."""
        if isinstance(currency, str) and currency:
            return self.money[minor_units(currency)]
        return self.money[2]


@dataclass
class _Column:
    """A column ready for the row loop: its values and how to write each cell.

    It is a :class:`~prepaid_recon.xlsx.fastrows.RowColumn`: kind ``text``, ``bool``, a number
    kind, or ``mixed`` (a ``cell_formats`` column, written cell by cell through ``row_writers``).
    """

    index: int
    name: str
    kind: str
    values: list[Any]
    fmt: Format | None = None  # one format for the whole column ...
    row_formats: list[Format | None] | None = None  # ... or one per row (money per currency)
    row_writers: list[str] | None = None  # per-row writer names for mixed (cell_formats) columns
    width: float = 10.0


def _prepare(spec: SheetSpec, formats: _Formats) -> list[_Column]:
    """Every column of ``spec`` as values and formats: its kind decides both, money takes the
    decimals of each row's currency, and an infinite number is refused (Excel has none)."""
    frame = spec.frame
    columns: list[_Column] = []
    currencies: list[Any] | None = None
    if spec.currency_column is not None:
        currencies = frame[spec.currency_column].astype(object).tolist()
    for index, name in enumerate(frame.columns):
        if not isinstance(name, str):
            raise ValueError(f"sheet {spec.name}: column names must be text, got {name!r}")
        series = frame[name]
        if name in spec.cell_formats:
            columns.append(_prepare_mixed(index, name, series, spec.cell_formats[name], formats))
            continue
        kind = spec.format_of(name)
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
    fmts: list[Format | None] = []
    widths: list[float] = []
    for value, kind in zip(raw, kinds, strict=True):
        base, _, code = kind.partition(":")
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            values.append(None)
            writers.append("blank")
            fmts.append(None)
            continue
        if base == "text":
            values.append(_cell_text(value))
            writers.append("string")
            fmts.append(None)
        elif base == "bool":
            values.append(bool(value))
            writers.append("boolean")
            fmts.append(None)
        elif base == "date":
            values.append(excel_serial(value))
            writers.append("number")
            fmts.append(formats.by_kind["date"])
        elif base == "money":
            values.append(float(value))
            writers.append("number")
            fmts.append(formats.money_for(code))
        elif base in _NUMBER_FORMATS_USED:
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


def _write_rows(worksheet: Worksheet, columns: list[_Column], start: int, stop: int) -> None:
    """Write data rows ``start:stop`` below the header, cell by cell through xlsxwriter's public
    API, row by row (the order ``constant_memory`` requires).  Empty cells are not written.

    The values were prepared per column, so the loop only indexes lists.
    """
    by_name: dict[str, Callable[..., Any]] = {
        "number": worksheet.write_number,
        "string": worksheet.write_string,
        "boolean": worksheet.write_boolean,
    }
    plain: list[tuple[int, Callable[..., Any], list[Any], Format | None]] = []
    per_row: list[tuple[int, Callable[..., Any], list[Any], list[Format | None]]] = []
    mixed: list[tuple[int, list[str], list[Any], list[Format | None]]] = []
    for col in columns:
        if col.row_writers is not None:
            mixed.append((col.index, col.row_writers, col.values, col.row_formats or []))
            continue
        if col.kind == "text":
            write = by_name["string"]
        elif col.kind == "bool":
            write = by_name["boolean"]
        else:
            write = by_name["number"]
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
        for c, writers, values, fmts in mixed:
            kind = writers[i]
            if kind != "blank":
                by_name[kind](row, c, values[i], fmts[i])
        row += 1


def _add_highlights(
    worksheet: Worksheet, spec: SheetSpec, formats: _Formats, n_rows: int, n_cols: int
) -> None:
    """Each :class:`Highlight` of ``spec`` as a conditional format over the data rows."""
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
    workbook: Workbook,
    worksheet: Worksheet,
    chart: ChartSpec,
    specs: dict[str, SheetSpec],
) -> None:
    """Draw ``chart`` on ``worksheet`` from its data sheet; an empty data sheet, or one too long
    for a single sheet, gets no chart."""
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


def _print_setup(worksheet: Worksheet) -> None:
    """Printed, a report is landscape, one page wide, with the header row on every page."""
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0)


def write_workbook(
    path: Path | str,
    sheets: Sequence[SheetSpec],
    *,
    max_rows: int = EXCEL_MAX_DATA_ROWS,
    tmpdir: Path | str | None = None,
    fast_rows: bool = True,
) -> list[str]:
    """Write ``sheets`` in order into one xlsx workbook at ``path``; return the sheet names.

    A table longer than ``max_rows`` data rows continues on ``<name>_2``, ``<name>_3``, ...
    (``max_rows`` is injectable so that tests can split small tables).  The only date stamped
    into the file is :data:`FIXED_CREATED`, so the same frames always give the same bytes.
    ``tmpdir`` holds xlsxwriter's temporary row files.  The rows of a sheet take the fast path
    of :mod:`~prepaid_recon.xlsx.fastrows` when it applies; ``fast_rows=False`` writes every
    cell through xlsxwriter's public API (the reference the fast path is tested against).
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = new_workbook(path, constant_memory=True, tmpdir=tmpdir)
    written: list[str] = []
    try:
        formats = _Formats(workbook)
        specs = {spec.name: spec for spec in sheets}
        for spec in sheets:
            bounds = chunk_bounds(len(spec.frame), max_rows)
            widths: list[float] = []
            for name, (start, stop) in zip(
                sheet_names(spec.name, len(bounds)), bounds, strict=True
            ):
                # Each sheet's rows are prepared alone (a table of millions of rows is never
                # held whole as Python objects); every sheet takes the widths of the first.
                columns = _prepare(_sheet_rows(spec, start, stop), formats)
                widths = widths or [col.width for col in columns]
                for col, width in zip(columns, widths, strict=True):
                    col.width = width
                n_cols = len(columns)
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
                if fast_rows and stop > start and fastrows.fast_path_possible(worksheet, columns):
                    fastrows.write_rows_fast(worksheet, columns, 0, stop - start)
                else:
                    _write_rows(worksheet, columns, 0, stop - start)
                del columns
                _add_highlights(worksheet, spec, formats, stop - start, n_cols)
                if start == 0:
                    for chart in spec.charts:
                        _add_chart(workbook, worksheet, chart, specs)
    except BaseException as error:
        # Never leave a half-written workbook behind, nor anything that raises later.
        _discard(workbook, path, error)
        raise
    _close(workbook, path)
    return written


def _sheet_rows(spec: SheetSpec, start: int, stop: int) -> SheetSpec:
    """The spec of rows ``start:stop`` of ``spec``'s table (``spec`` itself for all of them)."""
    if start == 0 and stop == len(spec.frame):
        return spec
    return dataclasses.replace(
        spec,
        frame=spec.frame.iloc[start:stop],
        cell_formats={k: list(v)[start:stop] for k, v in spec.cell_formats.items()},
    )


def _close(workbook: Workbook, path: Path | str) -> None:
    """Close a complete workbook: xlsxwriter assembles and zips it into ``path``.

    If that fails (a full disk), the workbook is discarded (:func:`_discard`), the warnings
    xlsxwriter gave while closing it are dropped, and the system's ``OSError`` is raised as
    itself (xlsxwriter wraps it in ``FileCreateError``, which is not an ``OSError``), so that
    the caller reports it as a could-not-write error.  On success those warnings are passed on.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            workbook.close()
        except BaseException as error:
            _discard(workbook, path, error)
            cause = error.args[0] if isinstance(error, FileCreateError) and error.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def _discard(workbook: Workbook, path: Path | str, error: BaseException) -> None:
    """Drop a workbook whose writing failed with ``error``: no file is left at ``path`` and no
    open handle of xlsxwriter's is left for a finaliser to flush at exit.

    ``close()`` is not called on it: it would assemble and write the whole package again, warn
    about sheets not added yet, and fail again on a full disk.  The zip file xlsxwriter was
    writing when ``close()`` failed is a local variable of its frames, still referenced by the
    traceback: it is found there and closed now, so that ``ZipFile.__del__`` has nothing left to
    write (it would print a traceback at exit).  Errors while closing come from the same failed
    disk and are ignored, and so are xlsxwriter's warnings.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for part in [workbook, *workbook.worksheets()]:
            for value in list(vars(part).values()):
                if isinstance(value, io.IOBase) and not value.closed:
                    with contextlib.suppress(Exception):
                        value.close()
        for zip_file in _zip_files_in(error):
            with contextlib.suppress(Exception):
                zip_file.close()
    with contextlib.suppress(OSError):
        Path(path).unlink(missing_ok=True)


def _zip_files_in(error: BaseException) -> list[zipfile.ZipFile]:
    """The zip files held by the frames of ``error``'s traceback and of the errors chained to
    it (what xlsxwriter was writing when it failed)."""
    found: list[zipfile.ZipFile] = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        pending += [current.__context__, current.__cause__]
        tb = current.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, zipfile.ZipFile) and all(value is not z for z in found):
                    found.append(value)
            tb = tb.tb_next
    return found

"""The fast row path: a streamed sheet's data rows rendered as XML by us, not cell by cell.

This is the only module that touches xlsxwriter's private internals, and it does so for speed
alone.  In ``constant_memory`` mode xlsxwriter appends each finished row's XML to a temporary
file; its per-cell API costs two method calls, a namedtuple and an attribute list per cell.
:func:`write_rows_fast` renders a column's cells at once (each distinct string escaped once)
and appends a batch of rows in one write.  Measured (README.md, Performance, and
benchmarks/README.md): the whole write stage of a 1,000,000-timesheet run takes 13.7 s, against
40 s for the same sheets written through the per-cell API; one 200,000-row sheet of eight
columns is written at about 105,000 rows/s, against 23,000 through the public per-cell API.

What it relies on, xlsxwriter 3.x (checked by :func:`supported`):

* ``Worksheet.fh``, the open row file of a ``constant_memory`` sheet, written to directly;
* ``Worksheet._write_single_row(row)``, to flush the header row before the data rows;
* ``Worksheet._check_dimensions(row, col)`` and ``Worksheet.previous_row``, to record the
  rows written (the sheet's ``<dimension>``, and the row the stream has reached);
* ``Format._get_xf_index()``, the style number of a cell format (the ``s`` attribute), also
  used by :func:`number_formats_in_order`;
* ``XMLwriter._escape_control_characters`` and ``xlsxwriter.utility._preserve_whitespace``,
  how xlsxwriter escapes an inline string;
* the XML xlsxwriter streams: ``<row r="N">`` without spans, ``<c r="A2" s="1"><v>..</v></c>``
  with numbers as ``{:.16G}``, booleans ``t="b"`` and inline strings ``t="inlineStr"``.

The ``<4`` pin in pyproject does not protect against a change inside 3.x, so before the first
use in a process :func:`supported` checks that the version is a 3.x, that the internals above
exist, and renders a small probe sheet both ways (fast and through xlsxwriter's public API),
comparing the bytes.  If anything differs or fails, every sheet is written through the public
per-cell API instead: slower, and the same bytes.  ``tests/io/test_fastrows.py`` pins the two
paths byte for byte on tricky values and tests the fallback.
"""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import xlsxwriter
from xlsxwriter import utility as _utility
from xlsxwriter import xmlwriter as _xmlwriter
from xlsxwriter.utility import xl_col_to_name

from prepaid_recon.xlsx.book import Format, Worksheet, new_workbook

__all__ = [
    "RowColumn",
    "fast_path_possible",
    "number_formats_in_order",
    "supported",
    "write_rows_fast",
]

_BATCH_ROWS = 20_000
"""Rows rendered and written per call (bounds the memory of one batch of XML)."""

_SHORT_STRING = 32767 // 2
"""A string of at most this many characters cannot pass Excel's 32,767 UTF-16 units (a longer
one might, and xlsxwriter would cut it: such a sheet goes cell by cell)."""

_INTERNALS: tuple[tuple[object, str], ...] = (
    (Worksheet, "_write_single_row"),
    (Worksheet, "_check_dimensions"),
    (Format, "_get_xf_index"),
    (_xmlwriter.XMLwriter, "_escape_control_characters"),
    (_utility, "_preserve_whitespace"),
)
"""The private names this module calls, checked before the fast path is first used."""

_STREAM_ATTRIBUTES = ("fh", "previous_row", "constant_memory")
"""Undocumented attributes of a worksheet instance, checked on every sheet."""

_NEEDS_ESCAPING = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")


class RowColumn(Protocol):
    """One column's data rows as the writer prepared them.

    ``kind`` ``text`` cells are strings, ``bool`` booleans, ``mixed`` cells of several types
    (never rendered here), any other kind numbers.  ``values`` hold one value per data row,
    None for an empty cell; the cell format is ``fmt``, or ``row_formats[i]`` per row.
    """

    @property
    def index(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def values(self) -> Sequence[Any]: ...

    @property
    def fmt(self) -> Format | None: ...

    @property
    def row_formats(self) -> Sequence[Format | None] | None: ...


# --------------------------------------------------------------------------------------------
# Is the fast path safe here?
# --------------------------------------------------------------------------------------------


def _version_supported(version: str) -> bool:
    """The fast path was written against the row stream of xlsxwriter 3.x."""
    return version.split(".", 1)[0] == "3"


def _has_internals() -> bool:
    """Every private name the fast path calls still exists."""
    return all(callable(getattr(owner, name, None)) for owner, name in _INTERNALS)


@functools.cache
def supported() -> bool:
    """Whether the installed xlsxwriter can take the fast path: a 3.x, with the internals this
    module relies on, whose probe sheet comes out the same bytes both ways.  Checked once per
    process; any failure means no."""
    return _version_supported(xlsxwriter.__version__) and _has_internals() and _probe_matches()


def fast_path_possible(worksheet: Worksheet, columns: Sequence[RowColumn]) -> bool:
    """The fast path applies to a streamed (``constant_memory``) sheet of single-kind columns
    whose strings are all short enough to be written whole, with a supported xlsxwriter."""
    if not supported():
        return False
    if not all(hasattr(worksheet, name) for name in _STREAM_ATTRIBUTES):
        return False
    if not worksheet.constant_memory or worksheet.fh is None:
        return False
    for col in columns:
        if col.kind == "mixed":
            return False
        if col.kind == "text" and any(v is not None and len(v) > _SHORT_STRING for v in col.values):
            return False
    return True


def number_formats_in_order(formats: Iterable[Format]) -> None:
    """Give ``formats`` their style numbers now, in this order.

    xlsxwriter numbers a format on its first use, so the order the cells are written in would
    leak into ``styles.xml``: the fast path (column by column) and the public one (cell by
    cell) would not give the same bytes.  Without the internal (a future xlsxwriter), formats
    keep their numbers by first use: still the same bytes for the same frames.
    """
    if callable(getattr(Format, "_get_xf_index", None)):
        for fmt in formats:
            fmt._get_xf_index()


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _inline_string_body(text: str, attr: str) -> str:
    """The cell element after its reference, exactly as xlsxwriter writes an inline string."""
    if _NEEDS_ESCAPING.search(text) is None:
        return f'{attr} t="inlineStr"><is><t>{text}</t></is></c>'
    text = _xmlwriter.XMLwriter._escape_control_characters(text)
    preserve = ' xml:space="preserve"' if _utility._preserve_whitespace(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'{attr} t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def _render_column(col: RowColumn, start: int, stop: int, first_row: int) -> list[str]:
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


def write_rows_fast(
    worksheet: Worksheet, columns: Sequence[RowColumn], start: int, stop: int
) -> None:
    """Stream data rows ``start:stop`` of ``columns`` into the sheet below its header row, the
    same bytes as xlsxwriter's per-cell API.  Only when :func:`fast_path_possible` says so."""
    worksheet._write_single_row(1)  # flush the header row (row 0) the ordinary way
    fh = worksheet.fh
    for a in range(start, stop, _BATCH_ROWS):
        b = min(a + _BATCH_ROWS, stop)
        first_row = a - start + 2  # Excel row number of data row ``a`` on this sheet
        rendered = [_render_column(col, a, b, first_row) for col in columns]
        fh.write(
            "".join(
                f'<row r="{r}">{"".join(cells)}</row>'
                for r, cells in enumerate(zip(*rendered, strict=True), start=first_row)
            )
        )
    last = stop - start  # zero-based row of the last data row
    worksheet._check_dimensions(last, len(columns) - 1)
    worksheet.previous_row = last


# --------------------------------------------------------------------------------------------
# The probe: a small sheet written both ways must give the same bytes
# --------------------------------------------------------------------------------------------

_PROBE_TEXT = (
    "plain", "", " lead", "trail ", 'a & b <c> "q"', "new\nline", "tab\there", "ctl\x01x",
    "_x0041_", "é€✓😀", "=1+2", None, "plain",
)  # fmt: skip


@dataclass(frozen=True)
class _ProbeColumn:
    index: int
    kind: str
    values: Sequence[Any]
    fmt: Format | None = None
    row_formats: Sequence[Format | None] | None = None


def _write_rows_public(
    worksheet: Worksheet, columns: Sequence[RowColumn], start: int, stop: int
) -> None:
    """The reference: the same rows through xlsxwriter's public per-cell API."""
    for row, i in enumerate(range(start, stop), start=1):
        for col in columns:
            value = col.values[i]
            if value is None:
                continue
            fmt = col.row_formats[i] if col.row_formats is not None else col.fmt
            if col.kind == "text":
                worksheet.write_string(row, col.index, value, fmt)
            elif col.kind == "bool":
                worksheet.write_boolean(row, col.index, value, fmt)
            else:
                worksheet.write_number(row, col.index, value, fmt)


def _render_probe(path: Path, *, fast: bool) -> bytes:
    """A small streamed workbook with every kind of cell, its rows written fast or not."""
    book = new_workbook(path, constant_memory=True, tmpdir=path.parent)
    header = book.add_format({"bold": True})
    hours = book.add_format({"num_format": "0.00"})
    money = [book.add_format({"num_format": f}) for f in ("#,##0", "#,##0.00", "#,##0.000")]
    number_formats_in_order([header, hours, *money])
    n = len(_PROBE_TEXT)
    columns = [
        _ProbeColumn(0, "text", _PROBE_TEXT),
        _ProbeColumn(1, "hours", [None, -1.005, 0.0, 1e9, 1 / 3, *map(float, range(n - 5))], hours),
        _ProbeColumn(2, "money", [1234.5] * n, row_formats=[*(money * n)[: n - 1], None]),
        _ProbeColumn(3, "bool", [True, False, None, *([True] * (n - 3))]),
    ]
    worksheet = book.add_worksheet("probe")
    for col in columns:
        worksheet.write_string(0, col.index, col.kind, header)
    if fast:
        write_rows_fast(worksheet, columns, 0, n)
    else:
        _write_rows_public(worksheet, columns, 0, n)
    book.close()
    return path.read_bytes()


def _probe_matches() -> bool:
    """The probe workbook is the same bytes through the fast path and the public API."""
    try:
        with tempfile.TemporaryDirectory(prefix="prepaid-recon-probe-") as tmp:
            folder = Path(tmp)
            fast = _render_probe(folder / "fast.xlsx", fast=True)
            public = _render_probe(folder / "public.xlsx", fast=False)
    except Exception:  # an xlsxwriter that moved its internals: the public path will do
        return False
    return fast == public

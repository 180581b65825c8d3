"""Safety checks made before a native reader opens a file.

calamine (through fastexcel) is fast but trusts the file: a zip bomb, an XML entity bomb, an old
OLE/.xls or password-protected container, or one stray cell in ``XFD1048576`` (which makes it
allocate the whole used range) would hang it, exhaust the memory or abort the process.  Every
workbook is therefore opened first as a plain zip archive, in bounded memory, and refused with a
finding naming the file when it cannot be a safe ``.xlsx``.  The same pass finds each contract
sheet's header row (its first filled cell), so that Excel row numbers stay exact.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from prepaid_recon.contract.inputs import CONTRACTS, normalize_header
from prepaid_recon.findings import Code, Finding, Severity

MAX_UNPACKED_BYTES = 8 * 1024**3
"""Refuse a workbook whose parts inflate past this: a real 2M-row sheet is well below it."""
MAX_RATIO = 250
"""Refuse a zip entry compressed more than this (real sheet XML stays under ~30x)."""
MAX_SHEET_COLUMNS = 1024
"""Refuse a sheet used past this column: reading a column costs time and memory even empty."""
MAX_SHEET_CELLS = 1_048_576 * 32
"""Refuse a sheet whose used range (A1 to its last cell) holds more cells than a full sheet to
column AF: the reader allocates the whole range (32 bytes a cell), however few cells are filled."""
EXCEL_MAX_ROW = 1_048_576
_XML_HEAD_BYTES = 64 * 1024
"""How much of each XML part is searched for a DOCTYPE (it must come before the root element)."""
_SCAN_CHUNK = 8 << 20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def file_error(code: Code, file: str, message: str, sheet: str = "") -> Finding:
    """A finding about a whole file (no row, no column): the file cannot be read as a table."""
    return Finding(Severity.ERROR, code, file, sheet, None, "", "", message)


def inspect_workbook(path: Path, name: str) -> tuple[Finding | None, dict[str, int]]:
    """Before calamine sees a file: a finding when it cannot be a safe .xlsx workbook, and the
    Excel row of each contract sheet's header (its first filled row), read from the same zip."""
    rows: dict[str, int] = {}
    return _check_workbook(path, name, rows), rows


def _check_workbook(path: Path, name: str, header_rows: dict[str, int]) -> Finding | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as err:
        return file_error(Code.UNREADABLE_FILE, name, f"{name} cannot be read: {err.strerror}.")
    if not head:
        return file_error(
            Code.NOT_A_WORKBOOK, name, f"{name} is empty: it is not an Excel workbook."
        )
    if head.startswith(_OLE_MAGIC):
        return file_error(
            Code.PROTECTED_OR_XLS,
            name,
            f"{name} is password-protected or an old .xls workbook: remove the password or "
            "save it as .xlsx (Excel Workbook).",
        )
    if not head.startswith(_ZIP_MAGIC):
        return file_error(
            Code.NOT_A_WORKBOOK,
            name,
            f"{name} is not an Excel .xlsx workbook (wrong file content).",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, name, header_rows)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return file_error(Code.CORRUPT_WORKBOOK, name, f"{name} is corrupt: it cannot be opened.")


def _check_archive(
    archive: zipfile.ZipFile, name: str, header_rows: dict[str, int]
) -> Finding | None:
    entries = archive.infolist()
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        return file_error(
            Code.NOT_A_WORKBOOK, name, f"{name} is a zip archive but not an Excel .xlsx workbook."
        )
    total = sum(e.file_size for e in entries)
    bomb = any(
        e.file_size > 10 * 1024**2 and e.file_size > MAX_RATIO * max(e.compress_size, 1)
        for e in entries
    )
    if total > MAX_UNPACKED_BYTES or bomb:
        return file_error(
            Code.OVERSIZED_WORKBOOK,
            name,
            f"{name} inflates to {total / 1024**2:,.0f} MB when opened: refused as unsafe.",
        )
    parts, named = _contract_parts(archive)
    problem = _unsafe_xml(archive, name) or _oversized_sheet(archive, name, parts)
    if problem is None and named:
        header_rows.update({sheet: _header_row(archive, part) for part, sheet in parts.items()})
    return problem


def _unsafe_xml(archive: zipfile.ZipFile, name: str) -> Finding | None:
    """An XML part declaring a DOCTYPE or entities ("billion laughs") is refused unread.

    Spreadsheet XML never needs a DOCTYPE.  calamine does not expand entities (it fails on
    them), but the file is refused here first, with a message that says why.
    """
    for entry in archive.infolist():
        if not entry.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(entry) as fh:
            head = fh.read(_XML_HEAD_BYTES)
        if _DOCTYPE.search(head):
            return file_error(
                Code.UNSAFE_WORKBOOK,
                name,
                f"{name} declares XML entities (in {entry.filename}), which spreadsheets never "
                "do: refused as unsafe. Save it again from Excel.",
            )
    return None


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Cheap searches over a sheet's XML (a literal prefix makes each about 0.5 s per GB):
_UNUSUAL_REF = re.compile(rb'c r="([A-Z]{2,}\d*|[A-Z]\d{7,})"')
"""A cell reference past column Z or past row 999,999: the only ones that need reading."""
_REF_PARTS = re.compile(rb"([A-Z]+)(\d*)")
_ROW_OF_REF = re.compile(rb'c r="[A-Z]+(\d+)"')
_CELL_WITHOUT_LEADING_REF = (re.compile(rb'<c(?! r=")[\s>/]'), re.compile(rb':c(?! r=")[\s>/]'))
_TAG = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>")
_REF_ATTR = re.compile(rb'\sr="([A-Z]*)(\d*)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from the workbook and its relationships (defusedxml)."""
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    pkg = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    targets = {}
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for r in rels.iter(f"{pkg}Relationship"):
        target = r.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[r.get("Id")] = target
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return {
        targets[s.get(f"{rel}id")]: s.get("name", "")
        for s in book.iter(f"{main}sheet")
        if s.get(f"{rel}id") in targets
    }


def _contract_parts(archive: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """Worksheet part -> sheet name of the contract's sheets, and whether names were found.

    With unusual workbook relationships every worksheet part is returned, named by its path.
    """
    try:
        parts = _sheet_parts(archive)
    except Exception:  # unusual workbook relationships: every worksheet part
        every = {
            e.filename: e.filename
            for e in archive.infolist()
            if e.filename.startswith("xl/worksheets/") and e.filename.endswith(".xml")
        }
        return every, False
    names = set(archive.namelist())
    contract = {p: sh for p, sh in parts.items() if normalize_header(sh) in CONTRACTS}
    return {p: sh for p, sh in contract.items() if p in names}, True


def _oversized_sheet(archive: zipfile.ZipFile, name: str, parts: dict[str, str]) -> Finding | None:
    """A sheet whose used range is too wide or too large to read is refused unread.

    calamine allocates the whole range from A1 to the last cell, so one stray cell in XFD1 or
    in row 99,999,999 of a 2 kB file would exhaust the memory (a Rust abort, not an exception).
    The range is found by streaming the sheet XML in chunks (bounded memory): cheap searches
    first; the exact walk over every cell only for the unusual sheet that needs it.
    """
    for part, sheet in sorted(parts.items()):
        if part not in archive.namelist():
            continue
        rows, columns = _used_range(archive, part)
        if columns > MAX_SHEET_COLUMNS:
            used = f"is used up to column {_column_letters(columns)} ({columns:,} columns)"
        elif rows > EXCEL_MAX_ROW:
            used = f"has a cell past Excel's last row {EXCEL_MAX_ROW:,}"
        elif rows * columns > MAX_SHEET_CELLS:
            used = f"is used up to cell {_column_letters(columns)}{rows} ({rows * columns:,} cells)"
        else:
            continue
        key = normalize_header(sheet)
        return file_error(
            Code.OVERSIZED_SHEET,
            name,
            f"sheet '{sheet}' of {name} {used}: too large to read. Delete the unused rows and "
            f"columns (at most {MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells), or "
            "give the table as a CSV file.",
            key if key in CONTRACTS else "",
        )
    return None


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _chunks(archive: zipfile.ZipFile, part: str, overlap: int = 64) -> Iterator[tuple[bytes, int]]:
    """The part's bytes as ``(chunk, end)`` in pieces of bounded size.

    Each chunk starts with the last ``overlap`` bytes of the one before: a pattern cut in two
    by a chunk boundary is found whole in the next chunk.  A match starting at or after ``end``
    may have been judged on a cut tag (``<c `` with its ``r="`` in the next chunk): it is left
    to the next chunk, which holds it whole.
    """
    tail = b""
    with archive.open(part) as fh:
        chunk = fh.read(_SCAN_CHUNK)
        while chunk:
            following = fh.read(_SCAN_CHUNK)
            data = tail + chunk
            yield data, (len(data) - overlap // 2 if following else len(data))
            tail, chunk = chunk[-overlap:], following


def _used_range(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(rows, columns) from A1 to the sheet's last cell: an upper bound of calamine's range.

    A sheet written the usual way (every cell opens with its reference ``<c r="B7"``) within
    A1:Z999999 is bounded without reading a single reference (about 1 s per GB of XML); only
    references past Z or past row 999,999 are read; a sheet wider than Z also needs its last
    row when a full sheet that wide would pass the cell limit.  A sheet written any other way
    is walked cell by cell.
    """
    rows, columns = 999_999, 26
    for chunk, end in _chunks(archive, part):
        for ref in set(_UNUSUAL_REF.findall(chunk)):
            split = _REF_PARTS.fullmatch(ref)
            if split is None:  # not letters then digits: only the exact walk can place it
                return _walk_cells(archive, part)
            letters, digits = split.groups()
            rows = max(rows, int(digits or 0))
            columns = max(columns, _column_number(letters))
        if rows > EXCEL_MAX_ROW or columns > MAX_SHEET_COLUMNS:
            return rows, columns
        if any(_starts_before(p.search(chunk), end) for p in _CELL_WITHOUT_LEADING_REF):
            return _walk_cells(archive, part)
    if rows * columns <= MAX_SHEET_CELLS:
        return rows, columns
    rows = 1
    for chunk, _end in _chunks(archive, part):
        found = _ROW_OF_REF.findall(chunk)
        if found:
            rows = max(rows, *map(int, found))
    return rows, columns


def _starts_before(match: re.Match | None, end: int) -> bool:
    return match is not None and match.start() < end


def _walk_cells(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """The exact last row and column, placing cells as calamine does (a cell without a
    reference follows the previous one; a row without a number follows the previous row)."""
    row = col = 0
    max_row = max_col = 0
    carry = b""
    with archive.open(part) as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            data = carry + chunk
            cut = data.rfind(b"<")
            data, carry = data[:cut], data[cut:]
            for tag, attrs in _TAG.findall(data):
                ref = _REF_ATTR.search(attrs)
                if tag == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                elif ref and ref.group(1) and ref.group(2):
                    row, col = int(ref.group(2)), _column_number(ref.group(1))
                else:
                    col += 1
                max_row, max_col = max(max_row, row), max(max_col, col)
            if max_col > MAX_SHEET_COLUMNS or max_row * max_col > MAX_SHEET_CELLS:
                break  # refused already: no need to read on
    return max_row, max_col


_FIRST_FILLED_CELL = re.compile(
    rb'<(?:\w+:)?c r="[A-Z]+(\d+)"[^>]*(?<!/)>\s*<(?:\w+:)?(?:v|is|f)[\s>]'
)


def _header_row(archive: zipfile.ZipFile, part: str) -> int:
    """Excel row of the sheet's first filled cell, which the reader takes as the header.

    calamine starts a sheet at its first filled cell, so a sheet whose first rows are blank
    would otherwise have every row number off.  Only the head of the sheet's XML is read.
    """
    with archive.open(part) as fh:
        match = _FIRST_FILLED_CELL.search(fh.read(_XML_HEAD_BYTES))
    return int(match.group(1)) if match else 1

"""Reading the input: folder or single workbook, .xlsx or per-sheet .csv, into raw frames.

Every frame is indexed by the Excel row number a user sees (header = row 1) and remembers its
file and sheet, so that any finding can point at a cell.  Headers are matched case-insensitively
with spaces, dashes and underscores treated alike; unknown columns are dropped; blank rows are
dropped.  Cells keep the type the spreadsheet gave them; :mod:`prepaid_recon.read.cells` parses.

Workbooks are read with fastexcel (calamine, Rust, to Arrow): measured on a 100,000-row,
8-column sheet it is about 15x faster than openpyxl.  Before calamine sees a file, the file is
checked to be a sane zip (no encrypted/OLE container, no old .xls, no zip bomb), so that a bad
file is a finding, never a traceback, a hang or an exhausted memory.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from prepaid_recon.domain import Finding, Severity
from prepaid_recon.errors import UsageError
from prepaid_recon.read.cells import EXCEL_ERRORS
from prepaid_recon.contract.inputs import CONTRACTS, SHEETS

MAX_UNPACKED_BYTES = 8 * 1024**3
"""Refuse a workbook whose parts inflate past this: a real 2M-row sheet is well below it."""
MAX_RATIO = 250
"""Refuse a zip entry compressed more than this (real sheet XML stays under ~30x)."""
MAX_SHEET_COLUMNS = 1024
"""Refuse a sheet used past this column: reading a column costs time and memory even empty."""
MAX_SHEET_CELLS = 1_048_576 * 32
"""Refuse a sheet whose used range (A1 to its last cell) holds more cells than a full sheet to
column AF: the reader allocates the whole range (32 bytes a cell), however few cells are filled."""
EXCEL_MAX_ROW, EXCEL_MAX_COLUMN = 1_048_576, 16_384
_XML_HEAD_BYTES = 64 * 1024
"""How much of each XML part is searched for a DOCTYPE (it must come before the root element)."""
_SCAN_CHUNK = 8 << 20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def normalize_header(name: object) -> str:
    """`Order Line`, `order-line` and `ORDER_LINE` are one column: `order_line`."""
    return re.sub(r"[\s\-_]+", "_", str(name).strip().lower()).strip("_")


@dataclass
class RawTable:
    """One input sheet as read: raw cells, Excel row numbers as index, where it came from."""

    sheet: str
    file: str
    frame: pd.DataFrame
    columns_seen: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    """Everything read from INPUT: the raw tables, reading findings and the files involved."""

    tables: dict[str, RawTable]
    findings: list[Finding]
    files: dict[str, Path]
    """Input files used, by name relative to INPUT."""

    def hashes(self) -> dict[str, str]:
        """SHA-256 of every input file, for the run manifest."""
        out = {}
        for name, path in sorted(self.files.items()):
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            out[name] = digest.hexdigest()
        return out


def _file_error(code: str, file: str, message: str, sheet: str = "") -> Finding:
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
        return _file_error("unreadable_file", name, f"{name} cannot be read: {err.strerror}.")
    if not head:
        return _file_error("not_a_workbook", name, f"{name} is empty: it is not an Excel workbook.")
    if head.startswith(_OLE_MAGIC):
        return _file_error(
            "protected_or_xls",
            name,
            f"{name} is password-protected or an old .xls workbook: remove the password or "
            "save it as .xlsx (Excel Workbook).",
        )
    if not head.startswith(_ZIP_MAGIC):
        return _file_error(
            "not_a_workbook", name, f"{name} is not an Excel .xlsx workbook (wrong file content)."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, name, header_rows)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return _file_error("corrupt_workbook", name, f"{name} is corrupt: it cannot be opened.")


def _check_archive(
    archive: zipfile.ZipFile, name: str, header_rows: dict[str, int]
) -> Finding | None:
    entries = archive.infolist()
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        return _file_error(
            "not_a_workbook", name, f"{name} is a zip archive but not an Excel .xlsx workbook."
        )
    total = sum(e.file_size for e in entries)
    bomb = any(
        e.file_size > 10 * 1024**2 and e.file_size > MAX_RATIO * max(e.compress_size, 1)
        for e in entries
    )
    if total > MAX_UNPACKED_BYTES or bomb:
        return _file_error(
            "oversized_workbook",
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
            return _file_error(
                "unsafe_workbook",
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
        return _file_error(
            "oversized_sheet",
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


def _chunks(archive: zipfile.ZipFile, part: str, overlap: int = 64):
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
            letters, digits = _REF_PARTS.fullmatch(ref).groups()
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


def _read_xlsx_sheets(path: Path, name: str) -> tuple[dict[str, pd.DataFrame], Finding | None]:
    """All sheets of a workbook as raw frames keyed by normalized sheet name."""
    problem, header_rows = inspect_workbook(path, name)
    if problem:
        return {}, problem
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        sheets: dict[str, pd.DataFrame] = {}
        for sheet_name in reader.sheet_names:
            key = normalize_header(sheet_name)
            if key not in CONTRACTS or key in sheets:
                continue
            try:
                sheet = reader.load_sheet(sheet_name, schema_sample_rows=None)
            except fastexcel.UnsupportedColumnTypeCombinationError:
                # A column mixing duration cells ([h]:mm) with dates or text has no Arrow
                # type: read the sheet as text, which the cell parsers read as well.
                sheet = reader.load_sheet(sheet_name, schema_sample_rows=None, dtypes="string")
            sheets[key] = _sheet_frame(sheet) if sheet.width else pd.DataFrame()
            sheets[key].attrs["header_row"] = header_rows.get(sheet_name, 1)
    except Exception as err:
        return {}, _file_error(
            "corrupt_workbook", name, f"{name} cannot be read as a workbook ({_short(err)})."
        )
    return sheets, None


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


_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")


def _sheet_frame(sheet) -> pd.DataFrame:
    """The sheet's cells; a cell holding an Excel error (#N/A, ...) keeps its error text.

    calamine reads error cells as empty, which would turn a broken formula into a missing
    value, or silently into a column default: as text, the parsers report it like any
    unreadable cell.
    """
    batch, errors = sheet.to_arrow_with_errors()
    frame = batch.to_pandas()
    for error in errors.errors if errors is not None else ():
        row, col = error.offset_position
        match = _ERROR_DETAIL.search(error.detail)
        column = frame.columns[col]
        frame[column] = frame[column].astype(object)
        frame.iat[row, col] = EXCEL_ERRORS.get(match.group(1) if match else "", "#ERROR")
    return frame


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]


def _read_csv(path: Path, name: str) -> tuple[pd.DataFrame | None, Finding | None]:
    """A CSV table: UTF-8 (BOM allowed), comma-separated, header on the first line."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return None, _file_error("unreadable_file", name, f"{name} cannot be read: {err.strerror}.")
    if b"\x00" in data:
        return None, _file_error(
            "not_utf8_csv", name, f"{name} contains NUL bytes: it is not a UTF-8 text CSV file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return None, _file_error(
            "not_utf8_csv",
            name,
            f"{name} is not UTF-8 text (byte {err.start + 1}): export it as CSV UTF-8.",
        )
    del data
    if not text.strip():
        return None, _file_error("empty_csv", name, f"{name} is empty: it needs a header line.")
    try:
        with warnings.catch_warnings():
            # A first data row longer than the header would silently become the index and
            # shift every column: index_col=False makes it a warning, raised here as an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                sep=",",
                index_col=False,
            )
    except pd.errors.ParserWarning:
        return None, _file_error(
            "bad_csv", name, f"{name}: a row has more fields than the header line has names."
        )
    except (pd.errors.ParserError, ValueError) as err:
        return None, _file_error("bad_csv", name, f"{name} is not a readable CSV ({_short(err)}).")
    return frame, None


_RENAMED_DUPLICATE = re.compile(r"(.+?)[._](\d+)")
"""fastexcel and pandas rename a repeated header `hours` to `hours_1` / `hours.1`."""


def _raw_table(frame: pd.DataFrame, sheet: str, file: str, findings: list[Finding]) -> RawTable:
    """Normalize headers, keep contract columns, index rows by Excel row, drop blank rows.

    Two headers naming the same column (``Date`` and ``date``) are an error on the header row:
    which one holds the dates is not guessed; the first is read.
    """
    from prepaid_recon.read.cells import present

    wanted = set(CONTRACTS[sheet].model.to_schema().columns)
    seen: list[str] = []
    keep: dict[str, str] = {}
    for original in frame.columns:
        key = normalize_header(original)
        renamed = _RENAMED_DUPLICATE.fullmatch(str(original))
        if renamed and normalize_header(renamed.group(1)) in keep.values():
            key = normalize_header(renamed.group(1))  # the readers renamed `hours` to `hours_1`
        if key in wanted and key in keep.values():
            findings.append(
                Finding(Severity.ERROR, "duplicate_column", file, sheet, 1, key, str(original),
                        f"two columns of '{sheet}' are named '{key}': keep one.")
            )  # fmt: skip
        elif key in wanted:
            keep[original] = key
        if key and not key.startswith("unnamed") and key not in seen:
            seen.append(key)
    first = frame.attrs.get("header_row", 1) + 1
    out = frame[list(keep)].rename(columns=keep)
    out.index = pd.RangeIndex(first, first + len(out), name="row")
    if len(out.columns):
        filled = pd.concat([present(out[c]) for c in out.columns], axis=1).any(axis=1)
        out = out[filled]
    else:
        out = out.iloc[0:0]
    return RawTable(sheet, file, out, seen)


def _find_entry(folder: Path, filename: str) -> Path | None:
    lower = filename.lower()
    for entry in sorted(folder.iterdir()):
        if entry.name.lower() == lower:
            return entry
    return None


def read_inputs(input_path: Path) -> ReadResult:
    """Read INPUT (a folder of workbooks/CSV files, or one workbook holding every sheet)."""
    if not input_path.exists():
        raise UsageError(f"INPUT {input_path} does not exist.")
    if input_path.is_dir():
        return _read_folder(input_path)
    if input_path.suffix.lower() != ".xlsx":
        raise UsageError(f"INPUT {input_path} must be a folder or an .xlsx workbook.")
    return _read_single(input_path)


def _read_single(path: Path) -> ReadResult:
    name = path.name
    sheets, problem = _read_xlsx_sheets(path, name)
    tables: dict[str, RawTable] = {}
    findings: list[Finding] = [problem] if problem else []
    if not problem:
        for contract in SHEETS:
            if contract.sheet in sheets:
                tables[contract.sheet] = _raw_table(
                    sheets[contract.sheet], contract.sheet, name, findings
                )
            elif contract.required:
                findings.append(
                    _file_error(
                        "missing_sheet",
                        name,
                        f"{name} has no sheet '{contract.sheet}'.",
                        contract.sheet,
                    )
                )
        _require_pairs(tables, findings, name)
    return ReadResult(tables, findings, {name: path})


def _require_pairs(tables: dict[str, RawTable], findings: list[Finding], name: str) -> None:
    """A ledger needs both its sheets: invoices without invoice_lines cannot be read."""
    for a, b in (("invoices", "invoice_lines"), ("invoice_lines", "invoices")):
        if a in tables and b not in tables:
            findings.append(
                _file_error("missing_sheet", name, f"the ledger sheet '{b}' is missing.", b)
            )


def _read_folder(folder: Path) -> ReadResult:
    tables: dict[str, RawTable] = {}
    findings: list[Finding] = []
    files: dict[str, Path] = {}
    by_file: dict[str, list] = {}
    for contract in SHEETS:
        by_file.setdefault(contract.file, []).append(contract)
    for filename, contracts in by_file.items():
        entry = _find_entry(folder, filename)
        sheets: dict[str, pd.DataFrame] = {}
        if entry is not None and not entry.is_file():
            findings.append(
                _file_error("not_a_workbook", entry.name, f"{entry.name} is a folder, not a file.")
            )
            entry = None
        if entry is None:
            old = _find_entry(folder, filename.removesuffix(".xlsx") + ".xls")
            if old is not None and old.is_file():
                files[old.name] = old
                findings.append(
                    _file_error(
                        "protected_or_xls",
                        old.name,
                        f"{old.name} is an old .xls workbook: save it as .xlsx (Excel Workbook).",
                    )
                )
                continue
        else:
            files[entry.name] = entry
            sheets, problem = _read_xlsx_sheets(entry, entry.name)
            if problem:
                findings.append(problem)
                continue
        for contract in contracts:
            csv_entry = _find_entry(folder, f"{contract.sheet}.csv")
            if contract.sheet in sheets:
                if csv_entry is not None:
                    findings.append(
                        _file_error(
                            "ambiguous_source",
                            csv_entry.name,
                            f"'{contract.sheet}' is given twice: in {entry.name} and in "
                            f"{csv_entry.name}. Keep one.",
                            contract.sheet,
                        )
                    )
                tables[contract.sheet] = _raw_table(
                    sheets[contract.sheet], contract.sheet, entry.name, findings
                )
            elif csv_entry is not None and csv_entry.is_file():
                files[csv_entry.name] = csv_entry
                raw, problem = _read_csv(csv_entry, csv_entry.name)
                if problem:
                    findings.append(problem)
                    continue
                tables[contract.sheet] = _raw_table(raw, contract.sheet, csv_entry.name, findings)
            elif contract.required and entry is not None:
                findings.append(
                    _file_error(
                        "missing_sheet",
                        entry.name,
                        f"{entry.name} has no sheet '{contract.sheet}'.",
                        contract.sheet,
                    )
                )
            elif contract.required:
                findings.append(
                    _file_error(
                        "missing_file",
                        filename,
                        f"{filename} (or {contract.sheet}.csv) is missing from the input folder.",
                        contract.sheet,
                    )
                )
    _require_pairs(tables, findings, "invoices.xlsx")
    return ReadResult(tables, findings, files)

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

import array
import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from prepaid_recon.contract.inputs import CONTRACTS, SHEETS, normalize_header
from prepaid_recon.errors import UsageError
from prepaid_recon.findings import Code, Finding, Severity
from prepaid_recon.mapping.model import FIRST_SHEET, MappingError, SheetMap
from prepaid_recon.read.cells import EXCEL_ERRORS, present
from prepaid_recon.read.guard import file_error as _file_error
from prepaid_recon.read.guard import inspect_workbook
from prepaid_recon.read.mapped import (
    MAPPING_FILE,
    MappingSource,
    map_frame,
    mapping_finding,
    matching_files,
    pick_sheet,
    resolve_line_names,
    resolve_mapping,
    with_excel_rows,
)

if TYPE_CHECKING:
    import fastexcel  # annotations only: it is imported when a workbook is opened


@dataclass
class RawTable:
    """One input sheet as read: raw cells, Excel row numbers as index, where it came from.

    A sheet read through a mapping also says which sheet of the user's file it came from
    (``shown_sheet``) and, for each column, the user's header it was built from (``sources``),
    so that findings name what the user sees."""

    sheet: str
    file: str
    frame: pd.DataFrame
    shown_sheet: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    examples: dict[str, tuple[object, object]] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Everything read from INPUT: the raw tables, reading findings and the files involved."""

    tables: dict[str, RawTable]
    findings: list[Finding]
    files: dict[str, Path]
    """Input files used, by name relative to INPUT."""
    mapping: MappingSource | None = None
    """The mapping the exports were read through, if any."""

    def hashes(self) -> dict[str, str]:
        """SHA-256 of every input file, for the run manifest; the mapping is an input too
        (``mapping: profile odoo`` or ``mapping: <file>``)."""
        out = {}
        for name, path in sorted(self.files.items()):
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            out[name] = digest.hexdigest()
        if self.mapping is not None:
            out[f"mapping: {self.mapping.label}"] = self.mapping.sha256
        return out


def _contract_sheets(names: list[str]) -> dict[str, str]:
    """The sheets of a workbook that are input sheets, by their normalized name (the first of
    two that normalize alike)."""
    out: dict[str, str] = {}
    for sheet_name in names:
        key = normalize_header(sheet_name)
        if key in CONTRACTS and key not in out:
            out[key] = sheet_name
    return out


def _read_xlsx_sheets(
    path: Path, name: str, pick: Callable[[list[str]], dict[str, str]] = _contract_sheets
) -> tuple[dict[str, pd.DataFrame], Finding | None]:
    """The sheets of a workbook that ``pick`` chooses (by default the input sheets) as raw
    frames, keyed as ``pick`` keys them (by default the normalized sheet name).

    Nothing from the native reader escapes as an exception: its errors, and its panics
    (pyo3's ``PanicException`` derives from ``BaseException``), are the file's
    ``corrupt_workbook`` finding; only an interrupt or an exit goes through.  The guard comes
    first, and a failure of the guard itself refuses the file too.
    """
    try:
        problem, header_rows = inspect_workbook(path, name)
    except Exception as err:  # the guard failed on this file: it is not read
        return {}, _file_error(
            Code.CORRUPT_WORKBOOK, name, f"{name} cannot be read as a workbook ({_short(err)})."
        )
    if problem:
        return {}, problem
    import fastexcel

    try:
        reader = fastexcel.read_excel(_native_source(path))
        sheets: dict[str, pd.DataFrame] = {}
        for key, sheet_name in pick(list(reader.sheet_names)).items():
            try:
                sheet = reader.load_sheet(sheet_name, schema_sample_rows=None)
            except fastexcel.UnsupportedColumnTypeCombinationError:
                # A column mixing duration cells ([h]:mm) with dates or text has no Arrow type:
                # read the sheet as text, which the cell parsers read as well.
                sheet = reader.load_sheet(sheet_name, schema_sample_rows=None, dtypes="string")
            sheets[key] = _sheet_frame(sheet) if sheet.width else pd.DataFrame()
            sheets[key].attrs["header_row"] = header_rows.get(sheet_name, 1)
            sheets[key].attrs["sheet_name"] = sheet_name
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # also a Rust panic (pyo3_runtime.PanicException)
        return {}, _file_error(
            Code.CORRUPT_WORKBOOK, name, f"{name} cannot be read as a workbook ({_short(err)})."
        )
    return sheets, None


def _native_source(path: Path) -> Path | bytes:
    """What fastexcel opens: the path, or the file's bytes when the path is not valid UTF-8
    (a folder named in another encoding): fastexcel takes only UTF-8 paths, or bytes."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return path.read_bytes()
    return path


def _shown_name(name: str) -> str:
    """A file name as text for findings: bytes that are not UTF-8 as ``\\xff``, so that it
    prints and is written to exceptions.xlsx like any name."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")


def _sheet_frame(sheet: fastexcel.ExcelSheet) -> pd.DataFrame:
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


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]


MAX_CSV_BYTES = 1024**3
"""Refuse a CSV file larger than this (1 GiB), unread: every row of a table is held in memory
at once, and a run peaks at several times the file's size (``benchmarks/large_csv.py``).
1 GiB of timesheets is about 15 million rows."""
_CSV_BLOCK = 16 << 20
"""Bytes read at a time by the text check."""
_PARSE_BLOCK = 16 << 20
"""Bytes pyarrow parses at a time (a record longer than that is parsed in one block)."""
_BOM = b"\xef\xbb\xbf"
_TEXT = pd.api.types.pandas_dtype("str")
"""What ``pd.read_csv(dtype=str)`` gives: Arrow strings with NaN for missing from pandas 3."""


def _read_csv(path: Path, name: str) -> tuple[pd.DataFrame | None, Finding | None]:
    """A CSV table: UTF-8 (BOM allowed), comma-separated, header on the first line.

    Every cell is text, an empty cell the empty text.  The frame has a row per record after the
    header, blank lines included, so that a row's position gives its line number (the caller
    drops blank rows).  A record with fewer fields than the header has its last cells empty;
    one with more is ``bad_csv``.

    Read in bounded memory, in two streaming passes of 16 MiB blocks: the text check
    (:func:`_check_csv_text`), then pyarrow's CSV parser, straight into Arrow strings; the
    text is never held whole.  A file larger than :data:`MAX_CSV_BYTES` is refused unread.
    """
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            return None, _file_error(
                Code.OVERSIZED_CSV,
                name,
                f"{name} is {_size(size)}: a CSV file can be at most {_size(MAX_CSV_BYTES)} "
                "(about 15 million rows): export fewer rows or fewer columns.",
            )
        text = _check_csv_text(path, name)
        if text.problem is not None:
            return None, text.problem
        return _parse_csv(path, name, text)
    except OSError as err:
        return None, _file_error(
            Code.UNREADABLE_FILE, name, f"{name} cannot be read: {err.strerror or _short(err)}."
        )


def _size(size: int) -> str:
    return f"{size / 1024**3:,.1f} GiB" if size >= 1024**3 else f"{size / 1024**2:,.1f} MiB"


@dataclass
class _CsvText:
    """What the text check of a CSV file found."""

    problem: Finding | None = None
    one_line: bool = False
    """The file is one line without a line break."""
    quoted_crlf: array.array[int] = field(default_factory=lambda: array.array("q"))
    """File offsets of the CR of every CR LF inside a quoted field."""


def _check_csv_text(path: Path, name: str) -> _CsvText:
    """The file checked block by block: a finding when it is not UTF-8 text with something in
    it, or ends inside a quoted field.

    NUL bytes anywhere come first, then invalid UTF-8 (its byte is counted after the BOM), then
    an empty file, then an unclosed quote.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad_byte: int | None = None
    offset = 0  # bytes checked, after the BOM
    filled = line_break = False
    with path.open("rb") as fh:
        start = fh.read(len(_BOM))
        quotes = _Quotes(len(_BOM) if start == _BOM else 0)
        blocks = itertools.chain([start.removeprefix(_BOM)], iter(lambda: fh.read(_CSV_BLOCK), b""))
        for block in blocks:
            if b"\x00" in block:
                message = f"{name} contains NUL bytes: it is not a UTF-8 text CSV file."
                return _CsvText(_file_error(Code.NOT_UTF8_CSV, name, message))
            line_break = line_break or b"\n" in block or b"\r" in block
            quotes.feed(block, offset)
            if bad_byte is None:
                pending = len(decoder.getstate()[0])
                try:
                    plain = pending == 0 and block.isascii()
                    text = block.decode("ascii") if plain else decoder.decode(block)
                    filled = filled or (bool(text) and not text.isspace())
                except UnicodeDecodeError as err:
                    bad_byte = offset - pending + err.start
            offset += len(block)
    if bad_byte is None:
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            bad_byte = offset - pending + err.start
    if bad_byte is not None:
        message = f"{name} is not UTF-8 text (byte {bad_byte + 1}): export it as CSV UTF-8."
        return _CsvText(_file_error(Code.NOT_UTF8_CSV, name, message))
    if not filled:
        return _CsvText(
            _file_error(Code.EMPTY_CSV, name, f"{name} is empty: it needs a header line.")
        )
    if quotes.state == _Quotes.IN:
        message = (
            f"{name} is not a readable CSV (the quoted field opened at byte {quotes.opened + 1} "
            "is never closed)."
        )
        return _CsvText(_file_error(Code.BAD_CSV, name, message))
    return _CsvText(None, not line_break, quotes.crlf)


class _Quotes:
    """The quoted fields of the text, followed through its quotes only: whether it ends inside
    one (``state``), and where the CR LF inside them are (``crlf``, file offsets of the CRs).

    pyarrow takes an unclosed quoted field as running to the end of the file; it is an error, as
    it was for pandas, whose tokenizer this follows: a quote opens a quoted field only where a
    field starts (after a comma or a line break), elsewhere it is text; inside, ``""`` is a
    quote and a lone quote closes the field.
    """

    OUT, IN, CLOSING = 0, 1, 2

    def __init__(self, bom: int) -> None:
        self.bom = bom  # offsets below are counted after the BOM; ``crlf`` holds file offsets
        self.state = self.OUT
        self.opened = -1  # the byte of the quote that opened the field
        self.closing = -1  # the byte of the quote that closes it, unless another one follows
        self.last = b"\n"  # the byte before the block: the file starts a field
        self.crlf: array.array[int] = array.array("q")

    def feed(self, block: bytes, offset: int) -> None:
        start = 0
        while True:
            at = block.find(b'"', start)
            if self.state == self.IN:
                self._crlf(block, offset, start, len(block) if at < 0 else at)
            if at < 0:
                break
            byte = offset + at
            if self.state == self.CLOSING and byte == self.closing + 1:
                self.state = self.IN  # "" inside a quoted field
            elif self.state == self.IN:
                self.state, self.closing = self.CLOSING, byte
            elif (block[at - 1 : at] if at else self.last) in (b",", b"\n", b"\r"):
                self.state, self.opened = self.IN, byte
            else:
                self.state = self.OUT  # text after a closed field, or a quote inside a field
            start = at + 1
        if block:
            self.last = block[-1:]

    def _crlf(self, block: bytes, offset: int, start: int, stop: int) -> None:
        """Note the CR LF of ``block[start:stop]``, inside a quoted field."""
        if start == 0 and self.last == b"\r" and block[:1] == b"\n":
            self.crlf.append(self.bom + offset - 1)  # split between the previous block and this
        at = block.find(b"\r\n", start, stop)
        while at >= 0:
            self.crlf.append(self.bom + offset + at)
            at = block.find(b"\r\n", at + 2, stop)


class _OddRecords:
    """pyarrow's handler of the records whose number of fields is not the header's.

    ``numbered``: the parser runs on one thread and numbers the records (the header is 1): a
    short record is kept aside (``short``) to be put back in its place, a long one stops the
    parser (``long``: number, fields, names).  Otherwise the first one stops it (``seen``), and
    the caller reads the file again, numbered: a well-formed file is read once, on every core.
    """

    def __init__(self, numbered: bool) -> None:
        self.numbered = numbered
        self.seen = False
        self.short: dict[int, str] = {}
        self.long: tuple[int, int, int] | None = None

    def __call__(self, row: Any) -> str:
        self.seen = True
        if not self.numbered:
            return "error"
        if row.actual_columns > row.expected_columns:
            self.long = (row.number, row.actual_columns, row.expected_columns)
            return "error"
        self.short[row.number] = row.text
        return "skip"


class _LongRecord(Exception):
    """A record with more fields than the header has names: number, fields, names."""


def _parse_csv(path: Path, name: str, text: _CsvText) -> tuple[pd.DataFrame | None, Finding | None]:
    """The CSV parsed by pyarrow; a finding when it cannot be.

    pyarrow parses the file in blocks of :data:`_PARSE_BLOCK` bytes, or a few more when a block
    would end between the CR and the LF of a line break inside a quoted field: pyarrow 26 drops
    that LF.  A record (the header included) longer than a block makes pyarrow stop: the file is
    then parsed again as one block (it is at most :data:`MAX_CSV_BYTES`).
    """
    # A file of one line without a line break is a header: pyarrow needs the break.
    data = path.read_bytes() + b"\n" if text.one_line else None
    size = len(data) if data is not None else path.stat().st_size

    def source() -> Any:
        return pa.BufferReader(data) if data is not None else pa.OSFile(str(path))

    block = _PARSE_BLOCK
    crlf = np.frombuffer(text.quoted_crlf, dtype=np.int64) + 1  # offsets of their LFs
    while crlf.size and bool(np.any(crlf % block == 0)):
        block += 1
    while True:
        try:
            table, short = _arrow_records(source, block)
        except _LongRecord as long:
            number, fields, names = long.args
            message = (
                f"{name}: row {number} has {fields} fields, more than the header line has "
                f"names ({names})."
            )
            return None, _file_error(Code.BAD_CSV, name, message)
        except pa.ArrowInvalid as err:
            if block <= size and ("straddl" in str(err) or "Empty CSV file or block" in str(err)):
                block = min(size + 1, 2**31 - 1)
                continue
            message = f"{name} is not a readable CSV ({_short(err)})."
            return None, _file_error(Code.BAD_CSV, name, message)
        return _csv_frame(table, short), None


def _arrow_records(source: Callable[[], Any], block: int) -> tuple[pa.Table, dict[int, str]]:
    """The records, and the short ones by number, read on every core; if a record has not the
    header's number of fields, read again on one thread, which numbers the records."""
    odd = _OddRecords(numbered=False)
    try:
        return _arrow_csv(source, odd, block), {}
    except pa.ArrowInvalid:
        if not odd.seen:
            raise
    odd = _OddRecords(numbered=True)
    try:
        return _arrow_csv(source, odd, block), odd.short
    except pa.ArrowInvalid:
        if odd.long is not None:
            raise _LongRecord(*odd.long) from None
        raise


def _arrow_csv(source: Callable[[], Any], odd: _OddRecords, block: int) -> pa.Table:
    """The records of the CSV as a table of large strings, as pyarrow streams it.

    The header is read first, alone, for the column names (every column is then declared text,
    so nothing is guessed); quoted fields may hold line breaks; blank lines are records.
    """
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=block, use_threads=not odd.numbered)
    header = pacsv.ParseOptions(
        newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=lambda row: "skip"
    )
    with source() as stream, pacsv.open_csv(stream, read_options=read, parse_options=header) as r:
        names = r.schema.names
    parse = pacsv.ParseOptions(
        newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=odd
    )
    convert = pacsv.ConvertOptions(
        column_types={n: pa.large_string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=False,  # checked already, with the byte in the message
    )
    with (
        source() as stream,
        pacsv.open_csv(
            stream, read_options=read, parse_options=parse, convert_options=convert
        ) as reader,
    ):
        return reader.read_all()


def _csv_frame(table: pa.Table, short: dict[int, str]) -> pd.DataFrame:
    """The table as a frame of ``str`` columns sharing its buffers, named as pandas names them
    (an empty header is ``Unnamed: <i>``, a repeated one gets ``.1``, ``.2``...), with the short
    records put back at their place, their missing cells empty."""
    names = _pandas_names(table.column_names)
    arrow_text = isinstance(_TEXT, pd.StringDtype) and _TEXT.storage == "pyarrow"
    mapper = {pa.large_string(): _TEXT}.get if arrow_text else None
    frame = table.rename_columns(names).to_pandas(types_mapper=mapper)
    if not short:
        return frame
    width = len(names)
    rows = []
    for record in short.values():
        fields = next(csv.reader(io.StringIO(record, newline="")), [])
        rows.append(fields + [""] * (width - len(fields)))
    extra = pd.DataFrame(rows, columns=names, dtype=_TEXT)
    at = np.fromiter(short, dtype=np.int64, count=len(short)) - 2  # record 2 is the first row
    others = np.ones(len(frame) + len(extra), dtype=bool)
    others[at] = False
    frame.index = np.flatnonzero(others)
    extra.index = at
    return pd.concat([frame, extra]).sort_index().reset_index(drop=True)


def _pandas_names(header: list[str]) -> list[str]:
    """The column names pandas' CSV reader gives a header (as the reader did before pyarrow):
    an empty name is ``Unnamed: <i>``; a repeated name gets ``.1``, ``.2``... skipping a name
    the header already has, the named columns first."""
    names = [name or f"Unnamed: {i}" for i, name in enumerate(header)]
    unnamed = [i for i, name in enumerate(header) if not name]
    counts: dict[str, int] = {}
    for i in [i for i in range(len(names)) if header[i]] + unnamed:
        name = given = names[i]
        count = counts.get(name, 0)
        while count > 0:
            counts[given] = count + 1
            name = f"{given}.{count}"
            count = count + 1 if name in names else counts.get(name, 0)
        names[i] = name
        counts[name] = count + 1
    return names


_RENAMED_DUPLICATE = re.compile(r"(.+?)[._](\d+)")
"""fastexcel and pandas rename a repeated header `hours` to `hours_1` / `hours.1`."""


def _raw_table(frame: pd.DataFrame, sheet: str, file: str, findings: list[Finding]) -> RawTable:
    """Normalize headers, keep contract columns, index rows by Excel row, drop blank rows.

    Two headers naming the same column (``Date`` and ``date``) are an error on the header row:
    which one holds the dates is not guessed; the first is read.
    """
    wanted = set(CONTRACTS[sheet].model.to_schema().columns)
    keep: dict[str, str] = {}
    for original in frame.columns:
        key = normalize_header(original)
        renamed = _RENAMED_DUPLICATE.fullmatch(str(original))
        if renamed and normalize_header(renamed.group(1)) in keep.values():
            key = normalize_header(renamed.group(1))  # the readers renamed `hours` to `hours_1`
        if key in wanted and key in keep.values():
            findings.append(
                Finding(Severity.ERROR, Code.DUPLICATE_COLUMN, file, sheet, 1, key, str(original),
                        f"two columns of '{sheet}' are named '{key}': keep one.")
            )  # fmt: skip
        elif key in wanted:
            keep[original] = key
    first = frame.attrs.get("header_row", 1) + 1
    out = frame[list(keep)].rename(columns=keep)
    out.index = pd.RangeIndex(first, first + len(out), name="row")
    if len(out.columns):
        filled = pd.concat([present(out[c]) for c in out.columns], axis=1).any(axis=1)
        if not filled.all():  # else a copy of the whole table for nothing
            out = out[filled]
    else:
        out = out.iloc[0:0]
    return RawTable(sheet, file, out)


def _find_entry(folder: Path, filename: str) -> Path | None:
    lower = filename.lower()
    for entry in sorted(folder.iterdir()):
        if entry.name.lower() == lower:
            return entry
    return None


def read_inputs(input_path: Path, mapping: str | None = None) -> ReadResult:
    """Read INPUT (a folder of workbooks/CSV files, or one workbook holding every sheet).

    ``mapping`` (``--mapping``): a built-in profile or a TOML mapping file through which the
    exports are read; without it, a ``prepaid-recon.toml`` in the INPUT folder applies, else
    none (see :mod:`prepaid_recon.read.mapped`). A mapping that is not valid is the one finding
    (``bad_mapping``): nothing is read through a mapping that is wrong.
    """
    if not input_path.exists():
        raise UsageError(f"INPUT {input_path} does not exist.")
    try:
        source = resolve_mapping(mapping, input_path)
    except MappingError as err:
        name = mapping if mapping is not None else MAPPING_FILE
        return ReadResult({}, [mapping_finding(err, Path(name).name)], {})
    if input_path.is_dir():
        return _read_folder(input_path, source)
    if source is not None:
        raise UsageError(
            f"a mapping reads a folder of exports: give the folder that holds {input_path.name}."
        )
    if input_path.suffix.lower() != ".xlsx":
        raise UsageError(f"INPUT {input_path} must be a folder or an .xlsx workbook.")
    return _read_single(input_path)


def _read_single(path: Path) -> ReadResult:
    name = _shown_name(path.name)
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
                        Code.MISSING_SHEET,
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
                _file_error(Code.MISSING_SHEET, name, f"the ledger sheet '{b}' is missing.", b)
            )


def _read_mapped(
    folder: Path,
    source: MappingSource,
    tables: dict[str, RawTable],
    findings: list[Finding],
    files: dict[str, Path],
) -> list[str]:
    """The sheets the mapping names, each read from the one file its pattern finds; returns
    those whose lines are named by text, resolved once every sheet is read."""
    side_tables: dict[str, pd.DataFrame] = {}
    for sheet, spec in source.mapping.sheets.items():
        for column in spec.columns.values():
            lookup = column.lookup
            if lookup is not None and lookup.file not in side_tables:
                got = _read_export(folder, lookup.file, lookup.sheet, sheet, findings, files)
                if got is not None:
                    side_tables[lookup.file] = got[0]
    for sheet, spec in source.mapping.sheets.items():
        got = _read_export(folder, spec.file, spec.sheet, sheet, findings, files)
        if got is None:
            continue
        frame, name, shown = got
        mapped = map_frame(frame, spec, sheet, name, shown, side_tables)
        findings.extend(mapped.findings)
        tables[sheet] = RawTable(sheet, name, mapped.frame, shown, mapped.sources, mapped.examples)
    return [s for s, spec in source.mapping.sheets.items() if _names_lines(spec)]


def _names_lines(spec: SheetMap) -> bool:
    line = spec.columns.get("line")
    return line is not None and line.line_by is not None


def _resolve_lines(tables: dict[str, RawTable], sheets: list[str], findings: list[Finding]) -> None:
    """Lines named by text (``line_by``) replaced by their number, once every sheet is read."""
    order_lines = tables.get("order_lines")
    products = tables.get("products")
    for sheet in sheets:
        if sheet not in tables:
            continue
        table = tables[sheet]
        shown = f"{table.sources.get('line', 'line')} → line"
        table.frame, found = resolve_line_names(
            table.frame,
            order_lines.frame if order_lines is not None else None,
            products.frame if products is not None else None,
            table.file,
            table.shown_sheet or sheet,
            shown,
        )
        findings.extend(found)


def _read_export(
    folder: Path,
    pattern: str,
    sheet_name: str,
    sheet: str,
    findings: list[Finding],
    files: dict[str, Path],
) -> tuple[pd.DataFrame, str, str] | None:
    """The one file of ``folder`` matching ``pattern``, read as it is: its frame (Excel rows as
    index, the user's headers), its name and the sheet shown in findings; None, with the
    finding why, when no file or several match or the file cannot be read."""
    matches = matching_files(folder, pattern)
    if not matches:
        findings.append(
            _file_error(
                Code.MISSING_FILE,
                pattern,
                f"no file matching '{pattern}' in the input folder (the mapping reads '{sheet}' "
                "from it).",
                sheet,
            )
        )
        return None
    if len(matches) > 1:
        names = ", ".join(m.name for m in matches)
        findings.append(
            _file_error(
                Code.AMBIGUOUS_SOURCE,
                matches[1].name,
                f"'{pattern}' matches {names}: keep one (the mapping reads '{sheet}' from it).",
                sheet,
            )
        )
        return None
    entry = matches[0]
    name = _shown_name(entry.name)
    files[entry.name] = entry
    suffix = entry.suffix.lower()
    if suffix == ".csv":
        raw, problem = _read_csv(entry, name)
        if problem is not None:
            findings.append(problem)
            return None
        assert raw is not None
        return with_excel_rows(raw), name, ""  # a CSV has no sheet: findings name the input's
    if suffix == ".xls":
        findings.append(
            _file_error(
                Code.PROTECTED_OR_XLS,
                name,
                f"{name} is an old .xls workbook: save it as .xlsx (Excel Workbook).",
            )
        )
        return None
    sheets, problem = _read_xlsx_sheets(entry, name, pick_sheet(sheet_name))
    if problem is not None:
        findings.append(problem)
        return None
    if FIRST_SHEET not in sheets:
        findings.append(
            _file_error(Code.MISSING_SHEET, name, f"{name} has no sheet '{sheet_name}'.", sheet)
        )
        return None
    frame = sheets[FIRST_SHEET]
    shown = str(frame.attrs.get("sheet_name", sheet_name))
    return with_excel_rows(frame), name, shown


def _read_folder(folder: Path, source: MappingSource | None = None) -> ReadResult:
    tables: dict[str, RawTable] = {}
    findings: list[Finding] = []
    files: dict[str, Path] = {}
    named_lines = _read_mapped(folder, source, tables, findings, files) if source else []
    mapped = set(source.mapping.sheets) if source is not None else set()
    by_file: dict[str, list] = {}
    for contract in SHEETS:
        if contract.sheet not in mapped:
            by_file.setdefault(contract.file, []).append(contract)
    for filename, contracts in by_file.items():
        entry = _find_entry(folder, filename)
        sheets: dict[str, pd.DataFrame] = {}
        if entry is not None and not entry.is_file():
            findings.append(
                _file_error(
                    Code.NOT_A_WORKBOOK, entry.name, f"{entry.name} is a folder, not a file."
                )
            )
            entry = None
        if entry is None:
            old = _find_entry(folder, filename.removesuffix(".xlsx") + ".xls")
            if old is not None and old.is_file():
                files[old.name] = old
                findings.append(
                    _file_error(
                        Code.PROTECTED_OR_XLS,
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
            if entry is not None and contract.sheet in sheets:
                if csv_entry is not None:
                    findings.append(
                        _file_error(
                            Code.AMBIGUOUS_SOURCE,
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
                raw, problem = _read_csv(csv_entry, csv_entry.name)
                if problem is None or problem.code != Code.OVERSIZED_CSV:
                    files[csv_entry.name] = csv_entry  # hashed; an oversized file is not read
                if problem:
                    findings.append(problem)
                    continue
                assert raw is not None  # _read_csv gives a frame or the finding why not
                tables[contract.sheet] = _raw_table(raw, contract.sheet, csv_entry.name, findings)
            elif contract.required and entry is not None:
                findings.append(
                    _file_error(
                        Code.MISSING_SHEET,
                        entry.name,
                        f"{entry.name} has no sheet '{contract.sheet}'.",
                        contract.sheet,
                    )
                )
            elif contract.required:
                findings.append(
                    _file_error(
                        Code.MISSING_FILE,
                        filename,
                        f"{filename} (or {contract.sheet}.csv) is missing from the input folder.",
                        contract.sheet,
                    )
                )
    _resolve_lines(tables, named_lines, findings)
    _require_pairs(tables, findings, "invoices.xlsx")
    return ReadResult(tables, findings, files, source)

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from prepaid_recon.contract.inputs import CONTRACTS, SHEETS, normalize_header
from prepaid_recon.errors import UsageError
from prepaid_recon.findings import Code, Finding, Severity
from prepaid_recon.read.cells import EXCEL_ERRORS, present
from prepaid_recon.read.guard import file_error as _file_error
from prepaid_recon.read.guard import inspect_workbook

if TYPE_CHECKING:
    import fastexcel  # annotations only: it is imported when a workbook is opened


@dataclass
class RawTable:
    """One input sheet as read: raw cells, Excel row numbers as index, where it came from."""

    sheet: str
    file: str
    frame: pd.DataFrame


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
                # A column mixing duration cells ([h]:mm) with dates or text has no Arrow type:
                # read the sheet as text, which the cell parsers read as well.
                sheet = reader.load_sheet(sheet_name, schema_sample_rows=None, dtypes="string")
            sheets[key] = _sheet_frame(sheet) if sheet.width else pd.DataFrame()
            sheets[key].attrs["header_row"] = header_rows.get(sheet_name, 1)
    except Exception as err:
        return {}, _file_error(
            Code.CORRUPT_WORKBOOK, name, f"{name} cannot be read as a workbook ({_short(err)})."
        )
    return sheets, None


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


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]


def _read_csv(path: Path, name: str) -> tuple[pd.DataFrame | None, Finding | None]:
    """A CSV table: UTF-8 (BOM allowed), comma-separated, header on the first line."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return None, _file_error(
            Code.UNREADABLE_FILE, name, f"{name} cannot be read: {err.strerror}."
        )
    if b"\x00" in data:
        return None, _file_error(
            Code.NOT_UTF8_CSV, name, f"{name} contains NUL bytes: it is not a UTF-8 text CSV file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return None, _file_error(
            Code.NOT_UTF8_CSV,
            name,
            f"{name} is not UTF-8 text (byte {err.start + 1}): export it as CSV UTF-8.",
        )
    del data
    if not text.strip():
        return None, _file_error(Code.EMPTY_CSV, name, f"{name} is empty: it needs a header line.")
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
            Code.BAD_CSV, name, f"{name}: a row has more fields than the header line has names."
        )
    except (pd.errors.ParserError, ValueError) as err:
        return None, _file_error(
            Code.BAD_CSV, name, f"{name} is not a readable CSV ({_short(err)})."
        )
    return frame, None


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
                files[csv_entry.name] = csv_entry
                raw, problem = _read_csv(csv_entry, csv_entry.name)
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
    _require_pairs(tables, findings, "invoices.xlsx")
    return ReadResult(tables, findings, files)

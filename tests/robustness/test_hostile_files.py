"""Malicious or broken input files (issue 6, CONTRACT section 4): each one is a clear finding
naming the file (exit 1) or a could-not-run message (exit 2), never a traceback, a hang or an
exhausted memory.

The files that could cost time or memory (bomb, entities, huge ranges) are run through the
installed command in a child process limited to 1 GiB of address space and 60 s
(``hostile_files.run_bounded``), and each asserts a tighter bound on what it took.  The others
run in-process through click's runner.

Already covered in ``tests/io/test_reader.py`` (finding codes, in-process; not repeated here):
text/CSV content in an .xlsx, a corrupt or truncated zip, a zip that is not a workbook, broken
workbook parts, an OLE header inside the folder and as the single INPUT workbook, a file
named ``.xls``, a highly compressed 11 MB entry, ``MAX_UNPACKED_BYTES``, a UTF-8 BOM CSV read
correctly, a cp1252 CSV, an empty CSV.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from hostile_files import (
    LAUGHS,
    assert_clean_failure,
    invoke,
    run_bounded,
    write_raw_workbook,
    write_zip_bomb,
)

from builders import write_csv, write_inputs
from prepaid_recon.read import guard
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

HEADER = b"".join(
    b'<c r="%s1" t="s"><v>%d</v></c>' % (col, i) for i, col in enumerate([b"A", b"B", b"C", b"D"])
)
STRINGS = [b"date", b"employee", b"ticket", b"hours", b"Ana", b"T1"]
ROW2 = (
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>2026-10-02</t></is></c>'
    b'<c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c><c r="D2"><v>1.5</v></c></row>'
)


@pytest.fixture
def folder(tmp_path, inputs):
    """A clean input folder; each test replaces timesheets.xlsx with its bad file."""
    return write_inputs(tmp_path / "in", inputs)


def _refused_unread(folder, code: str, name: str = "timesheets.xlsx"):
    """Validate in a bounded child process (1 GiB of address space; a timeout only a hang
    reaches): exit 1, the finding's message names the file."""
    ran = run_bounded("validate", folder)
    assert_clean_failure(ran.stderr, ran.code, 1, name)
    findings = validate(read_inputs(folder), None).findings
    assert (findings["code"] == code).any(), findings
    assert set(findings.loc[findings["code"] == code, "file"]) == {name}
    return ran


def test_zip_bomb_is_refused_by_its_declared_sizes_without_inflating(folder):
    """A 3 MB timesheets.xlsx whose sheet XML inflates to 3 GiB (ratio 1000:1).

    Bound: refused as ``oversized_workbook`` inside a 1 GiB address space, by the
    sizes of the zip's central directory: nothing is inflated (building it takes ~0.5 s).
    """
    bomb = write_zip_bomb(folder / "timesheets.xlsx")
    assert bomb.stat().st_size < 4 << 20
    ran = _refused_unread(folder, "oversized_workbook")
    assert "MB when opened" in ran.stderr


def test_entity_expansion_in_sheet_xml_is_refused(folder):
    """A "billion laughs" DOCTYPE in the sheet XML, used in a cell (3 GB if expanded).

    Bound: ``unsafe_workbook`` within 1 GiB.  (calamine itself does not expand
    entities, it fails on them; the reader refuses any DOCTYPE first, with a clear message.)
    """
    cell = b'<row r="3"><c r="A3" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2 + cell
    write_raw_workbook(folder / "timesheets.xlsx", "timesheets", rows, STRINGS, prolog=LAUGHS)
    ran = _refused_unread(folder, "unsafe_workbook")
    assert "xl/worksheets/sheet1.xml" in ran.stderr


def test_entity_expansion_in_shared_strings_is_refused(folder):
    """A "billion laughs" DOCTYPE in sharedStrings.xml, its entity in a shared string.

    Bound: ``unsafe_workbook`` within 1 GiB.
    """
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2
    strings = [*STRINGS[:4], b"&lol9;", b"T1"]
    path = folder / "timesheets.xlsx"
    write_raw_workbook(path, "timesheets", rows, strings, sst_prolog=LAUGHS)
    ran = _refused_unread(folder, "unsafe_workbook")
    assert "xl/sharedStrings.xml" in ran.stderr


def test_sheet_16384_columns_wide_is_refused_before_reading(folder, inputs):
    """timesheets used up to column XFD (Excel's last) by one stray cell in XFD1.

    Bound: ``oversized_sheet`` within 1 GiB.  Read, each row would cost 16,384
    cells and 16,384 columns to convert (1.3 s and 350 MB for only 200 rows), so a sheet used
    past ``MAX_SHEET_COLUMNS`` (1,024) is refused with a message saying where it is used.
    """
    path = folder / "timesheets.xlsx"
    book = openpyxl.load_workbook(path)
    book["timesheets"].cell(row=1, column=16_384, value="note")
    book.save(path)
    ran = _refused_unread(folder, "oversized_sheet")
    assert "column XFD (16,384 columns)" in ran.stderr


def test_a_stray_cell_in_the_last_row_and_column_is_refused_not_allocated(folder):
    """A 2 kB sheet with cells in A1 and XFD1048576: 17 billion cells if allocated.

    calamine allocates the whole range (32 bytes a cell, 550 GB here): the process would
    abort from Rust, a crash no ``except`` catches.  Bound: ``oversized_sheet``
    within 1 GiB.
    """
    far = b'<row r="1048576"><c r="XFD1048576" t="s"><v>4</v></c></row>'
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2 + far
    write_raw_workbook(folder / "timesheets.xlsx", "timesheets", rows, STRINGS)
    _refused_unread(folder, "oversized_sheet")


def test_a_cell_past_excels_last_row_is_refused(folder):
    """A cell in row 99,999,999 (no such row in Excel): 3.2 GB if allocated.

    Bound: ``oversized_sheet`` within 1 GiB.
    """
    far = b'<row r="99999999"><c r="A99999999" t="s"><v>4</v></c></row>'
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2 + far
    write_raw_workbook(folder / "timesheets.xlsx", "timesheets", rows, STRINGS)
    ran = _refused_unread(folder, "oversized_sheet")
    assert "past Excel's last row" in ran.stderr


def test_cells_written_without_references_are_still_read(folder):
    """Some writers omit the ``r="B2"`` of cells: the exact walk places them as calamine does
    and a normal sheet written so is read, not refused (in-process, 2 rows)."""
    plain = b"".join(b'<c t="s"><v>%d</v></c>' % i for i in range(4))
    row = b'<row><c t="inlineStr"><is><t>2026-10-02</t></is></c><c t="s"><v>4</v></c>'
    row += b'<c t="s"><v>5</v></c><c><v>1.5</v></c></row>'
    write_raw_workbook(
        folder / "timesheets.xlsx", "timesheets", b"<row>" + plain + b"</row>" + row, STRINGS
    )
    result = validate(read_inputs(folder), None)
    assert result.findings.empty, result.findings
    assert list(result.inputs.timesheets["hours"]) == [1.5]


def test_a_wide_sheet_within_the_limits_is_read(folder):
    """The limits refuse only what they must: a sheet used to column AZ (52 columns) is read
    (in-process, small)."""
    path = folder / "timesheets.xlsx"
    book = openpyxl.load_workbook(path)
    book["timesheets"].cell(row=1, column=52, value="note")
    book.save(path)
    assert validate(read_inputs(folder), None).findings.empty


def test_csv_with_a_nul_byte_is_a_finding_naming_the_file(folder, inputs):
    """timesheets.csv with a NUL byte inside a field (a binary file renamed .csv).

    Bound: read whole once (the CSV's size) and refused before parsing; exit 1.
    """
    (folder / "timesheets.xlsx").unlink()
    data = b"date,employee,ticket,hours\n2026-10-02,A\x00na,T1,1\n"
    (folder / "timesheets.csv").write_bytes(data)
    result = invoke("validate", folder)
    assert_clean_failure(result.output, result.exit_code, 1, "timesheets.csv", "NUL")


def test_utf8_csv_with_a_bom_is_accepted(folder, inputs):
    """A UTF-8 CSV starting with a byte-order mark (Excel's "CSV UTF-8"): exit 0, no finding."""
    (folder / "timesheets.xlsx").unlink()
    rows = [{**r, "date": r["date"].isoformat(), "employee": "José"} for r in inputs["timesheets"]]
    write_csv(folder / "timesheets.csv", rows, bom=True)
    assert (folder / "timesheets.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    result = invoke("validate", folder)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_latin1_csv_is_a_finding_naming_the_file(folder, inputs):
    """A Latin-1 CSV ("José" as byte 0xE9): exit 1, ``not_utf8_csv`` naming the file and the
    byte, and asking for CSV UTF-8."""
    (folder / "timesheets.xlsx").unlink()
    text = "date,employee,ticket,hours\n2026-10-02,José,T1,1\n"
    (folder / "timesheets.csv").write_bytes(text.encode("latin-1"))
    result = invoke("validate", folder)
    assert_clean_failure(result.output, result.exit_code, 1, "timesheets.csv", "UTF-8")


def _ole_file() -> bytes:
    """An OLE2 compound file header: what both a password-protected .xlsx and a .xls are."""
    return guard._OLE_MAGIC + b"\x3e\x00\x03\x00\xfe\xff" + b"\x00" * 498


def test_password_protected_workbook_is_a_finding_naming_the_file(folder):
    """Excel saves a workbook with a password to open as an encrypted OLE container: exit 1,
    ``protected_or_xls``, asking to remove the password.  Bound: 8 bytes read."""
    (folder / "orders.xlsx").write_bytes(_ole_file())
    result = invoke("validate", folder)
    assert_clean_failure(result.output, result.exit_code, 1, "orders.xlsx", "password")


def test_xls_renamed_xlsx_is_a_finding_naming_the_file(folder):
    """An old .xls workbook renamed .xlsx (OLE content under the new name): exit 1, asking to
    save it as .xlsx.  Bound: 8 bytes read."""
    (folder / "teams.xlsx").write_bytes(_ole_file())
    result = invoke("validate", folder)
    assert_clean_failure(result.output, result.exit_code, 1, "teams.xlsx", ".xls")


def test_empty_file_is_a_finding_naming_the_file(folder):
    """An empty tickets.xlsx (0 bytes): exit 1, ``not_a_workbook``.  Bound: 8 bytes read."""
    (folder / "tickets.xlsx").write_bytes(b"")
    result = invoke("validate", folder)
    assert_clean_failure(result.output, result.exit_code, 1, "tickets.xlsx", "empty")


def test_empty_single_workbook_input_is_a_finding_naming_the_file(tmp_path):
    """INPUT given as one empty .xlsx file: exit 1, the finding names it."""
    (tmp_path / "all.xlsx").write_bytes(b"")
    result = invoke("run", tmp_path / "all.xlsx", "--period", "2026-10", "--out", tmp_path / "o")
    assert_clean_failure(result.output, result.exit_code, 1, "all.xlsx")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["exceptions.xlsx", "run.json"]


def test_folder_named_like_a_workbook_is_a_finding_naming_it(folder):
    """A folder named timesheets.xlsx where the workbook should be: exit 1, ``not_a_workbook``
    ("is a folder"), the rest of the input still checked."""
    (folder / "timesheets.xlsx").unlink()
    (folder / "timesheets.xlsx").mkdir()
    result = invoke("validate", folder)
    assert_clean_failure(result.output, result.exit_code, 1, "timesheets.xlsx", "folder")


def test_a_zip_that_lies_about_its_sizes_is_corrupt_not_inflated(folder):
    """A sheet entry that declares 1 kB in the central directory but inflates to 64 MB: the
    size scan stops at the declared size and reports the file corrupt.  In-process, < 1 s."""
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        from hostile_files import _parts

        for name, data in _parts("timesheets", rows, STRINGS).items():
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b" " * (64 << 20) + b"</sheetData>")
            archive.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    # Patch the uncompressed size of the sheet entry in its local and central headers.
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    raw = bytearray(bytes(raw).replace(real, (1024).to_bytes(4, "little")))
    (folder / "timesheets.xlsx").write_bytes(bytes(raw))
    findings = validate(read_inputs(folder), None).findings
    assert set(findings["code"]) == {"corrupt_workbook"}, findings
    assert set(findings["file"]) == {"timesheets.xlsx"}

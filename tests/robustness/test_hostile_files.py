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
import os
import zipfile

import openpyxl
import pytest
from hostile_files import (
    LAUGHS,
    assert_clean_failure,
    invoke,
    renamed_sheet,
    run_bounded,
    unicode_path_entry,
    workbook_parts,
    write_parts,
    write_raw_workbook,
    write_zip_bomb,
)

from builders import write_book, write_csv, write_inputs
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


# --------------------------------------------------------------------------------------------
# Shared strings: counts calamine allocates for, indices it misreads (attack campaign, item 6)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "declared",
    [
        b'uniqueCount="4294967295"',  # Vec::reserve of 4G strings (96 GiB): Rust abort, exit 134
        b'uniqueCount="9223372036854775807"',  # capacity overflow: a PanicException traceback
        b'uniqueCount="0004294967295"',  # calamine skips leading zeros
        b"uniqueCount='4294967295'",  # and reads single quotes
    ],
    ids=["2^32-1", "2^63-1", "leading_zeros", "single_quotes"],
)
def test_a_shared_string_table_declaring_more_strings_than_it_holds_is_refused(folder, declared):
    """A 2.5 kB timesheets.xlsx whose ``xl/sharedStrings.xml`` declares billions of strings.

    calamine reserves room for every declared string before reading one.  Bound:
    ``corrupt_workbook`` within 1 GiB, the message naming the table and what it declares;
    a table of N bytes may declare at most N / 5 strings (``<si/>``).
    """
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2
    parts = workbook_parts("timesheets", rows, STRINGS)
    sst = parts["xl/sharedStrings.xml"]
    parts["xl/sharedStrings.xml"] = sst.replace(b'uniqueCount="6"', declared)
    path = write_parts(folder / "timesheets.xlsx", parts)
    assert path.stat().st_size < 4096
    ran = _refused_unread(folder, "corrupt_workbook")
    assert "xl/sharedStrings.xml" in ran.stderr
    assert "strings but its" in ran.stderr


def test_a_wrong_total_count_of_shared_strings_is_not_refused(folder):
    """``count`` (references to the table) is not read by calamine: a wrong one is harmless
    and the file reads normally (in-process)."""
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2
    parts = workbook_parts("timesheets", rows, STRINGS)
    sst = parts["xl/sharedStrings.xml"]
    parts["xl/sharedStrings.xml"] = sst.replace(b'count="6" ', b'count="9223372036854775807" ')
    write_parts(folder / "timesheets.xlsx", parts)
    result = validate(read_inputs(folder), None)
    assert result.findings.empty, result.findings
    assert list(result.inputs.timesheets["employee"]) == ["Ana"]


# --------------------------------------------------------------------------------------------
# Sheet parts reached as calamine reaches them (attack campaign, item 7)
# --------------------------------------------------------------------------------------------

FAR = b'<row r="1048576"><c r="XFD1048576" t="s"><v>4</v></c></row>'


def _far_sheet() -> dict:
    return workbook_parts("timesheets", b'<row r="1">' + HEADER + b"</row>" + ROW2 + FAR, STRINGS)


def _other_workbook_folder(parts: dict) -> dict:
    """The package relationships point calamine at a second workbook in ``other/`` (holding
    the far cell) while ``xl/`` holds a clean one."""
    clean = workbook_parts("timesheets", b'<row r="1">' + HEADER + b"</row>" + ROW2, STRINGS)
    moved = {k.replace("xl/", "other/", 1): v for k, v in parts.items() if k.startswith("xl/")}
    package = parts["_rels/.rels"].replace(
        b'Target="xl/workbook.xml"', b'Target="other/workbook.xml"'
    )
    return {**clean, **moved, "_rels/.rels": package}


SHEET = "xl/worksheets/sheet1.xml"
SPELLINGS = {
    # relationship target, zip entry holding the sheet
    "target_in_other_case": ("Worksheets/Sheet1.XML", SHEET),
    "absolute_target_in_other_case": ("/XL/Worksheets/sheet1.xml", SHEET),
    "entry_in_upper_case": ("worksheets/sheet1.xml", "XL/WORKSHEETS/SHEET1.XML"),
    "entry_with_backslashes": ("worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"),
    "entry_named_by_unicode_path_field": ("worksheets/sheet1.xml", None),  # x.bin, see below
}


@pytest.mark.parametrize("spelling", [*sorted(SPELLINGS), "workbook_in_another_folder"])
def test_a_sheet_part_reached_by_another_spelling_is_still_checked(folder, spelling):
    """The far cell ``XFD1048576`` (550 GB if allocated) in a sheet part that calamine reaches
    although its name is not spelt as the relationship says: case, ``\\``, an Info-ZIP Unicode
    path, or a workbook in another folder named by ``_rels/.rels``.  The guard looked parts
    up by their exact name and skipped it.  Bound: ``oversized_sheet`` within 1 GiB."""
    if spelling == "workbook_in_another_folder":
        parts = _other_workbook_folder(_far_sheet())
    else:
        target, entry = SPELLINGS[spelling]
        entry = entry or unicode_path_entry("xl/worksheets/x.bin", SHEET)
        parts = renamed_sheet(_far_sheet(), target, entry)
    write_parts(folder / "timesheets.xlsx", parts)
    _refused_unread(folder, "oversized_sheet")


@pytest.mark.parametrize(
    "spelling",
    [
        ("./worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("../xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("./worksheets/sheet1.xml", "xl/./worksheets/sheet1.xml"),
        ("../xl/worksheets/sheet1.xml", "xl/../xl/worksheets/sheet1.xml"),
    ],
    ids=["dot_target", "dotdot_target", "dot_target_and_entry", "dotdot_target_and_entry"],
)
def test_dot_segments_in_a_target_are_read_literally_as_calamine_does(folder, spelling):
    """calamine 0.36 does not resolve ``./`` or ``../``: such a target reaches only an entry
    named so (then the guard checks it), else calamine finds no sheet.  Either way a finding,
    within 1 GiB: ``oversized_sheet`` or ``corrupt_workbook``."""
    target, entry = spelling
    write_parts(folder / "timesheets.xlsx", renamed_sheet(_far_sheet(), target, entry))
    ran = run_bounded("validate", folder)
    assert_clean_failure(ran.stderr, ran.code, 1, "timesheets.xlsx")
    codes = set(validate(read_inputs(folder), None).findings["code"])
    assert codes & {"oversized_sheet", "corrupt_workbook"}, codes


CELL_SPELLINGS = {
    "lower_case_reference": b'<row r="3"><c r="xfd1048576"><v>1</v></c></row>',
    "single_quotes": b"<row r='3'><c r='XFD1048576'><v>1</v></c></row>",
    "spaces_around_equals": b'<row r="3"><c r = "XFD1048576"><v>1</v></c></row>',
    "reference_repeated": b'<row r="3"><c r="A3" r="XFD1048576"><v>1</v></c></row>',
    "gt_in_an_attribute": b'<row r="3"><c a=">" r="XFD1048576"><v>1</v></c></row>',
    "row_number_in_lower_case": b'<row r="x1048577"><c><v>1</v></c></row>',
    "row_number_in_single_quotes": b"<row r='1048577'><c><v>1</v></c></row>",
}


@pytest.mark.parametrize("spelling", sorted(CELL_SPELLINGS))
def test_a_far_cell_written_another_way_is_refused(folder, spelling):
    """A far cell spelt as quick-xml and calamine accept it, which the guard's searches
    missed: a lower-case reference, single quotes, spaces around ``=``, a repeated ``r``
    (calamine keeps the last), a ``>`` inside a quoted value, a row number that places the
    cells after it.  Bound: ``oversized_sheet`` within 1 GiB."""
    rows = b'<row r="1">' + HEADER + b"</row>" + ROW2 + CELL_SPELLINGS[spelling]
    write_raw_workbook(folder / "timesheets.xlsx", "timesheets", rows, STRINGS)
    _refused_unread(folder, "oversized_sheet")


# --------------------------------------------------------------------------------------------
# An INPUT folder named in another encoding (attack campaign, item 12)
# --------------------------------------------------------------------------------------------


def test_an_input_folder_whose_name_is_not_utf8_is_read(tmp_path, inputs):
    """INPUT named ``in\\xff`` (Latin-1 bytes, not UTF-8): fastexcel takes only UTF-8 paths, so
    every workbook was reported corrupt.  The command runs and writes its reports (exit 0)."""
    folder = write_inputs(tmp_path / os.fsdecode(b"in\xff"), inputs)
    out = tmp_path / "out"
    ran = run_bounded("run", folder, "--period", "2026-10", "--out", out, "-q")
    assert ran.code == 0, ran.stderr
    assert (out / "tasks.xlsx").is_file()


def test_a_single_workbook_whose_name_is_not_utf8_is_named_in_its_findings(tmp_path, inputs):
    """INPUT is one workbook named ``all\\xff.xlsx`` holding only ``teams``: the findings name
    it as the text ``all\\xff.xlsx``, printed without an encoding error and written to
    exceptions.xlsx (exit 1)."""
    path = write_book(tmp_path / os.fsdecode(b"all\xff.xlsx"), {"teams": inputs["teams"]})
    out = tmp_path / "out"
    ran = run_bounded("run", path, "--period", "2026-10", "--out", out)
    assert_clean_failure(ran.stderr, ran.code, 1, "all\\xff.xlsx")
    rows = list(openpyxl.load_workbook(out / "exceptions.xlsx").active.iter_rows(values_only=True))
    files = {row[rows[0].index("file")] for row in rows[1:]}
    assert files == {"all\\xff.xlsx"}, files

"""What calamine reads, read as calamine reads it (attack campaign, items 6 and 7; in-process).

calamine resolves parts and parses XML its own way (see ``prepaid_recon.read.guard``): these
hand-made workbooks check that what the guard judges is what calamine then reads -- the
shared-string indices of the cells, a part reached by a relationship spelt in another case --
and that nothing the native reader raises, even a Rust panic, escapes as a traceback.  The
ones that would crash the process are run under a memory limit in ``test_hostile_files.py``.
"""

from __future__ import annotations

import pytest
from hostile_files import renamed_sheet, workbook_parts, write_parts

from builders import where, write_inputs
from prepaid_recon.contract.inputs import SHEETS
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate


def findings_of(path):
    return validate(read_inputs(path), None).findings


def file_findings(findings, file: str) -> set[str]:
    f = findings[(findings["file"] == file) & findings["row"].isna()]
    return set(f["code"])


STRINGS = [b"date", b"employee", b"ticket", b"hours", b"Ana", b"T1"]


def _header(row: int) -> bytes:
    """The header row (date, employee, ticket, hours: strings #0 to #3) on Excel row ``row``."""
    cells = b"".join(
        b'<c r="%s%d" t="s"><v>%d</v></c>' % (c, row, i)
        for i, c in enumerate([b"A", b"B", b"C", b"D"])
    )
    return b'<row r="%d">%s</row>' % (row, cells)


HEADER = _header(1)
ANA = b'<c r="B2" t="s"><v>4</v></c>'


def _timesheets(folder, employee: bytes = ANA, **edit):
    """timesheets.xlsx written by hand: one row, its employee cell ``employee`` (string #4,
    "Ana", by default); ``edit`` replaces parts (see ``hostile_files.workbook_parts``)."""
    row = (
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>2026-10-02</t></is></c>'
        + employee
        + b'<c r="C2" t="s"><v>5</v></c><c r="D2"><v>1.5</v></c></row>'
    )
    parts = workbook_parts("timesheets", HEADER + row, STRINGS)
    for name, change in edit.items():
        parts[name] = change(parts[name])
    return write_parts(folder / "timesheets.xlsx", parts)


BAD_CELLS = {
    "minus_one": b'<c r="B2" t="s"><v>-1</v></c>',  # calamine reads string #0 ("date")
    "letters": b'<c r="B2" t="s"><v>abc</v></c>',  # string #0 too
    "space": b'<c r="B2" t="s"><v> 4</v></c>',  # a space: string #0
    "past_the_end": b'<c r="B2" t="s"><v>6</v></c>',  # one past the last string
    "past_64_bits": b'<c r="B2" t="s"><v>99999999999999999999999</v></c>',  # string #0
    "single_quotes": b"<c r='B2' t='s'><v>-1</v></c>",  # spelt otherwise: walked, not searched
    "prefixed_value": b'<c r="B2" t="s"><x:v>-1</x:v></c>',
    "second_value": b'<c r="B2" t="s"><v>4</v><v>-1</v></c>',  # calamine keeps the last
}


@pytest.mark.parametrize("case", sorted(BAD_CELLS))
def test_a_shared_string_index_that_is_not_a_string_of_the_table_is_a_finding(
    tmp_path, inputs, case
):
    """A shared-string cell whose value is not the number of one of the table's strings: the
    file is ``corrupt_workbook`` naming the cell and what it gives, never read as string #0."""
    write_inputs(tmp_path, inputs)
    _timesheets(tmp_path, BAD_CELLS[case])
    findings = findings_of(tmp_path)
    assert file_findings(findings, "timesheets.xlsx") == {"corrupt_workbook"}
    [message] = findings.loc[findings["code"] == "corrupt_workbook", "message"]
    assert "cell B2 of sheet 'timesheets'" in message
    assert "0 to 5" in message


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="B2" t="s"><v>04</v></c>',  # leading zeros: still string #4
        b'<c r="B2" t="s"><v><!-- a comment -->-1</v></c>',  # no text first: an empty cell
        b'<c r="B2" s="0" t="s"><v>4</v></c>',
    ],
    ids=["leading_zero", "comment_first", "styled"],
)
def test_shared_string_cells_calamine_reads_rightly_are_read(tmp_path, inputs, cell):
    write_inputs(tmp_path, inputs)
    _timesheets(tmp_path, cell)
    read = read_inputs(tmp_path)
    assert read.findings == []
    assert list(read.tables["timesheets"].frame["employee"].fillna("")) in (["Ana"], [""])


def test_a_panic_of_the_native_reader_is_a_finding_not_a_traceback(tmp_path, inputs, monkeypatch):
    """The last line of defence: with the guard switched off, a table declaring 2^63-1 strings
    makes calamine panic (``PanicException``, a ``BaseException``): ``corrupt_workbook``."""
    from prepaid_recon.read import tables

    write_inputs(tmp_path, inputs)
    huge = b'uniqueCount="9223372036854775807"'
    _timesheets(tmp_path, **{"xl/sharedStrings.xml": lambda x: x.replace(b'uniqueCount="6"', huge)})
    monkeypatch.setattr(tables, "inspect_workbook", lambda path, name: (None, {}))
    findings = findings_of(tmp_path)
    assert file_findings(findings, "timesheets.xlsx") == {"corrupt_workbook"}
    assert "capacity overflow" in " ".join(findings["message"])


def test_a_failure_of_the_guard_itself_refuses_the_file(tmp_path, inputs, monkeypatch):
    from prepaid_recon.read import tables

    def broken(path, name):
        raise RuntimeError("guard bug")

    write_inputs(tmp_path, inputs)
    monkeypatch.setattr(tables, "inspect_workbook", broken)
    codes = {file_findings(findings_of(tmp_path), c.file).pop() for c in SHEETS if c.required}
    assert codes == {"corrupt_workbook"}


def test_a_sheet_reached_by_a_target_in_another_case_keeps_its_excel_row_numbers(tmp_path, inputs):
    """The relationship names ``Worksheets/Sheet1.XML`` (calamine ignores case) and the sheet
    starts with two blank rows: the header is found on row 3 and a bad cell on row 4 is
    reported there (the guard used to miss the part and take row 1 as the header)."""
    write_inputs(tmp_path, inputs)
    rels = "xl/_rels/workbook.xml.rels"
    row = (
        b'<row r="4"><c r="A4" t="inlineStr"><is><t>2026-10-02</t></is></c>'
        + ANA.replace(b"B2", b"B4")
        + b'<c r="C4" t="s"><v>5</v></c><c r="D4" t="inlineStr"><is><t>abc</t></is></c></row>'
    )  # fmt: skip
    parts = workbook_parts("timesheets", _header(3) + row, STRINGS)
    parts = renamed_sheet(parts, "Worksheets/Sheet1.XML", "xl/worksheets/sheet1.xml")
    assert b"Worksheets/Sheet1.XML" in parts[rels]
    write_parts(tmp_path / "timesheets.xlsx", parts)
    assert where(findings_of(tmp_path)) == {("timesheets", 4, "hours")}


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="B2" t="s"><v>4<x/></v></c>',
        b'<c r="B2" t="s"><v>4</row><row></v></c>',  # calamine reads past </row> inside <v>
        b"<c r='B2' t='inlineStr'><is><t>Ana</is><c r='Z9'/></t></is></c>",
    ],
    ids=["tag_in_value", "row_end_in_value", "cell_in_inline_text"],
)
def test_markup_where_calamine_reads_a_value_is_refused_not_guessed(tmp_path, inputs, cell):
    """Inside ``<v>``, ``<f>`` or an inline string's ``<t>`` calamine reads on to the end tag,
    skipping any markup: in a sheet walked tag by tag, a cell or row tag there would be placed
    differently by the guard and by calamine, so the file is ``corrupt_workbook`` instead.
    (A sheet whose cells are all written the usual way is placed by their references alone.)"""
    write_inputs(tmp_path, inputs)
    _timesheets(tmp_path, cell)
    findings = findings_of(tmp_path)
    assert file_findings(findings, "timesheets.xlsx") == {"corrupt_workbook"}
    assert "holds markup where calamine reads its value" in " ".join(findings["message"])


def test_xml_longer_than_the_limit_where_it_must_be_walked_is_refused(
    tmp_path, inputs, monkeypatch
):
    """A comment longer than ``MAX_TOKEN_BYTES`` in a sheet that must be walked tag by tag (its
    cells spelt with single quotes): refused, not buffered (limits lowered to keep it small)."""
    from prepaid_recon.read import guard

    monkeypatch.setattr(guard, "MAX_TOKEN_BYTES", 4096)
    monkeypatch.setattr(guard, "_SCAN_CHUNK", 1024)
    write_inputs(tmp_path, inputs)
    cell = b"<!--" + b"x" * 20_000 + b"--><c r='B2' t='s'><v>4</v></c>"
    _timesheets(tmp_path, cell)
    findings = findings_of(tmp_path)
    assert file_findings(findings, "timesheets.xlsx") == {"corrupt_workbook"}
    assert "longer than" in " ".join(findings["message"])


def test_when_the_sheets_cannot_be_resolved_every_part_with_cells_is_checked(tmp_path, inputs):
    """The package relationships name no workbook (calamine would fail, but the guard does not
    rely on it): every part holding ``sheetData`` is checked, and a far cell in any is refused."""
    write_inputs(tmp_path, inputs)
    far = b'<row r="3"><c r="XFD3"><v>1</v></c></row>'
    _timesheets(
        tmp_path,
        ANA + b"</row>" + far + b'<row r="2">',
        **{"_rels/.rels": lambda rels: rels.replace(b"/officeDocument", b"/other")},
    )
    assert file_findings(findings_of(tmp_path), "timesheets.xlsx") == {"oversized_sheet"}

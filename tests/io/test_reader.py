"""Reading INPUT (CONTRACT section 2): layouts, headers, rows, formulas, and files that are bad.

A bad file is a finding naming the file, with no row: never an exception.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import xlsxwriter

from builders import check, clean_inputs, where, write_book, write_csv, write_inputs
from prepaid_recon.contract.inputs import SHEETS, normalize_header
from prepaid_recon.read import guard
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

REQUIRED = {c.sheet for c in SHEETS if c.required}


def findings_of(path):
    """Every finding of validating ``path`` (no period: no cut-off checks)."""
    return validate(read_inputs(path), None).findings


def file_findings(findings, file: str) -> set[str]:
    """Codes of the file-level findings (no row) about ``file``."""
    f = findings[(findings["file"] == file) & findings["row"].isna()]
    return set(f["code"])


# --------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------


def test_folder_input_reads_every_sheet_from_its_workbook(tmp_path, inputs):
    read = read_inputs(write_inputs(tmp_path, inputs))
    assert read.findings == []
    assert read.tables.keys() >= REQUIRED
    assert read.tables["order_lines"].file == "orders.xlsx"
    assert read.tables["timesheets"].file == "timesheets.xlsx"
    assert list(read.tables["timesheets"].frame.index) == [2, 3]
    assert set(read.files) == {c.file for c in SHEETS if c.required}
    assert validate(read, None).findings.empty


def test_single_workbook_input_holds_every_sheet(tmp_path, inputs):
    path = write_inputs(tmp_path, inputs, layout="single")
    read = read_inputs(path)
    assert read.findings == []
    assert read.tables.keys() >= REQUIRED
    assert {t.file for t in read.tables.values()} == {"all_inputs.xlsx"}
    assert validate(read, None).findings.empty


def test_single_workbook_missing_a_sheet_is_a_finding_naming_the_sheet(tmp_path, inputs):
    del inputs["tickets"]
    findings = findings_of(write_inputs(tmp_path, inputs, layout="single"))
    assert where(findings, "missing_sheet") == {("tickets", None, "")}
    assert set(findings["file"]) == {"all_inputs.xlsx"}


def test_input_file_names_match_case_insensitively(tmp_path, inputs):
    write_inputs(tmp_path, inputs)
    (tmp_path / "timesheets.xlsx").rename(tmp_path / "TimeSheets.XLSX")
    read = read_inputs(tmp_path)
    assert read.tables["timesheets"].file == "TimeSheets.XLSX"
    assert validate(read, None).findings.empty


def test_csv_input_per_sheet_utf8_with_bom(tmp_path, inputs):
    timesheets = inputs.pop("timesheets")
    write_inputs(tmp_path, inputs)
    rows = [{**r, "date": r["date"].isoformat(), "employee": "José"} for r in timesheets]
    rows[1]["hours"] = "1:30"
    write_csv(tmp_path / "timesheets.csv", rows, bom=True)
    read = read_inputs(tmp_path)
    table = read.tables["timesheets"]
    assert table.file == "timesheets.csv"
    assert "date" in table.frame.columns  # the BOM is not part of the first header
    assert list(table.frame["employee"]) == ["José", "José"]
    result = validate(read, None)
    assert result.findings.empty
    assert list(result.inputs.timesheets["hours"]) == [1.5, 1.5]
    assert list(result.inputs.timesheets["timesheet"]) == ["timesheets.csv:2", "timesheets.csv:3"]


def test_csv_that_is_not_utf8_is_a_finding_naming_the_file(tmp_path, inputs):
    del inputs["timesheets"]
    write_inputs(tmp_path, inputs)
    (tmp_path / "timesheets.csv").write_bytes(
        "date,employee\n2026-10-02,Jos\xe9\n".encode("cp1252")
    )
    assert file_findings(findings_of(tmp_path), "timesheets.csv") == {"not_utf8_csv"}


def test_empty_csv_is_a_finding_naming_the_file(tmp_path, inputs):
    del inputs["timesheets"]
    write_inputs(tmp_path, inputs)
    (tmp_path / "timesheets.csv").write_bytes(b"")
    assert file_findings(findings_of(tmp_path), "timesheets.csv") == {"empty_csv"}


def test_sheet_given_both_in_workbook_and_csv_is_ambiguous(tmp_path, inputs):
    write_inputs(tmp_path, inputs)
    write_csv(tmp_path / "timesheets.csv", [{"date": "2026-10-02", "employee": "Ana"}])
    assert where(findings_of(tmp_path), "ambiguous_source") == {("timesheets", None, "")}


def test_header_only_sheet_is_a_valid_empty_table(tmp_path, inputs):
    inputs["timesheets"] = []
    read = read_inputs(write_inputs(tmp_path, inputs))
    assert read.tables["timesheets"].frame.empty
    assert validate(read, None).findings.empty


# --------------------------------------------------------------------------------------------
# Headers and rows
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Order Line", "ORDER-LINE", "order_line", " order - line "])
def test_header_names_match_ignoring_case_spaces_dashes_underscores(header):
    assert normalize_header(header) == "order_line"


def test_two_headers_naming_one_column_are_an_error_on_the_header_row(tmp_path, inputs):
    for row in inputs["timesheets"]:
        row["Hours "] = row["hours"]
    read = read_inputs(write_inputs(tmp_path, inputs))
    [finding] = [f for f in read.findings if f.code == "duplicate_column"]
    assert (finding.sheet, finding.row, finding.column, finding.value) == (
        "timesheets",
        1,
        "hours",
        "Hours ",
    )
    assert finding.severity == "error"


def test_blank_rows_above_the_header_keep_findings_on_the_right_excel_row(tmp_path, inputs):
    inputs["timesheets"][1]["hours"] = "abc"  # the second data row
    folder = write_inputs(tmp_path, inputs)
    book = openpyxl.load_workbook(folder / "timesheets.xlsx")
    book["timesheets"].insert_rows(1, amount=2)  # the header now sits on Excel row 3
    book.save(folder / "timesheets.xlsx")
    findings = validate(read_inputs(folder), None).findings
    bad = findings[findings["code"] == "bad_hours"]
    assert bad[["sheet", "row", "column"]].values.tolist() == [["timesheets", 5, "hours"]]


def test_a_header_repeated_exactly_is_an_error_too(tmp_path, inputs):
    folder = write_inputs(tmp_path, inputs)
    (folder / "timesheets.xlsx").unlink()
    (folder / "timesheets.csv").write_text(
        "date,employee,ticket,hours,hours\n2026-10-02,Ana,T1,1,2\n", encoding="utf-8"
    )
    read = read_inputs(folder)
    [finding] = [f for f in read.findings if f.code == "duplicate_column"]
    assert (finding.sheet, finding.row, finding.column) == ("timesheets", 1, "hours")


def test_workbook_headers_are_normalised_and_unknown_columns_ignored(tmp_path, inputs):
    inputs["teams"] = [
        {
            " Team ": t["team"],
            "Timesheet On Ticket": t["timesheet_on_ticket"],
            "TIME-REINVOICING": t["time_reinvoicing"],
            "Project": t.get("project"),
            "Notes (internal)": "anything",
        }
        for t in inputs["teams"]
    ]
    read = read_inputs(write_inputs(tmp_path, inputs))
    frame = read.tables["teams"].frame
    assert list(frame.columns) == ["team", "timesheet_on_ticket", "time_reinvoicing", "project"]
    result = validate(read, None)
    assert result.findings.empty
    assert list(result.inputs.teams["time_reinvoicing"]) == [True, False, False]


def test_blank_rows_are_dropped_and_row_numbers_stay_those_excel_shows(tmp_path, inputs):
    ok = inputs["timesheets"][0]
    again = {**ok, "employee": "Bo"}  # not the same entry twice (that is a warning)
    inputs["timesheets"] = [ok, {}, {}, {**ok, "hours": "abc"}, {"description": "   "}, again]
    findings = check(tmp_path, inputs)
    frame = read_inputs(tmp_path).tables["timesheets"].frame
    assert list(frame.index) == [2, 5, 7]  # rows 3, 4 (empty) and 6 (spaces) are blank
    assert where(findings) == {("timesheets", 5, "hours")}


def test_formula_cells_are_read_by_their_cached_value(tmp_path, inputs):
    del inputs["timesheets"]
    write_inputs(tmp_path, inputs)
    book = xlsxwriter.Workbook(tmp_path / "timesheets.xlsx")
    sheet = book.add_worksheet("timesheets")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["date", "employee", "ticket", "hours"])
    sheet.write_datetime(1, 0, dt.datetime(2026, 10, 2), date)
    sheet.write_formula(1, 1, '=UPPER("ana")', None, "ANA")
    sheet.write_formula(1, 2, '="T"&"1"', None, "T1")
    sheet.write_formula(1, 3, "=0.75*2", None, 1.5)
    book.close()
    result = validate(read_inputs(tmp_path), None)
    assert result.findings.empty
    row = result.inputs.timesheets.loc[2]
    assert (row["employee"], row["ticket"], row["hours"]) == ("ANA", "T1", 1.5)


def test_hours_column_mixing_duration_cells_and_text_is_read_not_refused(tmp_path, inputs):
    # [h]:mm cells are durations to calamine; with text in the same column the sheet once
    # failed to load and the whole workbook was reported as corrupt.
    from builders import Cell

    inputs["timesheets"][0]["hours"] = Cell(0.0625, "[h]:mm")
    inputs["timesheets"][1]["hours"] = "2:15"
    inputs["timesheets"].append({**inputs["timesheets"][0], "hours": dt.time(0, 30)})
    result = validate(read_inputs(write_inputs(tmp_path, inputs)), None)
    assert result.findings.empty
    assert list(result.inputs.timesheets["hours"]) == [1.5, 2.25, 0.5]


# --------------------------------------------------------------------------------------------
# Missing files, sheets, columns
# --------------------------------------------------------------------------------------------


def test_missing_required_file_is_a_finding(tmp_path, inputs):
    del inputs["tickets"]
    findings = check(tmp_path, inputs, period=None)
    assert where(findings, "missing_file") == {("tickets", None, "")}
    assert set(findings.loc[findings["code"] == "missing_file", "file"]) == {"tickets.xlsx"}


def test_missing_ledger_is_fine_but_half_a_ledger_is_a_finding(tmp_path, inputs):
    inputs["invoices"] = []
    findings = check(tmp_path, inputs, period=None)
    assert where(findings) == {("invoice_lines", None, "")}
    assert set(findings["code"]) == {"missing_sheet"}


def test_missing_required_sheet_is_a_finding_naming_file_and_sheet(tmp_path, inputs):
    del inputs["order_lines"]
    findings = check(tmp_path, inputs, period=None)
    assert where(findings, "missing_sheet") == {("order_lines", None, "")}
    assert set(findings.loc[findings["code"] == "missing_sheet", "file"]) == {"orders.xlsx"}


def test_missing_required_column_is_one_finding_without_row(tmp_path, inputs):
    for row in inputs["timesheets"]:
        del row["hours"]
    findings = check(tmp_path, inputs, period=None)
    assert where(findings) == {("timesheets", None, "hours")}
    assert set(findings["code"]) == {"missing_column"}


def test_sheet_names_match_like_headers(tmp_path, inputs):
    path = tmp_path / "orders.xlsx"
    write_inputs(tmp_path, inputs)
    write_book(path, {"Orders": inputs["orders"], "Order Lines": inputs["order_lines"]})
    assert findings_of(tmp_path).empty


# --------------------------------------------------------------------------------------------
# Files that are not (safe) workbooks
# --------------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _truncated_workbook(tmp_path) -> bytes:
    data = write_book(tmp_path / "whole.xlsx", {"teams": clean_inputs()["teams"]}).read_bytes()
    (tmp_path / "whole.xlsx").unlink()
    return data[: len(data) // 2]


def _patched_entry(field: str, value: int) -> bytes:
    """A workbook-like zip whose ``xl/workbook.xml`` entry has its general purpose flags or its
    compression method set to ``value`` (in both its local and central headers)."""
    data = bytearray(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))
    for signature, name_length_at, name_at, field_at in (
        (b"PK\x01\x02", 28, 46, 8),  # central directory: flags at 8, method at 10
        (b"PK\x03\x04", 26, 30, 6),  # local header: flags at 6, method at 8
    ):
        at = data.find(signature)
        while at >= 0:
            length = int.from_bytes(data[at + name_length_at : at + name_length_at + 2], "little")
            if data[at + name_at : at + name_at + length] == b"xl/workbook.xml":
                offset = at + field_at + (2 if field == "method" else 0)
                data[offset : offset + 2] = value.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    return bytes(data)


BAD_FILES = {
    "text_file": (lambda tmp: b"team,timesheet_on_ticket\nSupport,yes\n", "not_a_workbook"),
    "empty_file": (lambda tmp: b"", "not_a_workbook"),
    "ole_container": (lambda tmp: guard._OLE_MAGIC + b"\x00" * 504, "protected_or_xls"),
    "corrupt_zip": (lambda tmp: b"PK\x03\x04" + b"\x00garbage" * 20, "corrupt_workbook"),
    "truncated_xlsx": (_truncated_workbook, "corrupt_workbook"),
    "zip_not_xlsx": (lambda tmp: _zip({"readme.txt": b"hello"}), "not_a_workbook"),
    "broken_xlsx_parts": (
        lambda tmp: _zip({"[Content_Types].xml": b"<x", "xl/workbook.xml": b"<not xml"}),
        "corrupt_workbook",
    ),
    # zipfile raises RuntimeError ("password required") and NotImplementedError on these:
    "encrypted_entry": (lambda tmp: _patched_entry("flags", 0x1), "corrupt_workbook"),
    "unknown_compression": (lambda tmp: _patched_entry("method", 93), "corrupt_workbook"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_workbook_in_folder_is_a_finding_naming_the_file(tmp_path, inputs, case):
    make, code = BAD_FILES[case]
    write_inputs(tmp_path, inputs)
    (tmp_path / "teams.xlsx").write_bytes(make(tmp_path))
    findings = findings_of(tmp_path)
    assert file_findings(findings, "teams.xlsx") == {code}
    assert set(findings["severity"]) == {"error"}
    assert "teams.xlsx" in findings.loc[findings["file"] == "teams.xlsx", "message"].iloc[0]


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_single_workbook_is_a_finding_naming_the_file(tmp_path, case):
    make, code = BAD_FILES[case]
    path = tmp_path / "all_inputs.xlsx"
    path.write_bytes(make(tmp_path))
    findings = findings_of(path)
    assert list(findings["code"]) == [code]
    assert list(findings["file"]) == ["all_inputs.xlsx"]


def test_old_xls_file_is_a_finding_asking_for_xlsx(tmp_path, inputs):
    write_inputs(tmp_path, inputs)
    (tmp_path / "teams.xlsx").unlink()
    (tmp_path / "teams.xls").write_bytes(guard._OLE_MAGIC + b"\x00" * 504)
    findings = findings_of(tmp_path)
    assert file_findings(findings, "teams.xls") == {"protected_or_xls"}
    assert "missing_file" not in set(findings["code"])


def test_highly_compressed_zip_bomb_is_refused_unread(tmp_path, inputs):
    write_inputs(tmp_path, inputs)
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(11 << 20)})
    (tmp_path / "teams.xlsx").write_bytes(bomb)
    assert file_findings(findings_of(tmp_path), "teams.xlsx") == {"oversized_workbook"}


def test_workbook_inflating_past_the_limit_is_refused(tmp_path, inputs, monkeypatch):
    write_inputs(tmp_path, inputs)
    monkeypatch.setattr(guard, "MAX_UNPACKED_BYTES", 1000)
    findings = findings_of(tmp_path)
    assert set(findings["code"]) == {"oversized_workbook"}
    assert findings["row"].isna().all()


def test_a_folder_named_like_a_workbook_is_a_finding(tmp_path, inputs):
    del inputs["teams"]
    write_inputs(tmp_path, inputs)
    (tmp_path / "teams.xlsx").mkdir()
    assert "not_a_workbook" in file_findings(findings_of(tmp_path), "teams.xlsx")


def test_input_files_are_only_read(tmp_path, inputs):
    write_inputs(tmp_path, inputs)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    findings_of(tmp_path)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    assert before == after


# --------------------------------------------------------------------------------------------
# CSV rows, Excel error cells, a sheet with only a task column
# --------------------------------------------------------------------------------------------


def _timesheets_csv(tmp_path, inputs, text: str):
    del inputs["timesheets"]
    write_inputs(tmp_path, inputs)
    (tmp_path / "timesheets.csv").write_text(text, encoding="utf-8")
    return findings_of(tmp_path)


def test_csv_blank_lines_are_dropped_and_rows_keep_their_line_number(tmp_path, inputs):
    text = "date,employee,ticket,hours\n2026-10-02,Ana,T1,1\n\n,,,\n2026-10-02,Ana,T1,abc\n"
    assert where(_timesheets_csv(tmp_path, inputs, text)) == {("timesheets", 5, "hours")}


@pytest.mark.parametrize(
    "text",
    [
        "date,employee,ticket,hours\n2026-10-02,Ana,T1,1,extra\n",  # would become the index
        "date,employee,ticket,hours\n2026-10-02,Ana,T1,1\n2026-10-02,Ana,T1,1,extra\n",
    ],
    ids=["first_row", "later_row"],
)
def test_csv_row_with_more_fields_than_the_header_is_a_finding_naming_the_file(
    tmp_path, inputs, text
):
    findings = _timesheets_csv(tmp_path, inputs, text)
    assert file_findings(findings, "timesheets.csv") == {"bad_csv"}
    assert set(findings["code"]) == {"bad_csv"}  # no column was shifted into another


def test_csv_with_semicolons_is_reported_against_the_file(tmp_path, inputs):
    findings = _timesheets_csv(tmp_path, inputs, "date;employee;ticket;hours\n2026-10-02;A;T1;1\n")
    assert not findings.empty
    assert set(findings["file"]) == {"timesheets.csv"}
    assert set(findings["severity"]) == {"error"}


def test_header_only_csv_is_a_valid_empty_table(tmp_path, inputs):
    assert _timesheets_csv(tmp_path, inputs, "date,employee,ticket,hours\n").empty


def _error_cell(path, sheet: str, row: int, header: str, error: str) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    cell = ws.cell(row=row, column=column)
    cell.value, cell.data_type = error, "e"
    book.save(path)


def test_excel_error_cells_are_unreadable_values_never_empty_or_defaults(tmp_path, inputs):
    inputs["order_lines"][0]["unit_price"] = 5  # optional: an error must not become the default
    write_inputs(tmp_path, inputs)
    _error_cell(tmp_path / "orders.xlsx", "order_lines", 2, "unit_price", "#REF!")
    _error_cell(tmp_path / "timesheets.xlsx", "timesheets", 3, "hours", "#N/A")
    _error_cell(tmp_path / "timesheets.xlsx", "timesheets", 2, "employee", "#DIV/0!")
    findings = findings_of(tmp_path)
    shown = set(findings[["code", "row", "column", "value"]].itertuples(index=False, name=None))
    assert shown == {
        ("bad_number", 2, "unit_price", "#REF!"),
        ("bad_hours", 3, "hours", "#N/A"),
        ("bad_text", 2, "employee", "#DIV/0!"),
    }


def test_timesheets_sheet_may_have_a_task_column_only(tmp_path, inputs):
    task = "S1 - Prepaid Support Hours"  # the task S1/1 creates in the global project
    inputs["tickets"][0].update(order=None, line=None, task=task)
    inputs["timesheets"] = [
        {"date": dt.date(2026, 10, 2), "employee": "Ana", "task": task, "hours": 1},
        {"date": dt.date(2026, 10, 2), "employee": "Ana", "task": "No such task", "hours": 1},
    ]
    findings = findings_of(write_inputs(tmp_path, inputs))
    assert where(findings) == {("timesheets", 3, "task")}
    assert set(findings["code"]) == {"unknown_reference"}


# --------------------------------------------------------------------------------------------
# Paths (hand-made workbooks: ``tests/robustness/test_native_reader.py``)
# --------------------------------------------------------------------------------------------


def test_an_input_folder_named_in_another_encoding_is_read(tmp_path, inputs):
    """INPUT ``in\\xff`` (not UTF-8): each workbook reads as usual (fastexcel is given the
    file's bytes), and no finding carries the folder's name."""
    import os

    folder = write_inputs(tmp_path / os.fsdecode(b"in\xff"), inputs)
    read = read_inputs(folder)
    assert read.findings == []
    assert validate(read, None).findings.empty

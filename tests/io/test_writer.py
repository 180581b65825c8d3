"""The xlsx writer: layout, number formats, formula safety, splitting, determinism; and the
run's output folder written all or nothing (``app.write_outputs`` over ``publish``).

The fast row path against xlsxwriter's public API: ``test_fastrows.py``.
"""

from __future__ import annotations

import itertools
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prepaid_recon.app import write_outputs
from prepaid_recon.errors import OutputError
from prepaid_recon.publish import check_destination
from prepaid_recon.xlsx.book import FIXED_CREATED
from prepaid_recon.xlsx.writer import (
    EXCEL_MAX_DATA_ROWS,
    ChartSpec,
    Highlight,
    SheetSpec,
    chunk_bounds,
    sheet_names,
    write_workbook,
)

INJECTIONS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")', "http://x.y/z"]


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice": ["INV/1", "INV/2", "INV/3", None],
            "line": pd.array([1, 2, None, 4], dtype="Int64"),
            "hours": [1.5, -0.25, np.nan, 0.0],
            "quantity": [1.0, 2.0, 3.0, 4.0],
            "amount": [1234.5, 100.0, 1.234, 0.0],
            "currency": ["USD", "JPY", "KWD", "EUR"],
            "discount": [10.0, 0.0, 0.0, 12.5],
            "invoice_date": pd.to_datetime(["2026-10-31", "2026-01-02", None, "2026-10-01"]),
            "upsell_alert": [True, False, True, False],
        }
    )


SAMPLE_FORMATS = {
    "hours": "hours",
    "quantity": "qty",
    "amount": "money",
    "discount": "percent",
    "line": "int",
}


def sample_spec(**extra) -> SheetSpec:
    return SheetSpec(
        "invoices", sample_frame(), dict(SAMPLE_FORMATS), currency_column="currency", **extra
    )


def cells(path: Path, sheet: str) -> list[list[openpyxl.cell.Cell]]:
    return [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows()]


# -- layout ------------------------------------------------------------------------------------


def test_header_is_exactly_the_column_names_frozen_and_filtered(tmp_path):
    path = tmp_path / "out.xlsx"
    write_workbook(path, [sample_spec()])
    ws = openpyxl.load_workbook(path)["invoices"]
    assert [c.value for c in ws[1]] == list(sample_frame().columns)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I5"


def test_printed_reports_are_landscape_one_page_wide_with_the_header_on_every_page(tmp_path):
    path = tmp_path / "out.xlsx"
    write_workbook(path, [sample_spec()])
    ws = openpyxl.load_workbook(path)["invoices"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToHeight == 0  # width 1 is the default, left unwritten
    assert ws.print_title_rows == "$1:$1"


def test_empty_table_still_gets_its_header_and_filter(tmp_path):
    path = tmp_path / "out.xlsx"
    empty = pd.DataFrame({"order": pd.Series(dtype=object), "hours": pd.Series(dtype=float)})
    assert write_workbook(path, [SheetSpec("orders", empty, {"hours": "hours"})]) == ["orders"]
    ws = openpyxl.load_workbook(path)["orders"]
    assert [c.value for c in ws[1]] == ["order", "hours"]
    assert ws.max_row == 1
    assert ws.auto_filter.ref == "A1:B1"
    assert ws.freeze_panes == "A2"


def test_column_widths_fit_header_and_data_and_are_bounded(tmp_path):
    frame = pd.DataFrame({"description": ["short", "x" * 200], "a": ["1", "2"]})
    path = tmp_path / "out.xlsx"
    write_workbook(path, [SheetSpec("s", frame)])
    dims = openpyxl.load_workbook(path)["s"].column_dimensions
    assert 60 <= dims["A"].width <= 61  # capped: a long description does not make a 200-wide column
    assert dims["B"].width >= len("a") + 3  # room for the header and its filter button


# -- number formats and types --------------------------------------------------------------------


def test_number_formats_and_cell_types(tmp_path):
    path = tmp_path / "out.xlsx"
    write_workbook(path, [sample_spec()])
    header, usd, jpy, kwd, eur = cells(path, "invoices")
    col = {c.value: i for i, c in enumerate(header)}
    assert usd[col["hours"]].value == 1.5 and usd[col["hours"]].number_format == "0.00"
    assert usd[col["quantity"]].number_format == "0.00"
    assert usd[col["line"]].value == 1 and usd[col["line"]].number_format == "0"
    assert usd[col["discount"]].value == 10 and "%" in usd[col["discount"]].number_format
    # money: decimals of each row's currency
    assert usd[col["amount"]].number_format == "#,##0.00"
    assert jpy[col["amount"]].number_format == "#,##0"
    assert kwd[col["amount"]].number_format == "#,##0.000"
    assert eur[col["amount"]].number_format == "#,##0.00"
    assert kwd[col["amount"]].value == pytest.approx(1.234)  # formats round the display only
    # dates are real dates
    date = usd[col["invoice_date"]]
    assert date.is_date and date.value == pd.Timestamp("2026-10-31").to_pydatetime()
    assert date.number_format == "yyyy-mm-dd"
    # booleans are Excel booleans
    assert usd[col["upsell_alert"]].data_type == "b" and usd[col["upsell_alert"]].value is True
    assert jpy[col["upsell_alert"]].value is False
    # NaN / NA / NaT are empty cells, zero stays zero
    assert kwd[col["hours"]].value is None
    assert kwd[col["line"]].value is None
    assert kwd[col["invoice_date"]].value is None
    assert eur[col["invoice"]].value is None
    assert eur[col["hours"]].value == 0


def test_formats_are_guessed_from_dtypes_when_not_given(tmp_path):
    frame = pd.DataFrame(
        {
            "flag": [True],
            "when": pd.to_datetime(["2026-10-31"]),
            "count": np.array([3], dtype="int64"),
            "qty": [2.5],
            "name": ["x"],
        }
    )
    path = tmp_path / "out.xlsx"
    write_workbook(path, [SheetSpec("s", frame)])
    _, row = cells(path, "s")
    assert row[0].data_type == "b"
    assert row[1].is_date
    assert row[2].number_format == "0"
    assert row[3].number_format == "0.00"
    assert row[4].data_type == "s"


def test_an_unknown_format_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        write_workbook(tmp_path / "x.xlsx", [SheetSpec("s", sample_frame(), {"hours": "hourz"})])


def test_cell_formats_format_a_mixed_column_cell_by_cell(tmp_path):
    frame = pd.DataFrame(
        {
            "figure": ["period", "cut-off", "amount", "amount", "lines", "hours"],
            "value": ["2026-10", pd.Timestamp("2026-10-31"), 1500.5, 3000.0, 4, 12.25],
        }
    )
    kinds = ["text", "date", "money:USD", "money:JPY", "int", "hours"]
    path = tmp_path / "out.xlsx"
    write_workbook(path, [SheetSpec("summary", frame, cell_formats={"value": kinds})])
    values = [row[1] for row in cells(path, "summary")[1:]]
    assert values[0].value == "2026-10" and values[0].data_type == "s"
    assert values[1].is_date
    assert values[2].number_format == "#,##0.00"
    assert values[3].number_format == "#,##0"
    assert values[4].number_format == "0"
    assert values[5].number_format == "0.00"


# -- formula safety ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_text_that_looks_like_a_formula_stays_text(tmp_path, text):
    frame = pd.DataFrame({"description": [text], "subject": [text]})
    path = tmp_path / "out.xlsx"
    write_workbook(path, [SheetSpec("s", frame)])
    cell = cells(path, "s")[1][0]
    assert cell.value == text
    assert cell.data_type != "f"
    assert cell.hyperlink is None
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_text_that_looks_like_a_number_stays_text(tmp_path):
    frame = pd.DataFrame({"order": ["00042", "1e3"]})
    path = tmp_path / "out.xlsx"
    write_workbook(path, [SheetSpec("s", frame)])
    assert [row[0].value for row in cells(path, "s")[1:]] == ["00042", "1e3"]


# -- conditional highlights and charts -------------------------------------------------------------


def test_highlights_are_conditional_formats_on_the_data_rows(tmp_path):
    path = tmp_path / "out.xlsx"
    spec = sample_spec(
        highlight=[Highlight("hours", "<", "0"), Highlight("upsell_alert", "=", "TRUE", "warn")]
    )
    write_workbook(path, [spec])
    ws = openpyxl.load_workbook(path)["invoices"]
    rules = {str(rng.sqref): [r.formula for r in rng.rules] for rng in ws.conditional_formatting}
    assert rules == {"A2:I5": [["$C2<0"], ["$I2=TRUE"]]}


def test_chart_reads_its_data_from_another_sheet(tmp_path):
    data = pd.DataFrame(
        {"customer": ["A", "B"], "ordered_hours": [10.0, 5.0], "delivered_hours": [12.0, 1.0]}
    )
    chart = ChartSpec("hours", "data", "customer", ["ordered_hours", "delivered_hours"])
    summary = SheetSpec("summary", pd.DataFrame({"figure": ["x"]}), charts=[chart])
    path = tmp_path / "out.xlsx"
    write_workbook(path, [summary, SheetSpec("data", data)])
    with zipfile.ZipFile(path) as archive:
        chart_xml = archive.read("xl/charts/chart1.xml").decode()
        rels = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert "<c:barChart>" in chart_xml and "data!$B$2:$B$3" in chart_xml
    assert "drawing" in rels


# -- splitting past the row limit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_rows", "max_rows", "expected"),
    [
        (0, 5, [(0, 0)]),
        (1, 5, [(0, 1)]),
        (5, 5, [(0, 5)]),
        (6, 5, [(0, 5), (5, 6)]),
        (11, 5, [(0, 5), (5, 10), (10, 11)]),
        (
            EXCEL_MAX_DATA_ROWS + 1,
            EXCEL_MAX_DATA_ROWS,
            [(0, EXCEL_MAX_DATA_ROWS), (EXCEL_MAX_DATA_ROWS, EXCEL_MAX_DATA_ROWS + 1)],
        ),
    ],
)
def test_chunk_bounds(n_rows, max_rows, expected):
    assert chunk_bounds(n_rows, max_rows) == expected


def test_a_full_sheet_is_header_plus_1048575_rows():
    assert EXCEL_MAX_DATA_ROWS + 1 == 1_048_576
    assert chunk_bounds(1_048_575) == [(0, 1_048_575)]
    assert len(chunk_bounds(1_048_576)) == 2


@given(st.integers(0, 10_000), st.integers(1, 3_000))
def test_chunk_bounds_cover_every_row_once(n_rows, max_rows):
    bounds = chunk_bounds(n_rows, max_rows)
    assert bounds[0][0] == 0 and bounds[-1][1] == n_rows
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert all(0 < stop - start <= max_rows for start, stop in bounds) or n_rows == 0


def test_sheet_names_continue_with_a_suffix():
    assert sheet_names("timesheets", 3) == ["timesheets", "timesheets_2", "timesheets_3"]


def test_a_long_table_continues_on_numbered_sheets_with_no_row_lost(tmp_path):
    frame = pd.DataFrame({"timesheet": [f"t{i}" for i in range(7)], "hours": np.arange(7.0)})
    path = tmp_path / "out.xlsx"
    names = write_workbook(
        path, [SheetSpec("timesheets", frame), SheetSpec("after", frame.head(1))], max_rows=3
    )
    assert names == ["timesheets", "timesheets_2", "timesheets_3", "after"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == names
    seen = []
    for name in names[:3]:
        ws = wb[name]
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0] == ("timesheet", "hours")
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:B{len(rows)}"
        seen.extend(r[0] for r in rows[1:])
    assert seen == list(frame["timesheet"])


# -- determinism -----------------------------------------------------------------------------------


def test_same_frames_give_byte_identical_files(tmp_path):
    data = pd.DataFrame({"customer": ["A", "B"], "ordered_hours": [10.0, 5.0]})
    chart = ChartSpec("hours", "data", "customer", ["ordered_hours"])

    def sheets():
        return [
            sample_spec(highlight=[Highlight("hours", "<", "0")], charts=[chart]),
            SheetSpec("data", data),
        ]

    write_workbook(tmp_path / "a.xlsx", sheets())
    time.sleep(1.1)  # a clock-stamped file would differ in its seconds
    write_workbook(tmp_path / "b.xlsx", sheets())
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_the_only_date_in_the_file_is_the_fixed_creation_stamp(tmp_path):
    write_workbook(tmp_path / "a.xlsx", [sample_spec()])
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == FIXED_CREATED.replace(tzinfo=None)
    assert props.modified == FIXED_CREATED.replace(tzinfo=None)
    assert props.creator == "prepaid-recon"


# -- output folder: atomic, refusing to overwrite the input ---------------------------------------


def good_books():
    return {"a.xlsx": [sample_spec()], "b.xlsx": [SheetSpec("b", pd.DataFrame({"x": [1.0]}))]}


def broken_books():
    """The second workbook fails mid-write (an infinite amount cannot be written)."""
    bad = pd.DataFrame({"amount": [1.0, np.inf]})
    return {"a.xlsx": [sample_spec()], "b.xlsx": [SheetSpec("b", bad, {"amount": "money"})]}


def leftovers(parent: Path, out: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p != out)


def test_write_outputs_creates_out_with_every_file(tmp_path):
    out = tmp_path / "out" / "2026-10"
    written = write_outputs(out, good_books(), {"run.json": b"{}"})
    assert written == ["a.xlsx", "b.xlsx", "run.json"]
    assert sorted(p.name for p in out.iterdir()) == written
    assert leftovers(out.parent, out) == []


def test_a_failure_mid_write_leaves_no_out_and_no_temp_folder(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="infinite"):
        write_outputs(out, broken_books(), {"run.json": b"{}"})
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failure_mid_write_leaves_the_previous_out_intact(tmp_path):
    out = tmp_path / "out"
    write_outputs(out, good_books(), {"run.json": b"old"})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ValueError, match="infinite"):
        write_outputs(out, broken_books(), {"run.json": b"new"})
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert leftovers(tmp_path, out) == []


def test_rewriting_out_replaces_our_files_removes_stale_ones_and_keeps_the_users(tmp_path):
    out = tmp_path / "out"
    write_outputs(out, good_books(), {"run.json": b"old"})
    (out / "notes.txt").write_text("mine")
    stale = ["a.xlsx", "b.xlsx", "run.json"]
    written = write_outputs(
        out, {"b.xlsx": good_books()["b.xlsx"]}, {"run.json": b"new"}, stale=stale
    )
    assert written == ["b.xlsx", "run.json"]
    assert sorted(p.name for p in out.iterdir()) == ["b.xlsx", "notes.txt", "run.json"]
    assert (out / "run.json").read_bytes() == b"new"
    assert (out / "notes.txt").read_text() == "mine"


def test_out_equal_to_input_is_refused_with_exit_code_2(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "orders.xlsx").write_bytes(b"precious")
    with pytest.raises(OutputError) as caught:
        write_outputs(folder / ".." / "input", good_books(), refuse=folder)
    assert caught.value.exit_code == 2
    assert sorted(p.name for p in folder.iterdir()) == ["orders.xlsx"]
    assert leftovers(tmp_path, folder) == []


def test_a_report_that_would_overwrite_the_input_workbook_is_refused(tmp_path):
    workbook = tmp_path / "a.xlsx"
    workbook.write_bytes(b"precious")
    with pytest.raises(OutputError):
        write_outputs(tmp_path, good_books(), refuse=workbook)
    assert workbook.read_bytes() == b"precious"


def test_the_destination_is_checked_before_anything_is_read(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    with pytest.raises(OutputError, match="INPUT folder"):
        check_destination(folder, refuse=folder)
    with pytest.raises(OutputError, match="overwrite the INPUT file"):
        check_destination(tmp_path, refuse=tmp_path / "a.xlsx", names=["a.xlsx"])
    check_destination(tmp_path / "out", refuse=folder, names=["a.xlsx"])  # a fine OUT


def test_out_that_cannot_be_created_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as caught:
        write_outputs(blocker / "out", good_books())
    assert caught.value.exit_code == 2
    with pytest.raises(OutputError):
        write_outputs(blocker, good_books())


# -- what cannot be written ---------------------------------------------------------------------


def test_an_infinite_number_is_refused_not_written(tmp_path):
    bad = pd.DataFrame({"amount": [1.0, np.inf]})
    with pytest.raises(ValueError, match="infinite"):
        write_workbook(tmp_path / "x.xlsx", [SheetSpec("b", bad, {"amount": "money"})])
    assert not (tmp_path / "x.xlsx").exists()

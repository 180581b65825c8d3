"""Every value type of CONTRACT section 2, read from real cells of a real workbook.

A value is written into an .xlsx, read back by the reader and parsed by its column kind.  Each
case runs twice: alone in its column (the reader gives a typed column: numbers, dates,
booleans) and among text cells (the reader gives a text column holding the cell as text),
because a finance user's column is often both.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from builders import Cell, Text, write_book
from prepaid_recon.domain import SUPPORTED_DATES
from prepaid_recon.read.cells import EXPECTED, PARSERS, display
from prepaid_recon.read.tables import read_inputs

LAYOUTS = ["alone", "among_text"]


def read_cell(tmp_path, value, layout: str) -> pd.Series:
    """The raw column holding ``value`` on row 2, as the reader hands it to the parsers."""
    rows = [{"employee": "Ana", "description": value}]  # employee: the row is not blank
    if layout == "among_text":
        rows.append({"employee": "Ana", "description": Text("some text")})
    path = write_book(tmp_path / "cells.xlsx", {"timesheets": rows})
    return read_inputs(path).tables["timesheets"].frame["description"]


def parse(tmp_path, kind: str, value, layout: str = "alone"):
    """(parsed value, was the cell rejected) of ``value`` read as a ``kind`` column."""
    parsed, bad = PARSERS[kind](read_cell(tmp_path, value, layout))
    return parsed.loc[2], bool(bad.loc[2])


def assert_missing(value) -> None:
    assert value is None or pd.isna(value)


# --------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  Ana Lopez  ", "Ana Lopez"),
        (404, "404"),  # ticket 404 typed as a number reads as the reference '404'
        (Text("404"), "404"),
        (1.5, "1.5"),
        ("HT-5", "HT-5"),
    ],
)
def test_text_is_trimmed_and_a_number_cell_reads_as_its_digits(tmp_path, layout, cell, expected):
    assert parse(tmp_path, "text", cell, layout) == (expected, False)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_text_of_only_spaces_is_a_missing_value_not_an_error(tmp_path, layout):
    value, bad = parse(tmp_path, "text", "   ", layout)
    assert_missing(value)
    assert not bad


# --------------------------------------------------------------------------------------------
# bool
# --------------------------------------------------------------------------------------------

TRUE_SPELLINGS = ["true", "TRUE", "True", "yes", "YES", "Yes", "y", "Y", "1", "x", "X", " yes "]
FALSE_SPELLINGS = ["false", "FALSE", "False", "no", "NO", "No", "n", "N", "0"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("spelling", TRUE_SPELLINGS)
def test_bool_text_spellings_of_true_in_any_case(tmp_path, layout, spelling):
    assert parse(tmp_path, "bool", Text(spelling), layout) == (True, False)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("spelling", FALSE_SPELLINGS)
def test_bool_text_spellings_of_false_in_any_case(tmp_path, layout, spelling):
    assert parse(tmp_path, "bool", Text(spelling), layout) == (False, False)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("cell", "expected"), [(True, True), (False, False), (1, True), (0, False)]
)
def test_bool_from_excel_boolean_and_number_cells(tmp_path, layout, cell, expected):
    assert parse(tmp_path, "bool", cell, layout) == (expected, False)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cell", ["maybe", "oui", "2", 2, "xx"])
def test_bool_rejects_other_spellings(tmp_path, layout, cell):
    value, bad = parse(tmp_path, "bool", cell, layout)
    assert bad
    assert_missing(value)


# --------------------------------------------------------------------------------------------
# date
# --------------------------------------------------------------------------------------------

OCT_3 = pd.Timestamp("2026-10-03")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "cell",
    [
        dt.date(2026, 10, 3),
        Cell(dt.date(2026, 10, 3), "dd/mm/yyyy"),  # the display format does not matter
        Text("2026-10-03"),
        Text(" 2026-10-03 "),
    ],
)
def test_date_from_excel_date_cell_or_iso_text(tmp_path, layout, cell):
    assert parse(tmp_path, "date", cell, layout) == (OCT_3, False)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_datetime_cell_keeps_its_date(tmp_path, layout):
    assert parse(tmp_path, "date", dt.datetime(2026, 10, 3, 14, 30), layout) == (OCT_3, False)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("text", ["03/04/2026", "3.4.2026", "2026/10/03", "2026-13-01", "Oct 3"])
def test_date_text_other_than_iso_is_rejected_never_guessed(tmp_path, layout, text):
    value, bad = parse(tmp_path, "date", Text(text), layout)
    assert bad
    assert_missing(value)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_bare_time_cell_is_not_a_date(tmp_path, layout):
    value, bad = parse(tmp_path, "date", dt.time(9, 0), layout)
    assert bad
    assert_missing(value)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "cell",
    [
        dt.date(9999, 12, 31),
        dt.date(1, 1, 1),
        dt.date(1500, 6, 1),
        dt.datetime(9999, 12, 31, 23, 59),  # a datetime with a time
        Text("9999-12-31"),
        Text("0001-01-01"),
        Text("1500-06-01 10:00"),
        Text("0000-01-01"),
        Cell(2958465, "yyyy-mm-dd"),  # a number formatted as a date: 9999-12-31
        Cell(2958466, "yyyy-mm-dd"),  # ... past Excel's last day: year 10000
        Cell(-1, "yyyy-mm-dd"),
        Cell(-1e6, "yyyy-mm-dd"),  # year -838
        dt.date(1900, 2, 28),  # the day before the range
        dt.date(2100, 1, 1),  # the day after it
        Text("2100-01-01"),
    ],
)
def test_date_outside_the_supported_range_is_unreadable_never_an_exception(tmp_path, layout, cell):
    """Issue 8: a date out of pandas' nanosecond range raised OutOfBoundsDatetime; any date
    outside SUPPORTED_DATES is now an unreadable cell (bad_date), whatever path it takes."""
    value, bad = parse(tmp_path, "date", cell, layout)
    assert bad
    assert_missing(value)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(1900, 3, 1), "1900-03-01"),
        (Cell(61, "yyyy-mm-dd"), "1900-03-01"),
        (dt.datetime(2099, 12, 31, 23, 59), "2099-12-31"),
        (Text("2099-12-31"), "2099-12-31"),
    ],
)
def test_the_first_and_last_supported_dates_are_read(tmp_path, layout, cell, expected):
    assert parse(tmp_path, "date", cell, layout) == (pd.Timestamp(expected), False)


def test_the_bad_date_message_states_the_supported_range():
    assert "from 1900-03-01 to 2099-12-31" in EXPECTED["date"]
    assert str(SUPPORTED_DATES) == "from 1900-03-01 to 2099-12-31"


RESOLUTIONS = {
    "s": ["9999-12-31T23:59", "0001-01-01", "2100-01-01", "1900-03-01", "2099-12-31T12:00"],
    "ms": ["9999-12-31T23:59", "-0838-02-03", "1500-06-01", "1900-03-01", "2099-12-31T12:00"],
    "us": ["9999-12-31T23:59", "0001-01-01", "1900-02-28", "1900-03-01", "2099-12-31T12:00"],
    "ns": ["2262-04-11", "1677-09-22", "1900-02-28", "1900-03-01", "2099-12-31T12:00"],
}
"""Date cells of each resolution a reader may give: three outside the range, two inside."""


@pytest.mark.parametrize("unit", sorted(RESOLUTIONS))
def test_a_datetime_column_of_any_resolution_is_checked_before_becoming_nanoseconds(unit):
    raw = pd.Series(np.array([*RESOLUTIONS[unit], "NaT"], dtype=f"datetime64[{unit}]"))
    value, bad = PARSERS["date"](raw)
    assert value.dtype == "datetime64[ns]"
    assert bad.tolist() == [True, True, True, False, False, False]
    assert value.iloc[3:5].tolist() == [pd.Timestamp("1900-03-01"), pd.Timestamp("2099-12-31")]
    for kind, parser in PARSERS.items():  # the same cells in a column of any other type
        _, bad = parser(raw)
        assert not bad.iloc[5], kind
    assert display(raw).iloc[:5].str.len().gt(0).all()  # a message can show each cell


# --------------------------------------------------------------------------------------------
# number and whole number
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("cell", "expected"),
    [(1.5, 1.5), (Text("1.5"), 1.5), (Text(" 2 "), 2.0), (Text("-3"), -3.0), (Text(".5"), 0.5)],
)
def test_number_from_numeric_cell_or_text_with_dot_decimal(tmp_path, layout, cell, expected):
    assert parse(tmp_path, "number", cell, layout) == (expected, False)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("text", ["1,5", "1 000", "1.000,50", "abc", "12h", "nan", "inf"])
def test_number_rejects_comma_decimal_and_words(tmp_path, layout, text):
    value, bad = parse(tmp_path, "number", Text(text), layout)
    assert bad
    assert_missing(value)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("cell", "expected"), [(1, 1), (3.0, 3), (Text("2"), 2)])
def test_whole_number_accepts_integers_typed_or_as_text(tmp_path, layout, cell, expected):
    assert parse(tmp_path, "whole", cell, layout) == (expected, False)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cell", [1.5, Text("2.5"), Text("one")])
def test_whole_number_rejects_a_fraction(tmp_path, layout, cell):
    value, bad = parse(tmp_path, "whole", cell, layout)
    assert bad
    assert_missing(value)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "cell", [1e300, -1e300, 2.0**70, 1e15, Text("1e300"), Text(str(2**70)), Text("9" * 400)]
)
def test_whole_number_too_big_is_unreadable_never_cast(tmp_path, layout, cell):
    """The property test's flake: 1e300 raised "cannot safely cast non-equivalent float64 to
    int64". A whole number has at most 15 digits."""
    value, bad = parse(tmp_path, "whole", cell, layout)
    assert bad
    assert_missing(value)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("cell", "expected"), [(999_999_999_999_999, 999_999_999_999_999)])
def test_whole_number_of_15_digits_is_read(tmp_path, layout, cell, expected):
    assert parse(tmp_path, "whole", cell, layout) == (expected, False)


@pytest.mark.parametrize("kind", ["number", "percent", "hours", "whole"])
@pytest.mark.parametrize("text", ["-0", "-0.0", "-0:00"])
def test_negative_zero_is_zero(kind, text):
    value, bad = PARSERS[kind](pd.Series([text], dtype="str"))
    if not bad.iloc[0]:
        assert value.iloc[0] == 0
        assert not np.signbit(float(value.iloc[0]))


# --------------------------------------------------------------------------------------------
# hours
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1.5, 1.5),
        (-0.5, -0.5),
        (Text("1.5"), 1.5),
        (Text("1:30"), 1.5),
        (Text("0:45"), 0.75),
        (Text("-0:30"), -0.5),
        (Text("10:00"), 10.0),
        (dt.time(1, 30), 1.5),  # an Excel time cell
        (Cell(0.0625, "h:mm"), 1.5),  # a fraction of a day shown as 1:30
        (Cell(0.5, "[h]:mm"), 12.0),
    ],
)
def test_hours_from_number_hmm_text_or_excel_time_cell(tmp_path, layout, cell, expected):
    value, bad = parse(tmp_path, "hours", cell, layout)
    assert not bad
    assert math.isclose(value, expected)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("text", ["abc", "1:75", "1h30", "1,5", ":30"])
def test_hours_rejects_what_is_not_a_duration(tmp_path, layout, text):
    value, bad = parse(tmp_path, "hours", Text(text), layout)
    assert bad
    assert_missing(value)


HOSTILE_TEXT = [
    "inf", "-inf", "Infinity", "nan", "NaN", "1e309", "-1e309", "1e-400", "-0", "9" * 400,
    "9" * 5000, "1" * 20, "0x10", "1_000", "١٢٣", "٢٠٢٦-١٠-٠١", "١:٣٠", "999:59", "+1", "5.",
    "2026-02-30", "0000-00-00", "99999-01-01", "1:30:60", "#N/A", "\x00", "𝟙𝟚",
]  # fmt: skip
HOSTILE_NUMBERS = [
    1e300, -1e300, 2.0**70, -0.0, 5e-324, 1.7976931348623157e308, np.inf, -np.inf, np.nan,
]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_no_value_makes_a_parser_raise(kind):
    """Huge numbers, inf and nan (as text or as numbers), negative zero, 1e309 and long digit
    strings, other scripts' digits: each is read or unreadable, never an exception, and what is
    read is finite."""
    for raw in (
        pd.Series(HOSTILE_TEXT, dtype="str"),
        pd.Series(HOSTILE_TEXT, dtype=object),
        pd.Series(HOSTILE_NUMBERS, dtype="float64"),
    ):
        value, bad = PARSERS[kind](raw)
        assert len(value) == len(bad) == len(raw)
        assert bad.dtype == bool
        if kind in ("number", "percent", "hours"):
            assert np.isfinite(value[~bad].dropna()).all()
        if kind == "whole":
            assert value[~bad].dropna().abs().lt(10**15).all()


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_an_empty_cell_is_missing_never_an_error(tmp_path, kind):
    path = write_book(
        tmp_path / "cells.xlsx",
        {"timesheets": [{"employee": "Ana", "description": None}, {"description": Text("1")}]},
    )
    raw = read_inputs(path).tables["timesheets"].frame["description"]
    value, bad = PARSERS[kind](raw)
    assert_missing(value.loc[2])
    assert not bad.loc[2]

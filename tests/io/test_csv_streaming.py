"""The CSV reader streams (issue 10): what it gives is what the whole-file pandas reader gave.

``_read_csv`` checks the text block by block, then pyarrow parses it into Arrow strings; these
pin the semantics that reading kept: every cell text, a row per record (blank lines included,
so that row numbers are line numbers), short records completed with empty cells, longer ones
``bad_csv``, pandas' names for repeated and empty headers, and the same findings whatever the
block size (blocks of a few bytes split UTF-8 characters, CR LF pairs and quoted fields).
"""

from __future__ import annotations

import pytest

from prepaid_recon.read import tables
from prepaid_recon.read.tables import _read_csv

EXAMPLES = {
    "short_and_blank_records": (
        b"a,b,c\n1\n\n,,\n  \n4,5,6\n",
        {"a": ["1", "", "", "  ", "4"], "b": ["", "", "", "", "5"], "c": ["", "", "", "", "6"]},
    ),
    "quoted_line_breaks": (
        b'a,b\r\n"x\r\ny",2\r\n"q""u",""\r\n"ab"c,d\r\n',
        {"a": ["x\r\ny", 'q"u', "abc"], "b": ["2", "", "d"]},
    ),
    "bom_and_no_final_line_break": (b"\xef\xbb\xbfa,b\n1,\xc3\xa9", {"a": ["1"], "b": ["é"]}),
    "header_only_without_line_break": (b"a,b", {"a": [], "b": []}),
    "repeated_and_empty_names": (
        b"x,x,x.1,,x\n1,2,3,4,5\n",
        {"x": ["1"], "x.2": ["2"], "x.1": ["3"], "Unnamed: 3": ["4"], "x.3": ["5"]},
    ),
}


def _read(tmp_path, data: bytes):
    path = tmp_path / "timesheets.csv"
    path.write_bytes(data)
    return _read_csv(path, "timesheets.csv")


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("blocks", ["whole", "tiny"])
def test_cells_records_and_names_are_read_as_pandas_read_them(
    tmp_path, monkeypatch, example, blocks
):
    if blocks == "tiny":
        monkeypatch.setattr(tables, "_CSV_BLOCK", 3)
        monkeypatch.setattr(tables, "_PARSE_BLOCK", 8)
    data, expected = EXAMPLES[example]
    frame, problem = _read(tmp_path, data)
    assert problem is None
    assert frame.to_dict("list") == expected
    assert all(dtype == "str" for dtype in frame.dtypes)


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"a,b\n1,2\n3,4,5\n", "bad_csv", "row 3 has 3 fields"),
        (b'a,b\n1,"2\n3,4\n', "bad_csv", "quoted field opened at byte 7 is never closed"),
        (b'a,b\n"1"",2\n', "bad_csv", "opened at byte 5"),
        (b"a,b\n1,2\n\xe2\x82", "not_utf8_csv", "byte 9"),
        (b"\xef\xbb\xbfa,b\nJos\xe9,1\n", "not_utf8_csv", "byte 8"),
        (b"a,b\n\xff,\x00\n", "not_utf8_csv", "NUL bytes"),
        (b"\xef\xbb\xbf \r\n\t\n", "empty_csv", "empty"),
    ],
    ids=[
        "long_row",
        "unclosed_quote",
        "escaped_quote_unclosed",
        "cut_utf8",
        "latin1",
        "nul",
        "blank",
    ],
)
@pytest.mark.parametrize("blocks", ["whole", "tiny"])
def test_a_bad_file_is_one_finding_naming_it(tmp_path, monkeypatch, data, code, words, blocks):
    if blocks == "tiny":
        monkeypatch.setattr(tables, "_CSV_BLOCK", 2)
        monkeypatch.setattr(tables, "_PARSE_BLOCK", 8)
    frame, problem = _read(tmp_path, data)
    assert frame is None
    assert (problem.code, problem.file, problem.row) == (code, "timesheets.csv", None)
    assert words in problem.message


def test_rows_keep_their_line_numbers_around_short_and_blank_records(tmp_path, inputs):
    """Blank and short records are rows: the rows after them keep their line number."""
    from builders import write_inputs
    from prepaid_recon.read.tables import read_inputs

    folder = write_inputs(tmp_path, {k: v for k, v in inputs.items() if k != "timesheets"})
    (folder / "timesheets.csv").write_text(
        "date,employee,ticket,hours\n2026-10-02,Ana,T1,1\n\n   \n2026-10-03,Ana\n,,,\n"
        "2026-10-04,Ana,T1,2\n",
        encoding="utf-8",
    )
    frame = read_inputs(folder).tables["timesheets"].frame
    assert list(frame.index) == [2, 5, 7]
    assert list(frame["date"]) == ["2026-10-02", "2026-10-03", "2026-10-04"]
    assert list(frame["ticket"]) == ["T1", "", "T1"]


@pytest.mark.parametrize("block", range(6, 30))
def test_a_line_break_inside_quotes_is_kept_wherever_a_block_ends(tmp_path, monkeypatch, block):
    """pyarrow 26 drops the LF of a CR LF inside a quoted field when a parsing block ends
    between the two: the reader picks a block size that never does."""
    monkeypatch.setattr(tables, "_PARSE_BLOCK", block)
    data = b'a,b\r\nxx,"p\r\nq"\r\n"r\r\n\r\ns",t\r\n'
    frame, problem = _read(tmp_path, data)
    assert problem is None
    assert frame.to_dict("list") == {"a": ["xx", "r\r\n\r\ns"], "b": ["p\r\nq", "t"]}

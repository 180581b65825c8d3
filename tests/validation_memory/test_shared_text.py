"""Validation holds a timesheets.csv's text once: a parsed text column whose every text is its
cell as read (only empty cells become missing) is made on the raw column's Arrow buffers
(``validate.columns.on_raw_text``), with the values, missing cells and dtype of the parse."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from prepaid_recon.read.cells import parse_text
from prepaid_recon.read.tables import RawTable
from prepaid_recon.validate.collector import Findings
from prepaid_recon.validate.columns import on_raw_text, parse_table

pytestmark = pytest.mark.skipif(
    not isinstance(pd.Series(["a"], dtype="str").array, pd.arrays.ArrowStringArray),
    reason="text columns are not Arrow strings in this pandas",
)


def _raw(*chunks: list[str | None]) -> pd.Series:
    """A CSV-like raw column: Arrow strings in several chunks, the last one a slice."""
    arrays = [pa.array(c, type=pa.large_string()) for c in chunks]
    arrays[-1] = pa.array(["skipped", *chunks[-1]], type=pa.large_string()).slice(1)
    column = pa.chunked_array(arrays, type=pa.large_string())
    out = column.to_pandas(types_mapper={pa.large_string(): pd.api.types.pandas_dtype("str")}.get)
    out.index = pd.RangeIndex(2, 2 + len(out), name="row")
    return out


def _data_buffers(values: pd.Series) -> list[int]:
    """Where the text of each chunk is held (its offsets: every chunk has them)."""
    column = pa.array(values.array)
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return [c.buffers()[1].address for c in chunks]


@pytest.mark.parametrize(
    "chunks",
    [
        (["TS1", "", "TS3"], ["TS4", "", ""]),
        (["", ""], [""]),  # every cell empty
        (["a", "#N/A", None], ["é", "b"]),  # an Excel error and a missing cell are missing too
    ],
)
def test_a_trimmed_column_is_its_parse_on_the_raw_buffers(chunks):
    raw = _raw(*chunks)
    parsed, _ = parse_text(raw)
    shared = on_raw_text(parsed, raw)
    pd.testing.assert_series_equal(shared, parsed)
    assert _data_buffers(shared) == _data_buffers(raw)


@pytest.mark.parametrize(
    "raw",
    [
        pd.Series([" TS1", "TS2"], dtype="str"),  # a cell the parse trims
        pd.Series(["TS1", "TS2"], dtype=object),  # not Arrow text
        pd.Series([], dtype="str"),
    ],
)
def test_any_other_column_is_its_parse(raw):
    parsed, _ = parse_text(raw)
    assert on_raw_text(parsed, raw) is parsed


def test_parse_table_holds_the_text_of_a_csv_once():
    raw = pd.DataFrame(
        {
            "timesheet": ["TS1", "TS2", "TS3"],
            "date": ["2026-10-01", "2026-10-02", "bad"],
            "employee": ["Ann", "Bob", " Ann "],
            "ticket": ["HT-1", "", "HT-2"],
            "hours": ["1", "1.5", "2"],
        },
        dtype="str",
        index=pd.RangeIndex(2, 5, name="row"),
    )
    findings = Findings()
    table = parse_table(RawTable("timesheets", "timesheets.csv", raw), findings)
    for column in ("timesheet", "ticket"):
        assert _data_buffers(table.data[column]) == _data_buffers(raw[column])
    assert _data_buffers(table.data["employee"]) != _data_buffers(raw["employee"])  # trimmed
    assert pd.isna(table.data["ticket"].iloc[1])
    assert table.data["employee"].tolist() == ["Ann", "Bob", "Ann"]
    assert findings.frame()["code"].tolist() == ["bad_date"]

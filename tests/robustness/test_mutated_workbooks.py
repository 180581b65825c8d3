"""Damaged workbooks, at random: reading gives findings, never an exception.

A small timesheets.xlsx with shared strings (the form Excel saves) is damaged two ways: its
parts are edited -- a slice of a part replaced by a fragment an attacker would try (a far cell,
another spelling, a comment, an index of -1, a huge count) or by random bytes -- and written
again as a valid zip; or the zip's own bytes are damaged.  Each time ``read_inputs`` and
``validate`` return findings (the file's own, ``corrupt_workbook``...) and never raise.

In-process: what would crash the process (a far cell, a huge count) is refused by the guard
before the native reader sees it; a crash here is a guard missing a case.  Bound: a fixed
number of examples (``max_examples``), each a few tens of ms; no deadline (file I/O varies).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from hostile_files import workbook_parts, write_parts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import clean_inputs, write_inputs
from prepaid_recon.findings import FINDING_COLUMNS
from prepaid_recon.read import guard
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

STRINGS = [b"date", b"employee", b"ticket", b"hours", b"Ana", b"T1"]
ROWS = (
    b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    b'<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>2026-10-02</t></is></c>'
    b'<c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c><c r="D2"><v>1.5</v></c></row>'
)
PARTS = workbook_parts("timesheets", ROWS, STRINGS)
FRAGMENTS = [
    b"XFD1048576", b"xfd1048576", b"A99999999", b' r="XFD1"', b"r='XFD1'", b' r = "Z9"',
    b"t='s'", b' t="s"', b'<c t="s"><v>-1</v></c>', b"-1", b"abc", b"99", b"&#52;",
    b'uniqueCount="4294967295"', b"uniqueCount='0004294967295'", b"<si/>", b"<x:si>",
    b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<?x ", b"?>", b"<!DOCTYPE x>",
    b"<c>", b"</c>", b"<row>", b"</row>", b"<v>", b"</v>", b"<is><t>", b"</t></is>",
    b"x:", b'"', b"'", b">", b"<", b"/", b"\\", b"Worksheets/Sheet1.XML", b"/XL/",
    b'Target="other/workbook.xml"', b'r:id="rId2"', b'name="timesheets"', b"\x00", b"\xff",
]  # fmt: skip
"""What an attacker would splice into a part."""


@st.composite
def damaged_parts(draw) -> dict:
    """The workbook's parts with one to four slices replaced."""
    parts = dict(PARTS)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(parts)))
        data = parts[name]
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 12)))
        fragment = draw(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=6)))
        parts[name] = data[:start] + fragment + data[end:]
    return parts


@st.composite
def damaged_zip(draw) -> bytes:
    """The workbook's zip bytes with one to three bytes changed, or cut short."""
    with tempfile.TemporaryDirectory() as tmp:
        data = bytearray(write_parts(Path(tmp) / "t.xlsx", PARTS).read_bytes())
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 3))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """An input folder holding only timesheets.xlsx (the other files are missing: findings
    too), so that each example reads one small workbook."""
    return tmp_path_factory.mktemp("in")


def test_the_undamaged_workbook_reads_cleanly(tmp_path) -> None:
    """The workbook the examples damage is read as written (Ana, T1, 1.5 hours)."""
    inputs = clean_inputs()
    del inputs["timesheets"]
    write_parts(write_inputs(tmp_path, inputs) / "timesheets.xlsx", PARTS)
    result = validate(read_inputs(tmp_path), None)
    assert result.findings.empty, result.findings
    assert list(result.inputs.timesheets["employee"]) == ["Ana"]
    assert list(result.inputs.timesheets["hours"]) == [1.5]


def _read_is_findings(folder: Path, write) -> None:
    """Write timesheets.xlsx with ``write(path)``; read and validate the folder: findings,
    no exception."""
    write(folder / "timesheets.xlsx")
    findings = validate(read_inputs(folder), None).findings
    assert list(findings.columns) == FINDING_COLUMNS
    assert set(findings["severity"]) <= {"error", "warning"}
    assert (findings["message"].str.len() > 0).all()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(parts=damaged_parts())
def test_a_workbook_with_damaged_parts_gives_findings_never_an_exception(folder, parts) -> None:
    _read_is_findings(folder, lambda path: write_parts(path, parts))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=damaged_zip())
def test_a_workbook_with_damaged_zip_bytes_gives_findings_never_an_exception(folder, data) -> None:
    _read_is_findings(folder, lambda path: path.write_bytes(data))


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 10**12), index=st.integers(0, 10**13))
def test_the_index_pattern_accepts_exactly_the_numbers_below_the_count(count, index) -> None:
    """``guard._below(count)`` (the fast search for shared-string indices) matches a number
    written the usual way exactly when it is below ``count``."""
    pattern = re.compile(guard._below(count) + b"$")
    assert bool(pattern.match(str(index).encode())) == (index < count)
    assert bool(pattern.match(str(count - 1).encode()))
    assert not pattern.match(str(count).encode())


def test_the_usual_sheet_and_its_walk_agree(tmp_path) -> None:
    """The same sheet, scanned by the fast searches and walked tag by tag, gives the same
    verdict (a sheet within the limits, and one with a cell in column AMK, past them)."""
    for rows, refused in ((ROWS, False), (ROWS + b'<row r="3"><c r="AMK3"/></row>', True)):
        path = write_parts(tmp_path / "t.xlsx", workbook_parts("timesheets", rows, STRINGS))
        with zipfile.ZipFile(path) as archive:
            part = archive.getinfo("xl/worksheets/sheet1.xml")
            usual = guard._scan_usual(archive, part, len(STRINGS))
            walked = guard._walk_sheet(archive, part, len(STRINGS))
        assert usual is not None
        assert usual.too_large() == walked.too_large() == refused
        assert walked.bad_string is None
        assert not walked.problem

"""The fast row path: xlsxwriter's own bytes, faster; and the public path when it cannot be
trusted (another xlsxwriter version, a renamed internal, a probe that comes out different)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from xlsxwriter.worksheet import Worksheet

from prepaid_recon.xlsx import fastrows
from prepaid_recon.xlsx.writer import Highlight, SheetSpec, write_workbook

TRICKY = [
    "plain",
    "",
    " lead",
    "trail ",
    'a & b <c> "q"',
    "new\nline",
    "ctl\x01x",
    "_x0041_",
    "é€✓",
    "=1+2",
    None,
]


def tricky_specs() -> list[SheetSpec]:
    """Every kind of cell the fast path renders, with strings that need escaping, empty cells,
    money per currency and a sheet split in three."""
    n = len(TRICKY)
    frame = pd.DataFrame(
        {
            "text": TRICKY,
            "amount": np.linspace(-1.005, 1e9, n),
            "currency": (["USD", "JPY", "KWD"] * n)[:n],
            "hours": [np.nan, *np.arange(n - 1) / 3],
            "line": pd.array([None, *range(1, n)], dtype="Int64"),
            "flag": [True, False] * (n // 2) + [True],
            "date": pd.to_datetime(["2026-10-31"] * (n - 1) + [None]),
        }
    )
    kinds = {"amount": "money", "hours": "hours", "line": "int"}
    highlight = [Highlight("hours", "<", "0")]
    return [SheetSpec("s", frame, kinds, currency_column="currency", highlight=highlight)]


@pytest.fixture(autouse=True)
def fresh_check() -> Iterator[None]:
    """Each test decides for itself whether the installed xlsxwriter passes the check."""
    fastrows.supported.cache_clear()
    yield
    fastrows.supported.cache_clear()


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the sheets whose rows take the fast path (checked first: the probe is not counted)."""
    assert fastrows.supported()
    calls: list[int] = []
    real = fastrows.write_rows_fast

    def counting(*args: Any) -> None:
        calls.append(1)
        real(*args)

    monkeypatch.setattr(fastrows, "write_rows_fast", counting)
    return calls


def write(path: Path, **options: Any) -> bytes:
    write_workbook(path, tricky_specs(), max_rows=4, **options)
    return path.read_bytes()


def test_the_installed_xlsxwriter_passes_the_check():
    assert fastrows._version_supported(__import__("xlsxwriter").__version__)
    assert fastrows._has_internals()
    assert fastrows._probe_matches()
    assert fastrows.supported()


def test_fast_rows_write_the_same_bytes_as_xlsxwriter(tmp_path, fast_calls):
    fast = write(tmp_path / "fast.xlsx", fast_rows=True)
    assert len(fast_calls) == 3  # the table split over three sheets
    public = write(tmp_path / "public.xlsx", fast_rows=False)
    assert len(fast_calls) == 3
    assert fast == public


def test_a_string_too_long_for_the_fast_path_goes_cell_by_cell(tmp_path, fast_calls):
    frame = pd.DataFrame({"text": ["short", "x" * 20_000], "n": [1.0, 2.0]})
    write_workbook(tmp_path / "a.xlsx", [SheetSpec("s", frame)])
    write_workbook(tmp_path / "b.xlsx", [SheetSpec("s", frame)], fast_rows=False)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert fast_calls == []


def _unsupported_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastrows, "_version_supported", lambda version: False)


def _renamed_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = (Worksheet, "_renamed_in_a_later_release")
    monkeypatch.setattr(fastrows, "_INTERNALS", (*fastrows._INTERNALS, gone))


def _probe_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if xlsxwriter had changed how it escapes a string: the fast path no longer agrees."""
    monkeypatch.setattr(
        fastrows, "_inline_string_body", lambda text, attr: f'{attr} t="str"><v>{text}</v></c>'
    )


def _probe_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if a worksheet no longer had the attribute the fast path writes to: the probe raises."""

    def no_stream(*args: Any) -> None:
        raise AttributeError("'Worksheet' object has no attribute 'fh'")

    monkeypatch.setattr(fastrows, "write_rows_fast", no_stream)


@pytest.mark.parametrize(
    "breakage",
    [_unsupported_version, _renamed_internal, _probe_differs, _probe_fails],
    ids=["version", "renamed internal", "probe differs", "probe fails"],
)
def test_when_the_check_fails_every_row_goes_through_the_public_api_with_the_same_bytes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    breakage: Callable[[pytest.MonkeyPatch], None],
):
    reference = write(tmp_path / "fast.xlsx")
    assert fastrows.supported()
    fastrows.supported.cache_clear()

    breakage(monkeypatch)
    assert not fastrows.supported()

    def refuse(*args: Any) -> None:
        raise AssertionError("the fast path was taken although the check failed")

    monkeypatch.setattr(fastrows, "write_rows_fast", refuse)
    assert write(tmp_path / "fallback.xlsx") == reference

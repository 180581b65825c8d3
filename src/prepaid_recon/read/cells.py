"""Typed parsing of input cells, column at a time.

A column arrives as whatever the spreadsheet held: typed cells (numbers, dates, booleans, Excel
time cells) or text, possibly mixed.  Each parser returns the parsed column and a mask of the
cells that were given but could not be read as the column's type, so that validation can turn
each one into a finding.  Empty cells are missing values (NA), never errors here.

No cell raises: a date outside :data:`~prepaid_recon.domain.SUPPORTED_DATES` (year 9999 or 1,
as a date cell of any resolution or as text), a number too big for its type (1e300 in a whole
number column, ``1e309`` or 400 digits as text), ``inf`` or ``nan`` typed as text, each is an
unreadable cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from prepaid_recon.domain import SUPPORTED_DATES

_EXCEL_EPOCH = pd.Timestamp("1899-12-31")
_EXCEL_EPOCH_48H = _EXCEL_EPOCH + pd.Timedelta(hours=48)
_FIRST_DATE = pd.Timestamp(SUPPORTED_DATES.first)
"""Earlier 'dates' are refused; among them the Excel time cells (a time of day, or a duration
under 48 h, read as a datetime of 1899-12-31 or 1900-01-01)."""
_LAST_DATE = pd.Timestamp(SUPPORTED_DATES.last)
_WHOLE_LIMIT = 1e15
"""A whole number has at most 15 digits (every one of them exact in a float)."""
_TRUE = {"true", "yes", "y", "1", "1.0", "x"}
_FALSE = {"false", "no", "n", "0", "0.0"}
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_HMM = r"^(-)?(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$"
_TIME_CELL_TEXT = r"^(1899-12-3[01]|1900-01-0[12])[ T](\d{2}):(\d{2})(?::(\d{2}))?$"

EXCEL_ERRORS = {
    "NA": "#N/A", "Div0": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
    "Num": "#NUM!", "Null": "#NULL!", "": "#ERROR",
}  # fmt: skip
"""The text the reader puts in a cell holding an Excel error (calamine's name -> Excel's)."""
_ERROR_TEXTS = set(EXCEL_ERRORS.values())

Parsed = tuple[pd.Series, pd.Series]
"""(parsed values, mask of cells that were given but unreadable)."""


def _kind(raw: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(raw.dtype):
        return "duration"  # a cell formatted [h]:mm
    return "text"


def present(raw: pd.Series) -> pd.Series:
    """Cells that hold a value: not empty and not only spaces."""
    if _kind(raw) == "text":
        return raw.notna() & raw.astype("str").str.strip().ne("")
    return raw.notna()


def display(raw: pd.Series) -> pd.Series:
    """The cell as a user would recognise it in a message."""
    kind = _kind(raw)
    if kind == "datetime":
        return raw.dt.strftime("%Y-%m-%d %H:%M:%S").str.removesuffix(" 00:00:00")
    if kind == "number":
        return raw.map(_number_text, na_action="ignore")
    return raw.astype("str")


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _text_of(raw: pd.Series) -> pd.Series:
    """Trimmed text of the cells, NA where empty."""
    kind = _kind(raw)
    if kind == "text":
        out = raw.astype("str").str.strip()
    elif kind == "number":
        out = raw.map(_number_text, na_action="ignore").astype("str")
    elif kind == "bool":
        out = raw.map({True: "TRUE", False: "FALSE"}).astype("str")
    else:
        out = display(raw)
    return out.where(present(raw))


def parse_text(raw: pd.Series) -> Parsed:
    """Text: trimmed; a number cell reads as its digits (ticket 404 typed as a number = '404').

    An Excel error (#N/A, #REF!, ...) is not text: it is reported, never taken as a name.
    """
    text = _text_of(raw).astype("str")
    error = text.isin(_ERROR_TEXTS)
    return text.where(~error).astype("str"), error


def parse_bool(raw: pd.Series) -> Parsed:
    """Booleans: true/false, yes/no, y/n, 1/0, x (true), Excel booleans, any case."""
    kind = _kind(raw)
    given = present(raw)
    if kind == "bool":
        return raw.astype("boolean"), pd.Series(False, index=raw.index)
    if kind == "number":
        out = raw.map({1.0: True, 0.0: False}).astype("boolean")
    elif kind == "text":
        lower = raw.astype("str").str.strip().str.lower()
        out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        out[lower.isin(_TRUE)] = True
        out[lower.isin(_FALSE)] = False
    else:
        out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    return out.astype("boolean"), given & out.isna()


def parse_number(raw: pd.Series) -> Parsed:
    """Numbers: a numeric cell, or text with '.' as the decimal point (no thousands separator)."""
    kind = _kind(raw)
    given = present(raw)
    if kind == "number":
        out = raw.astype("float64")
    elif kind == "text":
        text = raw.astype("str").str.strip()
        plain = text.str.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?").fillna(False)
        out = pd.to_numeric(text.where(plain), errors="coerce").astype("float64")
    else:
        out = pd.Series(np.nan, index=raw.index, dtype="float64")
    out = out.where(np.isfinite(out)).astype("float64") + 0.0  # -0 is 0: never "-0.00"
    return out, given & out.isna()


def parse_whole(raw: pd.Series) -> Parsed:
    """Whole numbers (line sequences): a number without a fractional part, of at most 15 digits
    (1e300 or 2**70 are unreadable, never cast)."""
    number, bad = parse_number(raw)
    fractional = number.notna() & (number != np.floor(number.fillna(0)))
    too_big = number.abs().ge(_WHOLE_LIMIT).fillna(False)
    whole = number.where(~fractional & ~too_big)
    return whole.round().astype("Int64"), bad | fractional | too_big


def parse_date(raw: pd.Series) -> Parsed:
    """Dates: an Excel date cell, or ISO text YYYY-MM-DD; a datetime keeps its date.

    Anything else, 03/04/2026 included, is unreadable: it is reported, never guessed.  So is a
    date outside :data:`~prepaid_recon.domain.SUPPORTED_DATES`, checked at the resolution the
    reader gave (a cell of year 9999 comes as milliseconds) before anything becomes
    nanoseconds; a bare time cell (1899-12-31 09:00) is before the range.
    """
    kind = _kind(raw)
    given = present(raw)
    if kind == "datetime":
        day = raw.dt.normalize()
    elif kind == "text":
        text = raw.astype("str").str.strip()
        iso = text.str.extract(_ISO_DATE, expand=False)
        day = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    else:
        day = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    supported = day.ge(_FIRST_DATE).fillna(False) & day.le(_LAST_DATE).fillna(False)
    out = day.where(supported).astype("datetime64[ns]")
    return out, given & out.isna()


def parse_hours(raw: pd.Series) -> Parsed:
    """Hours: a number of hours, text H:MM (1:30 = 1.5), or an Excel time cell (1:30 = 1.5 h)."""
    kind = _kind(raw)
    given = present(raw)
    if kind == "number":
        out = raw.astype("float64")
    elif kind == "datetime":
        # Only 1899-12-31 00:00 to 1900-01-02 00:00 is a time or a duration (up to 48 h): any
        # other datetime is left out before subtracting (a year 9999 or 1677 would overflow).
        window = raw.ge(_EXCEL_EPOCH).fillna(False) & raw.le(_EXCEL_EPOCH_48H).fillna(False)
        span = (raw.where(window) - _EXCEL_EPOCH) / pd.Timedelta(hours=1)
        out = span.astype("float64")
    elif kind == "duration":
        out = (pd.to_timedelta(raw) / pd.Timedelta(hours=1)).astype("float64")
    elif kind == "text":
        out, _ = parse_number(raw)
        text = raw.astype("str").str.strip()
        todo = out.isna() & given
        if todo.any():
            hmm = text[todo].str.extract(_HMM)
            value = (
                hmm[1].astype("float64")
                + hmm[2].astype("float64") / 60
                + hmm[3].astype("float64").fillna(0) / 3600
            )
            value = value.where(hmm[0].isna(), -value)
            cell = text[todo].str.extract(_TIME_CELL_TEXT)
            days = cell[0].map({"1899-12-30": -1.0, "1899-12-31": 0.0, "1900-01-01": 1.0})
            from_cell = (
                days * 24
                + cell[1].astype("float64")
                + cell[2].astype("float64") / 60
                + cell[3].astype("float64").fillna(0) / 3600
            )
            out = out.copy()
            out[todo] = value.fillna(from_cell)
    else:
        out = pd.Series(np.nan, index=raw.index, dtype="float64")
    out = out.where(np.isfinite(out)).astype("float64") + 0.0  # -0 is 0: never "-0.00"
    return out, given & out.isna()


PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    "text": parse_text,
    "bool": parse_bool,
    "date": parse_date,
    "number": parse_number,
    "percent": parse_number,
    "whole": parse_whole,
    "hours": parse_hours,
}

EXPECTED: dict[str, str] = {
    "text": "text, not an Excel error such as #N/A",
    "bool": "a yes/no value (true/false, yes/no, 1/0, x)",
    "date": f"a date {SUPPORTED_DATES} (an Excel date or YYYY-MM-DD; 03/04/2026 is ambiguous)",
    "number": "a number (with '.' as decimal point)",
    "percent": "a percentage from 0 to 100",
    "whole": "a whole number of at most 15 digits",
    "hours": "hours (a number such as 1.5, or H:MM such as 1:30)",
}

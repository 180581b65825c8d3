"""The one workbook factory: every xlsx file the tool writes is opened and stamped here.

Three writers share it: the reports (:mod:`prepaid_recon.xlsx.writer`), the blank input
templates (:mod:`prepaid_recon.xlsx.templates`) and the synthetic input generator
(:mod:`prepaid_recon.synthetic`).  What they must agree on lives in this module only:

* the workbook options (:func:`new_workbook`): text is never turned into a formula, a link or
  a number (``strings_to_formulas/urls/numbers`` off), ``constant_memory`` streams big sheets
  when asked, and ``tmpdir`` says where xlsxwriter keeps its temporary row files;
* the fixed metadata: author ``prepaid-recon`` and the creation stamp :data:`FIXED_CREATED`,
  never the clock, so that the same content always gives the same bytes (xlsxwriter already
  stamps every zip member with 1980-01-01);
* the Excel date system (:data:`EXCEL_EPOCH`, :func:`excel_serials`, :func:`excel_serial`);
* the number format of each value kind (:data:`NUMBER_FORMATS`, :data:`MONEY_FORMATS`) and the
  header row's style (:data:`HEADER_STYLE`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

__all__ = [
    "AUTHOR",
    "EXCEL_EPOCH",
    "FIXED_CREATED",
    "HEADER_STYLE",
    "MONEY_FORMATS",
    "NUMBER_FORMATS",
    "Format",
    "Workbook",
    "Worksheet",
    "excel_serial",
    "excel_serials",
    "new_workbook",
]

FIXED_CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Creation time stamped into every workbook: a constant, never the clock."""

AUTHOR = "prepaid-recon"
"""The author stamped into every workbook."""

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
"""Day 0 of Excel's 1900 date system as it counts from 1900-03-01 on (Excel believes 1900 was
a leap year, so serial 60 is a 1900-02-29 that never was; no date the tool writes is older)."""

_DAY_NS = np.timedelta64(1, "D")

NUMBER_FORMATS: dict[str, str] = {
    "int": "0",  # whole numbers: counts, line numbers
    "hours": "0.00",  # decimal hours
    "qty": "0.00",  # a quantity in its unit of measure
    "number": "0.00",  # any other decimal number typed into an input (price, ratio, percent)
    "percent": '0.00"%"',  # a 0..100 figure in a report, shown with a percent sign
    "date": "yyyy-mm-dd",  # a date (serial day number), shown as ISO
    "time": "h:mm",  # a time of day (fraction of a day): hours typed as H:MM in an input
    "text": "@",  # text: Excel keeps what is typed (00123 stays 00123)
}
"""Excel number format of each value kind (money takes its currency's: :data:`MONEY_FORMATS`)."""

MONEY_FORMATS: dict[int, str] = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
"""Money format per number of decimals of the currency (JPY 0, USD 2, KWD 3)."""

HEADER_STYLE: dict[str, Any] = {"bold": True, "bottom": 1, "bg_color": "#DDEBF7"}
"""The header row of every sheet: bold, underlined, light blue."""


def excel_serials(values: pd.Series) -> np.ndarray:
    """Excel serial numbers (days since :data:`EXCEL_EPOCH`, the time of day as the fraction)
    of a column of dates; NaN for a missing date.

    A time-zone-aware column is written at its wall-clock time (Excel has no time zones).
    """
    stamps = pd.to_datetime(values)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    ns = stamps.to_numpy(dtype="datetime64[ns]")
    nat = np.isnat(ns)
    days = (ns - EXCEL_EPOCH.astype("datetime64[ns]")) / _DAY_NS
    return np.where(nat, np.nan, days)


def excel_serial(value: dt.date | dt.datetime | dt.time | pd.Timestamp) -> float:
    """The Excel serial number of one date, date-time or time of day (a time is a fraction of
    a day, as Excel stores ``1:30``); the same numbers as :func:`excel_serials`."""
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return (seconds + value.microsecond / 1e6) / 86400
    return float(excel_serials(pd.Series([value]))[0])


def new_workbook(
    path: Path | str,
    *,
    constant_memory: bool = False,
    tmpdir: Path | str | None = None,
    title: str | None = None,
) -> Workbook:
    """An xlsxwriter workbook at ``path`` with the tool's options and fixed metadata.

    Text stays text (no formula, link or number conversion); ``constant_memory`` writes each
    row as soon as the next one starts (rows must then be written in order); ``tmpdir`` holds
    xlsxwriter's temporary files (default: the system's).  The creation stamp is
    :data:`FIXED_CREATED` and the author :data:`AUTHOR`; ``title`` is added when given.
    """
    options: dict[str, Any] = {
        "constant_memory": constant_memory,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    if tmpdir is not None:
        options["tmpdir"] = str(tmpdir)
    book = xlsxwriter.Workbook(str(path), options)
    properties: dict[str, Any] = {"created": FIXED_CREATED, "author": AUTHOR}
    if title is not None:
        properties["title"] = title
    book.set_properties(properties)
    return book

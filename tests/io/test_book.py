"""The workbook factory: one creation stamp, one date system, one format table for every writer."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from prepaid_recon.synthetic import write_inputs
from prepaid_recon.xlsx.book import FIXED_CREATED, NUMBER_FORMATS, excel_serial, excel_serials
from prepaid_recon.xlsx.templates import write_templates
from prepaid_recon.xlsx.writer import SheetSpec, write_workbook


def _core(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("docProps/core.xml").decode()


def test_reports_templates_and_generated_inputs_carry_the_same_fixed_stamp(tmp_path):
    report = tmp_path / "report.xlsx"
    write_workbook(report, [SheetSpec("s", pd.DataFrame({"a": [1.0]}))])
    template = write_templates(tmp_path / "templates")[0]
    frame = pd.DataFrame({"team": ["Support"]})
    generated = write_inputs({"teams": frame}, tmp_path / "inputs")[0]
    stamp = FIXED_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in (report, template, generated):
        core = _core(path)
        assert f">{stamp}</dcterms:created>" in core, path
        assert "<dc:creator>prepaid-recon</dc:creator>" in core, path


@pytest.mark.parametrize(
    ("day", "serial"),
    [("1900-03-01", 61), ("2000-01-01", 36526), ("2026-10-31", 46326)],
)
def test_dates_are_excel_serial_days(day, serial):
    assert excel_serials(pd.Series(pd.to_datetime([day]))).tolist() == [serial]
    assert excel_serial(dt.date.fromisoformat(day)) == serial
    assert excel_serial(pd.Timestamp(day)) == serial


def test_time_of_day_is_the_fraction_and_a_missing_date_is_nan():
    values = pd.Series(pd.to_datetime(["2000-01-01 06:00", None]))
    serials = excel_serials(values)
    assert serials[0] == 36526.25
    assert np.isnan(serials[1])
    assert excel_serial(dt.time(1, 30)) == 0.0625


def test_a_zoned_date_is_written_at_its_wall_clock_time():
    paris = pd.Series(pd.to_datetime(["2000-01-01 06:00"]).tz_localize("Europe/Paris"))
    assert excel_serials(paris).tolist() == [36526.25]


def test_written_dates_read_back_as_the_same_dates(tmp_path):
    days = pd.to_datetime(["2026-10-31", "1999-12-31", "2026-02-28"])
    write_workbook(tmp_path / "a.xlsx", [SheetSpec("s", pd.DataFrame({"d": days}))])
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["s"]
    assert [c.value for c in ws["A"][1:]] == list(days.to_pydatetime())
    assert {c.number_format for c in ws["A"][1:]} == {NUMBER_FORMATS["date"]}

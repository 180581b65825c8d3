"""The mapping engine (docs/mappings.md): the TOML model, each conversion, a mapped sheet."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from prepaid_recon.mapping import convert
from prepaid_recon.mapping.apply import map_sheet
from prepaid_recon.mapping.model import MappingError, parse_mapping


def cells(*values: object) -> pd.Series:
    return pd.Series(list(values), index=range(2, 2 + len(values)), dtype=object)


@pytest.mark.parametrize(
    ("unit", "raw", "hours"),
    [
        ("seconds", 5400, 1.5),
        ("seconds", "-900", -0.25),
        ("minutes", 20, 1 / 3),
        ("hours", "0.3333333", 0.3333333),
        ("hh:mm", "1:30", 1.5),
        ("hh:mm", "-0:15", -0.25),
        ("hh:mm", dt.time(1, 45), 1.75),
        ("hh:mm:ss", "01:20:30", 1 + 20 / 60 + 30 / 3600),
        ("hh:mm:ss", pd.Timedelta(minutes=90), 1.5),
        ("iso8601", "PT1H30M", 1.5),
        ("iso8601", "P1DT2H", 26.0),
        ("iso8601", "PT45S", 45 / 3600),
    ],
)
def test_durations_become_hours(unit, raw, hours):
    assert convert.duration_hours(cells(raw), unit).iat[0] == pytest.approx(hours)


@pytest.mark.parametrize(
    ("unit", "raw"),
    [("seconds", "ten"), ("hh:mm", "1:75"), ("hh:mm", "1:30:00"), ("iso8601", "P"), ("hh:mm", 5)],
)
def test_a_cell_that_is_not_the_duration_is_kept_for_validation_to_report(unit, raw):
    assert convert.duration_hours(cells(raw), unit).iat[0] == raw


def test_a_utc_date_time_is_taken_in_the_stated_time_zone():
    out = convert.dates(
        cells("2026-03-31T22:40:00Z", "2026-10-31T21:00:00Z", "", "31/10/2026"),
        "%Y-%m-%dT%H:%M:%S%z",
        "Europe/Brussels",
    )
    assert out.tolist() == ["2026-04-01", "2026-10-31", None, "31/10/2026"]


def test_a_date_time_cell_keeps_its_date_and_a_local_text_follows_its_format():
    out = convert.dates(
        cells(dt.datetime(2026, 10, 5, 23, 30), "05.10.2026"), "%d.%m.%Y", "Europe/Brussels"
    )
    assert out.tolist() == ["2026-10-05", "2026-10-05"]


def test_value_maps_ignore_case_and_flag_unlisted_labels():
    out, unknown = convert.mapped_values(
        cells("Yes", "no", " YES ", "Maybe", None), {"Yes": True, "No": False}
    )
    assert out.tolist() == [True, False, True, None, None]
    assert unknown.tolist() == [False, False, False, True, False]


def test_patterns_extract_their_group_and_flag_cells_they_do_not_match():
    out, missed = convert.extracted(
        cells("Printer jam (#41)", "[REF-7] Support", "no ticket", None),
        r"\(#(\d+)\)|\[(?P<value>[^\]]+)\]",
    )
    assert out.tolist()[1] == "REF-7"
    out, missed = convert.extracted(cells("Printer jam (#41)", "no ticket", None), r"#(\d+)")
    assert out.tolist() == ["41", None, None]
    assert missed.tolist() == [False, True, False]


def test_templates_combine_headers_and_skip_empty_cells():
    frame = pd.DataFrame({"First Name": ["Ana", "Ben", None], "Last Name": ["Silva", None, None]})
    assert convert.filled_template(frame, "{First Name} {Last Name}").tolist() == [
        "Ana Silva",
        "Ben",
        None,
    ]


HARVEST = """
name = "harvest-like"
[sheets.timesheets]
file = "time*.csv"
skip_rows = [{ column = "Date", matches = "^Total" }]
[sheets.timesheets.columns]
date = { from = "Date", date_format = "%Y-%m-%d" }
employee = { template = "{First Name} {Last Name}" }
hours = { from = "Hours", unit = "hours" }
billable = { from = "Billable?", values = { Yes = true, No = false } }
ticket = { from = ["External Reference URL", "Notes"], pattern = "#(\\\\d+)" }
"""


def harvest_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "Date": ["2026-10-01", "2026-10-02", "Total", "2026-10-03"],
            "Task": ["Support", "Development", None, "Support"],
            "Notes": ["fixed #41", "call", None, "nothing here"],
            "Hours": ["1.5", "0.25", "1.75", "2"],
            "Billable?": ["Yes", "No", None, "Perhaps"],
            "First Name": ["Ana", "Ben", None, "Ana"],
            "Last Name": ["Silva", "Okafor", None, "Silva"],
            "External Reference URL": [None, "https://x.example/tickets/#42", None, None],
        },
        dtype=object,
    )
    frame.index = pd.RangeIndex(2, 6, name="row")
    return frame


def test_a_mapped_sheet_keeps_excel_rows_and_reads_only_listed_columns():
    mapping = parse_mapping(HARVEST, "harvest.toml")
    mapped = map_sheet(
        harvest_frame(), mapping.sheets["timesheets"], "timesheets", "time.csv", "time.csv"
    )
    frame = mapped.frame
    assert frame.index.tolist() == [2, 3, 5]  # the group total (row 4) skipped
    assert "task" not in frame.columns  # Harvest's Task is a work category, never ours
    assert frame["ticket"].tolist() == ["41", "42", None]
    assert frame["employee"].tolist() == ["Ana Silva", "Ben Okafor", "Ana Silva"]
    assert frame["hours"].tolist() == [1.5, 0.25, 2.0]
    assert frame["billable"].tolist() == [True, False, None]
    assert mapped.sources["hours"] == "Hours"
    found = {(f.code, f.row, f.column) for f in mapped.findings}
    assert found == {
        ("unmapped_value", 5, "Billable? → billable"),
        ("pattern_not_matched", 5, "External Reference URL / Notes → ticket"),
    }
    assert all(f.file == "time.csv" for f in mapped.findings)


def test_a_header_the_mapping_needs_is_reported_missing_on_the_header_row():
    mapping = parse_mapping(HARVEST, "harvest.toml")
    frame = harvest_frame().drop(columns=["Hours", "Last Name"])
    mapped = map_sheet(frame, mapping.sheets["timesheets"], "timesheets", "time.csv", "time.csv")
    missing = {
        (f.code, f.row, f.column) for f in mapped.findings if f.code == "mapped_column_missing"
    }
    assert missing == {
        ("mapped_column_missing", 1, "hours"),
        ("mapped_column_missing", 1, "employee"),
    }
    assert "hours" not in mapped.frame.columns


def test_unlisted_contract_headers_are_read_only_when_the_mapping_allows_it():
    text = HARVEST.replace('file = "time*.csv"', 'file = "time*.csv"\nonly_listed_columns = false')
    frame = harvest_frame().rename(columns={"Task": "task"})
    mapped = map_sheet(
        frame, parse_mapping(text, "m.toml").sheets["timesheets"], "timesheets", "t", "t"
    )
    assert mapped.frame["task"].tolist() == ["Support", "Development", "Support"]


def test_a_lookup_replaces_ids_through_a_side_table_and_flags_unknown_ids():
    text = """
[sheets.timesheets]
file = "time_entries.csv"
[sheets.timesheets.columns]
employee = { from = "agent_id", lookup = { file = "agents.csv", key = "id", value = "name" } }
hours = { from = "time_spent", unit = "hh:mm" }
"""
    frame = pd.DataFrame(
        {"agent_id": [101.0, 102.0, 999.0], "time_spent": ["00:20", "1:05", "0:10"]}
    )
    agents = pd.DataFrame({"id": [101, 102], "name": ["Ana Silva", "Ben Okafor"]})
    mapped = map_sheet(
        frame, parse_mapping(text, "m.toml").sheets["timesheets"], "timesheets", "t.csv", "t.csv",
        {"agents.csv": agents},
    )  # fmt: skip
    assert mapped.frame["employee"].tolist() == ["Ana Silva", "Ben Okafor", None]
    assert [(f.code, f.value) for f in mapped.findings] == [("unmapped_value", "999.0")]
    assert mapped.frame["hours"].tolist() == pytest.approx([1 / 3, 65 / 60, 1 / 6])


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("name = 'x'\n[sheets.timesheets]\nfile='a'\ncolumns={}\nextra=1", "extra"),
        ("[sheets.timesheetz]\nfile='a'\ncolumns={}", "not an input sheet"),
        ("[sheets.timesheets]\nfile='a'\ncolumns={ hourz = { from = 'H' } }", "hourz"),
        ("[sheets.timesheets]\nfile='a'\ncolumns={ hours = {} }", "exactly one of"),
        (
            "[sheets.timesheets]\nfile='a'\ncolumns={ ticket = { from='N', pattern='(' } }",
            "regular",
        ),
        ("[sheets.timesheets]\nfile='a'\ncolumns={ ticket = { from='N', pattern='#' } }", "group"),
        (
            "[sheets.timesheets]\nfile='a'\n"
            "columns={ date = { from='D', date_format='%Y', timezone='Mars/Base' } }",
            "time zone",
        ),
        (
            "[sheets.timesheets]\nfile='a'\ncolumns={ hours = { from='H', unit='fortnights' } }",
            "unit",
        ),
        ("[sheets.timesheets\nfile='a'", "not valid TOML"),
    ],
)
def test_a_bad_mapping_is_refused_naming_what_is_wrong(text, said):
    with pytest.raises(MappingError, match=said):
        parse_mapping(text, "bad.toml")

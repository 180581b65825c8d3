"""Each built-in profile turns its source system's export (``tests/mapping/exports.py``: real
file names, sheets, headers and value formats) into exactly the tables of the same data typed in
contract form; and ``run`` gives the same figures."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from builders import write_inputs
from prepaid_recon.domain import Period
from prepaid_recon.read.mapped import builtin_text
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mapping"))
from exports import PERIOD, TIME_ZONE, WRITERS

PROFILES = sorted(WRITERS)


def _validated(folder: Path, mapping: str | None):
    validated = validate(read_inputs(folder, mapping), Period.parse(PERIOD))
    errors = validated.findings[validated.findings["severity"] == "error"]
    assert errors.empty, errors.to_string()
    assert validated.inputs is not None
    return validated.inputs


def _same_tables(mapped, typed) -> None:
    for sheet in ("teams", "products", "orders", "order_lines", "tickets", "timesheets",
                  "invoices", "invoice_lines"):  # fmt: skip
        a = getattr(mapped, sheet).reset_index(drop=True)
        b = getattr(typed, sheet).reset_index(drop=True)
        drop = [c for c in ("timesheet", "source_row") if c in a.columns]
        pd.testing.assert_frame_equal(
            a.drop(columns=drop), b.drop(columns=drop), check_dtype=False, obj=sheet
        )


def _user_copy(folder: Path, profile: str) -> str:
    """The profile as a user's edited copy: Freshdesk's dates taken in the company's zone."""
    text = builtin_text(profile).replace('timezone = "UTC"', f'timezone = "{TIME_ZONE}"')
    path = folder / "prepaid-recon.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("profile", PROFILES)
def test_each_profile_reads_its_export_as_the_same_data_in_contract_form(tmp_path, profile):
    write, expected = WRITERS[profile]
    export = write(tmp_path / "export")
    typed = write_inputs(tmp_path / "typed", expected())
    mapping = _user_copy(tmp_path, profile) if profile == "freshdesk" else profile
    _same_tables(_validated(export, mapping), _validated(typed, None))


def test_freshdesk_dates_follow_the_stated_time_zone_never_a_guess(tmp_path):
    write, _expected = WRITERS["freshdesk"]
    export = write(tmp_path / "export")
    in_utc = _validated(export, "freshdesk").timesheets["date"]
    local = _validated(export, _user_copy(tmp_path, "freshdesk")).timesheets["date"]
    moved = (in_utc.reset_index(drop=True) != local.reset_index(drop=True)).sum()
    assert moved >= 1  # an entry late on a UTC evening is the next day in Brussels
    assert local.max() > pd.Timestamp("2026-10-31")  # one falls after the cut-off locally only

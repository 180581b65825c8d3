"""``--currency`` is checked against ISO 4217 (CONTRACT section 1): a code that is not one is a
usage error naming the option (exit 2), before anything is read; a real code in any letter
case is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_process import SAMPLE, assert_no_traceback, command


@pytest.mark.parametrize("command_name", ["run", "validate"])
@pytest.mark.parametrize("code", ["XYZ", "dollars"])
def test_a_currency_that_is_not_iso_4217_is_a_usage_error_naming_the_option(
    command_name, code, tmp_path: Path
):
    done = command(command_name, SAMPLE, "--currency", code, "--period", "2026-10", cwd=tmp_path)
    assert done.returncode == 2
    assert_no_traceback(done)
    assert "--currency" in done.stderr and code in done.stderr and "ISO 4217" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, not even OUT's lock


def test_an_iso_4217_currency_in_any_letter_case_is_taken(tmp_path: Path):
    out = tmp_path / "checks"
    done = command("validate", SAMPLE, "--period", "2026-10", "--currency", "chf", "--out", out)
    assert done.returncode == 0, done.stderr
    assert (out / "exceptions.xlsx").is_file()

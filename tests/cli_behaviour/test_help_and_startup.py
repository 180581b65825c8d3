"""Help answers at once and says how to use each command (CONTRACT section 1): examples, the
exit codes and typed placeholders (``YYYY-MM``, ``YYYY-MM-DD``, ``DIR``, ``CODE``); and it loads
none of the heavy libraries (pandas, pandera, pyarrow, openpyxl, xlsxwriter, fastexcel,
pydantic), which is what keeps it fast.  Wall-clock time is measured by
``benchmarks/cli_startup.py``, not asserted here."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cli_process import assert_no_traceback, command

HEAVY = {"pandas", "pandera", "pyarrow", "openpyxl", "xlsxwriter", "fastexcel", "pydantic"}
HEAVY |= {"numpy", "python_calamine"}


def imported_modules(*args: str) -> set[str]:
    """The top-level packages ``python -X importtime -m prepaid_recon ARGS`` imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "prepaid_recon", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert lines, done.stderr
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines}


@pytest.mark.parametrize(
    "args",
    [["--help"], ["run", "--help"], ["validate", "--help"], ["init", "-h"], ["sample", "-h"]],
    ids=" ".join,
)
def test_help_imports_none_of_the_heavy_libraries(args):
    modules = imported_modules(*args)
    assert "click" in modules  # the parse did run
    assert modules & HEAVY == set()


def test_help_shows_examples_and_exit_codes():
    done = command("--help")
    assert done.returncode == 0
    assert_no_traceback(done)
    assert "Examples:" in done.stdout
    assert "prepaid-recon run october --period 2026-10" in done.stdout
    assert "Exit codes:" in done.stdout
    for code in ("0 ", "1 ", "2 ", "3 ", "130 "):
        assert f"\n    {code}" in done.stdout, code


@pytest.mark.parametrize(
    ("name", "placeholders"),
    [
        ("run", ["--period YYYY-MM", "--out DIR", "--currency CODE", "--invoice-date YYYY-MM-DD"]),
        ("validate", ["--period YYYY-MM", "--out DIR", "--currency CODE", "--json"]),
        ("init", ["DIR", "--mapping NAME", "--force"]),
        ("sample", ["DIR", "--timesheets N", "--seed S", "--period YYYY-MM", "--force"]),
    ],
)
def test_each_command_help_has_typed_placeholders_examples_and_exit_codes(name, placeholders):
    done = command(name, "--help")
    assert done.returncode == 0
    for placeholder in placeholders:
        assert placeholder in done.stdout, placeholder
    assert "TEXT" not in done.stdout and "PATH" not in done.stdout
    assert "Examples:" in done.stdout and f"prepaid-recon {name} " in done.stdout
    assert "Exit codes:" in done.stdout

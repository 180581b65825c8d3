"""`prepaid-recon validate` (CONTRACT sections 1 and 4): exit codes, messages, exceptions.xlsx,
and the seed-flow scenarios v1..v5 (validated in-process, then through the command).

Exit codes are checked through click's ``CliRunner``; could-not-run errors (exit 2) also
through the console entry point ``cli.main`` and once through the installed script.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import scenario_runner
from builders import Text, write_inputs
from prepaid_recon.cli import cli, main
from prepaid_recon.domain import Period
from prepaid_recon.read.tables import read_inputs
from prepaid_recon.validate import validate

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("v[0-9]_*.json"))
"""The seed-flow scenarios v1..v5 (the acceptance suite's own, kept in tests/scenarios)."""


def invoke(*args: str):
    """Run ``validate`` through CliRunner; the click Result (output = stdout + stderr)."""
    return CliRunner().invoke(cli, ["validate", *map(str, args)])


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the console entry point as the shell would; (exit code, stdout + stderr)."""
    monkeypatch.setattr(sys, "argv", ["prepaid-recon", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return exited.value.code, out.out + out.err


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text
    assert 'File "' not in text


# --------------------------------------------------------------------------------------------
# Exit codes
# --------------------------------------------------------------------------------------------


def test_clean_input_exits_0(tmp_path, inputs):
    result = invoke(write_inputs(tmp_path / "in", inputs), "--period", "2026-10")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_warnings_alone_exit_0(tmp_path, inputs):
    inputs["tickets"][0]["team"] = "Internal"  # linked, but time is not re-invoiced
    result = invoke(write_inputs(tmp_path / "in", inputs), "--period", "2026-10")
    assert result.exit_code == 0, result.output
    assert "1 warning" in result.output


def test_errors_exit_1_and_name_file_sheet_row_and_column(tmp_path, inputs):
    inputs["timesheets"][1]["hours"] = "abc"
    result = invoke(write_inputs(tmp_path / "in", inputs), "--period", "2026-10")
    assert result.exit_code == 1
    assert "timesheets.xlsx:timesheets!3 [hours]" in result.output
    assert "abc" in result.output
    assert_no_traceback(result.output)


def test_corrupt_workbook_exits_1_naming_the_file_without_traceback(tmp_path, inputs):
    folder = write_inputs(tmp_path / "in", inputs)
    (folder / "orders.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    result = invoke(folder)
    assert result.exit_code == 1
    assert "orders.xlsx" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_no_traceback(result.output)


def test_single_workbook_input(tmp_path, inputs):
    result = invoke(write_inputs(tmp_path, inputs, layout="single"))
    assert result.exit_code == 0, result.output


def test_input_that_does_not_exist_exits_2(tmp_path, monkeypatch, capsys):
    code, output = run_main(monkeypatch, capsys, "validate", tmp_path / "nowhere")
    assert code == 2
    assert "nowhere" in output
    assert_no_traceback(output)
    through_click = invoke(tmp_path / "nowhere")
    assert through_click.exit_code == 2
    assert_no_traceback(through_click.output)


def test_input_file_that_is_not_a_workbook_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "timesheets.csv").write_text("date,employee\n")
    code, output = run_main(monkeypatch, capsys, "validate", tmp_path / "timesheets.csv")
    assert code == 2
    assert_no_traceback(output)


@pytest.mark.parametrize("period", ["2026-13", "oct", "2026-1", "2026/10"])
def test_bad_period_exits_2(tmp_path, inputs, monkeypatch, capsys, period):
    folder = write_inputs(tmp_path / "in", inputs)
    code, output = run_main(monkeypatch, capsys, "validate", folder, "--period", period)
    assert code == 2
    assert "period" in output.lower()
    assert_no_traceback(output)
    assert invoke(folder, "--period", period).exit_code == 2  # click's usage error too


def test_bad_default_currency_exits_2(tmp_path, inputs, monkeypatch, capsys):
    folder = write_inputs(tmp_path / "in", inputs)
    code, output = run_main(monkeypatch, capsys, "validate", folder, "--currency", "dollars")
    assert code == 2
    assert_no_traceback(output)


def test_out_dir_that_is_the_input_folder_is_refused_with_exit_2(
    tmp_path, inputs, monkeypatch, capsys
):
    folder = write_inputs(tmp_path / "in", inputs)
    before = sorted(p.name for p in folder.iterdir())
    code, output = run_main(monkeypatch, capsys, "validate", folder, "--out", folder)
    assert code == 2
    assert_no_traceback(output)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_installed_command_exits_2_on_missing_input_without_traceback(tmp_path):
    command = Path(sys.executable).with_name("prepaid-recon")
    assert command.exists(), "the console script is installed with the package"
    done = subprocess.run(
        [str(command), "validate", str(tmp_path / "nowhere"), "--period", "2026-10"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "nowhere" in done.stderr
    assert_no_traceback(done.stdout + done.stderr)


# --------------------------------------------------------------------------------------------
# The period: cut-off checks only with --period
# --------------------------------------------------------------------------------------------


def test_cutoff_checks_run_only_with_a_period(tmp_path, inputs):
    inputs["timesheets"][0]["date"] = dt.date(2026, 11, 2)
    folder = write_inputs(tmp_path / "in", inputs)
    without = invoke(folder)
    assert without.exit_code == 0
    assert "0 error(s), 0 warning(s)" in without.output
    with_period = invoke(folder, "--period", "2026-10")
    assert with_period.exit_code == 0
    assert "0 error(s), 1 warning(s)" in with_period.output
    assert "timesheets.xlsx:timesheets!2 [date]" in with_period.output


# --------------------------------------------------------------------------------------------
# exceptions.xlsx with --out
# --------------------------------------------------------------------------------------------


def _sheet_rows(path: Path, sheet: str) -> tuple[list, list[dict]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    header = list(rows[0])
    return header, [dict(zip(header, r, strict=False)) for r in rows[1:]]


def test_out_writes_exceptions_xlsx_with_one_row_per_finding(tmp_path, inputs):
    inputs["timesheets"][1]["hours"] = "abc"
    inputs["timesheets"].append(
        {"date": dt.date(2026, 10, 2), "employee": "Ana", "ticket": Text("HT-404"), "hours": 1}
    )
    out = tmp_path / "out"
    result = invoke(write_inputs(tmp_path / "in", inputs), "--period", "2026-10", "--out", out)
    assert result.exit_code == 1
    header, rows = _sheet_rows(out / "exceptions.xlsx", "exceptions")
    assert header[:8] == ["severity", "code", "file", "sheet", "row", "column", "value", "message"]
    found = {(r["severity"], r["code"], r["file"], r["sheet"], r["row"], r["column"]) for r in rows}
    assert found == {
        ("error", "bad_hours", "timesheets.xlsx", "timesheets", 3, "hours"),
        ("error", "unknown_reference", "timesheets.xlsx", "timesheets", 4, "ticket"),
    }
    assert {r["value"] for r in rows} == {"abc", "HT-404"}


def test_out_on_clean_input_writes_an_empty_exceptions_sheet(tmp_path, inputs):
    out = tmp_path / "out"
    result = invoke(write_inputs(tmp_path / "in", inputs), "--out", out)
    assert result.exit_code == 0, result.output
    header, rows = _sheet_rows(out / "exceptions.xlsx", "exceptions")
    assert header[:3] == ["severity", "code", "file"]
    assert rows == []


def test_without_out_nothing_is_written(tmp_path, inputs, monkeypatch):
    folder = write_inputs(tmp_path / "in", inputs)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert invoke(folder).exit_code == 0
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


# --------------------------------------------------------------------------------------------
# Shared acceptance scenarios
# --------------------------------------------------------------------------------------------


def _scenario_findings(tmp_path, path: Path):
    scenario = json.loads(path.read_text())
    target = scenario_runner.write_inputs(scenario, tmp_path)
    findings = validate(read_inputs(target), Period.parse(scenario["period"])).findings
    return scenario, target, findings


@pytest.mark.parametrize(
    "path", [p for p in SCENARIOS if not p.name.startswith("v5")], ids=lambda p: p.stem
)
def test_acceptance_scenarios_v1_to_v4_have_no_error(tmp_path, path):
    scenario, target, findings = _scenario_findings(tmp_path, path)
    assert (findings["severity"] == "error").sum() == 0, findings.to_string()
    assert invoke(target, "--period", scenario["period"]).exit_code == 0


def test_acceptance_v5_reports_its_three_errors_at_their_cells(tmp_path):
    path = Path(__file__).parent / "scenarios" / "v5_bad_input_reported.json"
    scenario, target, findings = _scenario_findings(tmp_path, path)
    errors = findings[findings["severity"] == "error"]
    assert set(zip(errors["sheet"], errors["row"], errors["column"], strict=True)) == {
        ("products", 8, "invoicing_policy"),
        ("timesheets", 3, "ticket"),
        ("timesheets", 4, "hours"),
    }
    assert len(errors) == 3
    assert set(errors["file"]) == {"products.xlsx", "timesheets.xlsx"}
    result = invoke(target, "--period", scenario["period"])
    assert result.exit_code == 1
    assert_no_traceback(result.output)


def test_a_long_value_is_shortened_on_the_console_and_kept_whole_in_exceptions(tmp_path, inputs):
    long_ticket = "T" + "x" * 5000
    inputs["timesheets"][0]["ticket"] = Text(long_ticket)
    folder = write_inputs(tmp_path / "in", inputs)
    result = invoke(folder, "--period", "2026-10", "--out", tmp_path / "out")
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "unknown" in x or "no such" in x)
    assert "T" + "x" * 58 + "…'" in line and len(line) < 400
    _, rows = _sheet_rows(tmp_path / "out" / "exceptions.xlsx", "exceptions")
    assert long_ticket in {r["value"] for r in rows}

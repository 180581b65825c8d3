"""``run --json`` and ``validate --json`` print exactly one JSON document on standard output
whatever happens (CONTRACT section 1): on success, when the input has errors (exit 1) and when
the command cannot run (exit 2), with the exit code, the counts, every finding and the files
written; human messages go to standard error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_process import REPORTS, SAMPLE, command, one_document

COMMON = {"tool", "version", "command", "exit_code", "message", "errors", "warnings", "notices"}
COMMON |= {"findings", "files"}
FINDING = ["severity", "code", "file", "sheet", "row", "column", "value", "message"]


def test_run_json_on_success_is_the_run_summary_with_every_finding_and_file(sample_json_run):
    done, out = sample_json_run
    document = one_document(done)
    assert done.returncode == 0
    assert document.keys() >= COMMON
    assert (document["command"], document["message"], document["errors"]) == ("run", None, 0)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["findings"] == {"errors": 0, "warnings": document["warnings"]}
    assert {k: v for k, v in document.items() if k in manifest and k != "findings"} == {
        k: v for k, v in manifest.items() if k != "findings"
    }  # every other key of run.json, as written
    assert len(document["findings"]) == document["warnings"] > 0
    assert all(list(f) == FINDING and f["severity"] == "warning" for f in document["findings"])
    assert document["files"] == [str(out / name) for name in REPORTS]
    assert "warning:" in done.stderr  # the human summary of the warnings


def test_run_json_on_input_errors_exits_1_with_the_findings(tmp_path: Path):
    broken = tmp_path / "in"
    shutil.copytree(SAMPLE, broken)
    (broken / "teams.xlsx").unlink()
    out = tmp_path / "out"
    done = command("run", broken, "--period", "2026-10", "--out", out, "--json")
    document = one_document(done)
    assert done.returncode == 1
    assert document["errors"] == 1
    [error] = [f for f in document["findings"] if f["severity"] == "error"]
    assert (error["code"], error["file"], error["row"]) == ("missing_file", "teams.xlsx", None)
    assert document["files"] == [str(out / "exceptions.xlsx"), str(out / "run.json")]
    assert "missing_file" not in done.stderr and "teams.xlsx" in done.stderr  # the human words


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["run", "no-such-folder", "--period", "2026-10"], "no-such-folder"),
        (["run", SAMPLE, "--period", "2026-13"], "--period"),
        (["run", SAMPLE], "--period"),
        (["run", SAMPLE, "--period", "2026-10", "--colour"], "--colour"),
        (["run", SAMPLE, "--period", "2026-10", "--out", SAMPLE], "--out"),
        (["validate", SAMPLE, "--currency", "XYZ"], "--currency"),
    ],
    ids=["input-missing", "bad-period", "no-period", "unknown-option", "out-refused", "currency"],
)
def test_json_when_the_command_cannot_run_is_one_document_with_exit_2(args, named, tmp_path):
    done = command(*args, "--json", cwd=tmp_path)
    document = one_document(done)
    assert done.returncode == 2
    assert document["command"] == args[0]
    assert named in document["message"] and named in done.stderr
    assert (document["findings"], document["files"], document["errors"]) == ([], [], 0)
    assert not (tmp_path / "out").exists()


def test_validate_json_lists_the_findings_and_the_file_written(tmp_path: Path):
    out = tmp_path / "checks"
    done = command("validate", SAMPLE, "--period", "2026-10", "--out", out, "--json")
    document = one_document(done)
    assert done.returncode == 0
    assert document.keys() >= COMMON
    assert (document["command"], document["period"]) == ("validate", "2026-10")
    assert document["errors"] == 0 and document["warnings"] == len(document["findings"]) > 0
    assert document["files"] == [str(out / "exceptions.xlsx")]
    assert document["inputs"]["row_counts"]["timesheets"] == 884

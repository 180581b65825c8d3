"""Output safety (issue 6, CONTRACT section 1): nothing is written outside OUT, OUT equal to
INPUT is refused, and a run that cannot write (no permission, disk full) exits 2 with a
message, leaving no partial report and no temporary folder.

Tests run as root in CI, where ``chmod`` does not stop writes, so the failures are simulated
inside publishing (an ``OSError`` raised by the call that would fail).  Each test is
in-process on the small clean input (under 2 s).  Already covered, not repeated:
``tests/io/test_writer.py`` (a failure mid-write leaves no OUT / the previous OUT intact, OUT
that cannot be created, a report that would overwrite the INPUT workbook) and the CLI's
``--out INPUT`` refusal (``tests/test_cli_run.py``, ``tests/test_cli_validate.py``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hostile_files import assert_clean_failure, invoke

from builders import write_inputs
from prepaid_recon import app, publish


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a folder)."""
    return {
        str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def work(tmp_path, inputs):
    """``tmp_path/in`` (the clean input) and ``tmp_path/reports`` (the parent of OUT)."""
    write_inputs(tmp_path / "in", inputs)
    (tmp_path / "reports").mkdir()
    return tmp_path


def run(work: Path, out: Path | None = None, *extra: str):
    out = out or work / "reports" / "2026-10"
    return invoke("run", work / "in", "--period", "2026-10", "--out", out, *extra)


def test_nothing_is_written_outside_out(work, monkeypatch):
    """A run adds OUT and its files, and nothing else anywhere: the input folder, the parent
    of OUT and the working folder are byte-for-byte as they were."""
    monkeypatch.chdir(work)
    before = tree(work)
    result = run(work)
    assert result.exit_code == 0, result.output
    after = tree(work)
    added = sorted(set(after) - set(before))
    assert all(p == "reports/2026-10" or p.startswith("reports/2026-10/") for p in added), added
    assert {k: v for k, v in after.items() if k in before} == before


@pytest.mark.parametrize("spelling", ["in/.", "in/../in", "./in/"])
def test_out_spelled_as_another_path_to_input_is_refused(work, spelling, monkeypatch):
    """``--out`` naming the INPUT folder by another spelling: exit 2, input untouched."""
    monkeypatch.chdir(work)
    before = tree(work)
    result = invoke("run", "in", "--period", "2026-10", "--out", spelling)
    assert_clean_failure(result.output, result.exit_code, 2, "INPUT folder")
    assert tree(work) == before


def _fail_on(monkeypatch, target: str, error: OSError, after: int = 0) -> None:
    """Make ``<target>`` (a workbook write, or a step of publishing) raise ``error`` from its
    ``after + 1``-th call on."""
    module = app if target == "write_workbook" else publish
    original = getattr(module, target)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(module, target, failing)


def _no_temp_folder(parent: Path) -> None:
    assert [p.name for p in parent.iterdir() if p.name.startswith(".")] == []


def test_disk_full_while_writing_leaves_no_out_and_no_temp_folder(work, monkeypatch):
    """ENOSPC while writing the second workbook of a first run: exit 2, the message says the
    disk is full, no OUT folder and no temporary folder are left."""
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    _fail_on(monkeypatch, "write_workbook", full, after=1)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "No space left on device")
    assert list((work / "reports").iterdir()) == []


def test_disk_full_keeps_last_runs_reports_whole(work, monkeypatch):
    """ENOSPC on a second run into the same OUT: exit 2, last run's reports untouched."""
    assert run(work).exit_code == 0
    before = tree(work / "reports")
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    _fail_on(monkeypatch, "write_workbook", full, after=2)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "No space left on device")
    assert tree(work / "reports") == before


def test_permission_denied_on_the_temp_folder_is_exit_2(work, monkeypatch):
    """No permission to create the temporary folder beside OUT (a read-only parent): exit 2
    naming the folder, nothing written."""
    denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    _fail_on(monkeypatch, "_make_temp_dir", denied)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "Permission denied", "reports")
    assert list((work / "reports").iterdir()) == []


def test_permission_denied_moving_reports_into_out_keeps_last_run(work, monkeypatch):
    """OUT exists but its files cannot be replaced (a read-only OUT): exit 2 with a message,
    last run's reports untouched, no temporary folder left."""
    assert run(work).exit_code == 0
    before = tree(work / "reports")
    denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    monkeypatch.setattr(publish.os, "replace", lambda *a, **k: (_ for _ in ()).throw(denied))
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "Permission denied")
    assert tree(work / "reports") == before
    _no_temp_folder(work / "reports")


def test_permission_denied_renaming_a_new_out_leaves_nothing(work, monkeypatch):
    """A new OUT whose final rename is refused: exit 2, neither OUT nor temporary folder."""
    denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def refuse(self, target):
        raise denied

    monkeypatch.setattr(Path, "rename", refuse)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "Permission denied")
    assert list((work / "reports").iterdir()) == []


def test_an_error_run_that_cannot_write_is_exit_2_not_1(work, monkeypatch):
    """Input errors and a full disk: the run could not even report its findings, so it exits
    2 (could not run) with the disk message, not 1."""
    (work / "in" / "teams.xlsx").write_bytes(b"")
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    _fail_on(monkeypatch, "write_workbook", full)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "No space left on device")
    assert list((work / "reports").iterdir()) == []

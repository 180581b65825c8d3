"""Output safety (issue 6, CONTRACT section 1): OUT holds the old complete set of files or the
new complete set, never a mix; nothing is written outside OUT but its lock file; OUT equal to
INPUT is refused; a run that cannot write (disk full, a file in OUT that cannot be replaced)
exits 2 with one message and no traceback, leaving OUT as it was and no temporary folder.

The faults are real where the machine allows it: a full disk is a 5 MB tmpfs filled up
(``mount`` needs root; without it, a file-size limit ``RLIMIT_FSIZE`` with SIGXFSZ ignored makes
the writes fail instead); a folder named ``run.json`` and a mount point in OUT are real; a rename
refused by the kernel is injected with ``strace -e inject`` (skipped without strace).  Failures
that root cannot meet for real (a permission denied: ``chmod`` does not stop root) are raised by
the call that would fail, in-process.  Runs whose standard error is asserted (no traceback, no
warning) are child processes: a traceback printed by a finaliser never reaches click's runner.
Interruptions are in ``test_interruptions.py``, two runs at once in ``test_concurrency.py``.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_files import assert_clean_failure, invoke
from out_sets import (
    NEW_OPTIONS,
    SAMPLE,
    assert_no_traceback,
    beside,
    digest,
    leftovers,
    lock_file,
    run_args,
    strace_prefix,
)
from out_sets import run as run_child

from builders import write_inputs
from prepaid_recon import publish


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


def _only_the_lock_beside(out: Path) -> None:
    """Beside OUT: the lock file at most; no temporary or set-aside folder."""
    assert [n for n in beside(out) if n != lock_file(out).name] == []


# -- what is written where ----------------------------------------------------------------------


def test_nothing_is_written_outside_out_but_its_lock_file(work, monkeypatch):
    """A run adds OUT, its files and the empty lock file ``.<OUT>.lock`` beside it, and nothing
    else anywhere: the input folder, the parent of OUT and the working folder are byte-for-byte
    as they were."""
    monkeypatch.chdir(work)
    before = tree(work)
    result = run(work)
    assert result.exit_code == 0, result.output
    after = tree(work)
    added = sorted(set(after) - set(before))
    assert added[0] == "reports/.2026-10.lock" and after[added[0]] == b""
    assert all(p.startswith("reports/2026-10") for p in added[1:]), added
    assert {k: v for k, v in after.items() if k in before} == before


@pytest.mark.parametrize("spelling", ["in/.", "in/../in", "./in/"])
def test_out_spelled_as_another_path_to_input_is_refused(work, spelling, monkeypatch):
    """``--out`` naming the INPUT folder by another spelling: exit 2, input untouched."""
    monkeypatch.chdir(work)
    before = tree(work)
    result = invoke("run", "in", "--period", "2026-10", "--out", spelling)
    assert_clean_failure(result.output, result.exit_code, 2, "INPUT folder")
    assert tree(work) == before


def test_the_users_own_files_and_folders_in_out_survive_every_run(work):
    """OUT is replaced as a whole, but what the user put in it is carried into the new OUT:
    a file, a folder of files, a hidden file; an error run drops last run's reports (they are
    this tool's) and still keeps the user's files; OUT's permissions are kept."""
    out = work / "reports" / "2026-10"
    assert run(work).exit_code == 0
    (out / "notes.txt").write_text("mine")
    (out / ".hidden").write_text("also mine")
    (out / "drafts" / "deep").mkdir(parents=True)
    (out / "drafts" / "deep" / "v1.xlsx").write_bytes(b"draft")
    os.chmod(out, 0o750)
    mine = {k: v for k, v in tree(out).items() if not k.endswith((".xlsx", ".json"))}
    mine["drafts/deep/v1.xlsx"] = b"draft"

    assert run(work).exit_code == 0
    assert {k: v for k, v in tree(out).items() if k in mine} == mine
    assert oct(out.stat().st_mode & 0o777) == oct(0o750)

    (work / "in" / "teams.xlsx").write_bytes(b"")  # input errors: exceptions + run.json only
    assert run(work).exit_code == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == [".hidden", "drafts", "exceptions.xlsx", "notes.txt", "run.json"]
    assert {k: v for k, v in tree(out).items() if k in mine} == mine
    _only_the_lock_beside(out)


def test_a_folder_named_like_a_report_in_out_is_exit_2_and_out_unchanged(work):
    """``run.json`` made a folder in OUT (with a file in it): the run cannot replace it, so it
    exits 2 naming it, before anything is replaced: OUT is byte-for-byte as it was (it used to
    exit 2 after four or five workbooks had already been replaced)."""
    out = work / "reports" / "2026-10"
    assert run(work, None, "--invoice-grouping", "customer").exit_code == 0
    (out / "run.json").unlink()
    (out / "run.json").mkdir()
    (out / "run.json" / "keep.txt").write_text("x")
    before = tree(out)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "run.json", "folder")
    assert tree(out) == before
    _only_the_lock_beside(out)


def test_an_error_run_never_removes_an_input_workbook_inside_out(work):
    """INPUT a single workbook that sits in OUT under a report's name (``tasks.xlsx``), and the
    run has input errors: last run's ``tasks.xlsx`` would be dropped as a stale report, so the
    run is refused (exit 2) and the INPUT workbook stays."""
    out = work / "reports" / "2026-10"
    out.mkdir()
    book = out / "tasks.xlsx"
    book.write_bytes(b"not a workbook")
    result = invoke("run", book, "--period", "2026-10", "--out", out)
    assert_clean_failure(result.output, result.exit_code, 2, "INPUT")
    assert book.read_bytes() == b"not a workbook"


# -- a file system that fills up ----------------------------------------------------------------


@dataclass
class Disk:
    """A small file system: a 5 MB tmpfs when it could be mounted, else a plain folder where
    child processes run under a file-size limit (``limit``) so that their writes fail."""

    root: Path
    mounted: bool
    limit: int = 0

    @property
    def out(self) -> Path:
        """OUT on this disk (its parent holds nothing else; the filler is beside the parent)."""
        return self.root / "reports" / "2026-10"

    @property
    def message(self) -> str:
        return os.strerror(errno.ENOSPC if self.mounted else errno.EFBIG)

    def fill(self, leave: int, fsize_limit: int) -> None:
        """Leave ``leave`` bytes free on the tmpfs (a filler file), or limit each file a child
        writes to ``fsize_limit`` bytes."""
        if not self.mounted:
            self.limit = fsize_limit
            return
        filler = self.root / "filler"
        filler.unlink(missing_ok=True)
        st = os.statvfs(self.root)
        free = st.f_bavail * st.f_frsize
        with filler.open("wb") as f:
            f.truncate(0)
            f.write(b"\0" * max(free - leave, 0))

    def run(self, *args: object) -> subprocess.CompletedProcess:
        limit = self.limit

        def limited() -> None:
            if limit:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return run_child(*args, preexec_fn=limited)


@pytest.fixture
def disk(tmp_path) -> Iterator[Disk]:
    root = tmp_path / "disk"
    root.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(root)]
    try:
        mounted = subprocess.run(mount, capture_output=True, check=False).returncode == 0
    except FileNotFoundError:
        mounted = False
    try:
        yield Disk(root, mounted)
    finally:
        if mounted:
            subprocess.run(["umount", str(root)], capture_output=True, check=False)


def _assert_disk_full(done: subprocess.CompletedProcess, disk: Disk) -> None:
    assert done.returncode == 2, done.stderr
    assert_no_traceback(done.stderr)
    assert disk.message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("leave_kb", [8, 60])
def test_disk_full_on_a_first_run_leaves_no_out_and_no_temp_folder(disk, leave_kb):
    """A full disk while writing (early: in the row files; later: while a workbook is zipped):
    exit 2 with the system's message on one line, no traceback (nothing raised later by a
    finaliser), no library warning, no OUT and no temporary folder."""
    out = disk.out
    disk.fill(leave_kb * 1024, fsize_limit=leave_kb * 1024)
    done = disk.run(*run_args(SAMPLE, out))
    _assert_disk_full(done, disk)
    assert not out.exists()
    _only_the_lock_beside(out)


def test_disk_full_keeps_last_runs_reports_whole(disk):
    """A full disk on a second run into the same OUT: exit 2, last run's set untouched."""
    out = disk.out
    assert invoke(*run_args(SAMPLE, out)).exit_code == 0
    before = digest(out)
    disk.fill(40 * 1024, fsize_limit=12 * 1024)
    done = disk.run(*run_args(SAMPLE, out, *NEW_OPTIONS))
    _assert_disk_full(done, disk)
    assert digest(out) == before
    _only_the_lock_beside(out)


def test_an_error_run_that_cannot_write_is_exit_2_not_1(disk, tmp_path, inputs):
    """Input errors and a full disk: the run could not even report its findings, so it exits 2
    (could not run) with the disk message, not 1."""
    folder = write_inputs(tmp_path / "in", inputs)
    (folder / "teams.xlsx").write_bytes(b"")
    out = disk.out
    disk.fill(2 * 1024, fsize_limit=2 * 1024)
    done = disk.run(*run_args(folder, out))
    _assert_disk_full(done, disk)
    assert not out.exists()


# -- what cannot be replaced or renamed ---------------------------------------------------------


def _mount(*args: str) -> None:
    try:
        done = subprocess.run(["mount", *args], capture_output=True, check=False)
    except FileNotFoundError:
        pytest.skip("no mount command")
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")


def test_a_report_in_out_that_is_a_mount_point_is_exit_2_and_out_unchanged(work):
    """``run.json`` in OUT is busy (a file bind-mounted over it: renaming onto it is EBUSY):
    exit 2 naming it, and OUT is byte-for-byte as it was."""
    out = work / "reports" / "2026-10"
    assert run(work, None, "--invoice-grouping", "customer").exit_code == 0
    other = work / "elsewhere.json"
    other.write_text("{}")
    _mount("--bind", str(other), str(out / "run.json"))
    try:
        before = tree(out)
        result = run(work)
        assert_clean_failure(result.output, result.exit_code, 2, "run.json")
        assert tree(out) == before
        _only_the_lock_beside(out)
    finally:
        subprocess.run(["umount", str(out / "run.json")], capture_output=True, check=False)


def test_out_that_is_a_mount_point_is_refused_before_anything_is_read(work, tmp_path):
    """OUT is itself a mount point (a volume): it cannot be replaced as a whole (the kernel
    refuses to move a mount point), so the run exits 2 at once, saying so and naming OUT; what
    the volume holds is untouched and nothing is left beside it."""
    out = work / "reports" / "2026-10"
    assert run(work, tmp_path / "first").exit_code == 0
    out.mkdir()
    _mount("-t", "tmpfs", "-o", "size=5m", "tmpfs", str(out))
    try:
        for path in (tmp_path / "first").iterdir():
            (out / path.name).write_bytes(path.read_bytes())
        before = tree(out)
        result = run(work)
        assert_clean_failure(result.output, result.exit_code, 2, str(out), "mount point")
        assert tree(out) == before
        _only_the_lock_beside(out)
    finally:
        subprocess.run(["umount", str(out)], capture_output=True, check=False)


def test_a_refused_rename_of_a_new_out_leaves_nothing(tmp_path):
    """A first run whose final rename (the new OUT into place) is refused by the kernel
    (EACCES injected with strace): exit 2 with the message, neither OUT nor temporary folder."""
    prefix = strace_prefix("rename,renameat,renameat2:error=EACCES")
    out = tmp_path / "reports" / "2026-10"
    done = run_child(*run_args(SAMPLE, out), prefix=prefix)
    assert done.returncode == 2, done.stderr
    assert_no_traceback(done.stderr)
    assert "Permission denied" in done.stderr
    assert not out.exists()
    _only_the_lock_beside(out)


def test_a_refused_rename_in_the_fallback_swap_puts_the_old_out_back(tmp_path):
    """Where the atomic exchange is unsupported (EINVAL injected on ``renameat2``), OUT is set
    aside and the new folder renamed in; that second rename refused (EACCES injected): the old
    OUT is renamed back, exit 2, OUT as it was, nothing left beside it."""
    out = tmp_path / "reports" / "2026-10"
    assert invoke(*run_args(SAMPLE, out)).exit_code == 0
    before = digest(out)
    prefix = strace_prefix("renameat2:error=EINVAL", "rename,renameat:error=EACCES:when=2")
    done = run_child(*run_args(SAMPLE, out, *NEW_OPTIONS), prefix=prefix)
    assert done.returncode == 2, done.stderr
    assert_no_traceback(done.stderr)
    assert digest(out) == before
    assert leftovers(out) == []


def test_permission_denied_on_the_temp_folder_is_exit_2(work, monkeypatch):
    """No permission to create the temporary folder beside OUT (a read-only parent, which root
    cannot meet for real): exit 2 naming the folder, no OUT, no temporary folder."""
    denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def refuse(out: Path) -> Path:
        raise denied

    monkeypatch.setattr(publish, "_make_temp_dir", refuse)
    result = run(work)
    assert_clean_failure(result.output, result.exit_code, 2, "Permission denied", "reports")
    out = work / "reports" / "2026-10"
    assert not out.exists()
    _only_the_lock_beside(out)


def test_permission_denied_carrying_the_users_files_keeps_last_run(work, monkeypatch):
    """The user's file in OUT can be neither linked nor copied into the new folder (permission
    denied, raised where root cannot meet it): exit 2, OUT untouched, no temporary folder."""
    out = work / "reports" / "2026-10"
    assert run(work).exit_code == 0
    (out / "notes.txt").write_text("mine")
    before = tree(out)
    denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def refuse(src: str, dst: str, **kwargs: object) -> None:
        raise denied

    monkeypatch.setattr(publish, "_link_or_copy", refuse)
    result = run(work, None, "--invoice-grouping", "customer")
    assert_clean_failure(result.output, result.exit_code, 2, "Permission denied")
    assert tree(out) == before
    _only_the_lock_beside(out)

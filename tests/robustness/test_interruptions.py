"""Interruptions (CONTRACT section 1): a run stopped by SIGINT (Ctrl-C), SIGTERM or SIGKILL at
any point leaves OUT holding the old complete set of files or the new complete set, never a
mix; SIGINT and SIGTERM exit 130 and 143 with one line on standard error (no traceback, no
click ``Aborted!``) and leave no temporary folder; the next run succeeds and leaves nothing
beside OUT but its lock file, whatever an earlier run left there.

Every fault is real and every run a child process (``python -m prepaid_recon``):

* ``strace -e inject=...:signal=SIG:when=N`` delivers the signal at the N-th rename of the run
  (the old publishing renamed file after file: a signal between two renames left a mix);
  ``-e inject=renameat2:error=EINVAL`` makes the atomic exchange look unsupported, so that the
  fallback swap (OUT renamed aside, the new folder renamed in) is the one interrupted;
* signals sent to a longer run (20,000 timesheets, built once per module) as soon as it holds
  its lock (reading), once it starts writing, and when its largest workbook is complete.

The two reference sets are computed first, by real runs into the same OUT (``run.json`` names
OUT): OLD from the sample company, NEW from the same with other options (or the big input).
No assertion is about time; the only timeouts are ceilings a hang would reach.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_files import invoke
from out_sets import (
    NEW_OPTIONS,
    PERIOD,
    SAMPLE,
    TIMEOUT,
    Digest,
    assert_no_traceback,
    beside,
    digest,
    exit_code_of,
    leftovers,
    lock_file,
    lock_held,
    needs_proc_locks,
    run,
    run_args,
    start,
    strace_prefix,
    wait_until,
    writing,
)

INT, TERM, KILL = signal.SIGINT, signal.SIGTERM, signal.SIGKILL


@dataclass
class Stage:
    """One OUT shared by the tests of this module, with the sets a reader may find in it."""

    out: Path
    big: Path
    old: Digest
    new: Digest
    new_big: Digest

    def next_run(self, keep: str = "") -> None:
        """The run after an interruption: it succeeds, writes the OLD set (so the next test
        starts from it; ``keep`` names a user's file expected beside it) and leaves nothing
        beside OUT but the lock file."""
        result = invoke(*run_args(SAMPLE, self.out))
        assert result.exit_code == 0, result.output
        found = digest(self.out)
        if keep:
            assert keep in found
            del found[keep]
        assert self.sets(found) == "old"
        assert beside(self.out) == [lock_file(self.out).name]

    def sets(self, found: Digest) -> str:
        """Which complete set ``found`` is: ``old``, ``new`` or ``new_big``, else a failure."""
        for name in ("old", "new", "new_big"):
            if found == getattr(self, name):
                return name
        raise AssertionError(f"OUT is neither the old nor the new set: {sorted(found)}")


@pytest.fixture(scope="module")
def stage(tmp_path_factory) -> Stage:
    area = tmp_path_factory.mktemp("interruptions")
    big = area / "big"
    made = invoke("sample", big, "--timesheets", "20000", "--seed", "3")
    assert made.exit_code == 0, made.output
    out = area / "reports" / PERIOD
    sets: dict[str, Digest] = {}
    for name, args in [
        ("new_big", run_args(big, out)),
        ("new", run_args(SAMPLE, out, *NEW_OPTIONS)),
        ("old", run_args(SAMPLE, out)),
    ]:
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        sets[name] = digest(out)
    assert len({tuple(sorted(d.items())) for d in sets.values()}) == 3
    return Stage(out, big, **sets)


def _stopped_cleanly(done: subprocess.CompletedProcess | tuple[int, str], sig: int) -> None:
    code, stderr = (done.returncode, done.stderr) if not isinstance(done, tuple) else done
    assert code == exit_code_of(signal.Signals(sig)), (code, stderr)
    assert_no_traceback(stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], stderr
    assert signal.Signals(sig).name in lines[0], stderr


# -- a signal exactly at a rename ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sig", "injections"),
    [
        (TERM, ["rename,renameat,renameat2:signal=TERM:when=1"]),
        (INT, ["renameat2:error=EINVAL", "rename,renameat:signal=INT:when=1"]),
    ],
    ids=["exchange-TERM", "fallback-INT"],
)
def test_a_signal_at_a_rename_leaves_the_old_or_the_new_set(stage, sig, injections):
    """A signal delivered exactly when the run renames: at the exchange of the folders, or as
    the fallback swap renames OUT aside (the signal is then pending between its two renames):
    the swap is not cut in two, it completes and then the run stops (exit 143/130, one line),
    so OUT is the new complete set and no temporary folder is left; the next run succeeds.
    (Under the old publishing, which renamed file after file, the first rename already left
    the new ``invoices.xlsx`` beside the old ``run.json``.)"""
    assert stage.sets(digest(stage.out)) == "old"
    done = run(*run_args(SAMPLE, stage.out, *NEW_OPTIONS), prefix=strace_prefix(*injections))
    _stopped_cleanly(done, sig)
    assert stage.sets(digest(stage.out)) == "new"
    assert leftovers(stage.out) == []
    stage.next_run()


def test_sigkill_between_the_fallback_renames_is_recovered_by_the_next_run(stage):
    """SIGKILL as the fallback swap renames the new folder in, OUT being renamed aside: no
    cleanup runs, so OUT is one complete set, or missing with the old set aside as
    ``.OUT.old-*``; the next run puts the old set back first (the user's file in it survives),
    then publishes."""
    (stage.out / "notes.txt").write_text("mine")
    old = digest(stage.out)
    prefix = strace_prefix("renameat2:error=EINVAL", "rename,renameat:signal=KILL:when=2")
    done = run(*run_args(SAMPLE, stage.out, *NEW_OPTIONS), prefix=prefix)
    assert done.returncode == -KILL, done.stderr
    if stage.out.exists():
        found = digest(stage.out)
        assert found == old or {k: v for k, v in found.items() if k != "notes.txt"} == stage.new
    else:
        aside = [n for n in leftovers(stage.out) if ".old-" in n]
        assert len(aside) == 1 and digest(stage.out.parent / aside[0]) == old
    stage.next_run(keep="notes.txt")  # recovery first, then a complete run
    assert (stage.out / "notes.txt").read_text() == "mine"
    (stage.out / "notes.txt").unlink()


# -- signals at points of a longer run ----------------------------------------------------------


def _largest_workbook_done(out: Path) -> bool:
    return any(
        (out.parent / name / "hours_by_ticket.xlsx").exists()
        for name in beside(out)
        if name.startswith(f".{out.name}.tmp-")
    )


POINTS = {
    "reading": lock_held,
    "writing": writing,
    "late": _largest_workbook_done,
}
"""When the signal is sent: the run holds OUT's lock (it reads INPUT); its temporary folder
exists (it writes); its largest workbook is complete (the others and the swap follow)."""


@pytest.mark.parametrize(
    ("sig", "point"),
    [(INT, "reading"), (TERM, "late"), (KILL, "writing")],
)
def test_a_signal_during_a_long_run_leaves_the_old_or_the_new_set(stage, sig, point):
    """SIGTERM, SIGINT or SIGKILL sent while a longer run reads or writes: OUT is the old or the
    new complete set; after SIGTERM/SIGINT the run exits 143/130 with one line and leaves no
    temporary folder; after SIGKILL the next run removes what was left; it always succeeds."""
    needs_proc_locks()
    assert stage.sets(digest(stage.out)) == "old"
    proc = start(*run_args(stage.big, stage.out))
    try:
        reached = wait_until(lambda: POINTS[point](stage.out), proc)
        if reached:
            proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if not reached or proc.returncode == 0:  # it ended before the signal: the new set, whole
        assert proc.returncode == 0, stderr
        assert stage.sets(digest(stage.out)) == "new_big"
    elif sig == KILL:
        assert proc.returncode == -KILL
        assert stage.sets(digest(stage.out)) in ("old", "new_big")
    else:
        _stopped_cleanly((proc.returncode, stderr), sig)
        assert stage.sets(digest(stage.out)) in ("old", "new_big")
        assert leftovers(stage.out) == []
    stage.next_run()


# -- what an earlier run left beside OUT --------------------------------------------------------


def test_what_killed_runs_left_is_removed_by_the_next_run_and_nothing_else(stage):
    """Temporary folders of killed runs (``.OUT.tmp-*``, holding a half-written file) and an old
    set left aside by a fallback swap killed after its second rename (``.OUT.old-*``, OUT
    present) are removed by the next run of OUT; a folder of another OUT named alike is not."""
    parent = stage.out.parent
    aside = parent / f".{stage.out.name}.old-00000000abcd"
    shutil.copytree(stage.out, aside)
    stale = [parent / f".{stage.out.name}.tmp-{tail}" for tail in ("0123456789ab", "ffff00000000")]
    for folder in stale:
        folder.mkdir()
        (folder / "invoices.xlsx").write_bytes(b"half")
    other = parent / f".{stage.out.name}-draft.tmp-0123456789ab"
    other.mkdir()
    try:
        result = invoke(*run_args(SAMPLE, stage.out))
        assert result.exit_code == 0, result.output
        assert not any(folder.exists() for folder in stale)
        assert not aside.exists()
        assert other.exists()
    finally:
        shutil.rmtree(other)
    stage.next_run()


def test_an_old_set_aside_with_out_missing_is_put_back_first(stage):
    """A fallback swap killed after OUT was renamed aside: OUT is missing, the old set is in
    ``.OUT.old-*`` and the new one in ``.OUT.tmp-*``.  The next run renames the old set back to
    OUT (so the user's file in it is kept), removes the rest, then publishes."""
    aside = stage.out.parent / f".{stage.out.name}.old-00000000abcd"
    (stage.out / "notes.txt").write_text("mine")
    stage.out.rename(aside)
    half = stage.out.parent / f".{stage.out.name}.tmp-00000000abcd"
    half.mkdir()
    (half / "run.json").write_text("{}")
    result = invoke(*run_args(SAMPLE, stage.out, *NEW_OPTIONS))
    assert result.exit_code == 0, result.output
    assert (stage.out / "notes.txt").read_text() == "mine"
    assert leftovers(stage.out) == []
    (stage.out / "notes.txt").unlink()
    assert stage.sets(digest(stage.out)) == "new"
    stage.next_run()


# -- a signal while the command is still starting -----------------------------------------------


def _catches(pid: int, sig: signal.Signals) -> bool:
    """Whether the process has a handler installed for ``sig`` (``SigCgt`` in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    return bool(caught >> (sig - 1) & 1)


def _has_loaded(pid: int, library: str) -> bool:
    """Whether the process has mapped a shared library whose path contains ``library``."""
    return library in Path(f"/proc/{pid}/maps").read_text()


def _signal_while_starting(out: Path, sig: signal.Signals) -> tuple[bool, int, str]:
    """Start a run, send ``sig`` as soon as its handlers are installed (seen in /proc: SIGTERM
    caught, which Python never does by itself; SIGINT is set just before it); return whether
    numpy was not loaded yet at that moment, the exit code and stderr."""
    proc = start(*run_args(SAMPLE, out))
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and not _catches(proc.pid, TERM):
            assert time.monotonic() < deadline, "the command never installed its handler"
            time.sleep(0.0005)
        early = proc.poll() is None and not _has_loaded(proc.pid, "numpy")
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    return early, proc.returncode, stderr


@pytest.mark.parametrize("sig", [INT, TERM], ids=["INT", "TERM"])
def test_a_signal_while_the_command_starts_is_one_line_and_its_exit_code(tmp_path, sig):
    """A Ctrl-C (or SIGTERM) while the command is still importing numpy and pandas, before any
    run began: one line, exit 130 (143), no traceback.  The entry point installs its handlers
    before those imports; it used to install them after, so a Ctrl-C there printed Python's
    KeyboardInterrupt traceback.  (A few tries, in case the child outran the poll once.)"""
    for attempt in range(5):
        early, code, stderr = _signal_while_starting(tmp_path / f"out{attempt}", sig)
        _stopped_cleanly((code, stderr), sig)
        assert not (tmp_path / f"out{attempt}").exists()
        if early:
            return
    pytest.fail("the handlers were never in place before numpy was imported")

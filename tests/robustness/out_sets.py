"""Helpers for the interruption, concurrency and output-safety tests: the command in a child
process, the set of files in OUT as hashes, and what a run leaves beside OUT.

The promise these tests hold the command to: OUT holds the old complete set of files or the new
complete set, never a mix, whatever happens to the run; beside OUT there is at most the lock
file ``.<OUT name>.lock`` (and, after SIGKILL only, folders that the next run removes).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
"""The small demo company: a run takes about a second."""
PERIOD = "2026-10"
NEW_OPTIONS = ("--invoice-grouping", "customer", "--invoice-date", "2026-11-03")
"""Options that change ``invoices.xlsx``, ``delivered_vs_ordered.xlsx`` and ``run.json`` of a
run of :data:`SAMPLE`: the "new" set to tell from the "old" one of the default options."""
TIMEOUT = 120
"""Seconds: a ceiling only a hang reaches (no test asserts how fast anything is)."""

Digest = dict[str, str]
"""Relative path -> sha256 of every file under OUT (``<dir>`` for a folder)."""


def digest(out: Path) -> Digest:
    """What a reader of OUT sees: every entry under it, files by content."""
    found: Digest = {}
    if not out.is_dir():
        return found
    for path in sorted(out.rglob("*")):
        rel = str(path.relative_to(out))
        found[rel] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def lock_file(out: Path) -> Path:
    """The lock file a run of OUT takes, beside OUT."""
    return out.parent / f".{out.name}.lock"


def leftovers(out: Path) -> list[str]:
    """Temporary (``.OUT.tmp-*``) and set-aside (``.OUT.old-*``) folders beside OUT."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old)-")
    return sorted(p.name for p in out.parent.iterdir() if pattern.match(p.name))


def beside(out: Path) -> list[str]:
    """Every name in OUT's parent folder besides OUT itself."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


CHILD_ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
"""A child writes no ``.pyc`` file: importlib's atomic write is a rename, which would count
among the renames that strace injects a fault or a signal into."""


def command(*args: object) -> list[str]:
    """``python -m prepaid_recon ARGS`` with this interpreter (the package under test)."""
    return [sys.executable, "-m", "prepaid_recon", *map(str, args)]


def run(*args: object, prefix: Sequence[str] = (), **popen: object) -> subprocess.CompletedProcess:
    """The command run to its end in a child process (``prefix`` such as ``strace ...``)."""
    return subprocess.run(
        [*prefix, *command(*args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=CHILD_ENV,
        **popen,  # type: ignore[arg-type]
    )


def start(*args: object) -> subprocess.Popen:
    """The command started in a child process, its output captured."""
    return subprocess.Popen(
        command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CHILD_ENV
    )


def run_args(input_path: Path, out: Path, *options: str) -> list[object]:
    return ["run", input_path, "--period", PERIOD, "--out", out, "-q", *options]


def assert_no_traceback(stderr: str) -> None:
    """No Python traceback, no click ``Aborted!``, no library warning on standard error."""
    assert "Traceback" not in stderr, stderr
    assert 'File "' not in stderr, stderr
    assert "Aborted!" not in stderr, stderr
    assert "Warning" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr


def wait_until(
    condition: Callable[[], bool], proc: subprocess.Popen | None = None, timeout: float = TIMEOUT
) -> bool:
    """Poll ``condition`` until it holds (True) or ``proc`` ends first (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return condition()
        time.sleep(0.002)
    raise TimeoutError("the run never reached the expected state")


def lock_held(out: Path) -> bool:
    """Some process holds the ``flock`` of OUT's lock file (read from ``/proc/locks``, without
    touching the lock: trying it would race the run)."""
    try:
        st = lock_file(out).stat()
    except FileNotFoundError:
        return False
    wanted = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" not in fields or len(fields) < 6:
            continue
        parts = fields[5].split(":")
        if len(parts) == 3:
            major, minor, inode = int(parts[0], 16), int(parts[1], 16), int(parts[2])
            if (major, minor, inode) == wanted:
                return True
    return False


def writing(out: Path) -> bool:
    """A run of OUT has started writing its files (its temporary folder exists)."""
    return any(name.startswith(f".{out.name}.tmp-") for name in beside(out))


def needs_proc_locks() -> None:
    if not Path("/proc/locks").exists():
        pytest.skip("needs Linux /proc/locks to see a held lock from outside")


def strace_prefix(*injections: str) -> list[str]:
    """``strace -f -e inject=...`` (one ``-e inject=`` per injection), or skip the test.

    A plain rename is the ``rename`` system call on x86-64 and ``renameat`` elsewhere (aarch64):
    injections name both; the exchange of two folders is ``renameat2``."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    prefix = [strace, "-f", "-qq", "-o", os.devnull, "-e", "trace=rename,renameat,renameat2"]
    for injection in injections:
        prefix += ["-e", f"inject={injection}"]
    return prefix


def exit_code_of(sig: signal.Signals) -> int:
    """The exit code the command promises after a signal it handles (130, 143)."""
    return 128 + int(sig)

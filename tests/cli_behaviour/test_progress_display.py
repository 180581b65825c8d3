"""A run shows its progress on a terminal (CONTRACT section 1): each stage with its rows and
rate, the write stage file by file, rewritten in place; nothing of it when standard error is
not a terminal (a pipe, a log file, a scheduler)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from cli_process import SAMPLE

STAGES = ["read", "validate", "rules", "write"]


def run_on_a_terminal(*args: object) -> tuple[int, str, str]:
    """The command with standard error on a pseudo-terminal (stdout a pipe): exit code, what
    the terminal showed, stdout."""
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "prepaid_recon", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert child.stdout is not None
    stdout = child.stdout.read().decode()
    child.stdout.close()
    return child.wait(timeout=120), shown.decode(), stdout


def test_the_write_stage_reports_its_progress_on_a_terminal(tmp_path: Path):
    code, shown, stdout = run_on_a_terminal(
        "run", SAMPLE, "--period", "2026-10", "--out", tmp_path / "out"
    )
    assert code == 0, shown
    assert "Traceback" not in shown
    lines = [line.rsplit("\r", 1)[-1].replace("\x1b[K", "") for line in shown.splitlines()]
    finished = {
        line.split()[0]: line for line in lines if line.split()[:1] in [[s] for s in STAGES]
    }
    assert list(finished) == STAGES  # one line left per stage, in order
    assert "1,038 rows in" in finished["read"] and "rows/s" in finished["read"]
    assert "rows/s" in finished["validate"]
    assert "6 files" in finished["write"] and "rows/s" in finished["write"]
    for name in ("invoices.xlsx", "delivered_vs_ordered.xlsx", "exceptions.xlsx"):
        assert f"] {name}: " in shown, name  # each file as it is written, in place
    assert "[6/6 files]" in shown
    assert "Period 2026-10" in stdout  # the summary stays on standard output


def test_nothing_of_the_progress_is_printed_when_stderr_is_not_a_terminal(sample_json_run):
    done, _out = sample_json_run
    assert done.returncode == 0, done.stderr
    assert re.match(r"0 error\(s\), [0-9]+ warning\(s\)\n", done.stderr)  # only the messages
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    assert "rows/s" not in done.stderr
    assert not any(line.split()[:1] in (["read"], ["write"]) for line in done.stderr.splitlines())

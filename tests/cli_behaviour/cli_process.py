"""The command line as a user runs it: a child process (``python -m prepaid_recon``), so that
its exit code, its standard output and standard error are the real ones and a traceback would
show there (click's in-process runner would catch it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
REPORTS = [
    "delivered_vs_ordered.xlsx",
    "exceptions.xlsx",
    "hours_by_ticket.xlsx",
    "invoices.xlsx",
    "run.json",
    "tasks.xlsx",
]


def command(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``prepaid-recon ARGS`` in a child process; stdout and stderr captured (not terminals)."""
    return subprocess.run(
        [sys.executable, "-m", "prepaid_recon", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100"},
        timeout=120,
    )


def assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert "Traceback" not in done.stdout, done.stdout


def one_document(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Standard output as exactly one JSON document (``json.loads`` refuses anything more),
    whose exit code is the process's."""
    assert_no_traceback(done)
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    assert document["exit_code"] == done.returncode
    return document

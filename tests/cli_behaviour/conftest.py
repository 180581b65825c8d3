"""Runs shared by several behaviours (each command costs a child process: kept few)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_process import SAMPLE, command


@pytest.fixture(scope="session")
def sample_json_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``run sample_data --period 2026-10 --out OUT --json``, stdout and stderr pipes; OUT."""
    out = tmp_path_factory.mktemp("sample_json") / "2026-10"
    return command("run", SAMPLE, "--period", "2026-10", "--out", out, "--json"), out

"""End-to-end scenarios in the shared acceptance format, run through the installed command.

Each ``tests/scenarios/*.json`` is a small month-end with figures worked out by hand from
RULES.md (see each file's ``name``); ``../shared/acceptance/check.py`` writes its workbooks,
runs ``prepaid-recon run`` and compares the reports cell by cell. They complement the shared
scenarios, which CI runs as they are.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT.parent / "shared" / "acceptance" / "check.py"
SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.json"))


def load_checker():
    spec = importlib.util.spec_from_file_location("acceptance_check", CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CHECKER.exists(), reason="needs ../shared/acceptance/check.py")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(scenario: Path, monkeypatch) -> None:
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))
    checker = load_checker()
    assert checker.check(["prepaid-recon"], scenario, None) == []

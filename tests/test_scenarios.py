"""End-to-end scenarios: whole month-ends run through the real ``prepaid-recon run`` command.

Each ``tests/scenarios/*.json`` is a small month-end whose expected figures were worked out by
hand from RULES.md (its ``name`` says what it shows and how). ``scenario_runner`` writes the
input workbooks, runs the command in a subprocess and compares the reports cell by cell; a
scenario passes when the runner finds no problem. The ``v*`` scenarios are the acceptance
scenarios, kept here unchanged.

To add a scenario, drop a new ``tests/scenarios/<what_it_shows>.json`` in the format described
in ``scenario_runner``'s docstring (usually ``"base": "support"`` for the shared teams,
products and units of ``tests/data/support.json``, plus the scenario's own rows); it is picked
up by name. Run one alone with ``pytest tests/test_scenarios.py -k <name>`` or
``python tests/scenario_runner.py tests/scenarios/<name>.json``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scenario_runner import SCENARIOS, check_file

SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))


def test_scenarios_are_found() -> None:
    assert SCENARIO_FILES, f"no scenario in {SCENARIOS}"


@pytest.mark.parametrize("scenario", SCENARIO_FILES, ids=lambda path: path.stem)
def test_scenario(scenario: Path, tmp_path: Path) -> None:
    problems = check_file(scenario, tmp_path)
    assert not problems, f"{scenario.name}:\n" + "\n".join(f"  {p}" for p in problems)

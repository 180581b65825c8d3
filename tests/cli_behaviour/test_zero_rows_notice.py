"""A run on input without timesheets or without order lines says so (CONTRACT section 1): it is
no error (exit 0), but a line on standard error and a notice in run.json and the ``--json``
document, so that running on the blank templates of ``init`` never ends silently with "Nothing
to invoice"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_process import command, one_document

from prepaid_recon.xlsx.templates import write_templates


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    """The folder ``prepaid-recon init`` writes (its workbooks written in-process)."""
    folder = tmp_path_factory.mktemp("blank") / "october"
    write_templates(folder)
    return folder


def test_a_run_on_the_blank_templates_warns_that_there_are_0_timesheets(blank, tmp_path):
    out = tmp_path / "out"
    done = command("run", blank, "--period", "2026-10", "--out", out, "--json")
    document = one_document(done)
    assert done.returncode == 0
    assert "warning: 0 timesheets in the input" in done.stderr
    assert "warning: 0 order lines in the input" in done.stderr
    expected = ["0 timesheets in the input", "0 order lines in the input"]
    assert [n.split(":")[0] for n in document["notices"]] == expected
    assert (document["errors"], document["warnings"]) == (0, 0)  # a notice is no finding
    assert json.loads((out / "run.json").read_text())["notices"] == document["notices"]


def test_validate_says_there_are_0_timesheets_too_and_quiet_keeps_it_to_the_json(blank):
    done = command("validate", blank, "--json", "-q")
    document = one_document(done)
    assert done.returncode == 0
    assert any(n.startswith("0 timesheets in the input") for n in document["notices"])
    assert done.stderr == ""  # -q: the notice is in the document only

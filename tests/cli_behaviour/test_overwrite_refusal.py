"""``init`` and ``sample`` never overwrite a file silently (CONTRACT section 1): a file of a
name they would write is refused (exit 2, every such file named, nothing written, checked
before anything is written) unless ``--force``."""

from __future__ import annotations

from pathlib import Path

from cli_process import assert_no_traceback, command

WORKBOOKS = [
    "teams.xlsx",
    "products.xlsx",
    "orders.xlsx",
    "tickets.xlsx",
    "timesheets.xlsx",
    "invoices.xlsx",
]
FILLED = b"a filled workbook the user typed"


def test_init_refuses_to_overwrite_an_existing_workbook_and_writes_nothing(tmp_path: Path):
    folder = tmp_path / "october"
    folder.mkdir()
    (folder / "teams.xlsx").write_bytes(FILLED)
    (folder / "notes.txt").write_text("mine")
    done = command("init", folder)
    assert done.returncode == 2
    assert_no_traceback(done)
    assert "teams.xlsx" in done.stderr and "--force" in done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "teams.xlsx"]
    assert (folder / "teams.xlsx").read_bytes() == FILLED


def test_init_with_a_mapping_names_every_existing_file_before_writing_any(tmp_path: Path):
    folder = tmp_path / "october"
    folder.mkdir()
    (folder / "orders.xlsx").write_bytes(FILLED)
    (folder / "prepaid-recon.toml").write_text("# my edited mapping\n")
    done = command("init", folder, "--mapping", "odoo")
    assert done.returncode == 2
    assert_no_traceback(done)
    assert "orders.xlsx" in done.stderr and "prepaid-recon.toml" in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["orders.xlsx", "prepaid-recon.toml"]
    assert (folder / "prepaid-recon.toml").read_text() == "# my edited mapping\n"


def test_init_force_overwrites_the_workbooks_and_the_mapping_files(tmp_path: Path):
    folder = tmp_path / "october"
    folder.mkdir()
    (folder / "teams.xlsx").write_bytes(FILLED)
    (folder / "prepaid-recon.toml").write_text("# my edited mapping\n")
    (folder / "EXPORT-CHECKLIST.md").write_text("ticked\n")
    done = command("init", folder, "--mapping", "odoo", "--force")
    assert done.returncode == 0, done.stderr
    assert (folder / "teams.xlsx").read_bytes().startswith(b"PK")  # a workbook again
    assert "[sheets." in (folder / "prepaid-recon.toml").read_text()
    assert "- [ ]" in (folder / "EXPORT-CHECKLIST.md").read_text()
    assert len(done.stdout.splitlines()) == len(WORKBOOKS) + 2  # the paths written


def test_a_file_named_in_another_letter_case_counts_as_existing(tmp_path: Path):
    folder = tmp_path / "october"
    folder.mkdir()
    (folder / "Teams.XLSX").write_bytes(FILLED)  # the reader takes it for teams.xlsx
    refused = command("init", folder)
    assert refused.returncode == 2 and "Teams.XLSX" in refused.stderr
    forced = command("init", folder, "--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(WORKBOOKS)  # replaced, not beside


def test_sample_refuses_to_overwrite_without_force_and_replaces_with_it(tmp_path: Path):
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "timesheets.xlsx").write_bytes(FILLED)
    (folder / "invoices.xlsx").write_bytes(FILLED)
    refused = command("sample", folder, "--timesheets", "50")
    assert refused.returncode == 2
    assert_no_traceback(refused)
    assert "timesheets.xlsx" in refused.stderr and "invoices.xlsx" in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["invoices.xlsx", "timesheets.xlsx"]
    assert (folder / "timesheets.xlsx").read_bytes() == FILLED
    forced = command("sample", folder, "--timesheets", "50", "--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(WORKBOOKS)
    assert (folder / "timesheets.xlsx").read_bytes() != FILLED

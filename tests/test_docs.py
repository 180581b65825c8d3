"""The product documents itself, and its documents say what the code does.

* ``docs/contract.md`` lists every output workbook's sheets and columns in tables that must
  match the one declaration in ``contract/outputs.py``;
* nothing a user or maintainer reads points outside the repository (the README, ``docs/``, the
  package's docstrings and messages): a clean clone is the whole product.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prepaid_recon.contract import outputs

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "contract.md"


def documented_sheets(text: str) -> dict[tuple[str, str], list[str]]:
    """``(workbook, sheet) -> columns`` from the ``### <workbook>.xlsx`` tables of the page:
    rows ``| sheet | one row per | `col`, `col`, ... |``."""
    found: dict[tuple[str, str], list[str]] = {}
    workbook = None
    for line in text.splitlines():
        heading = re.match(r"^###\s+`?([\w.]+\.xlsx)`?\s*$", line)
        if heading:
            workbook = heading.group(1)
            continue
        if line.startswith("#"):
            workbook = None
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if workbook is None or len(cells) != 3 or not line.startswith("|"):
            continue
        sheet = cells[0].strip("`")
        if sheet == "sheet" or set(sheet) <= set("-: "):
            continue  # the table's header and separator rows
        found[(workbook, sheet)] = re.findall(r"`([a-z_]+)`", cells[2])
    return found


def test_contract_page_lists_every_output_sheet_with_the_declared_columns() -> None:
    documented = documented_sheets(CONTRACT.read_text(encoding="utf-8"))
    declared = {(s.file, s.name): list(s.columns) for s in outputs.SHEETS.values()}
    assert documented == declared


def test_the_contract_page_parser_sees_a_changed_column() -> None:
    page = "### tasks.xlsx\n\n| sheet | one row per | columns |\n|---|---|---|\n"
    page += "| tasks | task | `task`, `project` |\n## next\n| x | y | `z` |\n"
    assert documented_sheets(page) == {("tasks.xlsx", "tasks"): ["task", "project"]}


OUTSIDE = re.compile(r"\.\./shared|/work/|shared/spec|shared/acceptance")


def readable_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "src" / "prepaid_recon").rglob("*.py"))
    return files


@pytest.mark.parametrize("path", readable_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_a_reader_reads_points_outside_the_repository(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    outside = [f"{n}: {line.strip()}" for n, line in enumerate(lines, 1) if OUTSIDE.search(line)]
    assert outside == []

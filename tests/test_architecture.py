"""Dependencies point one way: rules and the pipeline never touch files, Excel or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "prepaid_recon"
FORBIDDEN = ("prepaid_recon.io", "prepaid_recon.cli", "prepaid_recon.report.workbooks", "click",
             "openpyxl", "xlsxwriter", "fastexcel", "python_calamine")  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth of the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def pure_modules() -> list[Path]:
    return [
        *sorted((PACKAGE / "rules").glob("*.py")),
        PACKAGE / "pipeline.py",
        PACKAGE / "domain.py",
    ]


def offending(path: Path) -> list[str]:
    return [
        name
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: p.name)
def test_rules_and_pipeline_import_no_io_click_or_excel(path: Path) -> None:
    assert offending(path) == []


def test_the_import_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad_rule.py"
    bad.write_text("import pandas\nfrom prepaid_recon.read.tables import read_inputs\nimport click\n")
    assert sorted(offending(bad)) == ["click", "prepaid_recon.read.tables"]

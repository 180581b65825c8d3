"""The registry of finding codes (``findings.py``): complete, documented, and the only source.

Codes are a stable public contract: users filter ``exceptions.xlsx`` on them and tests assert
them.  Every code is declared once, with its severity, meaning and where it points;
``docs/findings.md`` is generated from that registry and must not drift from it.
"""

from __future__ import annotations

from pathlib import Path

from prepaid_recon.findings import CODE_INFO, Code, Severity, findings_table_markdown

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "findings.md"


def test_every_code_has_its_severity_meaning_and_place() -> None:
    assert list(CODE_INFO) == list(Code)
    for code, info in CODE_INFO.items():
        assert isinstance(info.severity, Severity)
        assert info.meaning and info.points_at, code
        assert code.severity is info.severity


def test_code_values_are_the_stable_snake_case_strings() -> None:
    for code in Code:
        assert code.value == code.name.lower()
        assert code == code.value  # a StrEnum: equal to the string users filter on


def test_docs_findings_md_is_generated_from_the_registry() -> None:
    expected = findings_table_markdown()
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert current == expected, (
        "docs/findings.md is out of date with src/prepaid_recon/findings.py; regenerate it: "
        ".venv/bin/python -m prepaid_recon.findings > docs/findings.md"
    )


def test_the_doc_lists_every_code_once_with_its_severity() -> None:
    rows = [line for line in findings_table_markdown().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [c.value for c in Code]
    for row, code in zip(rows, Code, strict=True):
        assert f"| {code.severity.value} |" in row

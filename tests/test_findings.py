"""The registry of finding codes (``findings.py``): complete, documented, and the only source.

Codes are a stable public contract: users filter ``exceptions.xlsx`` on them and tests assert
them.  Every code is declared once, with its severity, meaning and where it points;
``docs/findings.md`` is generated from that registry and must not drift from it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from prepaid_recon.findings import CODE_INFO, Code, Finding, Severity, findings_table_markdown

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


# --------------------------------------------------------------------------------------------
# Every code the source uses comes from the registry
# --------------------------------------------------------------------------------------------

SOURCE = ROOT / "src" / "prepaid_recon"
FINDING_SOURCES = sorted([*(SOURCE / "read").rglob("*.py"), *(SOURCE / "validate").rglob("*.py")])
"""The modules that make findings: the reader and validation."""


def bare_codes(source: str) -> list[str]:
    """Code strings written out in ``source`` instead of naming a :class:`Code` member.

    Flags any string literal equal to a code (``"missing_value"``), any f-string that could
    build one (``f"bad_{kind}"``), and any ``Code.X`` that is not a member.
    """
    values = {c.value for c in Code}
    prefixes = {v.split("_")[0] + "_" for v in values}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in values:
                found.append(repr(node.value))
        elif isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if (
                isinstance(head, ast.Constant)
                and isinstance(head.value, str)
                and head.value in prefixes
            ):
                found.append(ast.unparse(node))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Code"
            and node.attr not in Code.__members__
        ):
            found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize("path", FINDING_SOURCES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_findings_are_made_with_registry_members_only(path: Path) -> None:
    assert bare_codes(path.read_text(encoding="utf-8")) == []


def test_the_scan_catches_a_bare_code_an_f_string_code_and_an_unknown_member() -> None:
    source = (
        'f.add("missing_value", t, mask, "hours", "empty.")\n'
        'f.add(f"bad_{col.value_type}", t, bad, col.name, "unreadable.")\n'
        'f.add(Code.NO_SUCH_CODE, t, mask, "hours", "x")\n'
        'f.add(Code.MISSING_VALUE, t, mask, "hours", "fine.")\n'
    )
    assert bare_codes(source) == ["'missing_value'", "f'bad_{col.value_type}'", "Code.NO_SUCH_CODE"]


def test_a_finding_refuses_a_bare_string_code() -> None:
    with pytest.raises(TypeError, match="Code member"):
        Finding(Severity.ERROR, "missing_value", "f.xlsx", "teams", 2, "team", "", "empty.")  # type: ignore[arg-type]


def test_the_collector_refuses_a_bare_string_code() -> None:
    import pandas as pd

    from prepaid_recon.validate.collector import Findings, Table

    frame = pd.DataFrame({"team": ["A"]}, index=[2])
    table = Table("teams", "teams.xlsx", frame, frame, {"team"})
    with pytest.raises(TypeError, match="Code member"):
        Findings().add("missing_value", table, pd.Series(True, index=[2]), "team", "x")  # type: ignore[arg-type]

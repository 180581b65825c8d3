"""The layering of the package is a test: which part may import which.

Dependencies point one way, from the command line down to the value types::

    cli -> app -> publish, report -> reconcile -> rules -> contract -> domain
                  xlsx, validate -> read

Every module of ``src/prepaid_recon`` belongs to a layer (its top-level module or package);
:data:`ALLOWED` lists, for each layer, the layers of the package it may import and the
third-party libraries that are confined to a few layers (Excel, the CLI).  A new module, an
import into a layer not listed, or a library used outside its layers fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "prepaid_recon"
ROOT = "prepaid_recon"

ALLOWED: dict[str, set[str]] = {
    "__init__": set(),
    "__main__": {"cli", "errors"},
    "domain": set(),
    "errors": set(),
    "findings": set(),
    "contract": {"domain", "findings"},
    "mapping": {"contract", "findings", "domain"},
    "read": {"mapping", "contract", "findings", "domain", "errors", "__init__"},
    "rules": {"contract", "domain", "errors"},
    "validate": {"read", "rules", "contract", "findings", "domain"},
    "reconcile": {"rules", "contract", "domain", "errors"},
    "xlsx": {"contract", "domain", "errors", "findings", "__init__"},
    "report": {
        "reconcile",
        "rules",
        "xlsx",
        "contract",
        "findings",
        "domain",
        "errors",
        "__init__",
    },
    "publish": {"errors"},
    "synthetic": {"xlsx", "contract", "domain"},
    "app": {
        "mapping",
        "read",
        "validate",
        "reconcile",
        "report",
        "publish",
        "xlsx",
        "contract",
        "findings",
        "domain",
        "errors",
    },
    "cli": {"app", "errors", "domain", "synthetic", "xlsx", "findings", "__init__"},
}
"""Layer -> the package's layers it may import (itself always allowed)."""

CONFINED: dict[str, set[str]] = {
    "click": {"cli"},
    "xlsxwriter": {"xlsx"},
    "openpyxl": set(),
    "fastexcel": {"read"},
    "python_calamine": {"read"},
    "defusedxml": {"read"},
}
"""Third-party library -> the only layers that may import it."""


def layer_of(path: Path) -> str:
    """`read/guard.py` -> `read`; `cli.py` -> `cli`."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imports_of(path: Path) -> set[str]:
    """Every absolute module name a file imports, at any depth (also inside functions)."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside its own layer
                continue
            if node.module == ROOT:  # `from prepaid_recon import x`: a module, or a name of
                for alias in node.names:  # the package's own __init__ (its version)
                    is_module = (PACKAGE / alias.name).is_dir() or (
                        PACKAGE / f"{alias.name}.py"
                    ).is_file()
                    names.add(f"{ROOT}.{alias.name}" if is_module else ROOT)
            elif node.module:
                names.add(node.module)
    return names


def violations(path: Path, layer: str) -> list[str]:
    """The imports of one file that its layer may not make."""
    bad = []
    for name in sorted(imports_of(path)):
        parts = name.split(".")
        if parts[0] == ROOT:
            target = parts[1] if len(parts) > 1 else "__init__"
            if target != layer and target not in ALLOWED[layer]:
                bad.append(name)
        elif parts[0] in CONFINED and layer not in CONFINED[parts[0]]:
            bad.append(name)
    return bad


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_declared_layer() -> None:
    unknown = sorted({layer_of(p) for p in SOURCES} - ALLOWED.keys())
    assert unknown == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_what_its_layer_allows(path: Path) -> None:
    assert violations(path, layer_of(path)) == []


def test_the_layering_check_catches_an_upward_import(tmp_path: Path) -> None:
    rule = tmp_path / "rule.py"
    rule.write_text(
        "import pandas\n"
        "from prepaid_recon.read.tables import read_inputs\n"
        "from prepaid_recon import app\n"
        "def f():\n    import click\n"
    )
    assert violations(rule, "rules") == ["click", "prepaid_recon.app", "prepaid_recon.read.tables"]


def test_the_layering_check_allows_a_declared_import(tmp_path: Path) -> None:
    module = tmp_path / "checks.py"
    module.write_text("from prepaid_recon.rules.tasks import build_tasks\nimport pandas\n")
    assert violations(module, "validate") == []

"""The packages depend in one direction: domain apps → accounts → outbox → config."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What each top-level package may import among the project's own packages.
MAY_IMPORT = {
    "config": set(),
    "outbox": {"config"},
    "accounts": {"config", "outbox"},
    "helpdesk": {"config", "outbox", "accounts"},
    "workflow": {"config", "outbox", "accounts"},
    "qc": {"config", "outbox", "accounts", "workflow"},
}


def imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_packages_below_it(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(forbidden)
        for path in (ROOT / package).rglob("*.py")
        if (forbidden := imported_packages(path) - MAY_IMPORT[package] - {package})
    }
    assert wrong == {}

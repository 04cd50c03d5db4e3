"""The environment variables the application reads, found in its source as a reader would."""

import re
from functools import cache
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
APP_PACKAGES = ("config", "accounts", "helpdesk", "workflow", "qc", "outbox")
_CALL = re.compile(
    r"""(?:\benv_(?:str|int|bool|list)|os\.environ\.get|os\.environ\.setdefault|os\.getenv)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_SUBSCRIPT = re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]""")
_SHELL_EXPANSION = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")


@cache
def variables_the_app_reads() -> frozenset[str]:
    """Names given to env_str/env_int/env_bool/env_list or os.environ, or the Procfile expands."""
    sources = [BASE_DIR / "manage.py"]
    for package in APP_PACKAGES:
        sources += [
            path for path in (BASE_DIR / package).rglob("*.py") if "migrations" not in path.parts
        ]
    names = set()
    for source in sources:
        text = source.read_text()
        names |= set(_CALL.findall(text)) | set(_SUBSCRIPT.findall(text))
    names |= set(_SHELL_EXPANSION.findall((BASE_DIR / "Procfile").read_text()))
    return frozenset(names)

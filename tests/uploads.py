"""What uploads leave in the private storage."""

from pathlib import Path


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()]

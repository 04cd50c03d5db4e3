"""Where drained messages go. Each configured publisher receives every message once it commits.

A publisher is a class with a unique `name` and `publish(message)`; it raises to ask for a retry.
`OUTBOX_PUBLISHERS` lists their import paths. The drain calls a publisher with no transaction
open, unless it says it writes to this database: then in a short transaction of its own.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


class Publisher:
    name: str = ""
    writes_to_database: bool = False

    def publish(self, message) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; called when settings change and at worker shutdown."""


@cache
def configured_publishers() -> tuple[Publisher, ...]:
    publishers = tuple(import_string(path)() for path in settings.OUTBOX_PUBLISHERS)
    names = [publisher.name for publisher in publishers]
    if len(set(names)) != len(names):
        raise ValueError(f"OUTBOX_PUBLISHERS names must be unique, got {names}")
    return publishers


def reset_publishers() -> None:
    if configured_publishers.cache_info().currsize:
        for publisher in configured_publishers():
            publisher.close()
    configured_publishers.cache_clear()


@receiver(setting_changed)
def _publishers_follow_settings(setting: str, **kwargs) -> None:
    if setting in ("OUTBOX_PUBLISHERS", "OUTBOX_BROKER_URL"):
        reset_publishers()

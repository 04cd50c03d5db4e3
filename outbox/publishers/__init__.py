"""Where drained messages go. Each configured publisher receives every message once it commits.

A publisher is a class with a unique `name` and `publish(message)`; it raises to ask for a retry.
`OUTBOX_PUBLISHERS` lists their import paths. The drain hands a publisher a batch of messages
(`publish_many`, at most one per aggregate) with no transaction open; one that writes to this
database publishes each in a short transaction of its own, unless it batches them itself.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils.module_loading import import_string

from outbox.services.batching import STOP_NOW


class NotTried(Exception):
    """What a publisher answers for a message it did not get to before its batch had to stop;
    the message counts no attempt and keeps its lease for nobody."""


class Publisher:
    name: str = ""
    writes_to_database: bool = False

    def publish(self, message) -> None:
        raise NotImplementedError

    def publish_many(self, messages: list, keep_going=lambda: True) -> dict[int, Exception]:
        """Publish each message while `keep_going()`; return the errors of those that must be
        retried, by message id, and NotTried for those it did not get to."""
        refused = {}
        for index, message in enumerate(messages):
            if not keep_going():
                refused.update({rest.id: NotTried() for rest in messages[index:]})
                break
            try:
                if self.writes_to_database:  # its writes commit, or roll back, alone
                    with transaction.atomic():
                        self.publish(message)
                else:
                    self.publish(message)
            except STOP_NOW:
                raise
            except (
                Exception
            ) as exc:  # any publisher error means "retry later", never "crash the relay"
                refused[message.id] = exc
        return refused

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

"""The shapes every domain aggregate shares: a version that is its ETag, and an append-only history.

Abstract models only: each app declares its concrete aggregate and event, with its own constraints.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models

from config.principal import Principal

SYSTEM_ACTOR = "system"


class VersionedAggregate(models.Model):
    """A row changed only by use cases; each change adds one to `version`, which is its ETag."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


def history_constraints(aggregate_field: str, *, replayable: bool = True) -> list:
    """The rules of an aggregate's history: one event per version, and per client_event_id."""
    per_version = models.UniqueConstraint(
        fields=[aggregate_field, "version_after"], name=f"{aggregate_field}_event_per_version"
    )
    if not replayable:  # written by use cases that take no client_event_id
        return [per_version]
    once = models.UniqueConstraint(
        fields=[aggregate_field, "client_event_id"],
        condition=models.Q(client_event_id__isnull=False),
        name=f"{aggregate_field}_client_event_once",
    )
    return [once, per_version]


class AppendOnly(Exception):
    """Raised when code tries to change or delete a history row."""


class AggregateEvent(models.Model):
    """One change of an aggregate, written in the change's transaction and never altered."""

    # The name of the concrete model's foreign key to its aggregate ("ticket", "task").
    aggregate_field: ClassVar[str]

    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    payload = models.JSONField(default=dict)
    version_after = models.PositiveIntegerField()
    client_event_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly(f"{type(self).__name__} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"{type(self).__name__} rows are never deleted.")

    @classmethod
    def record(
        cls,
        aggregate: VersionedAggregate,
        *,
        action: str,
        actor: Principal | None,
        from_status: str = "",
        payload: dict | None = None,
        client_event_id=None,
        **fields,
    ) -> "AggregateEvent":
        """Write the history row of a change, after the aggregate's version was bumped."""
        return cls.objects.create(
            **{cls.aggregate_field: aggregate},
            actor_user_id=actor.user_id if actor else None,
            actor_api_key_id=actor.api_key_id if actor else None,
            actor_label=str(actor) if actor else SYSTEM_ACTOR,
            action=action,
            from_status=from_status,
            to_status=aggregate.status,
            payload=payload or {},
            version_after=aggregate.version,
            client_event_id=client_event_id,
            **fields,
        )

    @classmethod
    def earlier(cls, aggregate: VersionedAggregate, client_event_id) -> "AggregateEvent | None":
        """The event an earlier request with this client_event_id wrote, if any."""
        if client_event_id is None:
            return None
        return cls.objects.filter(
            **{cls.aggregate_field: aggregate}, client_event_id=client_event_id
        ).first()

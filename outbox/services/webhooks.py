"""Webhook endpoints: registered, changed and pinged by organization admins."""

from django.utils import timezone

import outbox
from config import secrets_at_rest
from config.api import problem_types as types
from config.api.conditional import ensure_version
from config.api.problems import ApplicationError
from config.transactions import use_case
from outbox import events, signing
from outbox.models import WebhookEndpoint
from outbox.targets import UnsafeTarget, resolve_target


class UnsafeWebhookTarget(ApplicationError):
    problem_type = types.VALIDATION_ERROR


def vet_url(url: str) -> None:
    try:
        resolve_target(url)
    except UnsafeTarget as exc:
        raise UnsafeWebhookTarget(
            str(exc), errors=[{"pointer": "/url", "detail": str(exc), "code": "unsafe_target"}]
        ) from None


@use_case
def create_endpoint(
    *,
    organization_id: int,
    url: str,
    description: str = "",
    event_types: list[str],
    is_active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint with a fresh signing secret (shown to the caller once)."""
    vet_url(url)
    endpoint = WebhookEndpoint.objects.create(
        organization_id=organization_id,
        url=url,
        description=description,
        event_types=event_types,
        is_active=is_active,
        secret=signing.generate_secret(),
    )
    return endpoint


@use_case
def update_endpoint(*, endpoint_id: int, expected_version: int, changes: dict) -> WebhookEndpoint:
    """Change an endpoint written from `expected_version`; raise StaleVersion otherwise."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    ensure_version(endpoint.version, expected_version)
    if "url" in changes:
        vet_url(changes["url"])
    for field, value in changes.items():
        setattr(endpoint, field, value)
    endpoint.version += 1
    endpoint.save(update_fields=[*changes, "version", "updated_at"])
    return endpoint


@use_case
def delete_endpoint(*, endpoint_id: int) -> None:
    """Stop sending to the endpoint; its delivery history stays."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), is_active=False
    )


@use_case
def ping_endpoint(*, endpoint: WebhookEndpoint):
    """Send a `webhook.ping` event to this endpoint only."""
    return outbox.emit(
        organization_id=endpoint.organization_id,
        event_type=events.WEBHOOK_PING,
        aggregate_type="webhook_endpoint",
        aggregate_id=endpoint.pk,
        payload={"webhook_endpoint_id": endpoint.pk, "url": endpoint.url},
        target={"webhook_endpoint_id": endpoint.pk},
    )


def reseal_signing_secrets(*, batch_size: int = 500) -> int:
    """Re-encrypt every signing secret with the newest key; return how many were resealed."""
    resealed, after = 0, 0
    while batch := list(
        WebhookEndpoint.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "secret_sealed")[:batch_size]
    ):
        for pk, sealed in batch:
            # No lock held: a row whose seal changed meanwhile was sealed with the newest key.
            resealed += WebhookEndpoint.objects.filter(pk=pk, secret_sealed=sealed).update(
                secret_sealed=secrets_at_rest.reseal(sealed)
            )
        after = batch[-1][0]
    return resealed

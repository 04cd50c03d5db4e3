"""Sending webhook deliveries: claim due ones, POST signed envelopes, retry on a schedule."""

import json
import random
import time
from datetime import timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from outbox import metrics, signing
from outbox.models import Delivery
from outbox.nudges import nudge
from outbox.services.batching import repeat_batches
from outbox.targets import ResolvedTarget, UnsafeTarget, resolve_target


class DeliveryFailed(Exception):
    def __init__(self, reason: str, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.status_code = status_code


def _connection_pool(target: ResolvedTarget):
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_TIMEOUT_SECONDS, read=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)


def post_signed(delivery: Delivery) -> int:
    """POST the delivery's envelope to its endpoint; return the status or raise DeliveryFailed."""
    message, endpoint = delivery.message, delivery.endpoint
    body = json.dumps(message.envelope(), separators=(",", ":")).encode()
    timestamp = int(time.time())
    try:
        target = resolve_target(endpoint.url)
    except UnsafeTarget as exc:
        raise DeliveryFailed(str(exc)) from None
    headers = {
        "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": "ServiceFlow-Webhooks/1",
        "webhook-id": str(message.event_id),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(endpoint.secret, str(message.event_id), timestamp, body),
    }
    try:
        with _connection_pool(target) as pool:
            response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False)
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"HTTP {response.status}", status_code=response.status)
    return response.status


def next_attempt_delay(attempts: int) -> timedelta | None:
    """Delay before attempt `attempts + 1`, or None once the schedule is exhausted."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE_SECONDS
    if attempts > len(schedule):
        return None
    step = schedule[attempts - 1]
    return timedelta(seconds=step * random.uniform(0.9, 1.1))  # noqa: S311


def attempt(delivery: Delivery) -> None:
    """Make one attempt and record it on the (locked) delivery."""
    started = time.monotonic()
    delivery.attempts += 1
    try:
        delivery.last_status_code = post_signed(delivery)
    except DeliveryFailed as exc:
        delivery.last_status_code, delivery.last_error = exc.status_code, str(exc)
        delay = next_attempt_delay(delivery.attempts)
        if delay is None:
            delivery.state = Delivery.State.DEAD
        else:
            delivery.next_attempt_at = timezone.now() + delay
        metrics.WEBHOOK_ATTEMPTS.labels(outcome="failed").inc()
    else:
        delivery.state, delivery.delivered_at, delivery.last_error = (
            Delivery.State.DELIVERED,
            timezone.now(),
            "",
        )
        metrics.WEBHOOK_ATTEMPTS.labels(outcome="delivered").inc()
    delivery.last_duration_ms = int((time.monotonic() - started) * 1000)
    delivery.save(
        update_fields=[
            "attempts",
            "state",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "last_duration_ms",
            "delivered_at",
        ]
    )


def deliver_due(limit: int | None = None) -> int:
    """Attempt up to `limit` due deliveries, skipping those another worker holds."""
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message", "endpoint")
            .filter(state=Delivery.State.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at", "id")[: limit or settings.WEBHOOK_BATCH_SIZE]
        )
        for delivery in due:
            attempt(delivery)
    return len(due)


def deliver_all_due(*, time_budget_seconds: float | None = None) -> int:
    """Deliver batches until none is due or the time budget is spent."""
    return repeat_batches(
        deliver_due,
        batch_size=settings.WEBHOOK_BATCH_SIZE,
        time_budget_seconds=time_budget_seconds or settings.OUTBOX_DRAIN_SECONDS,
    )


def redeliver(delivery: Delivery) -> Delivery:
    """Queue a delivery again now, whatever its state; attempts start over."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.state, delivery.attempts, delivery.next_attempt_at = (
            Delivery.State.PENDING,
            0,
            timezone.now(),
        )
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        transaction.on_commit(nudge_delivery)
    return delivery


def nudge_delivery() -> None:
    """Send newly queued deliveries now rather than at the next beat tick."""
    nudge("outbox.tasks.deliver_webhooks")

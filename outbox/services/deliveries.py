"""Sending webhook deliveries: lease due ones, POST signed envelopes, record, retry on a schedule.

No transaction is open while a request is on the wire (docs/adr/0010). Each request has one
deadline for all of it (connect, send, response) and reads at most a small response prefix, and
any error while sending one delivery fails that delivery alone.
"""

import contextlib
import json
import socket
import time
from http.client import HTTPException

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from urllib3.connection import HTTPConnection, HTTPSConnection

from config.api import problem_types as types
from config.api.problems import ApplicationError
from config.transactions import use_case
from outbox import metrics, signing
from outbox.models import Delivery
from outbox.nudges import nudge
from outbox.services.batching import (
    STOP_NOW,
    Lease,
    claimable,
    describe,
    give_back,
    lease_runs,
    record_outcomes,
    repeat_batches,
    scheduled_delay,
    work_in_waves,
)
from outbox.services.deadlines import WATCHDOG
from outbox.targets import ResolvedTarget, UnsafeTarget, resolve_target

ENDPOINT_GONE = types.register(
    types.ProblemType(
        "endpoint-gone",
        409,
        "The webhook endpoint no longer receives events",
        "The delivery's endpoint was deleted or disabled, so nothing is sent to it.",
        "Enable the endpoint (or register a new one) before asking for a redelivery.",
    )
)


class EndpointGone(ApplicationError):
    problem_type = ENDPOINT_GONE


class DeliveryFailed(Exception):
    def __init__(self, reason: str, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.status_code = status_code


def _connection(target: ResolvedTarget) -> HTTPConnection:
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if target.scheme == "https":
        return HTTPSConnection(
            target.address,
            target.port,
            timeout=timeout,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return HTTPConnection(target.address, target.port, timeout=timeout)


class KeptConnections:
    """Connections kept open from one delivery to the next within a batch (HTTP keep-alive).

    A receiver that answers quickly is sent the batch's events over one connection instead of a
    TCP (and TLS) handshake each; everything is closed when the batch ends.
    """

    def __init__(self) -> None:
        self._idle: dict[ResolvedTarget, HTTPConnection] = {}

    def take(self, target: ResolvedTarget) -> tuple[HTTPConnection, bool]:
        """A connection to the target, and whether it was used before."""
        kept = self._idle.pop(target, None)
        return (kept, True) if kept is not None else (_connection(target), False)

    def keep(self, target: ResolvedTarget, connection: HTTPConnection) -> None:
        self._idle[target] = connection

    def __enter__(self) -> "KeptConnections":
        return self

    def __exit__(self, *exc_info) -> None:
        for connection in self._idle.values():
            connection.close()
        self._idle.clear()


def exchange(
    target: ResolvedTarget, headers: dict, body: bytes, kept: KeptConnections | None = None
) -> tuple[int, bytes]:
    """POST and return the status and a response prefix, all within WEBHOOK_TIMEOUT_SECONDS.

    A kept connection the receiver closed while idle fails before any answer: the request is
    then sent once more on a new connection.
    """
    with contextlib.ExitStack() as stack:
        kept = kept or stack.enter_context(KeptConnections())
        connection, reused = kept.take(target)
        try:
            return _exchange_on(connection, target, headers, body, kept)
        except (ConnectionError, HTTPException):
            if not reused:
                raise
        return _exchange_on(_connection(target), target, headers, body, kept)


def _exchange_on(connection, target, headers, body, kept: KeptConnections) -> tuple[int, bytes]:
    deadline = settings.WEBHOOK_TIMEOUT_SECONDS

    def cut_off() -> None:
        with contextlib.suppress(OSError, AttributeError):
            connection.sock.shutdown(socket.SHUT_RDWR)

    with WATCHDOG.deadline(deadline, cut_off) as expired:
        try:
            connection.request(
                "POST", target.path, body=body, headers=headers, preload_content=False
            )
            response = connection.getresponse()
            prefix = response.read(settings.WEBHOOK_RESPONSE_MAX_BYTES)
        except Exception:
            connection.close()
            if expired.is_set():
                raise DeliveryFailed(f"No complete response within {deadline} s") from None
            raise
    if expired.is_set():
        connection.close()
        raise DeliveryFailed(f"No complete response within {deadline} s")
    # Only a response read to its end, on a connection the receiver keeps open, can be followed.
    if response.length_remaining == 0 and connection.is_connected:
        kept.keep(target, connection)
    else:
        connection.close()
    return response.status, prefix


def post_signed(delivery: Delivery, kept: KeptConnections | None = None) -> int:
    """POST the delivery's envelope to its endpoint; return the status or raise."""
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
    status, prefix = exchange(target, headers, body, kept)
    if not 200 <= status < 300:
        answer = prefix[:200].decode(errors="replace")
        raise DeliveryFailed(f"HTTP {status}: {answer}".rstrip(": "), status_code=status)
    return status


def send(delivery: Delivery, kept: KeptConnections | None = None) -> None:
    """Send a leased delivery with no transaction open and set its outcome, unrecorded."""
    started = time.monotonic()
    delivery.attempts += 1
    try:
        delivery.last_status_code = post_signed(delivery, kept)
    except STOP_NOW:
        raise
    except Exception as exc:  # whatever one delivery raises, it fails that delivery alone
        delivery.last_status_code = getattr(exc, "status_code", None)
        delivery.last_error = str(exc) if isinstance(exc, DeliveryFailed) else describe(exc)
        delay = scheduled_delay(delivery.attempts, settings.WEBHOOK_RETRY_SCHEDULE_SECONDS)
        if delay is None:
            delivery.state = Delivery.State.DEAD
        else:
            delivery.next_attempt_at = timezone.now() + delay
        metrics.WEBHOOK_ATTEMPTS.labels(outcome="failed").inc()
    else:
        delivery.state, delivery.delivered_at = Delivery.State.DELIVERED, timezone.now()
        delivery.last_error = ""
        metrics.WEBHOOK_ATTEMPTS.labels(outcome="delivered").inc()
    delivery.last_duration_ms = int((time.monotonic() - started) * 1000)


OUTCOME_FIELDS = [
    "attempts",
    "state",
    "next_attempt_at",
    "last_status_code",
    "last_error",
    "last_duration_ms",
    "delivered_at",
]


def claim_deliveries(limit: int, lease: Lease) -> list[Delivery]:
    """Lease due deliveries to live endpoints, each the earliest pending of its aggregate there."""
    now = timezone.now()
    earlier_pending = Delivery.objects.filter(
        state=Delivery.State.PENDING,
        endpoint_id=OuterRef("endpoint_id"),
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        message_id__lt=OuterRef("message_id"),
    )
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(claimable("claimed_until", now), state="pending", next_attempt_at__lte=now)
            .filter(endpoint__is_active=True, endpoint__deleted_at__isnull=True)
            .exclude(Exists(earlier_pending))
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        Delivery.objects.filter(id__in=ids).update(claimed_until=lease.until)
    return list(
        Delivery.objects.filter(id__in=ids)
        .select_related("message", "endpoint")
        .order_by("next_attempt_at", "id")
    )


def claim_runs_after(heads: list[Delivery], lease: Lease, most: int) -> list[list]:
    """Lease what follows each head to its endpoint in its aggregate and is due; a list per head."""
    following = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("message", "endpoint")
        .filter(
            state=Delivery.State.PENDING,
            endpoint_id__in={head.endpoint_id for head in heads},
            aggregate_type__in={head.aggregate_type for head in heads},
            aggregate_id__in={head.aggregate_id for head in heads},
            message_id__gt=min((head.message_id for head in heads), default=0),
        )
        .order_by("message_id")[:most]
    )
    return lease_runs(
        heads,
        following,
        key=lambda d: (d.endpoint_id, d.aggregate_type, d.aggregate_id),
        position=lambda d: d.message_id,
        can_go=_can_go,
        lease=lease,
    )


def _can_go(delivery: Delivery, now) -> bool:
    unleased = delivery.claimed_until is None or delivery.claimed_until <= now
    return delivery.next_attempt_at <= now and unleased


def give_up_on_deleted_endpoints(limit: int = 500) -> int:
    """Mark pending deliveries to deleted endpoints dead: they will never be sent."""
    doomed = Delivery.objects.filter(
        state=Delivery.State.PENDING, endpoint__deleted_at__isnull=False
    ).values("id")[:limit]
    return Delivery.objects.filter(id__in=doomed).update(
        state=Delivery.State.DEAD, last_error="The endpoint was deleted.", claimed_until=None
    )


def deliver_due(limit: int | None = None, stop_at: float | None = None) -> int:
    """Attempt due deliveries (skipping those another worker holds) in waves, one per aggregate
    and endpoint each, over kept connections; return how many were tried."""
    lease = Lease.take(reserve_seconds=settings.WEBHOOK_TIMEOUT_SECONDS)
    limit = limit or settings.WEBHOOK_BATCH_SIZE
    heads = claim_deliveries(limit, lease)
    runs = claim_runs_after(heads, lease, limit)
    with KeptConnections() as kept:
        return work_in_waves(
            [[head, *run] for head, run in zip(heads, runs, strict=True)],
            lease,
            stop_at,
            lambda wave: send_wave(wave, lease, stop_at, kept),
        )


def send_wave(wave: list[Delivery], lease: Lease, stop_at, kept: KeptConnections) -> set[int]:
    """Send each delivery of a wave while the lease allows, then record what was sent in one
    round trip (also when stopped midway); return the pks that arrived."""
    sent = []
    try:
        for delivery in wave:
            if not lease.allows_another_item(stop_at):
                break
            send(delivery, kept)
            sent.append(delivery)
    finally:
        record_outcomes(sent, OUTCOME_FIELDS)
        give_back(wave[len(sent) :])
    return {d.pk for d in sent if d.state == Delivery.State.DELIVERED}


def deliver_all_due(*, time_budget_seconds: float | None = None) -> int:
    """Deliver batches until none is due or the time budget is spent."""
    give_up_on_deleted_endpoints()
    return repeat_batches(
        lambda stop_at: deliver_due(stop_at=stop_at),
        time_budget_seconds=time_budget_seconds or settings.OUTBOX_DRAIN_SECONDS,
    )


@use_case
def redeliver(delivery: Delivery) -> Delivery:
    """Queue a delivery again now, whatever its state; attempts start over.

    Raise EndpointGone when its endpoint was deleted or disabled.
    """
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if delivery.endpoint.deleted_at is not None or not delivery.endpoint.is_active:
        raise EndpointGone("The endpoint was deleted or disabled; nothing is sent to it.")
    # Ending any lease makes an attempt still in flight record nothing over this reset.
    delivery.state, delivery.attempts, delivery.next_attempt_at, delivery.claimed_until = (
        Delivery.State.PENDING,
        0,
        timezone.now(),
        None,
    )
    delivery.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_until"])
    transaction.on_commit(nudge_delivery)
    return delivery


def nudge_delivery() -> None:
    """Send newly queued deliveries now rather than at the next beat tick."""
    nudge("outbox.tasks.deliver_webhooks")

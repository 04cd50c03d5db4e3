import uuid
from typing import Any

from django.db import transaction
from opentelemetry import propagate

from outbox.models import OutboxMessage
from outbox.nudges import nudge


class OutsideTransaction(RuntimeError):
    """emit() was called with no transaction to write the event in."""


def emit(
    *,
    organization_id: int,
    event_type: str,
    aggregate_type: str,
    aggregate_id: Any,
    payload: dict,
    event_id: uuid.UUID | None = None,
    target: dict | None = None,
) -> OutboxMessage:
    """Write an event in the caller's transaction; it is published only if that commits.

    `target` narrows delivery (`{"webhook_endpoint_id": 7}` for a ping).
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransaction("outbox.emit() must run inside transaction.atomic()")
    headers: dict[str, Any] = {}
    propagate.inject(headers)  # W3C traceparent of the writing request, when there is one
    message = OutboxMessage.objects.create(
        event_id=event_id or uuid.uuid4(),
        organization_id=organization_id,
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        payload=payload,
        headers=headers,
        target=target,
    )
    transaction.on_commit(_nudge_drain)
    return message


def _nudge_drain() -> None:
    """Start a drain now rather than at the next beat tick; the beat tick still backs it up."""
    nudge("outbox.tasks.drain_outbox")

import pytest
from django.db import transaction
from opentelemetry import trace

import outbox
from outbox.models import OutboxMessage
from outbox.services.messages import OutsideTransaction

pytestmark = pytest.mark.django_db(transaction=True)


def emit_thing(organization, **fields):
    return outbox.emit(
        organization_id=organization.pk,
        event_type="thing.happened",
        aggregate_type="thing",
        aggregate_id=7,
        payload={"colour": "blue"},
        **fields,
    )


def test_emit_inside_a_transaction_writes_the_message_with_it(organization):
    with transaction.atomic():
        message = emit_thing(organization)

    stored = OutboxMessage.objects.get()
    assert stored.event_id == message.event_id
    assert stored.state == "pending"
    assert stored.envelope() == {
        "id": str(message.event_id),
        "type": "thing.happened",
        "occurred_at": stored.occurred_at.isoformat().replace("+00:00", "Z"),
        "aggregate": {"type": "thing", "id": "7"},
        "data": {"colour": "blue"},
    }


def test_emit_outside_a_transaction_is_refused(organization):
    with pytest.raises(OutsideTransaction):
        emit_thing(organization)

    assert not OutboxMessage.objects.exists()


def test_rolled_back_transaction_leaves_no_message(organization):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit_thing(organization)
        raise RuntimeError("the use case failed after emitting")

    assert not OutboxMessage.objects.exists()


def test_message_carries_the_writing_requests_traceparent(organization):
    tracer = trace.get_tracer("tests")
    with tracer.start_as_current_span("request") as span, transaction.atomic():
        emit_thing(organization)

    traceparent = OutboxMessage.objects.get().headers["traceparent"]
    assert traceparent.split("-")[1] == format(span.get_span_context().trace_id, "032x")

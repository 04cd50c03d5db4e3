"""The project's URLs plus two baselines: only what a ticket creation writes, and that plus the
HTTP contract every endpoint keeps (authentication, throttle, validation, representation)."""

import itertools
import os
import uuid
from datetime import timedelta

from django.db import transaction
from django.urls import path
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember
from config.urls import urlpatterns as project_urlpatterns
from helpdesk.api.serializers import TicketCreateIn, TicketOut
from helpdesk.models import Contact, Ticket
from outbox.models import IdempotencyRecord, OutboxMessage

_numbers = itertools.count(1)


def write_three_rows(request, subject: str) -> Ticket:
    contact = Contact.objects.get(email="baseline@example.com")
    number = os.getpid() % 1000 * 1_000_000 + next(_numbers)  # unique across workers
    with transaction.atomic():
        ticket = Ticket.objects.create(
            organization_id=contact.organization_id,
            number=number,
            key=f"B-{number}",
            subject=subject,
            requester=contact,
        )
        OutboxMessage.objects.create(
            organization_id=contact.organization_id,
            event_type="ticket.opened",
            aggregate_type="ticket",
            aggregate_id=str(ticket.pk),
            payload={"id": ticket.pk},
        )
        IdempotencyRecord.objects.create(
            organization_id=contact.organization_id,
            principal="baseline",
            key_digest=(request.headers.get("Idempotency-Key") or uuid.uuid4().hex)[:64],
            fingerprint="-",
            method="POST",
            path=request.path,
            response_status=201,
            expires_at=timezone.now() + timedelta(days=1),
        )
    return ticket


class ThreeInsertsView(APIView):
    """Baseline: one ticket, one outbox message, one idempotency record; no auth, no checks."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request):
        ticket = write_three_rows(request, request.data["subject"])
        return Response({"id": ticket.pk}, status=201)


class ContractView(APIView):
    """The same writes behind the project's authentication, throttle and permission, with the
    request validated and the ticket shown as the API shows it; none of the invariants."""

    permission_classes = [IsOrganizationMember]

    def post(self, request):
        command = parse(TicketCreateIn, request.data)
        ticket = write_three_rows(request, command["subject"])
        ticket.keep_written_tags([])
        return Response(TicketOut(ticket).data, status=201)


urlpatterns = [
    path("bench/three-inserts", ThreeInsertsView.as_view()),
    path("bench/contract", ContractView.as_view()),
    *project_urlpatterns,
]

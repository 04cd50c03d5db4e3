"""The project's URLs plus a baseline view that does only what a ticket creation must write."""

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

from config.urls import urlpatterns as project_urlpatterns
from helpdesk.models import Contact, Ticket
from outbox.models import IdempotencyRecord, OutboxMessage

_numbers = itertools.count(1)


class ThreeInsertsView(APIView):
    """Baseline: one ticket, one outbox message, one idempotency record; no auth, no checks."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request):
        contact = Contact.objects.get(email="baseline@example.com")
        number = os.getpid() % 1000 * 1_000_000 + next(_numbers)  # unique across workers
        with transaction.atomic():
            ticket = Ticket.objects.create(
                organization_id=contact.organization_id,
                number=number,
                key=f"B-{number}",
                subject=request.data["subject"],
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
                key=request.headers.get("Idempotency-Key") or uuid.uuid4().hex,
                fingerprint="-",
                method="POST",
                path=request.path,
                response_status=201,
                expires_at=timezone.now() + timedelta(days=1),
            )
        return Response({"id": ticket.pk}, status=201)


urlpatterns = [path("bench/three-inserts", ThreeInsertsView.as_view()), *project_urlpatterns]

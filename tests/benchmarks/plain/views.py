"""Ticket endpoints as a plain DRF app would write them, with the SQL statements the API runs,
and the task action with the statements any task action must run.

No authentication (the organization is in the path), no invariants beyond what the statements
themselves do, a flat ModelSerializer, the framework's own JSON parser and renderer.
"""

import hashlib
import json
from datetime import timedelta

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.models import Contact, Ticket, TicketEvent
from outbox.models import IdempotencyRecord, OutboxMessage
from workflow.models import Task, TaskEvent

# The transitions the load alternates, and the timestamp each one sets.
TRANSITIONS = {"open": ("open", "opened_at"), "pend": ("pending", "sla_paused_at")}


def tickets_of(organization_id: int):
    return (
        Ticket.objects.filter(organization_id=organization_id)
        .select_related("requester", "assignee")
        .prefetch_related("tags")
    )


class TicketRow(serializers.ModelSerializer):
    requester_email = serializers.CharField(source="requester.email")
    requester_name = serializers.CharField(source="requester.name")
    assignee_email = serializers.CharField(source="assignee.email", allow_null=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "key",
            "number",
            "subject",
            "description",
            "status",
            "priority",
            "requester_email",
            "requester_name",
            "assignee_id",
            "assignee_email",
            "tags",
            "version",
            "created_at",
            "updated_at",
            "opened_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "cancelled_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_response_breached",
            "resolution_breached",
        ]


class NewTicketRow(TicketRow):
    """A ticket just created: it has no tags to read."""

    tags = None

    class Meta(TicketRow.Meta):
        fields = [name for name in TicketRow.Meta.fields if name != "tags"]


class RequesterIn(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(required=False, default="", allow_blank=True)


class TicketIn(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    requester = RequesterIn()
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, default="normal")


def snapshot(ticket: Ticket, status: str, version: int) -> dict:
    return {
        "id": ticket.pk,
        "key": ticket.key,
        "subject": ticket.subject,
        "status": status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "requester_email": ticket.requester.email,
        "version": version,
    }


def number_sequence(organization_id: int) -> str:
    """The sequence an organization's ticket numbers come from (helpdesk.services.numbering)."""
    return f"helpdesk_ticket_number_org_{organization_id}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class TicketList(APIView):
    def get(self, request, organization_id: int) -> Response:
        limit = min(int(request.query_params.get("limit", 50)), 200)
        rows = list(tickets_of(organization_id).order_by("-id")[: limit + 1])
        last = rows[limit - 1].pk if len(rows) > limit else None
        return Response({"next": last, "results": TicketRow(rows[:limit], many=True).data})

    def post(self, request, organization_id: int) -> Response:
        incoming = TicketIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        command, now = incoming.validated_data, timezone.now()
        with transaction.atomic():
            claim = IdempotencyRecord.objects.create(
                organization_id=organization_id,
                principal="plain",
                key_digest=digest(request.headers["Idempotency-Key"]),
                fingerprint=digest(json.dumps(request.data, sort_keys=True)),
                method="POST",
                path=request.path,
                expires_at=now + timedelta(days=1),
            )
            ticket = create_ticket(organization_id, command, now)
            data = NewTicketRow(ticket).data
            IdempotencyRecord.objects.filter(pk=claim.pk).update(
                response_status=201, response_sealed=json.dumps(data, default=str)
            )
        return Response(data, status=status.HTTP_201_CREATED)


def create_ticket(organization_id: int, command: dict, now) -> Ticket:
    email = command["requester"]["email"]
    requester = Contact.objects.filter(
        Exact(Lower("email"), email.lower()), organization_id=organization_id
    ).first() or Contact.objects.create(
        organization_id=organization_id, email=email, name=command["requester"]["name"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [number_sequence(organization_id)])
        number = cursor.fetchone()[0]
    ticket = Ticket.objects.create(
        organization_id=organization_id,
        number=number,
        key=f"PLAIN-{number}",
        subject=command["subject"],
        description=command["description"],
        priority=command["priority"],
        requester=requester,
        created_at=now,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        actor_label="plain",
        action="create",
        to_status=ticket.status,
        version_after=1,
        changed_fields=["status"],
    )
    OutboxMessage.objects.create(
        organization_id=organization_id,
        event_type="ticket.opened",
        aggregate_type="ticket",
        aggregate_id=str(ticket.pk),
        payload={"ticket": snapshot(ticket, ticket.status, 1), "actor": "plain"},
    )
    return ticket


class TicketDetail(APIView):
    def get(self, request, organization_id: int, key: str) -> Response:
        seen = request.headers.get("If-None-Match")
        if seen:
            version = (
                Ticket.objects.filter(organization_id=organization_id, key=key)
                .values_list("version", flat=True)
                .first()
            )
            if seen == f'"{version}"':
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": seen})
        ticket = get_object_or_404(tickets_of(organization_id), key=key)
        return Response(TicketRow(ticket).data, headers={"ETag": f'"{ticket.version}"'})


class TicketActions(APIView):
    """Lock, check the version, update, write the event and the outbox message; open/pend only."""

    def post(self, request, organization_id: int, key: str) -> Response:
        action, expected = request.data["action"], int(request.data["expected_version"])
        target, stamp = TRANSITIONS[action]
        now = timezone.now()
        with transaction.atomic():
            ticket = get_object_or_404(
                Ticket.objects.select_for_update(of=("self",)).select_related(
                    "requester", "assignee"
                ),
                organization_id=organization_id,
                key=key,
            )
            if ticket.version != expected:
                return Response({"current_version": ticket.version}, status=409)
            version = ticket.version + 1
            Ticket.objects.filter(pk=ticket.pk).update(
                status=target, version=version, updated_at=now, **{stamp: now}
            )
            TicketEvent.objects.create(
                ticket=ticket,
                actor_label="plain",
                action=action,
                from_status=ticket.status,
                to_status=target,
                payload=request.data.get("payload", {}),
                version_after=version,
                changed_fields=["status"],
            )
            OutboxMessage.objects.create(
                organization_id=organization_id,
                event_type="ticket.status_changed",
                aggregate_type="ticket",
                aggregate_id=str(ticket.pk),
                payload={
                    "ticket": snapshot(ticket, target, version),
                    "actor": "plain",
                    "action": action,
                    "from_status": ticket.status,
                },
            )
        data = {**TicketRow(ticket).data, "status": target, "version": version}
        return Response(data, headers={"ETag": f'"{version}"'})


class TaskRow(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = [
            "id",
            "deliverable_id",
            "node_key",
            "title",
            "description",
            "kind",
            "other_kind_label",
            "work_kind",
            "priority",
            "is_milestone",
            "requires_qc",
            "default_role",
            "planned_duration",
            "status",
            "version",
            "assigned_to_id",
            "assigned_at",
            "attempt",
            "planned_start",
            "planned_finish",
            "actual_start",
            "actual_finish",
            "stale",
            "created_at",
            "updated_at",
        ]


def task_snapshot(task: Task) -> dict:
    """The task as the product's task events carry it (workflow.events.task_snapshot)."""
    return {
        "id": task.pk,
        "deliverable_id": task.deliverable_id,
        "node_key": task.node_key,
        "title": task.title,
        "status": task.status,
        "assigned_to_id": task.assigned_to_id,
        "attempt": task.attempt,
        "stale": task.stale,
        "version": task.version,
    }


class TaskActions(APIView):
    """Lock, check the version, (un)assign, write the event and the outbox message.

    assign (to `payload.assign_to`, no window) and unassign only: no allocation, no check that
    the assignee is a member.
    """

    def post(self, request, organization_id: int, task_id: int) -> Response:
        action, expected = request.data["action"], int(request.data["expected_version"])
        payload = request.data.get("payload", {})
        assignee, now = payload.get("assign_to"), timezone.now()  # unassign: nobody
        with transaction.atomic():
            task = get_object_or_404(
                Task.objects.select_for_update(), organization_id=organization_id, pk=task_id
            )
            if task.version != expected:
                return Response({"current_version": task.version}, status=409)
            previous = task.assigned_to_id
            changes = {
                "assigned_to_id": assignee,
                "assigned_at": now if assignee else None,
                "version": task.version + 1,
                "updated_at": now,
            }
            Task.objects.filter(pk=task.pk).update(**changes)
            for name, value in changes.items():
                setattr(task, name, value)
            TaskEvent.objects.create(
                task=task,
                actor_label="plain",
                action=action,
                from_status=task.status,
                to_status=task.status,
                payload=payload,
                version_after=task.version,
                expected_version=expected,
            )
            OutboxMessage.objects.create(
                organization_id=organization_id,
                event_type="task.assigned",
                aggregate_type="task",
                aggregate_id=str(task.pk),
                payload={
                    "task": task_snapshot(task),
                    "actor": "plain",
                    "previous_assignee_id": previous,
                },
            )
        return Response(TaskRow(task).data, headers={"ETag": f'"{task.version}"'})


def health(request) -> HttpResponse:
    return HttpResponse("ok")

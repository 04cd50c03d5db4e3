"""SLA clocks of tickets: due times from the organization's policies, pauses, breaches."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import outbox
from helpdesk import events, metrics
from helpdesk.models import Ticket, TicketEvent
from helpdesk.services.sla_targets import SlaTargets, targets_for
from helpdesk.sla import add_business_time, business_time_between

SLA_FIELDS = ["first_response_due_at", "resolution_due_at", "sla_paused_at", "sla_paused_seconds"]


def refresh_due_times(ticket: Ticket) -> None:
    """Set the due times from the targets for the ticket's priority (none without a policy)."""
    _set_due_times(ticket, targets_for(ticket.organization_id, ticket.priority))


def _set_due_times(ticket: Ticket, targets: SlaTargets | None) -> None:
    if targets is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        return
    started = ticket.created_at
    ticket.first_response_due_at = add_business_time(
        started, targets.first_response, targets.calendar
    )
    resolution = targets.resolution + timedelta(seconds=ticket.sla_paused_seconds)
    ticket.resolution_due_at = add_business_time(started, resolution, targets.calendar)


def resume_clock(ticket: Ticket, *, paused_since, at) -> None:
    """Add the business time spent pending to the resolution target."""
    targets = targets_for(ticket.organization_id, ticket.priority)
    paused = business_time_between(paused_since, at, targets.calendar if targets else None)
    ticket.sla_paused_seconds += int(paused.total_seconds())
    ticket.sla_paused_at = None
    _set_due_times(ticket, targets)


ACTIVE = [Ticket.Status.NEW, Ticket.Status.OPEN]


def mark_breaches(now=None, limit: int = 500) -> int:
    """Flag tickets past a due time and emit `ticket.sla_breached` once per breach."""
    now = now or timezone.now()
    late_response = Q(
        first_response_breached=False,
        first_responded_at__isnull=True,
        first_response_due_at__lt=now,
        status__in=[*ACTIVE, Ticket.Status.PENDING],
    )
    late_resolution = Q(resolution_breached=False, resolution_due_at__lt=now, status__in=ACTIVE)
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("requester")
            .filter(late_response | late_resolution)
            .order_by("id")[:limit]
        )
        for ticket in tickets:
            _record_breaches(ticket, now)
    return len(tickets)


def _record_breaches(ticket: Ticket, now) -> None:
    breached = []
    if (
        not ticket.first_response_breached
        and ticket.first_responded_at is None
        and (ticket.first_response_due_at and ticket.first_response_due_at < now)
    ):
        ticket.first_response_breached = True
        breached.append("first_response")
    if (
        not ticket.resolution_breached
        and ticket.status in ACTIVE
        and ticket.resolution_due_at
        and ticket.resolution_due_at < now
    ):
        ticket.resolution_breached = True
        breached.append("resolution")
    ticket.version += 1
    ticket.save(
        update_fields=["first_response_breached", "resolution_breached", "version", "updated_at"]
    )
    for target in breached:  # counted once the breach is recorded for good
        transaction.on_commit(metrics.SLA_BREACHES.labels(target=target).inc)
    TicketEvent.record(
        ticket,
        action="sla_breached",
        actor=None,
        payload={"targets": breached},
        changed_fields=[f"{target}_breached" for target in breached],
    )
    for target in breached:
        outbox.emit(
            **events.ticket_event(events.TICKET_SLA_BREACHED, ticket, actor="sla", target=target)
        )

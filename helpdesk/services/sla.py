"""SLA clocks of tickets: due times from the organization's policies, pauses, breaches."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import outbox
from helpdesk import events
from helpdesk.models import BusinessCalendar, SlaPolicy, Ticket
from helpdesk.services.audit import record_ticket_event
from helpdesk.sla import Calendar, add_business_time, business_time_between

SLA_FIELDS = ["first_response_due_at", "resolution_due_at", "sla_paused_at", "sla_paused_seconds"]


def calendar_from(model: BusinessCalendar | None) -> Calendar | None:
    if model is None:
        return None
    return Calendar(
        time_zone=ZoneInfo(model.time_zone),
        weekly_hours={
            int(weekday): tuple(
                sorted((time.fromisoformat(start), time.fromisoformat(end)) for start, end in spans)
            )
            for weekday, spans in model.weekly_hours.items()
        },
        holidays=frozenset(date.fromisoformat(day) for day in model.holidays),
    )


def _policy_for(ticket: Ticket) -> SlaPolicy | None:
    return (
        SlaPolicy.objects.select_related("calendar")
        .filter(organization_id=ticket.organization_id, priority=ticket.priority)
        .first()
    )


def refresh_due_times(ticket: Ticket) -> None:
    """Set the due times from the policy for the ticket's priority (none without a policy)."""
    _set_due_times(ticket, _policy_for(ticket))


def _set_due_times(ticket: Ticket, policy: SlaPolicy | None) -> None:
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        return
    calendar = calendar_from(policy.calendar)
    started = ticket.created_at
    ticket.first_response_due_at = add_business_time(
        started, timedelta(minutes=policy.first_response_minutes), calendar
    )
    resolution = timedelta(minutes=policy.resolution_minutes, seconds=ticket.sla_paused_seconds)
    ticket.resolution_due_at = add_business_time(started, resolution, calendar)


def resume_clock(ticket: Ticket, *, paused_since, at) -> None:
    """Add the business time spent pending to the resolution target."""
    policy = _policy_for(ticket)
    calendar = calendar_from(policy.calendar) if policy else None
    paused = business_time_between(paused_since, at, calendar)
    ticket.sla_paused_seconds += int(paused.total_seconds())
    ticket.sla_paused_at = None
    _set_due_times(ticket, policy)


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
    record_ticket_event(
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

"""Ticket events and their payloads (JSON-safe ids and values)."""

from helpdesk.models import Ticket

TICKET_OPENED = "ticket.opened"
TICKET_UPDATED = "ticket.updated"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_COMMENTED = "ticket.commented"
TICKET_SLA_BREACHED = "ticket.sla_breached"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def ticket_snapshot(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "key": ticket.key,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "requester_email": ticket.requester.email,
        "version": ticket.version,
        "first_response_due_at": _iso(ticket.first_response_due_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
    }


def ticket_event(event_type: str, ticket: Ticket, *, actor: str, **details) -> dict:
    """The outbox.emit() arguments for a ticket event."""
    return {
        "organization_id": ticket.organization_id,
        "event_type": event_type,
        "aggregate_type": "ticket",
        "aggregate_id": ticket.pk,
        "payload": {"ticket": ticket_snapshot(ticket), "actor": actor, **details},
    }

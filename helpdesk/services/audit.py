from accounts.principal import Principal
from helpdesk.models import Ticket, TicketEvent

SYSTEM = "system"


def record_ticket_event(
    ticket: Ticket,
    *,
    action: str,
    actor: Principal | None,
    from_status: str = "",
    changed_fields: list[str] | None = None,
    payload: dict | None = None,
    client_event_id=None,
) -> TicketEvent:
    """Write the audit row of a change, after the ticket's version was bumped."""
    return TicketEvent.objects.create(
        ticket=ticket,
        actor_user_id=actor.user_id if actor else None,
        actor_api_key_id=actor.api_key_id if actor else None,
        actor_label=str(actor) if actor else SYSTEM,
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        changed_fields=changed_fields or [],
        payload=payload or {},
        version_after=ticket.version,
        client_event_id=client_event_id,
    )

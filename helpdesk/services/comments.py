from django.utils import timezone

import outbox
from config.api.conditional import ensure_version
from config.principal import Principal
from config.transactions import use_case
from helpdesk import events, policy
from helpdesk.models import Comment, Ticket, TicketEvent


@use_case
def add_comment(
    *,
    ticket_id: int,
    actor: Principal,
    body: str,
    is_public: bool = True,
    expected_version: int | None = None,
) -> Comment:
    """Add a reply or an internal note; the first public reply of an agent answers the SLA."""
    ticket = Ticket.objects.select_for_update().select_related("requester").get(pk=ticket_id)
    if expected_version is not None:
        ensure_version(ticket.version, expected_version)
    comment = Comment.objects.create(
        ticket=ticket,
        author_id=actor.user_id,
        author_label=str(actor),
        body=body,
        is_public=is_public,
    )
    changed = ["comments"]
    if is_public and ticket.first_responded_at is None and actor.role in policy.RESPONDERS:
        ticket.first_responded_at = comment.created_at or timezone.now()
        changed.append("first_responded_at")
    ticket.version += 1
    ticket.save(update_fields=["first_responded_at", "version", "updated_at"])
    TicketEvent.record(
        ticket,
        action="comment",
        actor=actor,
        changed_fields=changed,
        payload={"comment_id": comment.pk, "is_public": is_public},
    )
    outbox.emit(
        **events.ticket_event(
            events.TICKET_COMMENTED,
            ticket,
            actor=str(actor),
            comment={"id": comment.pk, "is_public": is_public, "body": body},
        )
    )
    return comment

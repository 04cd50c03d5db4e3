from django.db.models import Q, QuerySet

from helpdesk.models import Attachment, Comment, Ticket, TicketEvent


def list_tickets_for(organization_id: int) -> QuerySet[Ticket]:
    """Tickets with everything their representation needs, in a fixed number of queries."""
    return (
        Ticket.objects.filter(organization_id=organization_id)
        .select_related("requester", "assignee")
        .prefetch_related("tags")
    )


def search_tickets(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    return tickets.filter(
        Q(key__iexact=text) | Q(subject__icontains=text) | Q(description__icontains=text)
    )


def list_comments_for(ticket: Ticket) -> QuerySet[Comment]:
    return Comment.objects.filter(ticket=ticket)


def list_events_for(ticket: Ticket) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(ticket=ticket)


def list_attachments_for(ticket: Ticket) -> QuerySet[Attachment]:
    return Attachment.objects.select_related("ticket").filter(ticket=ticket)

from django.db.models import JSONField, OuterRef, Prefetch, Q, QuerySet, Subquery

from helpdesk.models import Attachment, Comment, Tag, Ticket, TicketEvent

# What the list reads of a ticket, as flat values; `tag_names` is added by TagNames.
TICKET_ROW = (
    "id",
    "key",
    "number",
    "subject",
    "description",
    "status",
    "priority",
    "requester__name",
    "requester__email",
    "assignee_id",
    "assignee__email",
    "assignee__full_name",
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
)


def tags_in_order() -> QuerySet[Tag]:
    """Tags in the order a ticket shows them: oldest first."""
    # No order used to be asked for, and PostgreSQL's plans mostly returned a ticket's links in
    # the order Django writes them, by tag id; asking for it keeps that output and makes the
    # list and the detail agree whatever plan runs.
    return Tag.objects.order_by("pk")


class TagNames(Subquery):
    """The names of the outer ticket's tags as a JSON array, in tags_in_order ([] for none)."""

    # jsonb, not json: `?tag=` makes the list SELECT DISTINCT, and json has no equality.
    template = "TO_JSONB(ARRAY(%(subquery)s))"

    def __init__(self) -> None:
        names = tags_in_order().filter(tickets=OuterRef("pk")).values("name")
        super().__init__(names, output_field=JSONField())

    def as_sqlite(self, compiler, connection, **extra_context):
        # The embedded default's SQLite takes no ORDER BY inside JSON_GROUP_ARRAY (before
        # 3.44), but does not flatten an ordered subquery into an aggregate over it, so the
        # aggregate sees the rows in the subquery's order.
        template = "(SELECT JSON_GROUP_ARRAY(name) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def list_tickets_for(organization_id: int) -> QuerySet[Ticket]:
    """Tickets with everything their representation needs, in a fixed number of queries."""
    return (
        Ticket.objects.filter(organization_id=organization_id)
        .select_related("requester", "assignee")
        .prefetch_related(Prefetch("tags", queryset=tags_in_order()))
    )


def list_ticket_rows_for(organization_id: int) -> QuerySet[dict]:
    """Tickets as TICKET_ROW values, tags included, in one query and no model instances."""
    tickets = Ticket.objects.filter(organization_id=organization_id)
    return tickets.values(*TICKET_ROW, tag_names=TagNames())


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

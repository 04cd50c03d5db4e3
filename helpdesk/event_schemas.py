"""The published `data` of each ticket event (helpdesk/events.py builds them; docs/adr/0029)."""

from rest_framework import serializers

from config.api.event_schemas import EventSchema
from helpdesk import events
from helpdesk.models import Ticket


class TicketSnapshot(serializers.Serializer):
    """The ticket as it is after the change."""

    id = serializers.IntegerField()
    key = serializers.CharField(help_text="Such as `ACME-12`.")
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)
    assignee_id = serializers.IntegerField(allow_null=True, help_text="A user id.")
    requester_email = serializers.EmailField()
    version = serializers.IntegerField(help_text="The ticket's version (its ETag) after it.")
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)


class TicketEventData(serializers.Serializer):
    ticket = TicketSnapshot()
    actor = serializers.CharField(help_text="Who did it: a person, an API key, `system`.")


class TicketUpdatedData(TicketEventData):
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="Among `subject`, `description`, `priority`, `tags`, `attachments`.",
    )


class TicketAssignedData(TicketEventData):
    previous_assignee_id = serializers.IntegerField(allow_null=True)


class TicketActionDetails(serializers.Serializer):
    """The action's payload, as sent."""

    reason = serializers.CharField(required=False, help_text="Of `pend`, `reopen`, `cancel`.")
    resolution = serializers.CharField(required=False, help_text="Of `resolve`.")


class TicketStatusChangedData(TicketEventData):
    action = serializers.CharField(help_text="The action that moved it (`resolve`).")
    from_status = serializers.ChoiceField(choices=Ticket.Status.choices)
    details = TicketActionDetails()


class TicketComment(serializers.Serializer):
    id = serializers.IntegerField()
    is_public = serializers.BooleanField(help_text="false: an internal note.")
    body = serializers.CharField()


class TicketCommentedData(TicketEventData):
    comment = TicketComment()


class TicketSlaBreachedData(TicketEventData):
    target = serializers.ChoiceField(
        choices=["first_response", "resolution"], help_text="The target that was missed."
    )


EVENT_SCHEMAS = (
    EventSchema(events.TICKET_OPENED, TicketEventData, "A ticket was opened."),
    EventSchema(
        events.TICKET_UPDATED, TicketUpdatedData, "A ticket was edited or got an attachment."
    ),
    EventSchema(events.TICKET_ASSIGNED, TicketAssignedData, "A ticket was assigned or unassigned."),
    EventSchema(
        events.TICKET_STATUS_CHANGED,
        TicketStatusChangedData,
        "A ticket action changed its status.",
    ),
    EventSchema(events.TICKET_COMMENTED, TicketCommentedData, "A comment or note was added."),
    EventSchema(
        events.TICKET_SLA_BREACHED,
        TicketSlaBreachedData,
        "A ticket missed an SLA target; emitted once per target.",
    ),
)

from collections.abc import Mapping

from django.urls import reverse
from rest_framework import serializers

from config.api.actions import action_forms, allowed_actions_out, required_message
from config.api.serializers import Representation, iso_datetime
from config.api.text import NameField, TextField
from config.api.uploads import STORED_FILE_FIELDS, StoredFileOut, UploadedFileField
from helpdesk import selectors
from helpdesk.actions import ACTIONS
from helpdesk.models import (
    COMMENT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    Attachment,
    Comment,
    Ticket,
    TicketEvent,
)

REASON_MAX_LENGTH = 500
RESOLUTION_MAX_LENGTH = 5_000


def tag_field() -> serializers.RegexField:
    return serializers.RegexField(r"^[\w.-]{1,50}$", max_length=50)


class ContactOut(Representation):
    name = serializers.CharField()
    email = serializers.EmailField()


class TicketAssigneeOut(Representation):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


def ticket_out(row: Mapping) -> dict:
    """Write a ticket's representation from its flat values (selectors.TICKET_ROW, tag_names)."""
    return {
        "id": row["id"],
        "key": row["key"],
        "number": row["number"],
        "subject": row["subject"],
        "description": row["description"],
        "status": row["status"],
        "priority": row["priority"],
        "requester": {"name": row["requester__name"], "email": row["requester__email"]},
        "assignee": None
        if row["assignee_id"] is None
        else {
            "id": row["assignee_id"],
            "email": row["assignee__email"],
            "full_name": row["assignee__full_name"],
        },
        "tags": row["tag_names"],
        "version": row["version"],
        "created_at": iso_datetime(row["created_at"]),
        "updated_at": iso_datetime(row["updated_at"]),
        "opened_at": iso_datetime(row["opened_at"]),
        "first_responded_at": iso_datetime(row["first_responded_at"]),
        "resolved_at": iso_datetime(row["resolved_at"]),
        "closed_at": iso_datetime(row["closed_at"]),
        "cancelled_at": iso_datetime(row["cancelled_at"]),
        "first_response_due_at": iso_datetime(row["first_response_due_at"]),
        "resolution_due_at": iso_datetime(row["resolution_due_at"]),
        "first_response_breached": row["first_response_breached"],
        "resolution_breached": row["resolution_breached"],
    }


def ticket_row_of(ticket: Ticket) -> dict:
    """The flat values the list reads of a ticket, taken from an instance instead."""
    row = {path: _follow(ticket, path) for path in selectors.TICKET_ROW}
    row["tag_names"] = [tag.name for tag in ticket.tags.all()]
    return row


def _follow(ticket: Ticket, path: str):
    """`requester__email` as `ticket.requester.email`; None past a missing relation."""
    value = ticket
    for name in path.split("__"):
        value = getattr(value, name)
        if value is None:
            return None
    return value


class TicketOut(Representation):
    """A ticket. Declared field by field: ModelSerializer's per-request introspection showed up
    as a tenth of a ticket creation's cost."""

    # The declared fields are the contract; the output is written out by hand (ticket_out),
    # because DRF's field-by-field walk was a third of a list of 50, and the list writes its
    # rows with the same function without building model instances
    # (tests/helpdesk/test_ticket_list.py holds the three equal).
    def to_representation(self, ticket: Ticket) -> dict:
        return ticket_out(ticket_row_of(ticket))

    id = serializers.IntegerField()
    key = serializers.CharField()
    number = serializers.IntegerField()
    subject = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)
    requester = ContactOut()
    assignee = TicketAssigneeOut(allow_null=True)
    tags = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    first_responded_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    first_response_breached = serializers.BooleanField()
    resolution_breached = serializers.BooleanField()

    def get_tags(self, ticket: Ticket) -> list[str]:
        return [tag.name for tag in ticket.tags.all()]


class RequesterIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = NameField(max_length=200, required=False, default="", allow_blank=True)


class TicketCreateIn(serializers.Serializer):
    subject = NameField(max_length=200)
    description = TextField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, default="", allow_blank=True
    )
    requester = RequesterIn()
    priority = serializers.ChoiceField(
        choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL
    )
    tags = serializers.ListField(child=tag_field(), required=False, default=list, max_length=20)


class TicketUpdateIn(serializers.Serializer):
    subject = NameField(max_length=200, required=False)
    description = TextField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    tags = serializers.ListField(child=tag_field(), required=False, max_length=20)


PAYLOAD_FIELDS = {
    "assignee": lambda action: serializers.IntegerField(
        error_messages=required_message(action, "assignee"),
        help_text="The user id of an agent or admin.",
    ),
    "reason": lambda action: TextField(
        max_length=REASON_MAX_LENGTH, error_messages=required_message(action, "reason")
    ),
    "resolution": lambda action: TextField(
        max_length=RESOLUTION_MAX_LENGTH, error_messages=required_message(action, "resolution")
    ),
}
ACTION_FORMS = action_forms(ACTIONS, component="TicketAction", payload_fields=PAYLOAD_FIELDS)
AllowedActionsOut = allowed_actions_out("AllowedActionsOut", ACTION_FORMS, Ticket.Status.choices)


class CommentOut(serializers.ModelSerializer):
    author = serializers.CharField(source="author_label")

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_public", "created_at"]
        read_only_fields = fields


class CommentIn(serializers.Serializer):
    body = TextField(max_length=COMMENT_MAX_LENGTH)
    is_public = serializers.BooleanField(
        default=True, help_text="false for an internal note the requester never sees."
    )


class AttachmentOut(StoredFileOut):
    class Meta:
        model = Attachment
        fields = STORED_FILE_FIELDS
        read_only_fields = fields

    def get_download_url(self, attachment: Attachment) -> str:
        return reverse(
            "ticket-attachment-content",
            kwargs={
                "key": attachment.ticket.key,
                "attachment_id": attachment.pk,
            },
        )


class AttachmentIn(serializers.Serializer):
    file = UploadedFileField(help_text="The file, sent as multipart/form-data; its name is kept.")


class TicketEventOut(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "action",
            "actor",
            "from_status",
            "to_status",
            "changed_fields",
            "payload",
            "version_after",
            "client_event_id",
            "created_at",
        ]
        read_only_fields = fields

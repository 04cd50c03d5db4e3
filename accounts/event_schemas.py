"""The published `data` of each accounts event (accounts/events.py builds them; docs/adr/0029)."""

from rest_framework import serializers

from accounts import events
from config.api.event_schemas import EventSchema
from config.roles import Role


class ApiKeySnapshot(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The public start of the key, to recognise it.")
    role = serializers.ChoiceField(choices=Role.choices)
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyEventData(serializers.Serializer):
    api_key = ApiKeySnapshot()
    actor = serializers.CharField(help_text="Who did it: a person, an API key, `system`.")


class MemberSnapshot(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user id, as in the members API.")
    membership_id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField(allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    removed_at = serializers.DateTimeField(allow_null=True)


class OrganizationSnapshot(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MemberEventData(serializers.Serializer):
    member = MemberSnapshot()
    organization = OrganizationSnapshot()
    actor = serializers.CharField(help_text="Who did it: a person, an API key, `system`.")


class MemberAddedData(MemberEventData):
    account_created = serializers.BooleanField(
        help_text="true: the person had no account; they are e-mailed a link to set a password."
    )


class MemberRoleChangedData(MemberEventData):
    previous_role = serializers.ChoiceField(choices=Role.choices)


class MemberCapacityChangedData(MemberEventData):
    capacity = serializers.IntegerField(help_text="How many tasks the member may hold at once.")
    previous_capacity = serializers.IntegerField()


EVENT_SCHEMAS = (
    EventSchema(events.API_KEY_CREATED, ApiKeyEventData, "An API key was created."),
    EventSchema(events.API_KEY_REVOKED, ApiKeyEventData, "An API key was revoked."),
    EventSchema(
        events.MEMBER_ADDED, MemberAddedData, "A person joined the organization (or rejoined)."
    ),
    EventSchema(events.MEMBER_ROLE_CHANGED, MemberRoleChangedData, "A member's role changed."),
    EventSchema(
        events.MEMBER_CAPACITY_CHANGED,
        MemberCapacityChangedData,
        "A member's capacity changed; allocations already held stay.",
    ),
    EventSchema(events.MEMBER_REMOVED, MemberEventData, "A member left the organization."),
)

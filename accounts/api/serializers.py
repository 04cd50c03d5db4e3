from django.utils import timezone
from rest_framework import serializers

from accounts.models import ApiKey, Membership
from config.api.text import NameField
from config.roles import Role

# Allocating looks for a free slot among 1..capacity, retrying per slot: a bound keeps that
# short, and a larger number is a typing mistake.
MAX_CAPACITY = 50


class OrganizationOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class MeUserOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class MeApiKeyOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()


class MeOut(serializers.Serializer):
    """Who the caller is: a user or an API key, acting in one organization with one role."""

    kind = serializers.ChoiceField(choices=["user", "api_key"])
    user = MeUserOut(allow_null=True)
    api_key = MeApiKeyOut(allow_null=True)
    organization = OrganizationOut()
    role = serializers.ChoiceField(choices=Role.choices)


class MemberOut(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "capacity"]
        extra_kwargs = {
            "capacity": {
                "help_text": "How many tasks the member can hold allocated over any one moment."
            }
        }


class MemberCreateIn(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254, help_text="Matched without regard to case; a new address gets an account."
    )
    full_name = NameField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Used for a new account only; an existing person keeps their name.",
    )
    role = serializers.ChoiceField(choices=Role.choices)


class MemberChangeIn(serializers.Serializer):
    """A new role, a new capacity, or both."""

    role = serializers.ChoiceField(choices=Role.choices, required=False)
    capacity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_CAPACITY,
        required=False,
        help_text="How many tasks the member can hold allocated over any one moment.",
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Send `role`, `capacity` or both.")
        return attrs


class ApiKeyOut(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "role",
            "created_by",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.SerializerMethodField(
        help_text="The secret key. It is shown only in this response; store it now."
    )

    class Meta(ApiKeyOut.Meta):
        fields = [*ApiKeyOut.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, api_key: ApiKey) -> str:
        return self.context["plaintext"]


class ApiKeyCreateIn(serializers.Serializer):
    name = NameField(max_length=100)
    role = serializers.ChoiceField(choices=Role.choices)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value

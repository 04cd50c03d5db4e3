import django_filters

from accounts.models import ApiKey, Membership
from config.roles import Role


class MemberFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]


class ApiKeyFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only revoked keys; false: only keys not revoked.",
    )

    class Meta:
        model = ApiKey
        fields = ["role", "revoked"]

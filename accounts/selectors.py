from django.db.models import QuerySet

from accounts.models import ApiKey, Membership, Organization, User
from config.principal import Principal


def current_memberships() -> QuerySet[Membership]:
    """Memberships that grant anything: not removed, of users not deactivated."""
    return Membership.objects.filter(removed_at__isnull=True, user__is_active=True)


def holds_role(organization_id: int, user_id, roles) -> bool:
    """Whether the user is a current member of the organization with one of `roles`."""
    return (
        current_memberships()
        .filter(organization_id=organization_id, user_id=user_id, role__in=roles)
        .exists()
    )


def membership_for(user: User, *, organization_slug: str | None = None) -> Membership | None:
    """Return the user's current membership in the named organization, or their oldest one."""
    # The session already proved the user active; only the removal is left to check.
    memberships = Membership.objects.select_related("organization").filter(
        user=user, removed_at__isnull=True
    )
    if organization_slug:
        memberships = memberships.filter(organization__slug=organization_slug)
    return memberships.order_by("created_at", "pk").first()


def list_members_for(organization_id: int) -> QuerySet[Membership]:
    return current_memberships().select_related("user").filter(organization_id=organization_id)


def list_api_keys_for(organization_id: int) -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").filter(organization_id=organization_id)


def get_api_key_for(organization_id: int, api_key_id: int) -> ApiKey:
    """Return the organization's key; another organization's key does not exist here."""
    return ApiKey.objects.get(organization_id=organization_id, pk=api_key_id)


def describe_principal(principal: Principal) -> dict:
    """Return the caller's user or key, organization and role, for `GET /me`."""
    return {
        "kind": principal.kind,
        "user": User.objects.filter(pk=principal.user_id).first() if principal.user_id else None,
        "api_key": (
            ApiKey.objects.filter(pk=principal.api_key_id).first() if principal.api_key_id else None
        ),
        "organization": Organization.objects.get(pk=principal.organization_id),
        "role": principal.role,
    }


def capacity_of(organization_id: int, user_id, roles=None) -> int:
    """How many tasks the current member can hold at one moment; 0 when the user is not a
    current member (with one of `roles`, when given). Capacity is at least 1 for a member."""
    members = current_memberships().filter(organization_id=organization_id, user_id=user_id)
    if roles is not None:
        members = members.filter(role__in=roles)
    return members.values_list("capacity", flat=True).first() or 0

"""Who hears about account events: the organization's admins, since keys grant access.

Whatever the event, only active users who are still members hear from an organization.
"""

from accounts import events
from accounts.models import Membership
from config.roles import Role
from outbox.notifications import Notice, notification_rule, recipient_filter


@recipient_filter
def members_in_good_standing(organization_id: int, user_ids: set[int]) -> set[int]:
    """Keep the active users who are still members of the organization."""
    return set(
        Membership.objects.filter(
            organization_id=organization_id, user_id__in=user_ids, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _admins_of(organization_id: int) -> list[int]:
    return list(
        Membership.objects.filter(
            organization_id=organization_id, role=Role.ADMIN, user__is_active=True
        ).values_list("user_id", flat=True)
    )


@notification_rule(events.API_KEY_CREATED)
def notify_admins_of_new_key(message) -> list[Notice]:
    key = message.payload["api_key"]
    title = f"API key “{key['name']}” ({key['prefix']}) was created with role {key['role']}"
    body = f"{title} by {message.payload['actor']}. Revoke it if you do not recognise it."
    return [Notice(admin, title, body) for admin in _admins_of(message.organization_id)]


@notification_rule(events.API_KEY_REVOKED)
def notify_admins_of_revoked_key(message) -> list[Notice]:
    key = message.payload["api_key"]
    title = f"API key “{key['name']}” ({key['prefix']}) was revoked"
    return [
        Notice(admin, title, f"{title} by {message.payload['actor']}.")
        for admin in _admins_of(message.organization_id)
    ]

"""Who hears about account events: the organization's admins, since keys grant access.

Whatever the event, only active users who are still members hear from an organization.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import events
from accounts.models import User
from accounts.selectors import current_memberships
from config.roles import Role
from outbox.notifications import Notice, notification_rule, recipient_filter


@recipient_filter
def members_in_good_standing(organization_id: int, user_ids: set[int]) -> set[int]:
    """Keep the active users who are still members of the organization."""
    return set(
        current_memberships()
        .filter(organization_id=organization_id, user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )


def _admins_of(organization_id: int) -> list[int]:
    return list(
        current_memberships()
        .filter(organization_id=organization_id, role=Role.ADMIN)
        .values_list("user_id", flat=True)
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


def set_password_url(user: User) -> str:
    """Return a link, valid for PASSWORD_RESET_TIMEOUT, where the user chooses a password."""
    path = reverse(
        "rest_framework:set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.PUBLIC_BASE_URL + path


@notification_rule(events.MEMBER_ADDED)
def welcome_new_member(message) -> list[Notice]:
    """Tell the person they joined; one without a password gets a link to choose one."""
    member, organization = message.payload["member"], message.payload["organization"]
    user = User.objects.get(pk=member["id"])
    title = f"You were added to {organization['name']} as {member['role']}"
    # The token is made here, not in the event: events also leave for webhooks and brokers.
    if user.has_usable_password():
        body = f"{title} by {message.payload['actor']}. Sign in at {settings.PUBLIC_BASE_URL}"
        body += reverse("rest_framework:login")
    else:
        body = (
            f"{title} by {message.payload['actor']}. Choose your password here:\n\n"
            f"{set_password_url(user)}\n\nThe link works once and expires after "
            f"{settings.PASSWORD_RESET_TIMEOUT // 3600} hours."
        )
    return [Notice(user.pk, title, body)]

"""Events of the accounts app and their payloads (JSON-safe ids and values)."""

from accounts.models import ApiKey, Membership, Organization

API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"
MEMBER_ADDED = "member.added"
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_CAPACITY_CHANGED = "member.capacity_changed"
MEMBER_REMOVED = "member.removed"


def api_key_event(event_type: str, api_key: ApiKey, *, actor: str) -> dict:
    return {
        "organization_id": api_key.organization_id,
        "event_type": event_type,
        "aggregate_type": "api_key",
        "aggregate_id": api_key.pk,
        "payload": {
            "api_key": {
                "id": api_key.pk,
                "name": api_key.name,
                "prefix": api_key.prefix,
                "role": api_key.role,
                "expires_at": api_key.expires_at.isoformat() if api_key.expires_at else None,
                "revoked_at": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
            },
            "actor": actor,
        },
    }


def member_event(
    event_type: str, membership: Membership, organization: Organization, *, actor: str, **details
) -> dict:
    """The outbox.emit() arguments for a member event; `member.id` is the user id, as in the API."""
    return {
        "organization_id": membership.organization_id,
        "event_type": event_type,
        "aggregate_type": "membership",
        "aggregate_id": membership.pk,
        "payload": {
            "member": {
                "id": membership.user_id,
                "membership_id": membership.pk,
                "email": membership.user.email,
                "full_name": membership.user.full_name,
                "role": membership.role,
                "removed_at": membership.removed_at.isoformat() if membership.removed_at else None,
            },
            "organization": {"slug": organization.slug, "name": organization.name},
            "actor": actor,
            **details,
        },
    }

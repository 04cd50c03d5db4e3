"""Events of the accounts app and their payloads (JSON-safe ids and values)."""

from accounts.models import ApiKey

API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"


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

"""OpenAPI examples for tickets: each one is valid against its own schema (tested)."""

from drf_spectacular.utils import OpenApiExample

CREATE_TICKET = OpenApiExample(
    "A customer cannot sign in",
    value={
        "subject": "Cannot sign in since this morning",
        "description": "The login page says my password is wrong; I reset it twice.",
        "requester": {"email": "dana@customer.example", "name": "Dana Reyes"},
        "priority": "high",
        "tags": ["login", "web"],
    },
    request_only=True,
)
UPDATE_TICKET = OpenApiExample(
    "Raise the priority",
    value={"priority": "urgent", "tags": ["login", "outage"]},
    request_only=True,
)
COMMENT = OpenApiExample(
    "Reply to the requester",
    value={"body": "We have reset your account; please try again.", "is_public": True},
    request_only=True,
)

TICKET = OpenApiExample(
    "A ticket",
    value={
        "id": 42,
        "key": "ACME-42",
        "number": 42,
        "subject": "Cannot sign in since this morning",
        "description": "The login page says my password is wrong.",
        "status": "open",
        "priority": "high",
        "requester": {"name": "Dana Reyes", "email": "dana@customer.example"},
        "assignee": {"id": 7, "email": "alex@acme.example", "full_name": "Alex Agent"},
        "tags": ["login"],
        "version": 3,
        "created_at": "2026-11-23T09:12:00Z",
        "updated_at": "2026-11-23T09:40:00Z",
        "opened_at": "2026-11-23T09:20:00Z",
        "first_responded_at": "2026-11-23T09:25:00Z",
        "resolved_at": None,
        "closed_at": None,
        "cancelled_at": None,
        "first_response_due_at": "2026-11-23T10:12:00Z",
        "resolution_due_at": "2026-11-23T17:12:00Z",
        "first_response_breached": False,
        "resolution_breached": False,
    },
    response_only=True,
)

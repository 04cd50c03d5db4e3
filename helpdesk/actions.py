"""The actions a caller can take on a ticket: its transitions plus assignment, declared once."""

from config.actions import ActionCatalog, ActionSpec
from helpdesk import policy
from helpdesk.models import Ticket

FINAL_STATUSES = (Ticket.Status.CLOSED, Ticket.Status.CANCELLED)


def _assignable(ticket: Ticket) -> bool:
    return ticket.status not in FINAL_STATUSES


def _unassignable(ticket: Ticket) -> bool:
    return _assignable(ticket) and ticket.assignee_id is not None


ACTIONS = ActionCatalog(
    "ticket",
    [
        ActionSpec(
            "assign",
            policy.WORK,
            ("assignee",),
            transition=None,
            available=_assignable,
            summary="Assign to an agent",
            example={
                "payload": {"assignee": 7},
                "expected_version": 3,
                "client_event_id": "6f1c1f4e-0c7a-4b7e-9d59-2f0a5c3e8b10",
            },
        ),
        ActionSpec(
            "unassign",
            policy.WORK,
            transition=None,
            available=_unassignable,
            summary="Unassign",
            example={"expected_version": 4},
        ),
        ActionSpec(
            "open", policy.WORK, summary="Start working on it", example={"expected_version": 1}
        ),
        ActionSpec(
            "pend",
            policy.WORK,
            ("reason",),
            summary="Wait for the customer",
            example={
                "payload": {"reason": "Waiting for the customer's logs"},
                "expected_version": 2,
            },
        ),
        ActionSpec(
            "resolve",
            policy.WORK,
            ("resolution",),
            summary="Resolve",
            example={
                "payload": {"resolution": "Password reset link resent"},
                "expected_version": 5,
            },
        ),
        ActionSpec("close", policy.WORK, summary="Close", example={"expected_version": 6}),
        ActionSpec(
            "reopen",
            policy.WORK,
            ("reason",),
            summary="Reopen",
            example={"payload": {"reason": "It happened again"}, "expected_version": 6},
        ),
        ActionSpec(
            "cancel",
            policy.CANCEL,
            ("reason",),
            summary="Cancel (admins)",
            example={"payload": {"reason": "Duplicate of ACME-12"}, "expected_version": 2},
        ),
    ],
)

"""The actions a caller can take on a ticket: transitions plus assignment.

Transitions are the model's django-fsm-2 methods; assignment keeps the status. This module
answers "which actions may this caller take now" for the API, the admin and the services.
"""

from dataclasses import dataclass

from django_fsm import can_proceed, has_transition_perm

from accounts.models import Role
from accounts.principal import Principal
from helpdesk.models import Ticket

WORKING_ROLES = (Role.ADMIN, Role.AGENT)
FINAL_STATUSES = (Ticket.Status.CLOSED, Ticket.Status.CANCELLED)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    payload_fields: tuple[str, ...] = ()
    is_transition: bool = True


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("assign", ("assignee",), is_transition=False),
        ActionSpec("unassign", is_transition=False),
        ActionSpec("open"),
        ActionSpec("pend", ("reason",)),
        ActionSpec("resolve", ("resolution",)),
        ActionSpec("close"),
        ActionSpec("reopen", ("reason",)),
        ActionSpec("cancel", ("reason",)),
    )
}


def possible_in_state(ticket: Ticket, action: str) -> bool:
    """Whether the ticket's status allows the action, whoever asks."""
    spec = ACTIONS[action]
    if spec.is_transition:
        return can_proceed(getattr(ticket, action))
    if ticket.status in FINAL_STATUSES:
        return False
    return action != "unassign" or ticket.assignee_id is not None


def permitted(ticket: Ticket, action: str, principal: Principal) -> bool:
    """Whether the principal's role allows the action (in a state where it is possible)."""
    if ACTIONS[action].is_transition:
        return has_transition_perm(getattr(ticket, action), principal)
    return principal.role in WORKING_ROLES


def allowed_actions(ticket: Ticket, principal: Principal) -> list[str]:
    return [
        name
        for name in ACTIONS
        if possible_in_state(ticket, name) and permitted(ticket, name, principal)
    ]

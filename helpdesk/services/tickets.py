"""Ticket use cases: one transaction each; lock, check the version, change, record, emit."""

import re
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

import outbox
from accounts.models import Membership
from accounts.principal import Principal
from config.api.conditional import ensure_version
from config.transactions import use_case
from helpdesk import actions, events
from helpdesk.exceptions import ClientEventIdReused, InvalidAssignee, InvalidTransition
from helpdesk.models import Contact, Tag, Ticket
from helpdesk.services import sla
from helpdesk.services.audit import record_ticket_event
from helpdesk.services.numbering import next_ticket_number

ACTION_FIELDS = [
    "status",
    "assignee",
    "opened_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    *sla.SLA_FIELDS,
    "version",
    "updated_at",
]
EDITABLE_FIELDS = ("subject", "description", "priority", "tags")


@dataclass(frozen=True)
class ActionResult:
    ticket: Ticket
    replayed: bool = False


def key_prefix(organization_slug: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", organization_slug.upper())[:10] or "T"


def _contact(organization_id: int, email: str, name: str) -> Contact:
    # lower(email) is what the unique index holds (iexact would compare upper() and scan);
    # get_or_create retries the read when a concurrent creation of the same contact wins.
    same_address = Exact(Lower("email"), email.lower())
    return Contact.objects.filter(same_address).get_or_create(
        organization_id=organization_id, defaults={"email": email, "name": name}
    )[0]


def _tags(organization_id: int, names: list[str]) -> list[Tag]:
    return [
        Tag.objects.get_or_create(organization_id=organization_id, name=name)[0] for name in names
    ]


def _validated_assignee(organization_id: int, user_id: int) -> int:
    eligible = Membership.objects.filter(
        organization_id=organization_id,
        user_id=user_id,
        user__is_active=True,
        role__in=actions.WORKING_ROLES,
    ).exists()
    if not eligible:
        detail = "The assignee must be an active agent or admin of this organization."
        raise InvalidAssignee(
            detail,
            errors=[{"pointer": "/payload/assignee", "detail": detail, "code": "invalid_assignee"}],
        )
    return user_id


@use_case
def open_ticket(
    *,
    actor: Principal,
    subject: str,
    requester_email: str,
    requester_name: str = "",
    description: str = "",
    priority: str = Ticket.Priority.NORMAL,
    tags: list[str] | None = None,
) -> Ticket:
    """Create a ticket in status `new`, with its SLA due times."""
    organization_id = actor.organization_id
    ticket = Ticket(
        organization_id=organization_id,
        subject=subject,
        description=description,
        priority=priority,
        requester=_contact(organization_id, requester_email, requester_name),
        created_at=timezone.now(),
    )
    sla.refresh_due_times(ticket)
    ticket.number = next_ticket_number(organization_id)
    ticket.key = f"{key_prefix(actor.organization_slug)}-{ticket.number}"
    ticket.save(force_insert=True)
    tag_objects = _tags(organization_id, tags or [])
    if tag_objects:
        ticket.tags.add(*tag_objects)
    ticket.keep_written_tags(tag_objects)
    record_ticket_event(ticket, action="create", actor=actor, changed_fields=["status"])
    outbox.emit(**events.ticket_event(events.TICKET_OPENED, ticket, actor=str(actor)))
    return ticket


@use_case
def update_ticket(
    *, ticket_id: int, actor: Principal, expected_version: int, changes: dict
) -> Ticket:
    """Edit subject, description, priority or tags; raise StaleVersion if it moved on."""
    ticket = Ticket.objects.select_for_update().select_related("requester").get(pk=ticket_id)
    ensure_version(ticket.version, expected_version)
    changed = _apply_edits(ticket, changes)
    if not changed:
        return ticket
    if "priority" in changed:
        sla.refresh_due_times(ticket)
    ticket.version += 1
    ticket.save(
        update_fields=[f for f in changed if f != "tags"]
        + [*sla.SLA_FIELDS, "version", "updated_at"]
    )
    record_ticket_event(
        ticket,
        action="update",
        actor=actor,
        changed_fields=changed,
        payload={field: changes[field] for field in changed},
    )
    outbox.emit(
        **events.ticket_event(
            events.TICKET_UPDATED, ticket, actor=str(actor), changed_fields=changed
        )
    )
    return ticket


def _apply_edits(ticket: Ticket, changes: dict) -> list[str]:
    changed = []
    for field in EDITABLE_FIELDS:
        if field not in changes:
            continue
        if field == "tags":
            if sorted(changes["tags"]) != sorted(tag.name for tag in ticket.tags.all()):
                tags = _tags(ticket.organization_id, changes["tags"])
                ticket.tags.set(tags)
                ticket.keep_written_tags(tags)
                changed.append("tags")
        elif getattr(ticket, field) != changes[field]:
            setattr(ticket, field, changes[field])
            changed.append(field)
    return changed


@use_case
def apply_ticket_action(
    *,
    ticket_id: int,
    actor: Principal,
    action: str,
    payload: dict,
    expected_version: int,
    client_event_id: UUID | None = None,
) -> ActionResult:
    """Apply an action; a repeated client_event_id returns the ticket without acting twice."""
    ticket = Ticket.objects.select_for_update().select_related("requester").get(pk=ticket_id)
    if client_event_id is not None:
        prior = ticket.events.filter(client_event_id=client_event_id).first()
        if prior is not None:
            if (prior.action, prior.payload) != (action, payload):
                raise ClientEventIdReused(
                    f"client_event_id {client_event_id} was already used for '{prior.action}'."
                )
            return ActionResult(ticket, replayed=True)
    ensure_version(ticket.version, expected_version)
    _check_allowed(ticket, action, actor)
    from_status, previous_assignee = ticket.status, ticket.assignee_id
    _perform(ticket, action, payload)
    ticket.version += 1
    ticket.save(update_fields=ACTION_FIELDS)
    record_ticket_event(
        ticket,
        action=action,
        actor=actor,
        from_status=from_status,
        changed_fields=["status"] if ticket.status != from_status else ["assignee"],
        payload=payload,
        client_event_id=client_event_id,
    )
    _emit_action_event(ticket, action, actor, from_status, previous_assignee, payload)
    return ActionResult(ticket)


def _check_allowed(ticket: Ticket, action: str, actor: Principal) -> None:
    if not actions.possible_in_state(ticket, action):
        allowed = actions.allowed_actions(ticket, actor)
        raise InvalidTransition(
            f"Cannot {action} a ticket that is {ticket.status}; allowed now: "
            f"{', '.join(allowed) or 'none'}.",
            current_status=ticket.status,
            allowed_actions=allowed,
        )
    if not actions.permitted(ticket, action, actor):
        raise PermissionDenied(f"Your role ({actor.role}) may not {action} tickets.")


def _perform(ticket: Ticket, action: str, payload: dict) -> None:
    now = timezone.now()
    if action == "assign":
        ticket.assignee_id = _validated_assignee(ticket.organization_id, payload["assignee"])
    elif action == "unassign":
        ticket.assignee_id = None
    else:
        paused_since = ticket.sla_paused_at
        getattr(ticket, action)(at=now)
        if paused_since is not None and ticket.status != Ticket.Status.PENDING:
            sla.resume_clock(ticket, paused_since=paused_since, at=now)


def _emit_action_event(ticket, action, actor, from_status, previous_assignee, payload) -> None:
    if action in ("assign", "unassign"):
        event = events.ticket_event(
            events.TICKET_ASSIGNED, ticket, actor=str(actor), previous_assignee_id=previous_assignee
        )
    else:
        event = events.ticket_event(
            events.TICKET_STATUS_CHANGED,
            ticket,
            actor=str(actor),
            action=action,
            from_status=from_status,
            details=payload,
        )
    outbox.emit(**event)

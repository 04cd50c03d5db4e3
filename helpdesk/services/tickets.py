"""Ticket use cases: one transaction each; lock, check the version, change, record, emit."""

import re
from uuid import UUID

from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

import outbox
from accounts.selectors import holds_role
from config.actions import ActionRequest, ActionResult, AggregateActions
from config.api.conditional import ensure_version
from config.principal import Principal
from config.transactions import use_case
from helpdesk import actions, events, policy
from helpdesk.exceptions import InvalidAssignee
from helpdesk.models import Contact, Tag, Ticket, TicketEvent
from helpdesk.services import sla
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
    """The named tags, created where new, in the order a ticket shows them (selectors)."""
    tags = [
        Tag.objects.get_or_create(organization_id=organization_id, name=name)[0] for name in names
    ]
    return sorted(tags, key=lambda tag: tag.pk)


def _validated_assignee(organization_id: int, user_id: int) -> int:
    if not holds_role(organization_id, user_id, policy.ASSIGNABLE):
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
    TicketEvent.record(ticket, action="create", actor=actor, changed_fields=["status"])
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
    TicketEvent.record(
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


class TicketActions(AggregateActions):
    catalog = actions.ACTIONS
    history = TicketEvent
    saved_fields = ACTION_FIELDS

    def lock(self, pk: int) -> Ticket:
        return Ticket.objects.select_for_update().select_related("requester").get(pk=pk)

    def perform(self, ticket: Ticket, request: ActionRequest) -> dict:
        done = {"previous_assignee": ticket.assignee_id}
        now = timezone.now()
        if request.action == "assign":
            ticket.assignee_id = _validated_assignee(
                ticket.organization_id, request.payload["assignee"]
            )
        elif request.action == "unassign":
            ticket.assignee_id = None
        else:
            paused_since = ticket.sla_paused_at
            getattr(ticket, request.action)(at=now)
            if paused_since is not None and ticket.status != Ticket.Status.PENDING:
                sla.resume_clock(ticket, paused_since=paused_since, at=now)
        return done

    def recorded(self, ticket, request) -> dict:
        transition = self.catalog[request.action].method
        return {"changed_fields": ["assignee"] if transition is None else ["status"]}

    def emit(self, ticket, event, request, done) -> None:
        actor = str(request.actor)
        if self.catalog[request.action].method is None:
            message = events.ticket_event(
                events.TICKET_ASSIGNED,
                ticket,
                actor=actor,
                previous_assignee_id=done["previous_assignee"],
            )
        else:
            message = events.ticket_event(
                events.TICKET_STATUS_CHANGED,
                ticket,
                actor=actor,
                action=request.action,
                from_status=event.from_status,
                details=request.payload,
            )
        outbox.emit(**message)


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
    request = ActionRequest(action, payload, actor, expected_version, client_event_id)
    return TicketActions().run(ticket_id, request)

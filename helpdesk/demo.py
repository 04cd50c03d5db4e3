"""Demo tickets for `make run`: a few in several states, with comments; loaded once."""

from django.db import transaction

from accounts.models import Organization
from accounts.selectors import current_memberships
from config.principal import Principal
from config.roles import Role
from helpdesk.models import BusinessCalendar, SlaPolicy, Ticket
from helpdesk.services import comments, tickets

TARGETS = {"urgent": (30, 240), "high": (60, 480), "normal": (240, 1440), "low": (480, 2880)}
TICKETS = [
    ("VPN drops every few minutes", "urgent", ["open", "pend"], "Can you send the client logs?"),
    ("Invoice PDF shows the wrong VAT rate", "high", ["open", "resolve"], "Fixed in today's run."),
    ("Add a second admin to our account", "normal", ["open"], "On it."),
    ("Password reset e-mail never arrives", "high", [], ""),
    ("Old laptop returned", "low", ["open", "resolve", "close"], "Received, thank you."),
]


@transaction.atomic
def load_demo_tickets(organization: Organization) -> None:
    """Create SLA policies and demo tickets unless the organization already has tickets."""
    if Ticket.objects.filter(organization=organization).exists():
        return
    office = BusinessCalendar.objects.create(
        organization=organization,
        name="Office hours",
        time_zone="Europe/Paris",
        weekly_hours={str(day): [["09:00", "17:30"]] for day in range(5)},
    )
    for priority, (first_response, resolution) in TARGETS.items():
        SlaPolicy.objects.create(
            organization=organization,
            priority=priority,
            first_response_minutes=first_response,
            resolution_minutes=resolution,
            calendar=None if priority == "urgent" else office,
        )
    agent = current_memberships().filter(organization=organization, role=Role.AGENT).first()
    actor = Principal(
        organization.pk,
        organization.slug,
        Role.AGENT,
        user_id=agent.user_id if agent else None,
        label="demo agent",
    )
    for number, (subject, priority, steps, reply) in enumerate(TICKETS):
        ticket = tickets.open_ticket(
            actor=actor,
            subject=subject,
            priority=priority,
            requester_email=f"customer{number}@example.com",
            requester_name=f"Customer {number}",
        )
        for step in steps:
            payload = {
                "pend": {"reason": "Waiting for the customer"},
                "resolve": {"resolution": reply},
            }.get(step, {})
            ticket = tickets.apply_ticket_action(
                ticket_id=ticket.pk,
                actor=actor,
                action=step,
                payload=payload,
                expected_version=ticket.version,
            ).aggregate
        if reply:
            comments.add_comment(ticket_id=ticket.pk, actor=actor, body=reply)

"""Each ticket service emits its outbox event, and the people concerned are notified."""

import pytest

from config.principal import Principal
from config.roles import Role
from helpdesk.services import comments, tickets
from outbox.models import Notification, OutboxMessage
from outbox.services.drain import drain
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(organization):
    return {
        role: MembershipFactory(organization=organization, role=role).user
        for role in (Role.ADMIN, Role.AGENT)
    }


def principal(organization, user, role) -> Principal:
    return Principal(organization.pk, organization.slug, role, user_id=user.pk, label=user.email)


def test_every_service_emits_and_notifies_the_assignee(organization, people, recording):
    admin = principal(organization, people[Role.ADMIN], Role.ADMIN)
    agent = people[Role.AGENT]
    ticket = tickets.open_ticket(actor=admin, subject="VPN down", requester_email="c@x.example")
    tickets.apply_ticket_action(
        ticket_id=ticket.pk,
        actor=admin,
        action="assign",
        payload={"assignee": agent.pk},
        expected_version=1,
    )
    tickets.apply_ticket_action(
        ticket_id=ticket.pk, actor=admin, action="open", payload={}, expected_version=2
    )
    tickets.update_ticket(
        ticket_id=ticket.pk, actor=admin, expected_version=3, changes={"priority": "urgent"}
    )
    comments.add_comment(ticket_id=ticket.pk, actor=admin, body="Any news?")

    drain()

    assert list(OutboxMessage.objects.order_by("id").values_list("event_type", flat=True)) == [
        "ticket.opened",
        "ticket.assigned",
        "ticket.status_changed",
        "ticket.updated",
        "ticket.commented",
    ]
    titles = list(
        Notification.objects.filter(recipient=agent).order_by("id").values_list("title", flat=True)
    )
    assert titles == [
        f"{ticket.key} was assigned to you",
        f"{ticket.key} is now open",
        f"{people[Role.ADMIN].email} replied to {ticket.key}",
    ]


def test_reassignment_tells_the_previous_assignee(organization, people, recording):
    admin = principal(organization, people[Role.ADMIN], Role.ADMIN)
    first, second = (
        people[Role.AGENT],
        MembershipFactory(organization=organization, role=Role.AGENT).user,
    )
    ticket = tickets.open_ticket(actor=admin, subject="x", requester_email="c@x.example")
    for version, assignee in ((1, first), (2, second)):
        tickets.apply_ticket_action(
            ticket_id=ticket.pk,
            actor=admin,
            action="assign",
            payload={"assignee": assignee.pk},
            expected_version=version,
        )

    drain()

    assert Notification.objects.filter(recipient=first).latest("id").title == (
        f"{ticket.key} is no longer assigned to you"
    )
    assert (
        Notification.objects.filter(recipient=second).get().title
        == f"{ticket.key} was assigned to you"
    )

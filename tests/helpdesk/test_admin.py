import re

import pytest
from django.test import Client

from config.roles import Role
from helpdesk.models import Ticket, TicketEvent
from outbox.models import OutboxMessage
from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.helpdesk.factories import TicketFactory

pytestmark = pytest.mark.django_db

NO_INLINES = {
    "comments-TOTAL_FORMS": 0,
    "comments-INITIAL_FORMS": 0,
    "events-TOTAL_FORMS": 0,
    "events-INITIAL_FORMS": 0,
}


def shown_version(page: str) -> str:
    """Return the version the change form carries in its hidden field."""
    return re.search(r'name="expected_version" value="(\d+)" id="id_expected_version"', page)[1]


@pytest.fixture
def staff_client(organization) -> Client:
    staff = UserFactory(staff=True)
    MembershipFactory(user=staff, organization=organization, role=Role.ADMIN)
    return signed_in_admin(staff)


def test_change_page_offers_the_allowed_actions_as_buttons(staff_client, organization):
    ticket = TicketFactory(organization=organization, opened=True)

    page = staff_client.get(f"/admin/helpdesk/ticket/{ticket.pk}/change/").content.decode()

    for action in ("Assign", "Pend", "Resolve", "Cancel"):
        assert f">{action}</button>" in page
    assert ">Close</button>" not in page


def test_action_button_goes_through_the_service(staff_client, organization):
    ticket = TicketFactory(organization=organization, opened=True)

    staff_client.post(
        f"/admin/helpdesk/ticket/{ticket.pk}/act/resolve/",
        {"expected_version": 1, "resolution": "Rebooted"},
    )

    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("resolved", 2)
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.action, event.payload) == ("resolve", {"resolution": "Rebooted"})
    assert OutboxMessage.objects.filter(event_type="ticket.status_changed").exists()


def test_stale_button_changes_nothing(staff_client, organization):
    ticket = TicketFactory(organization=organization, opened=True)

    response = staff_client.post(
        f"/admin/helpdesk/ticket/{ticket.pk}/act/pend/",
        {"expected_version": 9, "reason": "x"},
        follow=True,
    )

    assert "changed this ticket meanwhile" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


@pytest.mark.parametrize(
    "text", [{"resolution": "x" * 5_001}, {"resolution": "ok\x1b[31m"}, {"reason": "x" * 501}]
)
def test_action_text_has_the_apis_limits(staff_client, organization, text):
    ticket = TicketFactory(organization=organization, opened=True)
    action = "resolve" if "resolution" in text else "pend"

    response = staff_client.post(
        f"/admin/helpdesk/ticket/{ticket.pk}/act/{action}/",
        {"expected_version": 1, **text},
        follow=True,
    )

    assert "could not be read" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_status_cannot_be_edited_in_the_form_and_edits_are_audited(staff_client, organization):
    ticket = TicketFactory(organization=organization, opened=True, subject="Old")
    url = f"/admin/helpdesk/ticket/{ticket.pk}/change/"

    staff_client.post(
        url,
        {
            "subject": "New subject",
            "description": "",
            "priority": "high",
            "status": "closed",
            "expected_version": 1,
            **NO_INLINES,
        },
    )

    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority, ticket.status, ticket.version) == (
        "New subject",
        "high",
        "open",
        2,
    )
    assert TicketEvent.objects.get(ticket=ticket).changed_fields == ["subject", "priority"]


def test_a_stale_change_form_is_refused_and_keeps_the_first_save(staff_client, organization):
    ticket = TicketFactory(organization=organization, opened=True, subject="Printer")
    url = f"/admin/helpdesk/ticket/{ticket.pk}/change/"
    agent = signed_in_admin(staff_member(organization, role=Role.AGENT))
    first_seen = shown_version(staff_client.get(url).content.decode())
    second_seen = shown_version(agent.get(url).content.decode())
    edit = {"description": "", "priority": "normal", **NO_INLINES}

    staff_client.post(url, {**edit, "subject": "Printer on fire", "expected_version": first_seen})
    refused = agent.post(
        url, {**edit, "subject": "Printer fixed", "expected_version": second_seen}, follow=True
    )

    page = refused.content.decode()
    assert "changed this ticket after you opened it" in page
    assert "nothing was saved" in page
    assert shown_version(page) == "2"  # the form now shows the current values
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.version) == ("Printer on fire", 2)
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_transition_buttons_carry_the_version_the_page_showed(staff_client, organization):
    ticket = TicketFactory(organization=organization, opened=True)
    url = f"/admin/helpdesk/ticket/{ticket.pk}/change/"
    page = staff_client.get(url).content.decode()
    shown = re.search(r'act/resolve/.*?name="expected_version" value="(\d+)"', page, re.S)[1]
    edit = {"subject": "Edited meanwhile", "description": "", "priority": "normal"}
    staff_client.post(url, {**edit, "expected_version": shown, **NO_INLINES})

    response = staff_client.post(
        f"/admin/helpdesk/ticket/{ticket.pk}/act/resolve/",
        {"expected_version": shown, "resolution": "Rebooted"},
        follow=True,
    )

    assert "changed this ticket meanwhile" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("open", 2)


def test_another_organizations_ticket_is_404_to_its_buttons_too(organization):
    other = TicketFactory(opened=True)
    client = signed_in_admin(staff_member(organization))

    response = client.post(
        f"/admin/helpdesk/ticket/{other.pk}/act/cancel/",
        {"expected_version": 1, "reason": "forged"},
    )

    assert response.status_code == 404
    assert Ticket.objects.get(pk=other.pk).status == "open"

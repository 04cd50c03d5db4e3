import pytest
from django.test import Client

from accounts.models import Role
from helpdesk.models import Ticket, TicketEvent
from outbox.models import OutboxMessage
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.helpdesk.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(organization) -> Client:
    staff = UserFactory(staff=True, backup_tokens=["adm123"])
    MembershipFactory(user=staff, organization=organization, role=Role.ADMIN)
    client = Client()
    client.post(
        "/admin/login/", {"username": staff.email, "password": PASSWORD, "otp_token": "adm123"}
    )
    return client


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
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
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

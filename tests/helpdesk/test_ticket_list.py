from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from helpdesk.models import Tag, Ticket
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.helpdesk.factories import ContactFactory, TicketFactory

pytestmark = pytest.mark.django_db


def keys(api, query: str = "") -> list[str]:
    response = api.get(f"/api/v1/tickets{query}")
    assert response.status_code == 200, response.json()
    return [ticket["key"] for ticket in response.json()["results"]]


@pytest.fixture
def tickets(organization):
    agent = MembershipFactory(organization=organization, role=Role.AGENT).user
    urgent = TicketFactory(
        organization=organization,
        priority="urgent",
        subject="Printer on fire",
        assignee=agent,
        opened=True,
    )
    vip = ContactFactory(organization=organization, email="vip@customer.example")
    mailed = TicketFactory(organization=organization, requester=vip, description="Mail bounces")
    mailed.tags.add(Tag.objects.create(organization=organization, name="email"))
    old = TicketFactory(organization=organization, resolved=True)
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    TicketFactory(organization=OrganizationFactory(), subject="Printer on fire")  # another org
    return {"urgent": urgent, "mailed": mailed, "old": old, "agent": agent}


def test_filters_narrow_the_list(admin_api, tickets):
    week_ago = (timezone.now() - timedelta(days=7)).isoformat().replace("+00:00", "Z")

    assert keys(admin_api, "?status=open") == [tickets["urgent"].key]
    assert set(keys(admin_api, "?status=new&status=resolved")) == {
        tickets["mailed"].key,
        tickets["old"].key,
    }
    assert keys(admin_api, "?priority=urgent") == [tickets["urgent"].key]
    assert keys(admin_api, f"?assignee={tickets['agent'].pk}") == [tickets["urgent"].key]
    assert keys(admin_api, "?requester_email=VIP@customer.example") == [tickets["mailed"].key]
    assert keys(admin_api, "?tag=email") == [tickets["mailed"].key]
    assert keys(admin_api, "?q=printer") == [tickets["urgent"].key]
    assert keys(admin_api, "?q=bounces") == [tickets["mailed"].key]
    assert keys(admin_api, f"?created_before={week_ago}") == [tickets["old"].key]


def test_ordering_and_paging(admin_api, tickets):
    by_number = keys(admin_api, "?ordering=number")
    first_page = admin_api.get("/api/v1/tickets?limit=2").json()

    assert by_number == [tickets[name].key for name in ("urgent", "mailed", "old")]
    assert len(first_page["results"]) == 2
    assert len(admin_api.get(first_page["next"]).json()["results"]) == 1


def test_invalid_filter_is_422(admin_api, tickets):
    response = admin_api.get("/api/v1/tickets?status=sleeping")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/status"


@pytest.mark.parametrize("size", [3, 30])
def test_list_costs_the_same_queries_whatever_the_page_size(
    admin_api, organization, size, django_assert_max_num_queries
):
    for _ in range(size):
        ticket = TicketFactory(
            organization=organization,
            assignee=MembershipFactory(organization=organization, role=Role.AGENT).user,
        )
        ticket.tags.add(Tag.objects.get_or_create(organization=organization, name="t")[0])
    admin_api.get("/api/v1/me")  # warm the key cache, as in steady state

    with django_assert_max_num_queries(3):
        assert len(admin_api.get(f"/api/v1/tickets?limit={size}").json()["results"]) == size


def test_detail_costs_a_bounded_number_of_queries(
    admin_api, organization, django_assert_max_num_queries
):
    ticket = TicketFactory(organization=organization)
    admin_api.get("/api/v1/me")

    with django_assert_max_num_queries(3):
        assert admin_api.get(f"/api/v1/tickets/{ticket.key}").status_code == 200

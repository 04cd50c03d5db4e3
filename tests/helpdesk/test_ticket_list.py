import base64
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection, models
from django.test import Client
from django.utils import timezone
from rest_framework import serializers

from config.roles import Role
from helpdesk import selectors
from helpdesk.api.filters import TicketOrdering
from helpdesk.api.serializers import TicketOut, ticket_out
from helpdesk.models import Tag, Ticket
from tests.accounts.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.config.environments import run_embedded
from tests.helpdesk.factories import ContactFactory, TicketFactory

pytestmark = pytest.mark.django_db

ORDERINGS = TicketOrdering.ordering_fields


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
def test_a_page_is_one_query_whatever_its_size(
    admin_api, organization, size, django_assert_num_queries
):
    for _ in range(size):
        ticket = TicketFactory(
            organization=organization,
            assignee=MembershipFactory(organization=organization, role=Role.AGENT).user,
        )
        ticket.tags.add(Tag.objects.get_or_create(organization=organization, name="t")[0])
    admin_api.get("/api/v1/me")  # warm the key cache, as in steady state

    with django_assert_num_queries(1) as captured:
        assert len(admin_api.get(f"/api/v1/tickets?limit={size}").json()["results"]) == size

    assert "helpdesk_ticket_tags" in captured[0]["sql"]  # the tags come with the page


def test_detail_costs_a_bounded_number_of_queries(
    admin_api, organization, django_assert_max_num_queries
):
    ticket = TicketFactory(organization=organization)
    admin_api.get("/api/v1/me")

    with django_assert_max_num_queries(3):
        assert admin_api.get(f"/api/v1/tickets/{ticket.key}").status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "cD0yMDI",  # cut short
        "%F0%9F%98%80",  # not ASCII
        "cD1ub3QtYS1udW1iZXI=",  # p=not-a-number, for an ordering by id
    ],
)
def test_forged_or_truncated_cursor_is_400(admin_api, tickets, cursor):
    response = admin_api.get(f"/api/v1/tickets?cursor={cursor}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/problems/invalid-cursor")


@pytest.mark.parametrize(
    "position",
    [b"p=not-a-time", b"p=9999-12-31 23:00:00-05:00", b"p=\x00"],
)
def test_cursor_positions_that_cannot_exist_are_400(admin_api, tickets, position):
    cursor = base64.b64encode(position).decode()

    response = admin_api.get(f"/api/v1/tickets?ordering=created_at&cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/invalid-cursor")


@pytest.mark.parametrize("offset", ["-18:59", "+18:00"])
def test_cursor_with_a_time_zone_offset_postgresql_refuses_pages_on(admin_api, tickets, offset):
    position = urlencode({"p": f"9327-05-12 06:35:17{offset}"})
    cursor = base64.b64encode(position.encode()).decode()

    response = admin_api.get(f"/api/v1/tickets?ordering=-created_at&cursor={cursor}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "moment",
    ["9327-05-12T06:35:17-18:59", "2026-01-01T00:00:00+18:00", "1-01-01T00:00:00+01:00"],
)
def test_time_zone_offsets_postgresql_cannot_take_are_compared_in_utc(admin_api, tickets, moment):
    response = admin_api.get(
        "/api/v1/tickets", {"updated_after": moment, "status": "open", "q": "printer"}
    )

    assert response.status_code in (200, 422), response.json()


def test_time_past_the_last_representable_one_is_422(admin_api, tickets):
    response = admin_api.get("/api/v1/tickets?created_before=9999-12-31T23:00:00-05:00")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/created_before"


def test_the_reported_offset_is_answered(admin_api, tickets):
    response = admin_api.get("/api/v1/tickets?updated_after=9327-05-12T06:35:17-18:59")

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("param", ["q", "tag", "requester_email"])
def test_nul_in_a_query_parameter_is_422(admin_api, tickets, param):
    response = admin_api.get(f"/api/v1/tickets?{param}=a%00b")

    assert response.status_code == 422


def test_search_and_the_default_order_can_be_answered_from_indexes(organization):
    TicketFactory.create_batch(3, organization=organization)
    with connection.cursor() as cursor:  # for this test's transaction: a tiny table is no excuse
        cursor.execute("SET LOCAL enable_seqscan = off")
    tickets = Ticket.objects.all()

    # Each of `q`'s conditions, as Django writes it, matches its trigram index's expression.
    plans = {
        "ticket_key_trgm": tickets.filter(key__iexact="T-1").explain(),
        "ticket_subject_trgm": tickets.filter(subject__icontains="printer").explain(),
        "ticket_description_trgm": tickets.filter(description__icontains="printer").explain(),
        "ticket_org_recent": selectors.list_tickets_for(organization.pk)
        .order_by("-id")[:50]
        .explain(),
    }

    assert [index for index, plan in plans.items() if index not in plan] == []


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_list_rows_and_instances_are_written_as_the_declared_representation(organization, zone):
    agent = MembershipFactory(organization=organization, role=Role.AGENT).user
    moment = timezone.now().replace(microsecond=123456)
    everything_set = TicketFactory(
        organization=organization,
        assignee=agent,
        description="Paper jam",
        resolved=True,
        **{field: moment for field in TIMESTAMPS},
        first_response_breached=True,
    )
    for name in ("printer", "Paper", "jam"):
        everything_set.tags.add(Tag.objects.create(organization=organization, name=name))
    one_tag = TicketFactory(organization=organization, opened_at=moment.replace(microsecond=0))
    one_tag.tags.add(Tag.objects.get(organization=organization, name="jam"))
    TicketFactory(organization=organization)  # no assignee, no tags, nothing timed yet

    with timezone.override(zone):
        rows = selectors.list_ticket_rows_for(organization.pk).order_by("-id")
        instances = selectors.list_tickets_for(organization.pk).order_by("-id")
        listed = [ticket_out(row) for row in rows]
        shown = [TicketOut(ticket).data for ticket in instances]
        declared = [serializers.Serializer.to_representation(TicketOut(), t) for t in instances]

    # As JSON, so that the order of keys counts too.
    assert json.dumps(listed) == json.dumps(shown) == json.dumps(declared)
    assert [ticket["tags"] for ticket in listed] == [[], ["jam"], ["printer", "Paper", "jam"]]
    assert listed[0]["assignee"] is None and listed[2]["assignee"]["id"] == agent.pk


def test_tags_come_in_the_order_of_their_ids_whatever_plan_reads_them(admin_api, organization):
    first, second, third = (
        Tag.objects.create(organization=organization, name=name) for name in ("zeta", "alpha", "mu")
    )
    first.save()  # its row now comes last in the table
    ticket = TicketFactory(organization=organization)
    for tag in (third, first, second):  # linked in another order than created
        ticket.tags.add(tag)
    with connection.cursor() as cursor:  # scan tags and links in the order they were written
        for scan in ("indexscan", "indexonlyscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")

    listed = admin_api.get("/api/v1/tickets").json()["results"][0]["tags"]
    shown = admin_api.get(f"/api/v1/tickets/{ticket.key}").json()["tags"]

    assert listed == shown == ["zeta", "alpha", "mu"]


def test_the_browsable_api_shows_the_list_with_its_filters(organization, tickets):
    agent = UserFactory(backup_tokens=["agt123"])
    MembershipFactory(user=agent, organization=organization, role=Role.AGENT)
    client = Client()
    credentials = {"username": agent.email, "password": PASSWORD, "otp_token": "agt123"}
    client.post("/api/auth/login/", credentials)

    page = client.get("/api/v1/tickets?tag=email", HTTP_ACCEPT="text/html")

    html = page.content.decode()
    assert page.status_code == 200
    keys_shown = {name for name in ("urgent", "mailed", "old") if quoted(tickets[name].key) in html}
    assert keys_shown == {"mailed"}
    assert 'name="requester_email"' in html  # the filter form


def quoted(text: str) -> str:
    return f"&quot;{text}&quot;"


def test_each_listed_ticket_is_its_detail(admin_api, tickets):
    tickets["urgent"].tags.add(*Tag.objects.filter(organization=tickets["urgent"].organization))
    listed = admin_api.get("/api/v1/tickets").json()["results"]

    for ticket in listed:
        detail = admin_api.get(f"/api/v1/tickets/{ticket['key']}").json()
        assert json.dumps(ticket) == json.dumps(detail)
    assert len(listed) == 3


@pytest.mark.parametrize("ordering", ["", *ORDERINGS, *(f"-{field}" for field in ORDERINGS)])
def test_cursor_pages_follow_every_ordering_offered(admin_api, tickets, ordering):
    whole = keys(admin_api, f"?ordering={ordering}")

    forward = pages(admin_api, f"/api/v1/tickets?ordering={ordering}&limit=1", "next")
    backward = pages(admin_api, forward[-1][1], "previous")

    assert [key for key, _ in forward] == whole and len(whole) == 3
    assert [key for key, _ in backward] == whole[::-1]


def pages(api, url: str, direction: str) -> list[tuple[str, str]]:
    """Follow `direction` links from `url`: each page's one key and the page's own URL."""
    seen = []
    while url:
        page = api.get(url).json()
        seen += [(ticket["key"], url) for ticket in page["results"]]
        url = page[direction]
    return seen


LIST_ON_SQLITE = """
import json, django
django.setup()
from accounts.services import create_organization
from config.principal import Principal
from config.roles import Role
from helpdesk import selectors
from helpdesk.api.serializers import TicketOut, ticket_out
from helpdesk.models import Tag
from helpdesk.services.tickets import open_ticket
organization = create_organization(slug="acme", name="Acme", admin_email="a@example.com")
actor = Principal(organization.pk, organization.slug, Role.AGENT, label="agent")
for tags in (["zeta", "alpha"], ["mu"], []):
    ticket = open_ticket(actor=actor, subject="s", requester_email="c@example.com", tags=tags)
    if tags == ["mu"]:
        ticket.tags.add(Tag.objects.get(name="zeta"))
listed = [ticket_out(r) for r in selectors.list_ticket_rows_for(organization.pk).order_by("id")]
shown = [TicketOut(t).data for t in selectors.list_tickets_for(organization.pk).order_by("id")]
same = json.dumps(listed) == json.dumps(shown)
print(json.dumps({"same": same, "tags": [ticket["tags"] for ticket in listed]}))
"""


def test_the_embedded_database_lists_rows_too(tmp_path):
    answer = json.loads(run_embedded(tmp_path, LIST_ON_SQLITE))

    assert answer == {"same": True, "tags": [["zeta", "alpha"], ["zeta", "mu"], []]}


# Every timestamp a ticket may or may not have yet, read from the model so a new one is set too.
TIMESTAMPS = [
    field.name
    for field in Ticket._meta.get_fields()
    if isinstance(field, models.DateTimeField) and field.null
]

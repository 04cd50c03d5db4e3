import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from helpdesk.api.serializers import ContactOut, TicketOut
from helpdesk.models import Contact, Ticket, TicketEvent
from outbox.models import OutboxMessage
from tests.accounts.factories import OrganizationFactory
from tests.helpdesk.factories import NEW_TICKET, TicketFactory

pytestmark = pytest.mark.django_db


def open_ticket(api, **changes):
    return api.post("/api/v1/tickets", {**NEW_TICKET, **changes}, format="json")


def test_opening_a_ticket_returns_201_with_location_etag_and_an_event(admin_api, organization):
    response = open_ticket(admin_api)

    assert response.status_code == 201
    body = response.json()
    assert body["key"].endswith("-1")
    assert response["Location"] == f"/api/v1/tickets/{body['key']}"
    assert response["ETag"] == '"1"'
    assert (body["status"], body["version"], body["tags"]) == ("new", 1, ["login"])
    assert body["requester"] == {"name": "Dana", "email": "dana@customer.example"}
    assert OutboxMessage.objects.filter(event_type="ticket.opened").count() == 1
    assert TicketEvent.objects.get().action == "create"


def test_a_created_ticket_shows_its_tags_as_every_later_read_does(admin_api):
    open_ticket(admin_api, tags=["outage"])  # an older tag

    created = open_ticket(admin_api, tags=["vip", "outage"]).json()

    listed = admin_api.get("/api/v1/tickets?tag=vip").json()["results"]
    shown = admin_api.get(f"/api/v1/tickets/{created['key']}").json()
    assert created["tags"] == listed[0]["tags"] == shown["tags"] == ["outage", "vip"]


def test_ticket_numbers_count_per_organization(admin_api, organization):
    keys = [open_ticket(admin_api).json()["key"] for _ in range(3)]

    assert [key.rsplit("-", 1)[1] for key in keys] == ["1", "2", "3"]


def test_invalid_ticket_is_422_and_creates_nothing(admin_api):
    response = open_ticket(admin_api, requester={"email": "not-an-email"}, priority="meh")

    assert response.status_code == 422
    assert {e["pointer"] for e in response.json()["errors"]} == {"/requester/email", "/priority"}
    assert not Ticket.objects.exists()


def test_get_returns_the_etag_and_304_when_it_still_matches(admin_api):
    key = open_ticket(admin_api).json()["key"]

    shown = admin_api.get(f"/api/v1/tickets/{key}")
    unchanged = admin_api.get(f"/api/v1/tickets/{key}", HTTP_IF_NONE_MATCH='"1"')
    changed = admin_api.get(f"/api/v1/tickets/{key}", HTTP_IF_NONE_MATCH='"0"')

    assert shown["ETag"] == '"1"'
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200


def test_a_304_reads_the_version_alone_and_a_detail_ignores_list_filters(admin_api):
    key = open_ticket(admin_api).json()["key"]
    admin_api.get(f"/api/v1/tickets/{key}")  # the key is verified and cached

    with CaptureQueriesContext(connection) as captured:
        unchanged = admin_api.get(f"/api/v1/tickets/{key}", HTTP_IF_NONE_MATCH='"1"')
    # Read now: the next request starts a new query log.
    ticket_reads = [q["sql"] for q in captured.captured_queries if "helpdesk_ticket" in q["sql"]]
    filtered = admin_api.get(f"/api/v1/tickets/{key}?status=closed&q=nothing")

    assert unchanged.status_code == 304
    assert len(ticket_reads) == 1
    assert ticket_reads[0].startswith('SELECT "helpdesk_ticket"."version" AS "version" FROM')
    assert "JOIN" not in ticket_reads[0]
    assert (filtered.status_code, filtered.json()["key"]) == (200, key)


def test_patch_needs_if_match_and_bumps_the_version(admin_api):
    key = open_ticket(admin_api).json()["key"]
    url = f"/api/v1/tickets/{key}"

    missing = admin_api.patch(url, {"priority": "urgent"}, format="json")
    stale = admin_api.patch(url, {"priority": "urgent"}, format="json", HTTP_IF_MATCH='"7"')
    current = admin_api.patch(
        url, {"priority": "urgent", "tags": ["outage"]}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert missing.status_code == 428
    assert missing.json()["type"].endswith("/problems/precondition-required")
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert current.status_code == 200
    assert current["ETag"] == '"2"'
    assert (current.json()["priority"], current.json()["tags"]) == ("urgent", ["outage"])
    assert OutboxMessage.objects.filter(event_type="ticket.updated").count() == 1
    assert list(
        TicketEvent.objects.filter(action="update").values_list("changed_fields", flat=True)
    ) == [["priority", "tags"]]


def test_ticket_creation_honours_idempotency_key(admin_api):
    key = str(uuid.uuid4())

    first = admin_api.post("/api/v1/tickets", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY=key)
    retry = admin_api.post("/api/v1/tickets", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = admin_api.post(
        "/api/v1/tickets", {**NEW_TICKET, "subject": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Location"] == first["Location"]
    assert retry["ETag"] == first["ETag"]
    assert other.status_code == 422
    assert Ticket.objects.count() == 1


def test_another_organizations_ticket_is_404_everywhere(admin_api):
    theirs = TicketFactory(organization=OrganizationFactory())
    base = f"/api/v1/tickets/{theirs.key}"
    calls = [
        admin_api.get(base),
        admin_api.patch(base, {"subject": "x"}, format="json", HTTP_IF_MATCH='"1"'),
        admin_api.get(f"{base}/actions"),
        admin_api.post(f"{base}/actions", {"action": "open", "expected_version": 1}, format="json"),
        admin_api.get(f"{base}/comments"),
        admin_api.post(f"{base}/comments", {"body": "hi"}, format="json"),
        admin_api.get(f"{base}/events"),
        admin_api.get(f"{base}/attachments"),
        admin_api.post(
            f"{base}/attachments",
            {"file": SimpleUploadedFile("a.txt", b"x", "text/plain")},
            format="multipart",
        ),
        admin_api.get(f"{base}/attachments/1/content"),
    ]

    assert [call.status_code for call in calls] == [404] * len(calls)
    theirs.refresh_from_db()
    assert (theirs.status, theirs.version, theirs.subject) != ("open", 2, "x")
    assert theirs.pk not in {t["id"] for t in admin_api.get("/api/v1/tickets").json()["results"]}


def test_viewers_read_but_cannot_change_tickets(client_for):
    admin, viewer = client_for("admin"), client_for("viewer")
    key = open_ticket(admin).json()["key"]

    assert viewer.get(f"/api/v1/tickets/{key}").status_code == 200
    assert open_ticket(viewer).status_code == 403
    assert (
        viewer.post(
            f"/api/v1/tickets/{key}/actions",
            {"action": "open", "expected_version": 1},
            format="json",
        ).status_code
        == 403
    )


def test_an_idempotent_creation_costs_one_statement_per_write(admin_api, organization):
    open_ticket(admin_api)  # warm the key cache and the SLA targets; make the requester
    with CaptureQueriesContext(connection) as queries:
        response = admin_api.post(
            "/api/v1/tickets", {**NEW_TICKET, "tags": []}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )

    assert response.status_code == 201
    statements = [query["sql"].split()[0] for query in queries]
    # The claim, the requester, the number, the ticket, its event, the outbox, the response;
    # the savepoint pair is the test's own transaction around the request's.
    assert statements == [
        "SAVEPOINT",
        "INSERT",
        "SELECT",
        "SELECT",
        "INSERT",
        "INSERT",
        "INSERT",
        "UPDATE",
        "RELEASE",
    ]


def test_tickets_from_one_address_in_any_case_share_one_requester(admin_api, organization):
    first = open_ticket(admin_api, requester={"email": "dana@customer.example", "name": "Dana"})
    second = open_ticket(admin_api, requester={"email": "DANA@Customer.Example", "name": "D."})

    assert second.json()["requester"] == first.json()["requester"]
    assert Contact.objects.filter(organization=organization).count() == 1


def test_tickets_are_shown_with_fields_built_once(organization):
    first, second = (
        TicketFactory(organization=organization),
        TicketFactory(organization=organization),
    )

    shown = [TicketOut(ticket).data for ticket in (first, second, first)]

    assert [body["key"] for body in shown] == [first.key, second.key, first.key]
    assert shown[0] == shown[2]
    # One bound set of fields serves every instance, nested representations included.
    assert TicketOut(first).fields is TicketOut(second).fields
    assert TicketOut(first).fields["requester"].fields is ContactOut().fields


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"subject": "Two\nlines"}, "/subject"),
        ({"subject": "x" * 201}, "/subject"),
        ({"description": "x" * 20_001}, "/description"),
        ({"description": "bell\x07"}, "/description"),
        ({"requester": {"email": "dana@example.com", "name": "\x1b[31mred"}}, "/requester/name"),
    ],
)
def test_text_over_its_length_or_with_control_characters_is_422(admin_api, changes, pointer):
    response = admin_api.post("/api/v1/tickets", {**NEW_TICKET, **changes}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer
    assert not Ticket.objects.exists()


def test_descriptions_keep_their_line_breaks_and_tabs(admin_api):
    text = "Steps:\n\t1. sign in\r\n\t2. fail"

    response = admin_api.post("/api/v1/tickets", {**NEW_TICKET, "description": text}, format="json")

    assert response.status_code == 201
    assert Ticket.objects.get().description == text


@pytest.mark.django_db(transaction=True)
def test_a_description_stored_before_the_limit_still_migrates_and_reads(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    executor = MigrationExecutor(connection)
    executor.migrate([("helpdesk", "0002_ticket_numbers_from_sequences")])
    with connection.cursor() as cursor:  # a row from before the API limited descriptions
        cursor.execute(
            "UPDATE helpdesk_ticket SET description = %s WHERE id = %s", ["x" * 20_001, ticket.pk]
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    response = admin_api.get(f"/api/v1/tickets/{ticket.key}")

    assert response.status_code == 200
    assert len(response.json()["description"]) == 20_001

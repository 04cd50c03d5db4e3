import pytest

from helpdesk.models import Ticket
from outbox.models import OutboxMessage
from tests.helpdesk.factories import TicketFactory

pytestmark = pytest.mark.django_db


def comment(api, ticket, body="We are on it.", **extra):
    return api.post(
        f"/api/v1/tickets/{ticket.key}/comments", {"body": body, **extra}, format="json"
    )


def test_first_public_reply_of_an_agent_answers_the_first_response(client_for, organization):
    ticket = TicketFactory(organization=organization, opened=True)
    agent = client_for("agent")

    note = comment(agent, ticket, "Looks like the LDAP sync.", is_public=False)
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None
    reply = comment(agent, ticket)

    assert (note.status_code, reply.status_code) == (201, 201)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    assert ticket.version == 3
    assert OutboxMessage.objects.filter(event_type="ticket.commented").count() == 2


def test_comments_are_listed_with_their_author(client_for, organization):
    ticket = TicketFactory(organization=organization)
    agent = client_for("agent")
    comment(agent, ticket, "first")
    comment(agent, ticket, "second")

    results = agent.get(f"/api/v1/tickets/{ticket.key}/comments").json()["results"]

    assert [c["body"] for c in results] == ["second", "first"]
    assert results[0]["author"] == "API key agent"


def test_empty_comment_is_422(admin_api, organization):
    ticket = TicketFactory(organization=organization)

    response = comment(admin_api, ticket, "")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body"


def test_comment_posts_honour_idempotency_key(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    url = f"/api/v1/tickets/{ticket.key}/comments"

    first = admin_api.post(url, {"body": "hello"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    retry = admin_api.post(url, {"body": "hello"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    assert retry.json() == first.json()
    assert ticket.comments.count() == 1


def test_history_lists_every_change_with_actor_and_version(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    url = f"/api/v1/tickets/{ticket.key}"
    admin_api.post(f"{url}/actions", {"action": "open", "expected_version": 1}, format="json")
    admin_api.patch(url, {"priority": "urgent"}, format="json", HTTP_IF_MATCH='"2"')
    comment(admin_api, ticket)

    history = admin_api.get(f"{url}/events").json()["results"]

    assert [(e["action"], e["version_after"]) for e in history] == [
        ("comment", 4),
        ("update", 3),
        ("open", 2),
    ]
    assert history[2]["from_status"] == "new"
    assert history[2]["to_status"] == "open"
    assert history[1]["changed_fields"] == ["priority"]
    assert history[0]["actor"] == "API key test"

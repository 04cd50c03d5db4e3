import uuid

import pytest
from rest_framework.test import APIClient

from helpdesk.models import Ticket, TicketEvent
from outbox.models import Notification, OutboxMessage
from outbox.services.drain import drain_batch
from tests.concurrency import run_concurrently
from tests.helpdesk.factories import NEW_TICKET, TicketFactory

pytestmark = pytest.mark.django_db

S = Ticket.Status
PAYLOADS = {
    "open": {},
    "close": {},
    "unassign": {},
    "pend": {"reason": "waiting"},
    "resolve": {"resolution": "fixed"},
    "reopen": {"reason": "again"},
    "cancel": {"reason": "duplicate"},
}
ALLOWED = {
    (S.NEW, "open"): S.OPEN,
    (S.PENDING, "open"): S.OPEN,
    (S.OPEN, "pend"): S.PENDING,
    (S.OPEN, "resolve"): S.RESOLVED,
    (S.PENDING, "resolve"): S.RESOLVED,
    (S.RESOLVED, "close"): S.CLOSED,
    (S.RESOLVED, "reopen"): S.OPEN,
    **{(state, "cancel"): S.CANCELLED for state in (S.NEW, S.OPEN, S.PENDING, S.RESOLVED)},
}
TRANSITIONS = ["open", "pend", "resolve", "close", "reopen", "cancel"]


def act(api, ticket, action, version=1, **extra):
    body = {"action": action, "expected_version": version, **extra}
    if PAYLOADS.get(action):
        body.setdefault("payload", PAYLOADS[action])
    return api.post(f"/api/v1/tickets/{ticket.key}/actions", body, format="json")


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", TRANSITIONS)
def test_every_transition_is_allowed_or_refused_as_the_state_machine_says(
    admin_api, organization, state, action
):
    ticket = TicketFactory(organization=organization, status=state)

    response = act(admin_api, ticket, action)

    if (state, action) in ALLOWED:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == ALLOWED[(state, action)]
        assert response.json()["version"] == 2
        assert response["ETag"] == '"2"'
        assert TicketEvent.objects.get(ticket=ticket).action == action
        assert OutboxMessage.objects.filter(event_type="ticket.status_changed").count() == 1
    else:
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"].endswith("/problems/invalid-transition")
        assert problem["current_status"] == state
        assert action not in problem["allowed_actions"]
        assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_allowed_actions_depend_on_state_and_role(client_for, organization):
    ticket = TicketFactory(organization=organization, opened=True)

    as_admin = client_for("admin").get(f"/api/v1/tickets/{ticket.key}/actions").json()
    as_agent = client_for("agent").get(f"/api/v1/tickets/{ticket.key}/actions").json()
    as_viewer = client_for("viewer").get(f"/api/v1/tickets/{ticket.key}/actions").json()

    assert as_admin == {
        "status": "open",
        "version": 1,
        "allowed_actions": ["assign", "pend", "resolve", "cancel"],
    }
    assert as_agent["allowed_actions"] == ["assign", "pend", "resolve"]
    assert as_viewer["allowed_actions"] == []


def test_only_admins_cancel(client_for, organization):
    ticket = TicketFactory(organization=organization, opened=True)

    refused = act(client_for("agent"), ticket, "cancel")
    accepted = act(client_for("admin"), ticket, "cancel")

    assert refused.status_code == 403
    assert accepted.status_code == 200


def test_assigning_needs_an_agent_of_the_organization_and_notifies_them(
    admin_api, organization, agent_user, recording
):
    ticket = TicketFactory(organization=organization, opened=True)

    missing = act(admin_api, ticket, "assign", payload={})
    stranger = act(admin_api, ticket, "assign", payload={"assignee": 999999})
    assigned = act(admin_api, ticket, "assign", payload={"assignee": agent_user.pk})
    drain_batch()

    assert missing.status_code == 422
    assert missing.json()["detail"] == "action 'assign' requires payload.assignee"
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["pointer"] == "/payload/assignee"
    assert assigned.status_code == 200
    assert assigned.json()["assignee"]["id"] == agent_user.pk
    assert assigned.json()["status"] == "open"
    assert (
        Notification.objects.get(recipient=agent_user).title == f"{ticket.key} was assigned to you"
    )


def test_unknown_action_is_422_pointing_at_it(admin_api, organization):
    ticket = TicketFactory(organization=organization)

    response = admin_api.post(
        f"/api/v1/tickets/{ticket.key}/actions", {"action": "teleport"}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/action"


def test_version_preconditions_for_actions(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    url = f"/api/v1/tickets/{ticket.key}/actions"

    missing = admin_api.post(url, {"action": "open"}, format="json")
    stale_body = admin_api.post(url, {"action": "open", "expected_version": 4}, format="json")
    stale_header = admin_api.post(url, {"action": "open"}, format="json", HTTP_IF_MATCH='"4"')
    alias = admin_api.post(url, {"action": "open", "expected_row_version": 1}, format="json")

    assert missing.status_code == 428
    assert stale_body.status_code == 409
    assert stale_body.json()["type"].endswith("/problems/version-conflict")
    assert stale_body.json()["current_version"] == 1
    assert stale_header.status_code == 412
    assert alias.status_code == 200


def test_replayed_client_event_id_returns_the_result_without_acting_twice(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    event_id = str(uuid.uuid4())

    first = act(admin_api, ticket, "open", client_event_id=event_id)
    replay = act(admin_api, ticket, "open", client_event_id=event_id)
    reused = act(admin_api, ticket, "pend", version=2, client_event_id=event_id)

    assert first.status_code == replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["version"] == 2
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("/problems/client-event-id-reused")
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_actions_from_one_version_yield_one_success(organization, issue_key):
    ticket = TicketFactory(organization=organization)
    credentials = f"Bearer {issue_key(organization)}"

    def open_it():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        return act(client, ticket, "open").status_code

    statuses = run_concurrently(open_it, 10)

    assert sorted(statuses) == [200] + [409] * 9
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).version == 2


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_patches_from_one_version_yield_one_success(organization, issue_key):
    ticket = TicketFactory(organization=organization)
    credentials = f"Bearer {issue_key(organization)}"

    def edit(subject: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        return client.patch(
            f"/api/v1/tickets/{ticket.key}",
            {"subject": subject},
            format="json",
            HTTP_IF_MATCH='"1"',
        ).status_code

    subjects = iter(f"subject {n}" for n in range(10))
    statuses = run_concurrently(lambda: edit(next(subjects)), 10)

    assert sorted(statuses) == [200] + [412] * 9
    assert TicketEvent.objects.filter(ticket=ticket, action="update").count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creations_with_one_idempotency_key_make_one_ticket(
    organization, issue_key
):
    credentials, key = f"Bearer {issue_key(organization)}", str(uuid.uuid4())

    def create():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        return client.post("/api/v1/tickets", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY=key)

    responses = run_concurrently(create, 20)

    assert Ticket.objects.count() == 1
    assert {r.json()["id"] for r in responses if r.status_code == 201} == {Ticket.objects.get().pk}
    assert {r.status_code for r in responses} <= {201, 409}

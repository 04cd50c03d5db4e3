import threading

import pytest
from django.db import connection, transaction

import outbox
from outbox.services.feed import sequence_feed
from tests.accounts.factories import OrganizationFactory
from tests.outbox.factories import emit_event


def feed(client, query: str = "") -> dict:
    return client.get(f"/api/v1/events{query}").json()


@pytest.mark.django_db
def test_feed_lists_the_organizations_events_in_order_with_their_envelopes(admin_api, organization):
    first = emit_event(organization, event_type="ticket.opened", aggregate=("ticket", 1))
    second = emit_event(organization, event_type="ticket.closed", aggregate=("ticket", 1))
    emit_event(OrganizationFactory(), event_type="ticket.opened")  # not ours
    sequence_feed()

    page = feed(admin_api, "?type=ticket.opened")
    everything = feed(admin_api)["results"]

    assert [e["id"] for e in page["results"]] == [str(first.event_id)]
    assert page["results"][0]["aggregate"] == {"type": "ticket", "id": "1"}
    ticket_events = [e["id"] for e in everything if e["aggregate"]["type"] == "ticket"]
    assert ticket_events == [str(first.event_id), str(second.event_id)]
    positions = [e["position"] for e in everything]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_feed_pages_with_the_after_cursor(admin_api, organization):
    for n in range(5):
        emit_event(organization, aggregate=("thing", n))
    sequence_feed()
    things = [e for e in feed(admin_api)["results"] if e["type"] == "thing.happened"]

    page = feed(admin_api, f"?type=thing.happened&after={things[1]['position']}&limit=2")
    last = admin_api.get(page["next"]).json()

    assert [e["id"] for e in page["results"]] == [things[2]["id"], things[3]["id"]]
    assert [e["id"] for e in last["results"]] == [things[4]["id"]]
    assert last["next"] is None


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_still_appears_after_the_readers_cursor(admin_api, organization):
    emitted, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                outbox.emit(
                    organization_id=organization.pk,
                    event_type="slow.write",
                    aggregate_type="slow",
                    aggregate_id=1,
                    payload={},
                )
                emitted.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    threading.Thread(target=slow_writer).start()
    emitted.wait(10)
    emit_event(
        organization, event_type="fast.write", aggregate=("fast", 1)
    )  # higher id, commits first
    sequence_feed()
    seen = feed(admin_api, "?type=fast.write")["results"]
    release.set()
    done.wait(10)
    sequence_feed()

    late = feed(admin_api, f"?after={seen[0]['position']}")["results"]
    assert [e["type"] for e in late if e["type"] in ("slow.write", "fast.write")] == ["slow.write"]

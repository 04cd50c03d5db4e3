from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from config.principal import Principal
from config.roles import Role
from helpdesk.models import BusinessCalendar, SlaPolicy, Ticket, TicketEvent
from helpdesk.services import sla, sla_targets, tickets
from outbox.models import OutboxMessage
from tests.helpdesk.factories import NEW_TICKET

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(organization) -> Principal:
    return Principal(organization.pk, organization.slug, Role.ADMIN, label="tester")


def open_one(actor, priority="high") -> Ticket:
    return tickets.open_ticket(
        actor=actor, subject="x", requester_email="c@example.test", priority=priority
    )


def test_due_times_follow_the_policy_for_the_priority(organization, actor):
    SlaPolicy.objects.create(
        organization=organization,
        priority="high",
        first_response_minutes=60,
        resolution_minutes=480,
    )

    ticket = open_one(actor)
    unpoliced = open_one(actor, priority="low")

    assert ticket.first_response_due_at - ticket.created_at == timedelta(hours=1)
    assert ticket.resolution_due_at - ticket.created_at == timedelta(hours=8)
    assert unpoliced.first_response_due_at is None


def test_business_calendar_moves_due_times_into_opening_hours(organization, actor):
    calendar = BusinessCalendar.objects.create(
        organization=organization,
        name="Paris office",
        time_zone="Europe/Paris",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
        holidays=["2026-12-25"],
    )
    SlaPolicy.objects.create(
        organization=organization,
        priority="high",
        calendar=calendar,
        first_response_minutes=120,
        resolution_minutes=960,
    )
    ticket = open_one(actor)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=datetime(2026, 12, 24, 16, tzinfo=ZoneInfo("Europe/Paris"))
    )
    ticket.refresh_from_db()

    sla.refresh_due_times(ticket)

    paris = ZoneInfo("Europe/Paris")
    assert ticket.first_response_due_at == datetime(2026, 12, 28, 10, tzinfo=paris)
    # 1 h on the 24th, Christmas and the weekend closed, 8 h on the 28th, 7 h on the 29th
    assert ticket.resolution_due_at == datetime(2026, 12, 29, 16, tzinfo=paris)


def test_pending_pauses_the_resolution_clock(organization, actor):
    SlaPolicy.objects.create(
        organization=organization,
        priority="high",
        first_response_minutes=60,
        resolution_minutes=480,
    )
    ticket = open_one(actor)
    for action, version in (("open", 1), ("pend", 2)):
        tickets.apply_ticket_action(
            ticket_id=ticket.pk, actor=actor, action=action, payload={}, expected_version=version
        )
    due_before = Ticket.objects.get(pk=ticket.pk).resolution_due_at
    Ticket.objects.filter(pk=ticket.pk).update(sla_paused_at=timezone.now() - timedelta(hours=2))

    tickets.apply_ticket_action(
        ticket_id=ticket.pk, actor=actor, action="open", payload={}, expected_version=3
    )

    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None
    assert ticket.sla_paused_seconds == pytest.approx(7200, abs=5)
    assert ticket.resolution_due_at - due_before == timedelta(seconds=ticket.sla_paused_seconds)


def test_breach_is_marked_and_emitted_once(organization, actor):
    SlaPolicy.objects.create(
        organization=organization, priority="high", first_response_minutes=1, resolution_minutes=600
    )
    ticket = open_one(actor)
    later = timezone.now() + timedelta(minutes=5)

    assert sla.mark_breaches(now=later) == 1
    assert sla.mark_breaches(now=later) == 0

    ticket.refresh_from_db()
    assert (ticket.first_response_breached, ticket.resolution_breached) == (True, False)
    breaches = OutboxMessage.objects.filter(event_type="ticket.sla_breached")
    assert [m.payload["target"] for m in breaches] == ["first_response"]
    assert TicketEvent.objects.filter(ticket=ticket, action="sla_breached").count() == 1
    assert ticket.version == 2


def test_answered_or_paused_tickets_do_not_breach(organization, actor):
    SlaPolicy.objects.create(
        organization=organization, priority="high", first_response_minutes=1, resolution_minutes=2
    )
    ticket = open_one(actor)
    for action, version in (("open", 1), ("pend", 2)):
        tickets.apply_ticket_action(
            ticket_id=ticket.pk, actor=actor, action=action, payload={}, expected_version=version
        )
    Ticket.objects.filter(pk=ticket.pk).update(first_responded_at=timezone.now())

    assert sla.mark_breaches(now=timezone.now() + timedelta(hours=1)) == 0


def test_an_edited_policy_applies_to_the_next_ticket(organization, actor):
    policy = SlaPolicy.objects.create(
        organization=organization,
        priority="high",
        first_response_minutes=60,
        resolution_minutes=480,
    )
    open_one(actor)
    policy.first_response_minutes = 15
    policy.save()

    ticket = open_one(actor)

    assert ticket.first_response_due_at - ticket.created_at == timedelta(minutes=15)


def test_a_change_made_elsewhere_applies_once_the_cached_targets_expire(
    organization, actor, settings, monkeypatch
):
    SlaPolicy.objects.create(
        organization=organization,
        priority="high",
        first_response_minutes=60,
        resolution_minutes=480,
    )
    open_one(actor)
    # A queryset update sends no signal: like an edit made in another process.
    SlaPolicy.objects.filter(organization=organization).update(first_response_minutes=15)

    cached = open_one(actor)
    later = sla_targets.monotonic() + settings.SLA_TARGETS_CACHE_SECONDS + 1
    monkeypatch.setattr(sla_targets, "monotonic", lambda: later)
    refreshed = open_one(actor)

    assert cached.first_response_due_at - cached.created_at == timedelta(minutes=60)
    assert refreshed.first_response_due_at - refreshed.created_at == timedelta(minutes=15)


def test_a_calendar_saved_broken_before_validation_falls_back_to_24x7(
    organization, admin_api, caplog
):
    calendar = BusinessCalendar.objects.create(
        organization=organization, name="Old office", weekly_hours={"0": [["09:00", "17:00"]]}
    )
    SlaPolicy.objects.create(
        organization=organization,
        priority="high",
        calendar=calendar,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    # As saved before calendars were validated: a time zone that does not exist.
    BusinessCalendar.objects.filter(pk=calendar.pk).update(time_zone="Mars/Olympus_Mons")

    response = admin_api.post("/api/v1/tickets", NEW_TICKET, format="json")

    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.first_response_due_at - ticket.created_at == timedelta(hours=1)
    assert any(
        record.levelname == "ERROR" and "Old office" in record.getMessage()
        for record in caplog.records
    )

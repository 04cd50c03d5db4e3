import socket
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from accounts.services import create_api_key
from config.roles import Role
from outbox.models import Notification, OutboxMessage
from outbox.notifications import CONSUMER_NAME, Notice, create_notifications, notification_rule
from outbox.publishers.consumers import apply_once
from outbox.services.drain import drain, drain_batch
from outbox.services.notifications import send_pending_emails
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.outbox.backends import backend_state, this_backend_pid
from tests.outbox.factories import emit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(organization):
    return [MembershipFactory(organization=organization, role=Role.ADMIN).user for _ in range(2)]


def test_new_api_key_notifies_each_admin_once(organization, admins, recording):
    MembershipFactory(organization=organization, role=Role.AGENT)
    create_api_key(organization_id=organization.pk, name="crm", role=Role.AGENT, actor="ada@x.test")

    drain_batch()
    apply_once(CONSUMER_NAME, create_notifications, OutboxMessage.objects.get())  # redelivered

    notifications = Notification.objects.order_by("recipient_id")
    assert [n.recipient for n in notifications] == admins
    assert "“crm”" in notifications[0].title
    assert "ada@x.test" in notifications[0].body


def test_notifications_are_emailed_once_with_a_stable_message_id(organization, admins, recording):
    create_api_key(organization_id=organization.pk, name="crm", role=Role.AGENT)
    drain_batch()

    assert send_pending_emails() == 2
    assert send_pending_emails() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.email for a in admins)
    event_id = OutboxMessage.objects.get().event_id
    assert all(m.extra_headers["Message-ID"].startswith(f"<{event_id}.") for m in mail.outbox)


@pytest.fixture
def signed_in_admin(organization):
    user = UserFactory(backup_tokens=["tok123"])
    MembershipFactory(user=user, organization=organization, role=Role.ADMIN)
    client = Client()
    client.post(
        "/api/auth/login/",
        {"username": user.email, "password": "correct horse battery staple", "otp_token": "tok123"},
    )
    return client


def test_person_lists_and_reads_their_notifications(signed_in_admin, organization, recording):
    for name in ("one", "two"):
        create_api_key(organization_id=organization.pk, name=name, role=Role.AGENT)
    drain_batch()

    unread = signed_in_admin.get("/api/v1/notifications?unread=true").json()["results"]
    marked = signed_in_admin.post(f"/api/v1/notifications/{unread[0]['id']}/read")
    still_unread = signed_in_admin.get("/api/v1/notifications?unread=true").json()["results"]
    all_read = signed_in_admin.post("/api/v1/notifications/read-all")

    assert len(unread) == 2
    assert marked.json()["read_at"] is not None
    assert [n["id"] for n in still_unread] == [unread[1]["id"]]
    assert all_read.json() == {"marked": 1}
    assert signed_in_admin.get("/api/v1/notifications?unread=true").json()["results"] == []
    assert len(signed_in_admin.get("/api/v1/notifications").json()["results"]) == 2


def test_someone_elses_notification_is_404(signed_in_admin, organization, admins, recording):
    create_api_key(organization_id=organization.pk, name="x", role=Role.AGENT)
    drain_batch()
    theirs = Notification.objects.filter(recipient=admins[0]).get()

    assert signed_in_admin.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404


def test_api_keys_have_no_notifications(admin_api):
    response = admin_api.get("/api/v1/notifications")

    assert response.status_code == 403
    assert "users" in response.json()["detail"]


def notify(membership, title="Something happened", aggregate=("ticket", "1")) -> Notification:
    return Notification.objects.create(
        organization=membership.organization,
        recipient=membership.user,
        event_id=uuid.uuid4(),
        event_type="thing.happened",
        aggregate_type=aggregate[0],
        aggregate_id=aggregate[1],
        title=title,
    )


def make_due(*notifications: Notification) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        email_next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_poison_emails_fail_alone_and_the_rest_are_sent(organization, smtp_server):
    members = [MembershipFactory(organization=organization) for _ in range(4)]
    smtp_server.refused = {members[1].user.email}
    healthy = [notify(members[0]), notify(members[3])]
    refused = notify(members[1])
    bad_header = notify(members[2], title="Hello\nBcc: everyone@example.test")

    assert send_pending_emails() == 4

    assert sorted(smtp_server.recipients()) == sorted(n.recipient.email for n in healthy)
    for notification in healthy:
        notification.refresh_from_db()
        assert (notification.email_state, notification.email_attempts) == ("sent", 1)
    for notification, error in [(refused, "SMTPRecipientsRefused"), (bad_header, "BadHeaderError")]:
        notification.refresh_from_db()
        assert (notification.email_state, notification.email_attempts) == ("pending", 1)
        assert notification.email_last_error.startswith(error)
        assert notification.email_next_attempt_at > timezone.now()
        assert notification.email_claimed_until is None


def test_a_poison_email_goes_dead_shows_in_status_and_metrics_and_is_redriven(
    organization, smtp_server, settings, client
):
    settings.NOTIFICATION_EMAIL_RETRY_SCHEDULE_SECONDS = [0]  # one retry, then dead
    member = MembershipFactory(organization=organization)
    smtp_server.refused = {member.user.email}
    notification = notify(member)
    send_pending_emails()
    make_due(notification)
    send_pending_emails()

    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("dead", 2)
    status = StringIO()
    call_command("outbox_status", stdout=status)
    assert "e-mails    pending=0 dead=1" in status.getvalue()
    assert "serviceflow_notification_emails_dead 1.0" in client.get("/metrics").content.decode()
    smtp_server.refused = set()
    redriven = StringIO()
    call_command("outbox_redrive", "--emails", stdout=redriven)
    assert "e-mails redriven: 1" in redriven.getvalue()
    send_pending_emails()
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("sent", 1)


def test_a_later_email_about_an_aggregate_waits_for_an_earlier_one(organization, smtp_server):
    member = MembershipFactory(organization=organization)
    first = notify(member, title="First\nbroken")
    second = notify(member, title="Second")
    unrelated = notify(member, title="Other ticket", aggregate=("ticket", "2"))

    send_pending_emails()
    assert [m["subject"] for m in smtp_server.messages] == ["Other ticket"]

    Notification.objects.filter(pk=first.pk).update(title="First")
    make_due(first)
    send_pending_emails()

    assert [m["subject"] for m in smtp_server.messages] == ["Other ticket", "First", "Second"]
    states = Notification.objects.filter(pk__in=[second.pk, unrelated.pk])
    assert {n.email_state for n in states} == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_an_email_is_on_the_wire(organization, smtp_server):
    notify(MembershipFactory(organization=organization))
    sender_pid, seen = this_backend_pid(), []
    smtp_server.on_data = lambda: seen.append(backend_state(sender_pid))

    send_pending_emails()

    assert seen == ["idle"]  # not "idle in transaction"


@notification_rule("test.everyone_named")
def tell_everyone_named(message) -> list[Notice]:
    """A rule that trusts its payload: the recipient filter must still apply."""
    return [Notice(user_id, "Hello") for user_id in message.payload["user_ids"]]


def test_deactivated_and_removed_members_get_no_notifications(organization, admins, recording):
    deactivated, removed = admins
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    Membership.objects.filter(user=removed, organization=organization).delete()
    stays = MembershipFactory(organization=organization).user
    stranger = UserFactory()  # never a member

    emit_event(
        organization,
        event_type="test.everyone_named",
        user_ids=[deactivated.pk, removed.pk, stays.pk, stranger.pk],
    )
    drain()

    assert [n.recipient for n in Notification.objects.all()] == [stays]


def test_members_who_leave_before_the_email_goes_get_no_email(organization, admins, recording):
    create_api_key(organization_id=organization.pk, name="crm", role=Role.AGENT)
    drain()
    deactivated, removed = admins
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    Membership.objects.filter(user=removed, organization=organization).delete()

    send_pending_emails()

    assert mail.outbox == []
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"skipped"}


def test_an_unreachable_mail_server_charges_no_email_and_they_go_once_it_is_back(
    organization, smtp_server, settings
):
    members = [MembershipFactory(organization=organization) for _ in range(3)]
    waiting = [notify(member, aggregate=("ticket", str(n))) for n, member in enumerate(members)]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = closed.getsockname()[1]  # nothing listens there once closed
    for _ in range(3):
        send_pending_emails()

    for notification in waiting:
        notification.refresh_from_db()
        assert (notification.email_state, notification.email_attempts) == ("pending", 0)
        assert notification.email_claimed_until is None

    settings.EMAIL_PORT = smtp_server.port
    send_pending_emails()

    assert sorted(smtp_server.recipients()) == sorted(m.user.email for m in members)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"sent"}

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Role
from accounts.services import create_api_key
from outbox.models import Notification, OutboxMessage
from outbox.notifications import CONSUMER_NAME, create_notifications
from outbox.publishers.consumers import apply_once
from outbox.services.drain import drain_batch
from outbox.services.notifications import send_pending_emails
from tests.accounts.factories import MembershipFactory, UserFactory

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

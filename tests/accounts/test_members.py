"""Organization admins add, re-role and remove members through the API and manage.py."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership, User
from config.roles import Role
from outbox.models import Notification, OutboxMessage
from outbox.services.drain import drain_batch
from outbox.services.notifications import send_pending_emails
from tests.accounts.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
NEW_PERSON = {"email": "Sam.Rivera@Acme.example", "full_name": "Sam Rivera", "role": "agent"}
NEW_PASSWORD = "a quiet river at dawn 42"


def add(api: APIClient, body: dict = NEW_PERSON, **headers):
    return api.post("/api/v1/members", body, format="json", **headers)


def events_of(event_type: str) -> list[dict]:
    return list(
        OutboxMessage.objects.filter(event_type=event_type)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def signed_in(user: User, token: str) -> Client:
    """A browser session of `user`, signed in with their password and a backup OTP token."""
    client = Client()
    response = client.post(
        "/api/auth/login/", {"username": user.email, "password": PASSWORD, "otp_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def client_for(organization, issue_key):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization, role, name=role)}")
        return client

    return make


@pytest.fixture
def admin_member(organization):
    return MembershipFactory(organization=organization, role=Role.ADMIN)


def test_admin_adds_a_new_person_with_no_usable_password(admin_api, organization):
    response = add(admin_api)

    assert response.status_code == 201
    user = User.objects.get(email="sam.rivera@acme.example")
    assert response.json() == {
        "id": user.pk,
        "email": "sam.rivera@acme.example",
        "full_name": "Sam Rivera",
        "role": "agent",
        "capacity": 1,
    }
    assert response["Location"] == f"/api/v1/members/{user.pk}"
    assert admin_api.get(response["Location"]).json() == response.json()
    assert not user.has_usable_password()
    [added] = events_of("member.added")
    assert added["member"]["id"] == user.pk
    assert added["account_created"] is True
    assert added["organization"]["slug"] == organization.slug


def test_new_member_is_emailed_a_link_to_set_a_password_and_can_then_sign_in(
    admin_api, organization, recording, settings
):
    settings.PUBLIC_BASE_URL = "https://serviceflow.example"
    add(admin_api)
    user = User.objects.get(email="sam.rivera@acme.example")

    drain_batch()
    notification = Notification.objects.get(recipient=user, event_type="member.added")
    assert send_pending_emails() == 1
    [email] = mail.outbox
    assert email.to == ["sam.rivera@acme.example"]
    assert email.body == notification.body
    link = re.search(r"https://serviceflow\.example(/api/auth/set-password/\S+/)", email.body)[1]

    browser = Client()
    form_page = browser.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    done = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/api/auth/set-password/done/"
    assert Client().get(link, follow=True).context["validlink"] is False  # used up

    # Sessions also need an OTP device; admins set one up, as they do for everyone.
    device = user.staticdevice_set.create(name="backup")
    device.token_set.create(token="sam123")
    session = Client()
    session.post(
        "/api/auth/login/",
        {"username": "sam.rivera@acme.example", "password": NEW_PASSWORD, "otp_token": "sam123"},
    )
    me = session.get("/api/v1/me").json()
    assert (me["user"]["id"], me["organization"]["slug"], me["role"]) == (
        user.pk,
        organization.slug,
        "agent",
    )


def test_an_existing_user_is_found_whatever_the_case_of_the_address(admin_api, recording):
    elsewhere = MembershipFactory(organization=OrganizationFactory(), role=Role.ADMIN).user

    response = add(admin_api, {"email": elsewhere.email.upper(), "role": "viewer"})

    assert response.status_code == 201
    assert response.json()["id"] == elsewhere.pk
    assert User.objects.filter(email__iexact=elsewhere.email).count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.check_password(PASSWORD)  # their account is untouched
    drain_batch()
    welcome = Notification.objects.get(recipient=elsewhere, event_type="member.added")
    assert "set-password" not in welcome.body


def test_adding_a_current_member_is_a_409_naming_the_membership(admin_api, member):
    response = add(admin_api, {"email": member.email, "role": "admin"})

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/problems/member-exists")
    assert problem["member"] == {"id": member.pk, "email": member.email, "role": "agent"}
    assert Membership.objects.get(user=member).role == Role.AGENT


def test_a_retried_addition_replays_the_first_response(admin_api):
    first = add(admin_api, HTTP_IDEMPOTENCY_KEY="add-sam")
    retry = add(admin_api, HTTP_IDEMPOTENCY_KEY="add-sam")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert Membership.objects.filter(user__email="sam.rivera@acme.example").count() == 1
    assert len(events_of("member.added")) == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.QC_INSPECTOR])
def test_only_admins_add_change_or_remove_members(client_for, member, role):
    api = client_for(role)

    assert api.get(f"/api/v1/members/{member.pk}").status_code == 200
    assert add(api).status_code == 403
    for change in ({"role": "admin"}, {"capacity": 5}):
        patched = api.patch(f"/api/v1/members/{member.pk}", change, format="json")
        assert patched.status_code == 403
    assert api.delete(f"/api/v1/members/{member.pk}").status_code == 403
    assert Membership.objects.values_list("role", "capacity").get(user=member) == (Role.AGENT, 1)
    assert not User.objects.filter(email="sam.rivera@acme.example").exists()


def test_another_organizations_member_is_404(admin_api):
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Role.AGENT).user
    url = f"/api/v1/members/{stranger.pk}"

    assert admin_api.get(url).status_code == 404
    assert admin_api.patch(url, {"role": "viewer"}, format="json").status_code == 404
    assert admin_api.patch(url, {"capacity": 3}, format="json").status_code == 404
    assert admin_api.delete(url).status_code == 404
    assert stranger.memberships.get().removed_at is None
    assert stranger.memberships.get().capacity == 1


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"email": "not-an-address", "role": "agent"}, "/email"),
        ({"email": "x@example.test", "role": "owner"}, "/role"),
        ({"email": "x@example.test"}, "/role"),
        ({"email": "x@example.test", "role": "agent", "full_name": "Sam\nRivera"}, "/full_name"),
    ],
)
def test_invalid_additions_are_422_pointing_at_the_field(admin_api, body, pointer):
    response = add(admin_api, body)

    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    assert not User.objects.filter(email="x@example.test").exists()


def test_an_invalid_role_change_is_422(admin_api, member):
    response = admin_api.patch(f"/api/v1/members/{member.pk}", {"role": "boss"}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/role"


def test_admin_changes_a_members_role(admin_api, member):
    response = admin_api.patch(f"/api/v1/members/{member.pk}", {"role": "viewer"}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "viewer"
    assert Membership.objects.get(user=member).role == Role.VIEWER
    [changed] = events_of("member.role_changed")
    assert (changed["member"]["role"], changed["previous_role"]) == ("viewer", "agent")


def test_admin_sets_a_members_capacity_and_the_change_is_recorded(admin_api, member):
    response = admin_api.patch(f"/api/v1/members/{member.pk}", {"capacity": 3}, format="json")

    assert response.status_code == 200
    assert (response.json()["role"], response.json()["capacity"]) == ("agent", 3)
    assert Membership.objects.get(user=member).capacity == 3
    [changed] = events_of("member.capacity_changed")
    assert (changed["member"]["id"], changed["capacity"], changed["previous_capacity"]) == (
        member.pk,
        3,
        1,
    )
    assert events_of("member.role_changed") == []


def test_role_and_capacity_change_in_one_request(admin_api, member):
    url = f"/api/v1/members/{member.pk}"

    response = admin_api.patch(url, {"role": "qc_inspector", "capacity": 2}, format="json")
    unchanged = admin_api.patch(url, {"capacity": 2}, format="json")

    assert (response.status_code, unchanged.status_code) == (200, 200)
    assert Membership.objects.values_list("role", "capacity").get(user=member) == (
        Role.QC_INSPECTOR,
        2,
    )
    assert len(events_of("member.role_changed")) == 1
    assert len(events_of("member.capacity_changed")) == 1  # setting the same value records none


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"capacity": 0}, "/capacity"),
        ({"capacity": 51}, "/capacity"),
        ({"capacity": "many"}, "/capacity"),
        ({"capacity": 2.5}, "/capacity"),
        ({"capacity": 2, "role": "boss"}, "/role"),
        ({}, ""),
    ],
)
def test_an_invalid_capacity_change_is_422_and_changes_nothing(admin_api, member, body, pointer):
    response = admin_api.patch(f"/api/v1/members/{member.pk}", body, format="json")

    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    assert Membership.objects.values_list("role", "capacity").get(user=member) == (Role.AGENT, 1)
    assert events_of("member.capacity_changed") == []


def test_a_refused_demotion_leaves_the_capacity_sent_with_it_unchanged(admin_api, admin_member):
    url = f"/api/v1/members/{admin_member.user_id}"

    response = admin_api.patch(url, {"role": "agent", "capacity": 4}, format="json")

    assert response.status_code == 409
    admin_member.refresh_from_db()
    assert (admin_member.role, admin_member.capacity) == (Role.ADMIN, 1)
    assert events_of("member.capacity_changed") == []


def test_the_last_admin_can_be_neither_demoted_nor_removed(admin_api, admin_member):
    url = f"/api/v1/members/{admin_member.user_id}"

    demoted = admin_api.patch(url, {"role": "agent"}, format="json")
    removed = admin_api.delete(url)

    assert (demoted.status_code, removed.status_code) == (409, 409)
    assert demoted.json()["type"].endswith("/problems/last-admin")
    assert removed.json()["type"].endswith("/problems/last-admin")
    admin_member.refresh_from_db()
    assert (admin_member.role, admin_member.removed_at) == (Role.ADMIN, None)


def test_an_admin_with_a_fellow_admin_can_be_demoted(admin_api, organization, admin_member):
    MembershipFactory(organization=organization, role=Role.ADMIN)
    url = f"/api/v1/members/{admin_member.user_id}"

    assert admin_api.patch(url, {"role": "agent"}, format="json").status_code == 200
    assert admin_api.delete(url).status_code == 204


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(organization, issue_key):
    admins = iter(MembershipFactory.create_batch(2, organization=organization, role=Role.ADMIN))
    key = issue_key(organization, Role.ADMIN)

    def demote_the_next_admin() -> int:
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")
        url = f"/api/v1/members/{next(admins).user_id}"
        return client.patch(url, {"role": "agent"}, format="json").status_code

    assert sorted(run_concurrently(demote_the_next_admin, 2)) == [200, 409]
    assert Membership.objects.filter(organization=organization, role=Role.ADMIN).count() == 1


def test_removal_keeps_the_membership_and_ends_the_members_session(admin_api, organization):
    user = UserFactory(backup_tokens=["tok123"])
    MembershipFactory(user=user, organization=organization, role=Role.AGENT)
    session = signed_in(user, "tok123")
    assert session.get("/api/v1/me").status_code == 200

    response = admin_api.delete(f"/api/v1/members/{user.pk}")

    assert response.status_code == 204
    kept = Membership.objects.get(user=user, organization=organization)
    assert kept.removed_at is not None
    assert admin_api.get(f"/api/v1/members/{user.pk}").status_code == 404
    assert user.pk not in [m["id"] for m in admin_api.get("/api/v1/members").json()["results"]]
    assert session.get("/api/v1/me").status_code == 403
    named = session.get("/api/v1/me", HTTP_X_ORGANIZATION=organization.slug)
    assert named.status_code == 403
    [removed] = events_of("member.removed")
    assert removed["member"]["removed_at"] == kept.removed_at.isoformat()


def test_a_removed_member_cannot_be_assigned_tickets(admin_api, member):
    ticket = admin_api.post(
        "/api/v1/tickets",
        {"subject": "VPN down", "requester": {"email": "c@customer.example", "name": "C"}},
        format="json",
    ).json()
    admin_api.delete(f"/api/v1/members/{member.pk}")

    response = admin_api.post(
        f"/api/v1/tickets/{ticket['key']}/actions",
        {"action": "assign", "payload": {"assignee": member.pk}, "expected_version": 1},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/payload/assignee"


def test_adding_a_removed_member_again_restores_the_same_membership(admin_api, member):
    original = Membership.objects.get(user=member)
    admin_api.delete(f"/api/v1/members/{member.pk}")

    response = add(admin_api, {"email": member.email, "role": "viewer"})

    assert response.status_code == 201
    restored = Membership.objects.get(user=member)
    assert (restored.pk, restored.role, restored.removed_at) == (original.pk, "viewer", None)
    assert restored.created_at == original.created_at
    assert admin_api.get(f"/api/v1/members/{member.pk}").json()["role"] == "viewer"
    assert [e["account_created"] for e in events_of("member.added")] == [False]


def test_add_member_command_adds_through_the_same_service(organization):
    out = StringIO()

    call_command(
        "add_member", organization.slug, "Quinn@Acme.example", role="viewer", name="Q", stdout=out
    )

    membership = Membership.objects.get(user__email="quinn@acme.example")
    assert (membership.organization, membership.role) == (organization, Role.VIEWER)
    assert not membership.user.has_usable_password()
    assert out.getvalue() == f"Added quinn@acme.example to {organization.slug} as viewer.\n"
    assert events_of("member.added")[0]["actor"] == "manage.py add_member"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["ghost", "a@example.test", "--role", "agent"], "No organization 'ghost'"),
        (["{org}", "a@example.test", "--role", "owner"], "Unknown role 'owner'; choose one of"),
        (["{org}", "not-an-address", "--role", "agent"], "valid email"),
        (["{org}", "{member}", "--role", "agent"], "is already a member"),
    ],
)
def test_add_member_command_explains_what_it_refuses(organization, member, arguments, message):
    arguments = [a.format(org=organization.slug, member=member.email) for a in arguments]

    with pytest.raises(CommandError, match=message):
        call_command("add_member", *arguments, stdout=StringIO())

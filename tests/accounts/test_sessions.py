"""Session sign-in for humans: the admin and the browsable API both demand an OTP token."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.roles import Role
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client: Client, url: str, user, token: str = "") -> int:
    data = {"username": user.email, "password": PASSWORD, "otp_token": token}
    return client.post(url, data).status_code


@pytest.fixture
def agent(organization):
    user = UserFactory(backup_tokens=["agent123"])
    MembershipFactory(user=user, organization=organization, role=Role.AGENT)
    return user


def test_admin_refuses_a_password_without_an_otp_token():
    staff = UserFactory(staff=True, backup_tokens=["abc123"])
    client = Client()

    assert sign_in(client, "/admin/login/", staff) == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_admin_refuses_a_session_that_skipped_otp():
    client = Client()
    client.force_login(UserFactory(staff=True))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_accepts_a_static_backup_token_only_once():
    staff = UserFactory(staff=True, backup_tokens=["abc123"])
    first, second = Client(), Client()

    assert sign_in(first, "/admin/login/", staff, "abc123") == 302
    assert first.get("/admin/").status_code == 200
    assert sign_in(second, "/admin/login/", staff, "abc123") == 200
    assert second.get("/admin/").status_code == 302


def test_admin_accepts_a_totp_code():
    staff = UserFactory(staff=True)
    device = TOTPDevice.objects.create(user=staff, name="phone")
    client = Client()

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    code = f"{code:0{device.digits}d}"
    assert sign_in(client, "/admin/login/", staff, code) == 302
    assert client.get("/admin/").status_code == 200


def test_api_login_page_asks_for_an_otp_token():
    response = Client().get("/api/auth/login/")

    assert response.status_code == 200
    assert b'name="otp_token"' in response.content


def test_api_session_needs_the_otp_token(agent):
    client = Client()

    assert sign_in(client, "/api/auth/login/", agent) == 200
    assert client.get("/api/v1/me").status_code == 401
    assert sign_in(client, "/api/auth/login/", agent, "agent123") == 302
    me = client.get("/api/v1/me").json()
    assert me["kind"] == "user"
    assert me["user"]["email"] == agent.email
    assert me["role"] == "agent"


def test_browsable_api_is_served_beside_json(agent):
    client = Client()
    sign_in(client, "/api/auth/login/", agent, "agent123")

    html = client.get("/api/v1/me", HTTP_ACCEPT="text/html")
    default = client.get("/api/v1/me")

    assert html["Content-Type"].startswith("text/html")
    assert default["Content-Type"] == "application/json"


def test_session_writes_need_the_csrf_token(organization):
    admin = UserFactory(backup_tokens=["admin123"])
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/api/auth/login/")
    client.post(
        "/api/auth/login/",
        {
            "username": admin.email,
            "password": PASSWORD,
            "otp_token": "admin123",
            "csrfmiddlewaretoken": login_page.context["csrf_token"],
        },
    )
    body = {"name": "from the browser", "role": "viewer"}

    refused = client.post("/api/v1/api-keys", body, content_type="application/json")
    accepted = client.post(
        "/api/v1/api-keys",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201


def test_session_user_acts_in_the_organization_named_by_header(agent):
    other = MembershipFactory(user=agent, role=Role.VIEWER).organization
    client = Client()
    sign_in(client, "/api/auth/login/", agent, "agent123")

    chosen = client.get("/api/v1/me", HTTP_X_ORGANIZATION=other.slug).json()
    stranger = client.get("/api/v1/me", HTTP_X_ORGANIZATION="nobody-here")

    assert chosen["organization"]["slug"] == other.slug
    assert chosen["role"] == "viewer"
    assert stranger.status_code == 403

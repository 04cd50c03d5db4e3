from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from accounts.models import Membership, Organization
from config.roles import Role
from helpdesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_create_organization_makes_the_admin_a_member_with_role_admin():
    call_command(
        "create_organization",
        "acme",
        name="Acme",
        admin_email="Boss@Acme.example",
        stdout=StringIO(),
    )

    membership = Membership.objects.get(organization__slug="acme")
    assert membership.user.email == "boss@acme.example"
    assert membership.role == Role.ADMIN
    assert Organization.objects.get(slug="acme").name == "Acme"


def test_create_organization_refuses_a_taken_slug(organization):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_organization", organization.slug, name="x", admin_email="a@b.example")


def test_create_api_key_prints_only_a_working_key(organization):
    out = StringIO()

    call_command("create_api_key", organization.slug, name="ops", role="viewer", stdout=out)

    key = out.getvalue().strip()
    assert out.getvalue() == key + "\n"
    me = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (me["organization"]["slug"], me["role"]) == (organization.slug, "viewer")


def test_create_api_key_for_an_unknown_organization_fails():
    with pytest.raises(CommandError, match="No organization"):
        call_command("create_api_key", "ghost", name="x")


def test_demo_data_loads_again_and_again_with_one_working_demo_key():
    first, second = StringIO(), StringIO()

    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)

    keys = [line.split()[-1] for line in second.getvalue().splitlines() if "Demo API key" in line]
    old = [line.split()[-1] for line in first.getvalue().splitlines() if "Demo API key" in line]
    client = APIClient()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {keys[0]}").status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old[0]}").status_code == 401
    assert Organization.objects.filter(slug="acme").count() == 1
    statuses = set(
        Ticket.objects.filter(organization__slug="acme").values_list("status", flat=True)
    )
    assert statuses == {"new", "open", "pending", "resolved", "closed"}
    assert Ticket.objects.filter(organization__slug="acme").count() == 5  # not doubled
    assert Membership.objects.filter(organization__slug="acme").count() == 4


def test_demo_admin_signs_in_to_the_admin_with_the_printed_backup_token():
    out = StringIO()
    call_command("load_demo", stdout=out)
    token = next(line.split()[2] for line in out.getvalue().splitlines() if "OTP token" in line)
    client = Client()

    client.post(
        "/admin/login/",
        {"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD, "otp_token": token},
    )

    assert client.get("/admin/").status_code == 200

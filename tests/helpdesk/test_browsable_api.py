"""Agents work in the browsable API: forms and JSON boxes show real request bodies."""

import pytest
from django.test import Client

from config.roles import Role
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.helpdesk.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_browsable_api_prefills_the_action_box_with_a_real_body(organization):
    agent = UserFactory(backup_tokens=["agt123"])
    MembershipFactory(user=agent, organization=organization, role=Role.AGENT)
    ticket = TicketFactory(organization=organization, opened=True)
    client = Client()
    client.post(
        "/api/auth/login/", {"username": agent.email, "password": PASSWORD, "otp_token": "agt123"}
    )

    page = client.get(f"/api/v1/tickets/{ticket.key}/actions", HTTP_ACCEPT="text/html")

    html = page.content.decode()
    assert page.status_code == 200
    assert "&quot;action&quot;: &quot;assign&quot;" in html
    assert "&quot;expected_version&quot;: 1" in html

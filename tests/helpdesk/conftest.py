import pytest
from rest_framework.test import APIClient

from config.roles import Role
from tests.accounts.factories import MembershipFactory


@pytest.fixture
def client_for(organization, issue_key):
    """An API client holding a key of `organization` with the given role."""

    def make(role: str = Role.ADMIN) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization, role, name=role)}")
        return client

    return make


@pytest.fixture
def agent_user(organization):
    return MembershipFactory(organization=organization, role=Role.AGENT).user


NEW_TICKET = {
    "subject": "Cannot sign in",
    "description": "Password rejected since this morning.",
    "requester": {"email": "dana@customer.example", "name": "Dana"},
    "priority": "high",
    "tags": ["login"],
}

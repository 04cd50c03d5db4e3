import pytest

from config.roles import Role
from tests.accounts.factories import MembershipFactory


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

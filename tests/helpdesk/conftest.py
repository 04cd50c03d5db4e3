import pytest

from config.roles import Role
from tests.accounts.factories import MembershipFactory


@pytest.fixture
def agent_user(organization):
    return MembershipFactory(organization=organization, role=Role.AGENT).user

import pytest

from config.roles import Role
from tests.accounts.factories import MembershipFactory
from tests.workflow.acting import principal, tasks_of
from tests.workflow.factories import deliverable_with_tasks


@pytest.fixture
def admin(organization):
    """An admin member of `organization`, as the services see a caller."""
    return principal(
        organization, user=MembershipFactory(organization=organization, role=Role.ADMIN).user
    )


@pytest.fixture
def garment(organization):
    """cut → sew / embroider → press → pack."""
    return tasks_of(deliverable_with_tasks(organization))

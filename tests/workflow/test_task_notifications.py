"""The assignee hears when a task is given to them and when it becomes ready for them."""

import pytest

from config.roles import Role
from outbox.models import Notification
from outbox.services.drain import drain
from tests.accounts.factories import MembershipFactory
from tests.workflow.acting import act, finish, principal, tasks_of
from tests.workflow.factories import deliverable_with_tasks, template_version

pytestmark = pytest.mark.django_db


def test_the_assignee_is_told_of_the_assignment_and_when_the_task_becomes_ready(
    organization, recording
):
    admin = principal(organization)
    worker = MembershipFactory(organization=organization, role=Role.AGENT).user
    tasks = tasks_of(
        deliverable_with_tasks(
            organization, template_version(organization, ["cut", "sew"], [("sew", "cut")])
        )
    )
    act(tasks["sew"], "assign", admin, {"assign_to": worker.pk})
    finish(tasks["cut"], admin)  # sew, assigned to the worker, becomes ready

    drain()

    titles = Notification.objects.filter(recipient=worker).order_by("id")
    assert list(titles.values_list("title", flat=True)) == [
        "Sew was assigned to you",
        "Sew is ready to start",
    ]
    assert Notification.objects.count() == 2

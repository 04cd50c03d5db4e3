"""Acting on tasks through the services or the API, as the workflow tests do."""

import threading
import time

from django.db import connection, transaction

from config.principal import Principal
from config.roles import Role
from tests.accounts.factories import MembershipFactory
from workflow.models import Task
from workflow.services.tasks import apply_task_action


def principal(organization, role=Role.ADMIN, user=None) -> Principal:
    return Principal(
        organization.pk,
        organization.slug,
        role,
        user_id=user.pk if user else None,
        label=f"{role} tester",
    )


def member(organization, role: str) -> Principal:
    """A member of `organization` with `role`, as the services see a caller."""
    user = MembershipFactory(organization=organization, role=role).user
    return principal(organization, role, user=user)


def tasks_of(deliverable) -> dict[str, Task]:
    return {task.node_key: task for task in deliverable.tasks.all()}


def current_version(task: Task) -> int:
    return Task.objects.values_list("version", flat=True).get(pk=task.pk)


def act(task: Task, action: str, actor, payload=None, version=None, **options):
    """Act on `task` from the version given, or from the one it is at now."""
    if version is None:
        version = current_version(task)
    return apply_task_action(
        task_id=task.pk,
        actor=actor,
        action=action,
        payload=payload or {},
        expected_version=version,
        **options,
    )


def finish(task: Task, actor) -> None:
    act(task, "start", actor)
    act(task, "complete", actor)


def status(task: Task) -> str:
    task.refresh_from_db()
    return task.status


def assign(task: Task, user, window=None, actor=None, **options):
    payload = {"assign_to": user.pk, **({"window": window} if window else {})}
    return act(task, "assign", actor, payload, **options)


def post_action(client, task: Task, action: str, payload=None, **body):
    """Post `action` based on the version the task is at now, unless the body says otherwise."""
    if "expected_version" not in body and "expected_row_version" not in body:
        body["expected_version"] = current_version(task)
    body = {"action": action, **body, **({"payload": payload} if payload is not None else {})}
    return client.post(f"/api/v1/tasks/{task.pk}/actions", body, format="json")


def submitted_by(client, task: Task) -> Task:
    """`task` started and submitted for review through the API by `client`'s key."""
    for action in ("start", "submit"):
        assert post_action(client, task, action).status_code == 200
    return task


def act_while_holding(task: Task, action: str, actor, payload=None) -> threading.Thread:
    """In another thread and connection: lock `task`, hold it a second while the caller goes as
    far as it can, then act on it. Returns once the lock is held; join the thread after."""
    holding = threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                Task.objects.select_for_update().get(pk=task.pk)
                holding.set()
                time.sleep(1)
                act(task, action, actor, payload)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    holding.wait()
    return thread

"""Acting on tasks through the services, as the workflow tests do."""

from config.principal import Principal
from config.roles import Role
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


def tasks_of(deliverable) -> dict[str, Task]:
    return {task.node_key: task for task in deliverable.tasks.all()}


def act(task: Task, action: str, actor, payload=None, version=None, **options):
    """Act on `task` from the version given, or from the one it is at now."""
    if version is None:
        version = Task.objects.values_list("version", flat=True).get(pk=task.pk)
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

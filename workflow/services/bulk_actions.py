"""One task action for many tasks of a deliverable, each succeeding or failing on its own.

Every task goes through `apply_task_action`, which runs in a savepoint of this use case's
transaction: a task that fails is rolled back alone, with its row lock. The tasks are acted on in
ascending id order, whatever order the caller listed them in, so two batches over the same tasks
take their locks in one order and cannot wait for each other in a circle
(docs/adr/0025-bulk-task-actions.md).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from config.api.conditional import StaleVersion
from config.api.problems import ApplicationError
from config.principal import Principal
from config.transactions import use_case
from workflow.actions import ACTIONS
from workflow.models import Task, TaskDependency
from workflow.services.tasks import apply_task_action

# What makes one task fail while the others go on; anything else fails the whole batch.
TASK_FAILURES = (StaleVersion, ApplicationError, Task.DoesNotExist)


@dataclass(frozen=True)
class TaskVersion:
    """A task of the batch and the version of it the caller read."""

    task_id: int
    expected_version: int


@dataclass(frozen=True)
class TaskOutcome:
    """What became of one task of the batch: the task acted on, or why not."""

    entry: TaskVersion
    task: Task | None = None
    error: Exception | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def _tasks_of(deliverable_id: int, actor: Principal, entries: Sequence[TaskVersion]) -> set[int]:
    """The ids among `entries` that name a task of the deliverable in the actor's organization.

    They and their direct dependents (which finishing or reopening one of them locks) are locked
    here, in id order, before any is acted on: a task that settles locks its deliverable next,
    and a single action takes all its task locks before the deliverable's, so the batch must not
    take a task lock after a deliverable lock (docs/adr/0025).
    """
    listed = [entry.task_id for entry in entries]
    dependents = TaskDependency.objects.filter(depends_on_id__in=listed).values("task_id")
    locked = (
        Task.objects.select_for_update()
        .filter(Q(pk__in=listed) | Q(pk__in=dependents))
        .filter(organization_id=actor.organization_id, deliverable_id=deliverable_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return set(locked) & set(listed)


def _act_on_one(entry: TaskVersion, in_scope: set[int], **action) -> TaskOutcome:
    if entry.task_id not in in_scope:
        missing = Task.DoesNotExist(f"No task {entry.task_id} in this deliverable.")
        return TaskOutcome(entry, error=missing)
    try:
        result = apply_task_action(
            task_id=entry.task_id, expected_version=entry.expected_version, **action
        )
    except TASK_FAILURES as error:
        return TaskOutcome(entry, error=error)
    return TaskOutcome(entry, task=result.aggregate)


@use_case
def apply_bulk_task_action(
    *,
    deliverable_id: int,
    actor: Principal,
    action: str,
    payload: dict,
    tasks: Sequence[TaskVersion],
) -> list[TaskOutcome]:
    """Apply one action to each listed task of a deliverable; answer in the order listed.

    The caller's role is checked once for the batch (PermissionDenied: nothing runs).
    """
    actor.require(ACTIONS[action].roles, f"{action} {ACTIONS.noun}s")
    in_scope = _tasks_of(deliverable_id, actor, tasks)
    by_position = {
        position: _act_on_one(entry, in_scope, actor=actor, action=action, payload=payload)
        for position, entry in sorted(enumerate(tasks), key=lambda listed: listed[1].task_id)
    }
    return [by_position[position] for position in range(len(tasks))]

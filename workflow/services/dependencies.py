"""Keeping `blocked`, `ready` and `stale` true to the dependencies, in the same transaction.

Each function is called by the task use case after it changed one task, and locks the affected
dependents in one statement ordered by id, so concurrent actions cannot deadlock. A dependent's
blockers are read after its lock is granted: of two blockers completing at once, the second to
lock the dependent sees the first committed, and exactly one of them makes it ready.
"""

import outbox
from config.principal import Principal
from workflow import events
from workflow.models import Task, TaskDependency, TaskEvent
from workflow.models.tasks import SETTLED_STATUSES

NOT_STARTED = (Task.Status.BLOCKED, Task.Status.READY)
SAVED_FIELDS = ["status", "stale", "version", "updated_at"]


def _lock_dependents(task: Task, **filters) -> list[Task]:
    return list(
        Task.objects.select_for_update(of=("self",))
        .filter(blocker_links__depends_on=task, **filters)
        .order_by("id")
    )


def open_blockers(task_ids) -> dict[int, list[int]]:
    """The blockers of each task that are neither done nor cancelled."""
    pending: dict[int, list[int]] = {}
    rows = (
        TaskDependency.objects.filter(task_id__in=task_ids)
        .exclude(depends_on__status__in=SETTLED_STATUSES)
        .values_list("task_id", "depends_on_id")
    )
    for task_id, blocker_id in rows:
        pending.setdefault(task_id, []).append(blocker_id)
    return pending


def _change(dependent: Task, action: str, from_status: str, upstream: Task, actor) -> None:
    dependent.version += 1
    dependent.save(update_fields=SAVED_FIELDS)
    TaskEvent.record(
        dependent,
        action=action,
        actor=actor,
        from_status=from_status,
        payload={"upstream_task_id": upstream.pk, "upstream_node_key": upstream.node_key},
    )


def release_dependents(task: Task, actor: Principal | None) -> list[Task]:
    """Make `ready` each blocked dependent whose blockers are now all settled (one event each).

    A dependent that still waits for others changes too (its open blockers did), so its
    version, which is its ETag, moves.
    """
    waiting = _lock_dependents(task, status=Task.Status.BLOCKED)
    still_waiting = open_blockers([dependent.pk for dependent in waiting])
    released = [dependent for dependent in waiting if dependent.pk not in still_waiting]
    for dependent in waiting:
        if dependent.pk in still_waiting:
            _change(dependent, "blocker_settled", Task.Status.BLOCKED, task, actor)
    for dependent in released:
        dependent.unblock()
        _change(dependent, "unblock", Task.Status.BLOCKED, task, actor)
        outbox.emit(
            **events.task_event(
                events.TASK_UNBLOCKED, dependent, actor=str(actor or "system"), after=task.pk
            )
        )
    return released


def hold_back_dependents(task: Task, actor: Principal | None, reason: str) -> None:
    """After a reopen: not-started dependents wait again; started or done ones become stale."""
    for dependent in _lock_dependents(task):
        from_status = dependent.status
        if from_status == Task.Status.READY:
            dependent.block()
            _change(dependent, "block", from_status, task, actor)
        elif from_status == Task.Status.BLOCKED:
            _change(dependent, "blocker_reopened", from_status, task, actor)
        elif from_status not in (*NOT_STARTED, Task.Status.CANCELLED) and not dependent.stale:
            dependent.stale = True
            _change(dependent, "mark_stale", from_status, task, actor)
            outbox.emit(
                **events.task_event(
                    events.TASK_UPSTREAM_REOPENED,
                    dependent,
                    actor=str(actor or "system"),
                    upstream_task_id=task.pk,
                    reason=reason,
                )
            )

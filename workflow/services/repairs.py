"""Repairs of what `workflow.checks` finds: each a use case that records its event, as any change.

Each repair locks what it reads and checks again, since the finding may be out of date by then.
A dependency repair locks the task's blockers, then the task: a blocker changing meanwhile is
seen changed (the lock waits for its commit) rather than as it was. Actions lock upstream before
downstream too; only blockers that depend on one another can make a deadlock, which PostgreSQL
breaks by failing one side (the command then reports the repair as failed, and a rerun does it).
"""

import outbox
from config.aggregates import SYSTEM_ACTOR
from config.transactions import use_case
from workflow import events
from workflow.checks import Finding, Problem, history_drift, last_event
from workflow.models import Task, TaskEvent
from workflow.models.tasks import SETTLED_STATUSES
from workflow.services import deliverables, dependencies

REASON = {"reason": "workflow_check"}
SAVED_FIELDS = ["status", "version", "updated_at"]


def _lock_with_open_blockers(task_id: int) -> tuple[Task, list[int]]:
    blockers = (
        Task.objects.select_for_update(of=("self",))
        .filter(dependent_links__task_id=task_id)
        .order_by("id")
        .values_list("id", "status")
    )
    waiting_for = [pk for pk, status in blockers if status not in SETTLED_STATUSES]
    return Task.objects.select_for_update().get(pk=task_id), waiting_for


def _save_with_event(task: Task, action: str, from_status: str, payload: dict) -> TaskEvent:
    task.version += 1
    task.save(update_fields=SAVED_FIELDS)
    return TaskEvent.record(
        task, action=action, actor=None, from_status=from_status, payload=payload
    )


@use_case
def unblock_free_task(*, task_id: int) -> Task | None:
    """Make ready a task stored blocked whose blockers are all settled; None if it is not so."""
    task, waiting_for = _lock_with_open_blockers(task_id)
    if task.status != Task.Status.BLOCKED or waiting_for:
        return None
    task.unblock()
    _save_with_event(task, "repair_unblock", Task.Status.BLOCKED, REASON)
    outbox.emit(**events.task_event(events.TASK_UNBLOCKED, task, actor=SYSTEM_ACTOR, **REASON))
    return task


@use_case
def block_waiting_task(*, task_id: int) -> Task | None:
    """Block again a task stored ready that still waits for a blocker; None if it is not so."""
    task, waiting_for = _lock_with_open_blockers(task_id)
    if task.status != Task.Status.READY or not waiting_for:
        return None
    task.block()
    _save_with_event(task, "repair_block", Task.Status.READY, REASON)
    return task


@use_case
def record_task_drift(*, task_id: int) -> Task | None:
    """Record the stored state of a task whose history ends elsewhere; None if it does not."""
    task = Task.objects.select_for_update().get(pk=task_id)
    latest = last_event(task)
    history_status = latest.to_status if latest else ""
    history_version = latest.version_after if latest else None
    drift = history_drift(
        status=task.status,
        version=task.version,
        history_status=history_status,
        history_version=history_version,
    )
    if drift is None:
        return None
    payload = {**REASON, "stored_version": task.version, "drift": drift}
    # Past the last recorded version too (it may be the higher): version_after is unique per task.
    task.version = max(task.version, history_version or 0)
    event = _save_with_event(task, "repair_record", history_status, payload)
    if task.status != history_status:
        # Subscribers never heard of the change that went around the services.
        outbox.emit(
            **events.task_event(
                events.TASK_STATUS_CHANGED,
                task,
                actor=SYSTEM_ACTOR,
                action=event.action,
                from_status=history_status,
                details=payload,
            )
        )
        # Nor did its dependents and its deliverable: they follow it as after any change.
        if task.status in SETTLED_STATUSES:
            dependencies.release_dependents(task, None)
            deliverables.task_settled(task, None)
        elif task.status == Task.Status.REOPENED:
            dependencies.hold_back_dependents(task, None, REASON["reason"])
            deliverables.task_reopened(task, None, REASON["reason"])
    return task


REPAIRS = {
    Problem.SHOULD_BE_READY: unblock_free_task,
    Problem.SHOULD_BE_BLOCKED: block_waiting_task,
    Problem.HISTORY_DRIFT: record_task_drift,
}


def repair(finding: Finding) -> Task | None:
    """Repair one finding in its own transaction; None when a fresh look found nothing to do."""
    return REPAIRS[finding.problem](task_id=finding.task_id)

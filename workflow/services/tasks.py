"""Task use cases: every action runs one skeleton (lock, replay, version, change, record, emit)."""

from uuid import UUID

from django.utils import timezone
from django_fsm import can_proceed

import outbox
from accounts.selectors import capacity_of
from config.actions import ActionRequest, ActionResult, AggregateActions
from config.principal import Principal
from config.request_context import request_id_var
from config.transactions import use_case
from workflow import actions, events, hooks, policy
from workflow.exceptions import InvalidAssignee, TaskBlocked
from workflow.models import Task, TaskDependency, TaskEvent
from workflow.models.tasks import SETTLED_STATUSES
from workflow.services import allocations, deliverables, dependencies

SAVED_FIELDS = (
    "status",
    "assigned_to",
    "assigned_at",
    "attempt",
    "actual_start",
    "actual_finish",
    "stale",
    "version",
    "updated_at",
)


def blockers_of(task: Task) -> list[dict]:
    """The tasks `task` still waits for, as the `task-blocked` problem lists them."""
    links = (
        TaskDependency.objects.filter(task=task)
        .exclude(depends_on__status__in=SETTLED_STATUSES)
        .order_by("depends_on_id")
        .values_list(
            "depends_on_id", "depends_on__node_key", "depends_on__title", "depends_on__status"
        )
    )
    return [
        {"id": pk, "node_key": key, "title": title, "status": status}
        for pk, key, title, status in links
    ]


def _assignee_capacity(task: Task, user_id) -> int:
    """The assignee's capacity, read with their role in one query; refused unless they may
    be assigned here."""
    capacity = capacity_of(task.organization_id, user_id, roles=policy.ASSIGNABLE)
    if not capacity:
        detail = "assign_to must be the user id of an active agent, admin or QC inspector here."
        raise InvalidAssignee(
            detail,
            errors=[
                {"pointer": "/payload/assign_to", "detail": detail, "code": "invalid_assignee"}
            ],
        )
    return capacity


class TaskActions(AggregateActions):
    catalog = actions.ACTIONS
    history = TaskEvent
    saved_fields = SAVED_FIELDS

    def lock(self, pk: int) -> Task:
        return Task.objects.select_for_update().get(pk=pk)

    def refuse(self, task: Task, request: ActionRequest) -> None:
        # Reopened or reworked work waits too while something upstream is being redone.
        startable = task.status == Task.Status.BLOCKED or can_proceed(task.start)
        if request.action == "start" and startable and (blockers := blockers_of(task)):
            names = ", ".join(f"{b['node_key']} ({b['status']})" for b in blockers)
            raise TaskBlocked(
                f"Task {task.node_key} waits for {names}; it becomes ready when they are done.",
                blockers=blockers,
            )
        if extension := hooks.extension_of(request.action):
            extension.refuse(task, request)

    def perform(self, task: Task, request: ActionRequest) -> dict:
        done = {"previous_assignee": task.assigned_to_id}
        now = timezone.now()
        if request.action == "assign":
            assignee = request.payload["assign_to"]
            capacity = _assignee_capacity(task, assignee)
            task.assigned_to_id, task.assigned_at = assignee, now
            window = allocations.Window.from_payload(request.payload.get("window"))
            allocations.allocate(
                task,
                user_id=assignee,
                capacity=capacity,
                window=window,
                actor=request.actor,
                at=now,
            )
        elif request.action == "unassign":
            task.assigned_to_id = task.assigned_at = None
            allocations.release(task, now)
        else:
            getattr(task, self.catalog[request.action].method)(at=now)
            if extension := hooks.extension_of(request.action):
                extension.perform(task, request)
            if task.status in SETTLED_STATUSES:  # finished or dropped work holds nobody
                allocations.release(task, now)
        return done

    def recorded(self, task, request) -> dict:
        return {
            "expected_version": request.expected_version,
            "request_id": request_id_var.get() or "",
        }

    def emit(self, task, event, request, done) -> None:
        self._emit(task, event, request, done)
        change = hooks.TaskChange(
            task, request.action, event.from_status, request.actor, request.payload, event
        )
        hooks.task_changed(change)

    def _emit(self, task, event, request, done) -> None:
        actor = str(request.actor)
        if self.catalog[request.action].method is None:
            outbox.emit(
                **events.task_event(
                    events.TASK_ASSIGNED,
                    task,
                    actor=actor,
                    previous_assignee_id=done["previous_assignee"],
                )
            )
            return
        outbox.emit(
            **events.task_event(
                events.TASK_STATUS_CHANGED,
                task,
                actor=actor,
                action=request.action,
                from_status=event.from_status,
                details=request.payload,
            )
        )
        if task.status in SETTLED_STATUSES:
            dependencies.release_dependents(task, request.actor)
            deliverables.task_settled(task, request.actor)
        elif task.status == Task.Status.REOPENED:
            dependencies.hold_back_dependents(task, request.actor, request.payload["reason"])
            deliverables.task_reopened(task, request.actor, request.payload["reason"])


@use_case
def apply_task_action(
    *,
    task_id: int,
    actor: Principal,
    action: str,
    payload: dict,
    expected_version: int,
    client_event_id: UUID | None = None,
) -> ActionResult:
    """Apply an action to a task; a repeated client_event_id returns it without acting twice."""
    request = ActionRequest(action, payload, actor, expected_version, client_event_id)
    return TaskActions().run(task_id, request)

"""Find tasks whose stored state disagrees with their dependencies or their history (read only).

Two statements per deliverable, whatever its number of tasks: its tasks with their latest event,
and their open blockers. `workflow.services.repairs` mends what is found here.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import OuterRef, Subquery

from workflow.models import Task, TaskEvent
from workflow.services.dependencies import NOT_STARTED, open_blockers


class Problem(StrEnum):
    SHOULD_BE_READY = "should_be_ready"
    SHOULD_BE_BLOCKED = "should_be_blocked"
    # The stored task is not where its history ends: something changed it around the services.
    HISTORY_DRIFT = "history_drift"


@dataclass(frozen=True)
class Finding:
    """One disagreement of one task, as stored when it was read."""

    problem: Problem
    deliverable_id: int
    task_id: int
    node_key: str
    status: str
    version: int
    detail: str


def _latest(field: str) -> Subquery:
    events = TaskEvent.objects.filter(task=OuterRef("pk")).order_by("-version_after")
    return Subquery(events.values(field)[:1])


def _tasks_with_history(deliverable_id: int) -> list[dict]:
    return list(
        Task.objects.filter(deliverable_id=deliverable_id)
        .annotate(history_version=_latest("version_after"), history_status=_latest("to_status"))
        .order_by("id")
        .values("id", "node_key", "status", "version", "history_version", "history_status")
    )


def last_event(task: Task) -> TaskEvent | None:
    return TaskEvent.objects.filter(task=task).order_by("-version_after").first()


def history_drift(
    *, status: str, version: int, history_status: str | None, history_version: int | None
) -> str | None:
    """How the stored status and version differ from the end of the history, if they do."""
    stored = f"stored {status} v{version}"
    if history_version is None:
        # Tasks are created at version 1, not started, and without an event.
        if version == 1 and status in NOT_STARTED:
            return None
        return f"{stored}, but it has no events (a new task is blocked or ready at v1)"
    if (status, version) == (history_status, history_version):
        return None
    return f"{stored}, but its history ends at {history_status} v{history_version}"


def _dependency_problem(task: dict, waiting_for: list[int]) -> tuple[Problem, str] | None:
    if task["status"] == Task.Status.BLOCKED and not waiting_for:
        return Problem.SHOULD_BE_READY, "stored blocked, but every blocker is done or cancelled"
    if task["status"] == Task.Status.READY and waiting_for:
        ids = ", ".join(str(pk) for pk in waiting_for)
        return Problem.SHOULD_BE_BLOCKED, f"stored ready, but waits for task(s) {ids}"
    return None


def find_inconsistencies(deliverable_id: int) -> list[Finding]:
    """The findings of one deliverable: history drift first, so it is recorded before repairs."""
    tasks = _tasks_with_history(deliverable_id)
    waiting = open_blockers([task["id"] for task in tasks])
    drifts, dependency_findings = [], []
    for task in tasks:
        drift = history_drift(
            status=task["status"],
            version=task["version"],
            history_status=task["history_status"],
            history_version=task["history_version"],
        )
        if drift:
            drifts.append(_finding(Problem.HISTORY_DRIFT, deliverable_id, task, drift))
        found = _dependency_problem(task, sorted(waiting.get(task["id"], [])))
        if found:
            problem, detail = found
            dependency_findings.append(_finding(problem, deliverable_id, task, detail))
    return drifts + dependency_findings


def _finding(problem: Problem, deliverable_id: int, task: dict, detail: str) -> Finding:
    return Finding(
        problem=problem,
        deliverable_id=deliverable_id,
        task_id=task["id"],
        node_key=task["node_key"],
        status=task["status"],
        version=task["version"],
        detail=detail,
    )

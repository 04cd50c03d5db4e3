"""The dashboard and the task graph of a deliverable, scheduled from now, in three queries.

One query reads the deliverable with its task counts and state tag (`list_deliverables_for`),
one its tasks as tuples, one its dependencies as id pairs; everything else is computed here,
so the cost in queries is the same for five tasks or five thousand.
"""

import gc
import heapq
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from workflow.graph import ZERO, Edge, Node, plan
from workflow.models import Deliverable, Task, TaskDependency
from workflow.models.tasks import SETTLED_STATUSES

S = Task.Status
LISTED = 50  # a dashboard is read at a glance: its lists name the most urgent tasks only
TASK_COLUMNS = (
    "id",
    "node_key",
    "title",
    "status",
    "assigned_to_id",
    "assigned_to__email",
    "assigned_to__full_name",
    "planned_duration",
    "planned_finish",
    "actual_finish",
    "stale",
)


# A deliverable has up to tens of thousands of tasks: its rows and plans are tuples, which are made
# several times faster than dataclasses.
class TaskRow(NamedTuple):
    """The columns of a task the dashboard reads, in TASK_COLUMNS order."""

    id: int
    node_key: str
    title: str
    status: str
    assigned_to_id: int | None
    assignee_email: str | None
    assignee_name: str | None
    planned_duration: timedelta
    planned_finish: datetime | None
    actual_finish: datetime | None
    stale: bool

    @property
    def is_open(self) -> bool:
        return self.status not in SETTLED_STATUSES


class TaskPlan(NamedTuple):
    """Where a task stands in the schedule of the remaining work; None for settled tasks."""

    task: TaskRow
    projected_start: datetime | None
    projected_finish: datetime | None
    slack: timedelta | None
    critical: bool


@dataclass(frozen=True, slots=True)
class BlockedTask:
    task: TaskRow
    open_blockers: list[TaskRow]


@dataclass(frozen=True, slots=True)
class AssigneeLoad:
    """The open work of one assignee; `assignee_id` None gathers the unassigned tasks."""

    assignee_id: int | None
    email: str | None
    full_name: str | None
    open_tasks: int
    planned_duration_left: timedelta


@dataclass(frozen=True, slots=True)
class DeliverableGraph:
    """The tasks and dependencies of a deliverable, each task planned from `as_of`."""

    deliverable: Deliverable
    as_of: datetime
    tasks: list[TaskRow]
    edges: list[tuple[int, int]]
    plans: dict[int, TaskPlan]
    critical_path: list[TaskPlan]
    projected_finish: datetime | None

    @property
    def nodes(self) -> list[TaskPlan]:
        return [self.plans[task.id] for task in self.tasks]

    @property
    def edge_links(self) -> list[dict[str, int]]:
        return [{"task": task, "depends_on": blocker} for task, blocker in self.edges]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The figures of a deliverable; each list names at most LISTED tasks, the most urgent first,
    and its `_total` counts them all."""

    graph: DeliverableGraph
    percent_complete_by_count: float
    percent_complete_by_duration: float
    blocked: list[BlockedTask]
    blocked_total: int
    stale: list[TaskRow]
    stale_total: int
    overdue: list[TaskRow]
    overdue_total: int
    load: list[AssigneeLoad]

    @property
    def deliverable(self) -> Deliverable:
        return self.graph.deliverable


def read_graph(deliverable: Deliverable, now: datetime) -> DeliverableGraph:
    """Read the tasks and dependencies of `deliverable` (two queries) and plan them from `now`."""
    rows = Task.objects.filter(deliverable=deliverable).order_by("id").values_list(*TASK_COLUMNS)
    edges = TaskDependency.objects.filter(task__deliverable=deliverable).order_by(
        "task_id", "depends_on_id"
    )
    with _collector_paused():
        tasks = list(map(TaskRow._make, rows))
        edge_list = list(edges.values_list("task_id", "depends_on_id"))
        plans, chain, finish = _plan(tasks, edge_list, now)
    return DeliverableGraph(deliverable, now, tasks, edge_list, plans, chain, finish)


@contextmanager
def _collector_paused():
    """Hold Python's cycle collector while a graph is read and planned.

    The tens of thousands of tuples, lists and dicts made here hold no reference cycles, yet
    making them ran the collector over the whole heap again and again: more than half the CPU of
    reading a 10,000-task deliverable (measured with it on and off). It runs again after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def dashboard_of(graph: DeliverableGraph) -> Dashboard:
    """Compute the figures of the dashboard from a graph read by `read_graph` (no queries)."""
    # Cancelled work was never going to be done: it counts neither as done nor as to do.
    counted = [task for task in graph.tasks if task.status != S.CANCELLED]
    done = [task for task in counted if task.status == S.DONE]
    open_tasks = [task for task in graph.tasks if task.is_open]
    blocked = [task for task in graph.tasks if task.status == S.BLOCKED]
    stale = [task for task in graph.tasks if task.stale]
    overdue = [
        task
        for task in open_tasks
        if task.planned_finish is not None and task.planned_finish < graph.as_of
    ]
    return Dashboard(
        graph=graph,
        percent_complete_by_count=_percent(len(done), len(counted)),
        percent_complete_by_duration=_percent(_duration(done), _duration(counted)),
        blocked=_with_open_blockers(graph, heapq.nsmallest(LISTED, blocked, key=_urgency(graph))),
        blocked_total=len(blocked),
        stale=heapq.nsmallest(LISTED, stale, key=_urgency(graph)),
        stale_total=len(stale),
        overdue=heapq.nsmallest(LISTED, overdue, key=lambda task: (task.planned_finish, task.id)),
        overdue_total=len(overdue),
        load=_load(open_tasks),
    )


def _urgency(graph: DeliverableGraph):
    """Least slack first (the critical path before anything else), then the earlier task."""

    def key(task: TaskRow) -> tuple[timedelta, int]:
        slack = graph.plans[task.id].slack
        return (slack if slack is not None else timedelta.max, task.id)

    return key


def _plan(
    tasks: list[TaskRow], edges: list[tuple[int, int]], now: datetime
) -> tuple[dict[int, TaskPlan], list[TaskPlan], datetime | None]:
    """A forward and backward pass over the open tasks, as offsets from `now`.

    Settled tasks are left out: a done task finished at its actual_finish, which is in the
    past, and a cancelled one holds nothing back, so neither delays an open task past `now`.
    """
    open_ids = {task.id for task in tasks if task.is_open}
    nodes = [Node(task.id, task.planned_duration) for task in tasks if task.id in open_ids]
    open_edges = [
        Edge(task, blocker) for task, blocker in edges if task in open_ids and blocker in open_ids
    ]
    planned = plan(nodes, open_edges)
    plans = {}
    for task in tasks:
        offset = planned.schedules.get(task.id)
        if offset is None:
            plans[task.id] = TaskPlan(task, None, task.actual_finish, None, False)
        else:
            start, finish = now + offset.earliest_start, now + offset.earliest_finish
            plans[task.id] = TaskPlan(task, start, finish, offset.slack, offset.critical)
    chain = [plans[key] for key in planned.critical_path]
    finishes = [p.projected_finish for p in plans.values() if p.task.status != S.CANCELLED]
    return plans, chain, max(filter(None, finishes), default=None)


def _with_open_blockers(graph: DeliverableGraph, listed: list[TaskRow]) -> list[BlockedTask]:
    """The listed blocked tasks, each with the blockers that are neither done nor cancelled."""
    by_id = {task.id: task for task in graph.tasks}
    open_blockers: dict[int, list[TaskRow]] = {task.id: [] for task in listed}
    for task, blocker in graph.edges:
        if task in open_blockers and by_id[blocker].is_open:
            open_blockers[task].append(by_id[blocker])
    return [BlockedTask(task, open_blockers[task.id]) for task in listed]


def _load(open_tasks: list[TaskRow]) -> list[AssigneeLoad]:
    """Open tasks and their planned duration per assignee, the most loaded first."""
    by_assignee: defaultdict[int | None, list[TaskRow]] = defaultdict(list)
    for task in open_tasks:
        by_assignee[task.assigned_to_id].append(task)
    loads = [
        AssigneeLoad(
            assignee_id=assignee_id,
            email=tasks[0].assignee_email,
            full_name=tasks[0].assignee_name,
            open_tasks=len(tasks),
            planned_duration_left=_duration(tasks),
        )
        for assignee_id, tasks in by_assignee.items()
    ]
    return sorted(
        loads,
        key=lambda load: (load.assignee_id is None, -load.planned_duration_left, load.assignee_id),
    )


def _duration(tasks: list[TaskRow]) -> timedelta:
    return sum((task.planned_duration for task in tasks), ZERO)


def _percent(part: float | timedelta, whole: float | timedelta) -> float:
    """`part` of `whole` in percent, to one decimal; 0 when there is nothing to measure."""
    return round(100 * part / whole, 1) if whole else 0.0

"""Reading allocations: the organization's list, one member's workload, a project's calendar.

An allocation is overdue while it is open and its window has ended; a task is overdue while it
is neither done nor cancelled and its planned finish has passed (as on the dashboard).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, User
from accounts.selectors import list_members_for
from workflow import policy
from workflow.models import Allocation, Project, Task
from workflow.models.tasks import SETTLED_STATUSES


def overlapping_window(start: datetime | None = None, end: datetime | None = None) -> Q:
    """Allocations whose window meets [start, end); an open end of either reaches forever."""
    overlap = Q()
    if start is not None:
        overlap &= Q(window_end__isnull=True) | Q(window_end__gt=start)
    if end is not None:
        overlap &= Q(window_start__isnull=True) | Q(window_start__lt=end)
    return overlap


def list_allocations_for(organization_id: int, now: datetime) -> QuerySet[Allocation]:
    """Allocations with their task and member, `overdue` as of `now`: one query for any page."""
    # window_end < now alone is NULL, not false, for an open end.
    overdue = Q(released_at__isnull=True, window_end__isnull=False, window_end__lt=now)
    return (
        Allocation.objects.filter(organization_id=organization_id)
        .select_related("task", "user")
        .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
    )


@dataclass(frozen=True, slots=True)
class WorkloadTask:
    """An open task of the member, with the window of its open allocation (None: none)."""

    task: Task
    allocation: Allocation | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class Workload:
    """What one member holds as of `as_of`: open allocations and open assigned tasks."""

    membership: Membership
    as_of: datetime
    allocations: list[Allocation]
    tasks: list[WorkloadTask]

    @property
    def counts(self) -> dict[str, int]:
        held_now = [a for a in self.allocations if _holds(a, self.as_of)]
        return {
            "open_allocations": len(self.allocations),
            "allocations_now": len(held_now),
            "overdue_allocations": sum(a.overdue for a in self.allocations),
            "open_tasks": len(self.tasks),
            "overdue_tasks": sum(t.overdue for t in self.tasks),
        }


def _holds(allocation: Allocation, moment: datetime) -> bool:
    start, end = allocation.window_start, allocation.window_end
    return (start is None or start <= moment) and (end is None or moment < end)


def workload_of(membership: Membership, now: datetime) -> Workload:
    """The member's open allocations and open tasks in the membership's organization: 2 queries."""
    organization_id, user_id = membership.organization_id, membership.user_id
    allocations = list(
        list_allocations_for(organization_id, now)
        .filter(user_id=user_id, released_at__isnull=True)
        .order_by(F("window_start").asc(nulls_first=True), "id")
    )
    tasks = (
        Task.objects.filter(organization_id=organization_id, assigned_to_id=user_id)
        .exclude(status__in=SETTLED_STATUSES)
        .annotate(project_id=F("deliverable__project_id"))
        .order_by(F("planned_finish").asc(nulls_last=True), "id")
    )
    allocation_of = {allocation.task_id: allocation for allocation in allocations}
    return Workload(
        membership=membership,
        as_of=now,
        allocations=allocations,
        tasks=[
            WorkloadTask(
                task=task,
                allocation=allocation_of.get(task.pk),
                overdue=task.planned_finish is not None and task.planned_finish < now,
            )
            for task in tasks
        ],
    )


@dataclass(frozen=True, slots=True)
class CalendarRow:
    """One member's allocations of the project, day by day (a list per day of the range)."""

    user: User
    days: list[list[Allocation]]


@dataclass(frozen=True, slots=True)
class Calendar:
    project: Project
    days: list[date]
    rows: list[CalendarRow]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def held_between(allocation: Allocation, start: datetime, end: datetime) -> bool:
    """Whether the allocation held its task at some moment of [start, end).

    It holds from its window's start (or, with none, from when it was made) until its window
    ends or it is released, whichever comes first.
    """
    held_from = allocation.window_start or allocation.created_at
    until = [m for m in (allocation.window_end, allocation.released_at) if m is not None]
    return held_from < end and (not until or min(until) > start)


def calendar_of(project: Project, first_day: date, day_count: int) -> Calendar:
    """Who holds which of the project's tasks on each day: assignable members and holders."""
    days = [first_day + timedelta(days=n) for n in range(day_count)]
    start, end = _day_bounds(days[0])[0], _day_bounds(days[-1])[1]
    begun = Q(window_start__lt=end) | Q(window_start__isnull=True, created_at__lt=end)
    not_over = Q(window_end__isnull=True) | Q(window_end__gt=start)
    not_released = Q(released_at__isnull=True) | Q(released_at__gt=start)
    allocations = (
        Allocation.objects.filter(
            begun & not_over & not_released,
            organization_id=project.organization_id,
            task__deliverable__project_id=project.pk,
        )
        .select_related("task__deliverable", "user")
        .order_by("task__node_key", "id")
    )
    members = list_members_for(project.organization_id).filter(role__in=policy.ASSIGNABLE)
    users = {membership.user_id: membership.user for membership in members}
    by_user: dict[int, list[Allocation]] = {user_id: [] for user_id in users}
    for allocation in allocations:
        users.setdefault(allocation.user_id, allocation.user)
        by_user.setdefault(allocation.user_id, []).append(allocation)
    rows = [
        CalendarRow(
            user=user,
            days=[
                [a for a in by_user[user.pk] if held_between(a, *_day_bounds(day))] for day in days
            ],
        )
        for user in sorted(users.values(), key=lambda user: user.email)
    ]
    return Calendar(project=project, days=days, rows=rows)

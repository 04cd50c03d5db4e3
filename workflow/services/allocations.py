"""Allocations: who holds a task over which window, within the member's capacity.

Called by the task use case inside its transaction. The readable refusal comes from here; the
exclusion constraint of migration 0008 is what holds when transactions race. Capacity is per
membership: only the task's organization's allocations count, and only they are named.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.utils.dateparse import parse_datetime

from config.principal import Principal
from workflow.exceptions import AllocationConflict
from workflow.models import Allocation, Task
from workflow.selectors.allocations import overlapping_window

DEADLOCK_DETECTED = "40P01"


@dataclass(frozen=True)
class Window:
    """From `start` to `end`, either open (None): the whole time when both are."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def from_payload(cls, window: dict | None) -> "Window":
        window = window or {}
        return cls(
            *(parse_datetime(window[e]) if window.get(e) else None for e in ("start", "end"))
        )


def release(task: Task, at: datetime) -> None:
    """End the task's open allocation, if it has one."""
    Allocation.objects.filter(task=task, released_at__isnull=True).update(released_at=at)


def _overlapping(task: Task, user_id: int, window: Window):
    return (
        Allocation.objects.filter(
            overlapping_window(window.start, window.end),
            released_at__isnull=True,
            organization_id=task.organization_id,
            user_id=user_id,
        )
        .select_related("task")
        .order_by("slot", "id")
    )


def _conflict(task: Task, user_id: int, capacity: int, clashes) -> AllocationConflict:
    listed = [
        {
            "task": {"id": a.task_id, "node_key": a.task.node_key, "title": a.task.title},
            "window": {
                "start": a.window_start.isoformat() if a.window_start else None,
                "end": a.window_end.isoformat() if a.window_end else None,
            },
        }
        for a in clashes
    ]
    names = ", ".join(f"{clash['task']['node_key']}" for clash in listed) or "none"
    return AllocationConflict(
        f"User {user_id} can hold {capacity} task(s) at once and already holds {names} over "
        f"that window; {task.node_key} was not assigned.",
        capacity=capacity,
        clashes=listed,
    )


def allocate(
    task: Task, *, user_id: int, capacity: int, window: Window, actor: Principal, at: datetime
) -> Allocation:
    """Move the task's allocation to the member (of `capacity`, as accounts.selectors.capacity_of
    reads it), in a free capacity slot over the window."""
    release(task, at)
    # Each lost race means another allocation took a slot or two inserts met; a few per slot is
    # plenty, and the loop ends at once when the member has no slot left.
    for _ in range(4 * capacity + 4):
        clashes = list(_overlapping(task, user_id, window))
        free = sorted(set(range(1, capacity + 1)) - {clash.slot for clash in clashes})
        if not free:
            break
        try:
            with transaction.atomic():
                return Allocation.objects.create(
                    organization_id=task.organization_id,
                    task=task,
                    user_id=user_id,
                    slot=free[0],
                    window_start=window.start,
                    window_end=window.end,
                    allocated_by_id=actor.user_id,
                    allocated_by_label=str(actor),
                    created_at=at,
                )
        except IntegrityError:
            continue  # a concurrent allocation took that slot first: look again
        except OperationalError as error:
            # Two inserts checking the constraint against each other wait for each other;
            # PostgreSQL ends one (in its savepoint only): it looks again like a loser.
            if getattr(error.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
    raise _conflict(task, user_id, capacity, _overlapping(task, user_id, window))

"""OpenAPI examples for allocations and workloads: each is valid against its schema (tested).

Both show Alex at one moment (2026-12-08 10:00 UTC): Monday's sewing ran late and is still open,
Tuesday's pressing is under way, and a pack task waits without a window.
"""

from drf_spectacular.utils import OpenApiExample

_AS_OF = "2026-12-08T10:00:00Z"
_ALEX = {"id": 7, "email": "alex@acme.example", "full_name": "Alex Agent"}
_SEW = {"id": 312, "node_key": "sew", "title": "Sew", "status": "in_progress", "deliverable": 31}
_PRESS = {"id": 314, "node_key": "press", "title": "Press", "status": "ready", "deliverable": 31}
_MONDAY = {"start": "2026-12-07T08:00:00Z", "end": "2026-12-08T08:00:00Z"}
_TUESDAY = {"start": "2026-12-08T08:00:00Z", "end": "2026-12-09T08:00:00Z"}


def _allocation(id: int, task: dict, window: dict, overdue: bool) -> dict:
    return {
        "id": id,
        "task": task,
        "member": _ALEX,
        "window": window,
        "allocated_by": "Sam Lead",
        "created_at": "2026-12-04T15:00:00Z",
        "released_at": None,
        "overdue": overdue,
    }


_LATE_SEWING = _allocation(901, _SEW, _MONDAY, True)
_PRESSING = _allocation(902, _PRESS, _TUESDAY, False)

# The list wraps it in its page.
LATE_ALLOCATION = OpenApiExample(
    "An open allocation whose window has ended", value=_LATE_SEWING, response_only=True
)


def _task(task: dict, planned_finish: str | None, window: dict | None, overdue: bool) -> dict:
    return {
        **{key: task[key] for key in ("id", "node_key", "title", "status", "deliverable")},
        "project": 7,
        "planned_start": None,
        "planned_finish": planned_finish,
        "window": window,
        "overdue": overdue,
    }


_PACK = {"id": 315, "node_key": "pack", "title": "Pack", "status": "blocked", "deliverable": 31}

WORKLOAD = OpenApiExample(
    "A member with a late task, one under way and one waiting",
    value={
        "member": _ALEX,
        "role": "agent",
        "capacity": 1,
        "as_of": _AS_OF,
        "counts": {
            "open_allocations": 2,
            "allocations_now": 1,
            "overdue_allocations": 1,
            "open_tasks": 3,
            "overdue_tasks": 1,
        },
        "allocations": [_LATE_SEWING, _PRESSING],
        "tasks": [
            _task(_SEW, "2026-12-08T08:00:00Z", _MONDAY, True),
            _task(_PRESS, "2026-12-09T08:00:00Z", _TUESDAY, False),
            _task(_PACK, None, None, False),
        ],
    },
    response_only=True,
)

"""OpenAPI examples for a deliverable's dashboard and graph: each is valid against its schema.

Both show one garment order at the same moment: cut is done, sew is in progress (and late),
embroider is ready, press waits for both and pack waits for press.
"""

from drf_spectacular.utils import OpenApiExample

_AS_OF = "2026-11-25T10:00:00Z"
_CUT = {"id": 311, "node_key": "cut", "title": "Cut", "status": "done"}
_SEW = {"id": 312, "node_key": "sew", "title": "Sew", "status": "in_progress"}
_EMBROIDER = {"id": 313, "node_key": "embroider", "title": "Embroider", "status": "ready"}
_PRESS = {"id": 314, "node_key": "press", "title": "Press", "status": "blocked"}
_PACK = {"id": 315, "node_key": "pack", "title": "Pack", "status": "blocked"}

DASHBOARD = OpenApiExample(
    "An order two thirds of the way through its critical path",
    value={
        "deliverable": 31,
        "as_of": _AS_OF,
        "task_counts": {
            "total": 5,
            "blocked": 2,
            "ready": 1,
            "in_progress": 1,
            "in_review": 0,
            "rework": 0,
            "done": 1,
            "reopened": 0,
            "cancelled": 0,
        },
        "percent_complete_by_count": 20.0,
        "percent_complete_by_duration": 41.4,
        "projected_finish": "2026-11-26T16:00:00Z",
        "critical_path": [
            {
                **_SEW,
                "slack": "P0DT00H00M00S",
                "projected_start": _AS_OF,
                "projected_finish": "2026-11-26T10:00:00Z",
            },
            {
                **_PRESS,
                "slack": "P0DT00H00M00S",
                "projected_start": "2026-11-26T10:00:00Z",
                "projected_finish": "2026-11-26T14:00:00Z",
            },
            {
                **_PACK,
                "slack": "P0DT00H00M00S",
                "projected_start": "2026-11-26T14:00:00Z",
                "projected_finish": "2026-11-26T16:00:00Z",
            },
        ],
        "blocked": [
            {**_PRESS, "open_blockers": [_SEW, _EMBROIDER]},
            {**_PACK, "open_blockers": [_PRESS]},
        ],
        "blocked_total": 2,
        "stale": [],
        "stale_total": 0,
        "overdue": [{**_SEW, "planned_finish": "2026-11-25T08:00:00Z"}],
        "overdue_total": 1,
        "load": [
            {
                "assignee_id": 7,
                "email": "alex@acme.example",
                "full_name": "Alex Agent",
                "open_tasks": 1,
                "planned_duration_left": "P1DT00H00M00S",
            },
            {
                "assignee_id": None,
                "email": None,
                "full_name": None,
                "open_tasks": 3,
                "planned_duration_left": "P0DT10H00M00S",
            },
        ],
    },
    response_only=True,
)


def _node(task: dict, assigned_to: int | None, slack: str | None, critical: bool) -> dict:
    return {**task, "assigned_to": assigned_to, "slack": slack, "critical": critical}


GRAPH = OpenApiExample(
    "The same order as a graph",
    value={
        "deliverable": 31,
        "as_of": _AS_OF,
        "nodes": [
            _node(_CUT, 7, None, False),
            _node(_SEW, 7, "P0DT00H00M00S", True),
            _node(_EMBROIDER, None, "P0DT20H00M00S", False),
            _node(_PRESS, None, "P0DT00H00M00S", True),
            _node(_PACK, None, "P0DT00H00M00S", True),
        ],
        "edges": [
            {"task": 312, "depends_on": 311},
            {"task": 313, "depends_on": 311},
            {"task": 314, "depends_on": 312},
            {"task": 314, "depends_on": 313},
            {"task": 315, "depends_on": 314},
        ],
    },
    response_only=True,
)

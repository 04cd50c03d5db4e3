"""OpenAPI examples for tasks: each one is valid against its own schema (tested).

The request examples of the actions come from the catalog (`workflow.actions`), one per action.
"""

from drf_spectacular.utils import OpenApiExample

_TASK = {
    "id": 311,
    "deliverable": 31,
    "project": 7,
    "node_key": "sew",
    "title": "Sew",
    "description": "Sew the cut panels; follow the size chart of the order.",
    "kind": "work",
    "other_kind_label": "",
    "work_kind": "sewing",
    "priority": "normal",
    "is_milestone": False,
    "requires_qc": True,
    "default_role": "agent",
    "planned_duration": "P1DT04H00M00S",
    "status": "in_progress",
    "version": 5,
    "assigned_to": {"id": 7, "email": "alex@acme.example", "full_name": "Alex Agent"},
    "assigned_at": "2026-11-23T09:30:00Z",
    "attempt": 1,
    "planned_start": "2026-11-24T08:00:00Z",
    "planned_finish": "2026-11-25T12:00:00Z",
    "actual_start": "2026-11-24T08:10:00Z",
    "actual_finish": None,
    "stale": False,
    "blocked_by": [],
    "created_at": "2026-11-23T09:00:00Z",
    "updated_at": "2026-11-24T08:10:00Z",
}
_BLOCKED_TASK = {
    **_TASK,
    "id": 313,
    "node_key": "press",
    "title": "Press",
    "description": "",
    "work_kind": "pressing",
    "requires_qc": False,
    "planned_duration": "P0DT04H00M00S",
    "status": "blocked",
    "version": 1,
    "assigned_to": None,
    "assigned_at": None,
    "actual_start": None,
    "blocked_by": [311, 312],
    "updated_at": "2026-11-23T09:00:00Z",
}

TASK = OpenApiExample("A task in progress", value=_TASK, response_only=True)
BLOCKED_TASK = OpenApiExample(
    "A task waiting for two others", value=_BLOCKED_TASK, response_only=True
)
ALLOWED_ACTIONS = OpenApiExample(
    "An agent on a task in progress",
    value={
        "status": "in_progress",
        "version": 5,
        "allowed_actions": ["assign", "unassign", "submit"],
    },
    response_only=True,
)
EVENT_PAGE = OpenApiExample(
    "The history of a task, newest first",
    value={
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 9051,
                "action": "start",
                "actor": "Alex Agent",
                "from_status": "ready",
                "to_status": "in_progress",
                "payload": {},
                "expected_version": 4,
                "version_after": 5,
                "client_event_id": "0b7e4c1a-8a55-4c1e-9f0e-5d8f2b1c3a90",
                "created_at": "2026-11-24T08:10:00Z",
            },
            {
                "id": 9012,
                "action": "unblock",
                "actor": "system",
                "from_status": "blocked",
                "to_status": "ready",
                "payload": {"upstream_task_id": 310, "upstream_node_key": "cut"},
                "expected_version": None,
                "version_after": 4,
                "client_event_id": None,
                "created_at": "2026-11-23T17:45:00Z",
            },
        ],
    },
    response_only=True,
)

_BULK_INSTANCE = "/api/v1/deliverables/31/tasks/bulk-actions"


def bulk_request_examples(catalog) -> list[OpenApiExample]:
    """One batch per action of `catalog`: the single action's payload, three tasks."""
    return [
        OpenApiExample(
            f"bulk {spec.name}",
            value={
                "action": spec.name,
                **({"payload": spec.example["payload"]} if "payload" in spec.example else {}),
                "tasks": [
                    {"id": 311, "expected_version": spec.example["expected_version"]},
                    {"id": 312, "expected_version": 2},
                    {"id": 313, "expected_version": 1},
                ],
            },
            request_only=True,
            summary=f"{spec.summary}: each task with the version you read of it",
        )
        for spec in catalog.specs.values()
    ]


BULK_OUTCOMES = OpenApiExample(
    "One started, one stale, one blocked",
    value={
        "results": [
            {"id": 311, "outcome": "done", "task": _TASK, "problem": None},
            {
                "id": 312,
                "outcome": "failed",
                "task": None,
                "problem": {
                    "type": "https://serviceflow.example/problems/version-conflict",
                    "title": "The resource changed since you read it",
                    "status": 409,
                    "detail": "The task is at version 3, not 2.",
                    "instance": _BULK_INSTANCE,
                    "current_version": 3,
                    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                },
            },
            {
                "id": 313,
                "outcome": "failed",
                "task": None,
                "problem": {
                    "type": "https://serviceflow.example/problems/task-blocked",
                    "title": "The task is waiting for other tasks",
                    "status": 409,
                    "detail": "Task press waits for sew (in_progress), embroider (ready); it "
                    "becomes ready when they are done.",
                    "instance": _BULK_INSTANCE,
                    "blockers": [
                        {"id": 311, "node_key": "sew", "title": "Sew", "status": "in_progress"},
                        {
                            "id": 312,
                            "node_key": "embroider",
                            "title": "Embroider",
                            "status": "ready",
                        },
                    ],
                    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                },
            },
        ],
        "succeeded": 1,
        "failed": 2,
    },
    response_only=True,
)

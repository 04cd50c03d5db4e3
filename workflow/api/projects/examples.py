"""OpenAPI examples for projects and deliverables: each one is valid against its own schema."""

from drf_spectacular.utils import OpenApiExample

CREATE_PROJECT = OpenApiExample(
    "A project for a customer's spring order",
    value={"name": "Spring collection 2027", "template_version": 12},
    request_only=True,
)
UPDATE_PROJECT = OpenApiExample(
    "Rename the project", value={"name": "Spring collection 2027 (reissue)"}, request_only=True
)
UPGRADE_PROJECT = OpenApiExample(
    "Start new deliverables from version 3",
    value={"template_version": 15},
    request_only=True,
)
START_DELIVERABLE = OpenApiExample(
    "Start an order",
    value={"name": "Order 1001 - 40 jackets", "external_reference": "PO-1001"},
    request_only=True,
)

_PINNED_VERSION = {
    "id": 15,
    "number": 3,
    "template_id": 4,
    "template_key": "garment",
    "template_name": "Garment production",
}
_PROJECT = {
    "id": 7,
    "name": "Spring collection 2027",
    "template_version": _PINNED_VERSION,
    "version": 2,
    "created_at": "2026-11-02T08:00:00Z",
    "updated_at": "2026-11-20T14:30:00Z",
}
_DELIVERABLE = {
    "id": 31,
    "project_id": 7,
    "name": "Order 1001 - 40 jackets",
    "external_reference": "PO-1001",
    "status": "in_progress",
    "template_version": _PINNED_VERSION,
    "task_counts": {
        "total": 5,
        "blocked": 4,
        "ready": 1,
        "in_progress": 0,
        "in_review": 0,
        "rework": 0,
        "done": 0,
        "reopened": 0,
        "cancelled": 0,
    },
    "version": 1,
    "started_at": "2026-11-23T09:00:00Z",
    "updated_at": "2026-11-23T09:00:00Z",
}

PROJECT = OpenApiExample("A project", value=_PROJECT, response_only=True)
DELIVERABLE = OpenApiExample("A deliverable just started", value=_DELIVERABLE, response_only=True)
DELIVERABLE_PAGE = OpenApiExample(
    "A page of deliverables",
    value={
        "next": "https://serviceflow.example/api/v1/projects/7/deliverables?cursor=cD0zMQ%3D%3D",
        "previous": None,
        "results": [_DELIVERABLE],
    },
    response_only=True,
)

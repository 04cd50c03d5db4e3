"""OpenAPI examples for inspections: each one is valid against its own schema (tested).

The examples of qc_accept and qc_reject are the task actions' (`qc.inspection_actions`).
"""

from drf_spectacular.utils import OpenApiExample

_INSPECTION = {
    "id": 52,
    "task": 311,
    "node_key": "sew",
    "deliverable": 31,
    "attempt": 2,
    "status": "open",
    "version": 3,
    "checklist": {"id": 4, "key": "garment-final", "number": 2},
    "automatic_verdict": "fail",
    "failures": [{"item": "chest-width", "reason": "failed"}],
    "override_reason": "",
    "note": "",
    "reject_reason": "",
    "performer": {"label": "alex@acme.example", "user": 7, "api_key": None},
    "inspector": None,
    "readings": [
        {
            "item": "seams",
            "value": "pass",
            "passed": True,
            "recorded_at": "2026-11-25T10:02:00Z",
            "recorded_by": "quinn@acme.example",
        },
        {
            "item": "chest-width",
            "value": "53.5 cm",
            "passed": False,
            "recorded_at": "2026-11-25T10:03:00Z",
            "recorded_by": "quinn@acme.example",
        },
    ],
    "defects": [],
    "evidence": [
        {
            "id": 9,
            "item": "label-photo",
            "name": "label.jpg",
            "content_type": "image/jpeg",
            "size": 48213,
            "sha256": "9f2c4b1e0a7d6c5b4a3928171605f4e3d2c1b0a99887766554433221100ffeed",
            "uploaded_by": "quinn@acme.example",
            "created_at": "2026-11-25T10:04:00Z",
            "download_url": "/api/v1/inspections/52/evidence/9/content",
        }
    ],
    "opened_at": "2026-11-25T09:40:00Z",
    "decided_at": None,
    "updated_at": "2026-11-25T10:04:00Z",
}

INSPECTION = OpenApiExample(
    "An open inspection whose readings fail one item", value=_INSPECTION, response_only=True
)
READINGS = OpenApiExample(
    "Two readings",
    value={
        "readings": [
            {"item": "seams", "value": "pass"},
            {"item": "chest-width", "value": "52.5 cm"},
        ]
    },
    request_only=True,
    summary="Each replaces what was read for its item before",
)

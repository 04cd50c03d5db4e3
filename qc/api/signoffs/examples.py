"""OpenAPI examples for sign-offs: each one is valid against its own schema (tested)."""

from drf_spectacular.utils import OpenApiExample

SIGN = OpenApiExample(
    "Sign for the QC inspectors",
    value={"role": "qc_inspector", "comment": "All 40 jackets measured; labels checked."},
    request_only=True,
)
SHEET = OpenApiExample(
    "Signed by QC, waiting for an admin",
    value={
        "deliverable": {"id": 31, "status": "ready_for_signoff", "version": 2},
        "required_roles": ["qc_inspector", "admin"],
        "signed_roles": ["qc_inspector"],
        "outstanding_roles": ["admin"],
        "signoffs": [
            {
                "id": 9,
                "role": "qc_inspector",
                "signer": {"label": "quinn@acme.example", "user": 12, "api_key": None},
                "comment": "All 40 jackets measured; labels checked.",
                "signed_at": "2026-11-27T16:05:00Z",
                "revoked_at": None,
                "revoked_reason": "",
            }
        ],
    },
    response_only=True,
)
INCOMPLETE = OpenApiExample(
    "Work still open",
    value={
        "type": "https://serviceflow.example/problems/signoff-incomplete",
        "title": "The deliverable's work is not finished",
        "status": 409,
        "detail": "Not signed: 1 task(s) open, 1 QC task(s) without an accepted inspection; "
        "`missing` lists them.",
        "instance": "/api/v1/deliverables/31/signoffs",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "missing": [
            {
                "kind": "task",
                "task_id": 315,
                "node_key": "pack",
                "title": "Pack",
                "status": "in_progress",
            },
            {
                "kind": "inspection",
                "task_id": 311,
                "node_key": "sew",
                "title": "Sew",
                "inspection_id": 52,
                "attempt": 2,
                "status": "open",
            },
        ],
    },
    response_only=True,
    status_codes=["409"],
)

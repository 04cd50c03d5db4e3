"""OpenAPI examples for process templates: each one is valid against its own schema (tested)."""

from drf_spectacular.utils import OpenApiExample

CREATE_TEMPLATE = OpenApiExample(
    "A garment order",
    value={"key": "garment", "name": "Garment order"},
    request_only=True,
)

DRAFT = OpenApiExample(
    "Cut, then sew and embroider side by side",
    value={
        "nodes": [
            {"node_key": "cut", "title": "Cut the fabric", "planned_duration": "P1D"},
            {
                "node_key": "sew",
                "title": "Sew",
                "work_kind": "sewing",
                "default_role": "agent",
                "planned_duration": "P2D",
            },
            {
                "node_key": "embroider",
                "title": "Embroider the logo",
                "kind": "other",
                "other_kind_label": "Embroidery",
                "planned_duration": "PT4H",
            },
            {
                "node_key": "inspect",
                "title": "Final inspection",
                "kind": "review",
                "requires_qc": True,
                "checklist": {"key": "garment-final", "version": 2},
                "is_milestone": True,
                "priority": "high",
                "planned_duration": "PT2H",
            },
        ],
        "edges": [
            {"task": "sew", "depends_on": "cut"},
            {"task": "embroider", "depends_on": "cut"},
            {"task": "inspect", "depends_on": "sew"},
            {"task": "inspect", "depends_on": "embroider"},
        ],
        "signoff_roles": ["qc_inspector", "admin"],
    },
    request_only=True,
)


def _node(key, title, duration, start, finish, slack, **fields) -> dict:
    return {
        "node_key": key,
        "title": title,
        "description": "",
        "kind": "work",
        "other_kind_label": "",
        "work_kind": "",
        "priority": "normal",
        "is_milestone": False,
        "requires_qc": False,
        "default_role": "",
        "planned_duration": duration,
        "earliest_start": start,
        "earliest_finish": finish,
        "slack": slack,
        "is_critical": slack == "P0DT00H00M00S",
        "checklist": None,
        **fields,
    }


PUBLISHED_VERSION = OpenApiExample(
    "A published version with its critical path",
    value={
        "id": 12,
        "template": "garment",
        "number": 2,
        "status": "published",
        "signoff_roles": ["qc_inspector", "admin"],
        "version": 4,
        "created_at": "2026-11-20T08:00:00Z",
        "updated_at": "2026-11-20T09:30:00Z",
        "published_at": "2026-11-20T09:30:00Z",
        "published_by": "Dana Admin",
        "nodes": [
            _node(
                "cut",
                "Cut the fabric",
                "P1DT00H00M00S",
                "P0DT00H00M00S",
                "P1DT00H00M00S",
                "P0DT00H00M00S",
            ),
            _node(
                "sew",
                "Sew",
                "P2DT00H00M00S",
                "P1DT00H00M00S",
                "P3DT00H00M00S",
                "P0DT00H00M00S",
                work_kind="sewing",
                default_role="agent",
            ),
            _node(
                "embroider",
                "Embroider the logo",
                "P0DT04H00M00S",
                "P1DT00H00M00S",
                "P1DT04H00M00S",
                "P1DT20H00M00S",
                kind="other",
                other_kind_label="Embroidery",
            ),
            _node(
                "inspect",
                "Final inspection",
                "P0DT02H00M00S",
                "P3DT00H00M00S",
                "P3DT02H00M00S",
                "P0DT00H00M00S",
                kind="review",
                requires_qc=True,
                checklist={"key": "garment-final", "version": 2},
                is_milestone=True,
                priority="high",
            ),
        ],
        "edges": [
            {"task": "sew", "depends_on": "cut"},
            {"task": "embroider", "depends_on": "cut"},
            {"task": "inspect", "depends_on": "sew"},
            {"task": "inspect", "depends_on": "embroider"},
        ],
    },
    response_only=True,
)

RETIRED_VERSION = OpenApiExample(
    "A retired version",
    value={**PUBLISHED_VERSION.value, "status": "retired", "version": 5},
    response_only=True,
)

SAVED_DRAFT = OpenApiExample(
    "The draft as saved",
    value={
        **PUBLISHED_VERSION.value,
        "id": 13,
        "number": 3,
        "status": "draft",
        "version": 2,
        "updated_at": "2026-11-24T10:05:00Z",
        "published_at": None,
        "published_by": None,
        "nodes": [
            {
                **node,
                "earliest_start": None,
                "earliest_finish": None,
                "slack": None,
                "is_critical": False,
            }
            for node in PUBLISHED_VERSION.value["nodes"]
        ],
    },
    response_only=True,
)

NEW_DRAFT = OpenApiExample(
    "A new draft, copied from the latest version",
    value={
        "id": 13,
        "template": "garment",
        "number": 3,
        "status": "draft",
        "signoff_roles": ["admin"],
        "version": 1,
        "created_at": "2026-11-24T10:00:00Z",
        "updated_at": "2026-11-24T10:00:00Z",
        "published_at": None,
        "published_by": None,
        "nodes": [
            _node("cut", "Cut the fabric", "P1DT00H00M00S", None, None, None),
            _node("sew", "Sew", "P2DT00H00M00S", None, None, None),
        ],
        "edges": [{"task": "sew", "depends_on": "cut"}],
    },
    response_only=True,
)

TEMPLATE = OpenApiExample(
    "A template with its versions",
    value={
        "key": "garment",
        "name": "Garment order",
        "created_at": "2026-11-02T14:00:00Z",
        "versions": [
            {
                "id": 7,
                "number": 1,
                "status": "retired",
                "version": 5,
                "created_at": "2026-11-02T14:00:00Z",
                "published_at": "2026-11-03T09:00:00Z",
            },
            {
                "id": 12,
                "number": 2,
                "status": "published",
                "version": 4,
                "created_at": "2026-11-20T08:00:00Z",
                "published_at": "2026-11-20T09:30:00Z",
            },
        ],
    },
    response_only=True,
)

NEW_TEMPLATE = OpenApiExample(
    "A new template with its empty first draft",
    value={
        "key": "garment",
        "name": "Garment order",
        "created_at": "2026-11-02T14:00:00Z",
        "versions": [
            {
                "id": 7,
                "number": 1,
                "status": "draft",
                "version": 1,
                "created_at": "2026-11-02T14:00:00Z",
                "published_at": None,
            }
        ],
    },
    response_only=True,
)

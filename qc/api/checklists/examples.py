"""OpenAPI examples for checklists: each one is valid against its own schema (tested)."""

from drf_spectacular.utils import OpenApiExample

CREATE_CHECKLIST = OpenApiExample(
    "A final check of a garment",
    value={"key": "garment-final", "name": "Final garment check"},
    request_only=True,
)

DRAFT = OpenApiExample(
    "One item of each kind",
    value={
        "items": [
            {"key": "seams", "label": "Seams closed and even", "kind": "pass_fail"},
            {
                "key": "chest",
                "label": "Chest width",
                "kind": "numeric",
                "unit": "cm",
                "nominal": "52.00",
                "tolerance": "0.50",
                "instructions": "Lay the garment flat; measure 2 cm below the armholes.",
            },
            {
                "key": "sleeve",
                "label": "Sleeve length",
                "kind": "numeric",
                "unit": "cm",
                "minimum": "61.5",
                "maximum": "63",
            },
            {
                "key": "colour",
                "label": "Colour against the swatch",
                "kind": "choice",
                "choices": ["match", "slight shade", "mismatch"],
                "passing_choices": ["match", "slight shade"],
            },
            {"key": "remarks", "label": "Remarks", "kind": "text", "required": False},
            {"key": "photo", "label": "Photo of the label", "kind": "evidence"},
        ]
    },
    request_only=True,
)


def _item(key: str, label: str, kind: str, **fields) -> dict:
    return {
        "key": key,
        "label": label,
        "instructions": "",
        "kind": kind,
        "required": True,
        "unit": "",
        "minimum": None,
        "maximum": None,
        "nominal": None,
        "tolerance": None,
        "choices": [],
        "passing_choices": [],
        **fields,
    }


ITEMS = [
    _item("seams", "Seams closed and even", "pass_fail"),
    _item(
        "chest",
        "Chest width",
        "numeric",
        unit="cm",
        nominal="52",
        tolerance="0.5",
        instructions="Lay the garment flat; measure 2 cm below the armholes.",
    ),
    _item("sleeve", "Sleeve length", "numeric", unit="cm", minimum="61.5", maximum="63"),
    _item(
        "colour",
        "Colour against the swatch",
        "choice",
        choices=["match", "slight shade", "mismatch"],
        passing_choices=["match", "slight shade"],
    ),
    _item("remarks", "Remarks", "text", required=False),
    _item("photo", "Photo of the label", "evidence"),
]

PUBLISHED_VERSION = OpenApiExample(
    "A published version",
    value={
        "id": 31,
        "checklist_id": 4,
        "checklist": "garment-final",
        "number": 2,
        "status": "published",
        "version": 3,
        "created_at": "2026-11-20T08:00:00Z",
        "updated_at": "2026-11-20T09:30:00Z",
        "published_at": "2026-11-20T09:30:00Z",
        "published_by": "Dana Admin",
        "items": ITEMS,
    },
    response_only=True,
)

SAVED_DRAFT = OpenApiExample(
    "The draft as saved",
    value={
        **PUBLISHED_VERSION.value,
        "id": 32,
        "number": 3,
        "status": "draft",
        "version": 2,
        "updated_at": "2026-11-24T10:05:00Z",
        "published_at": None,
        "published_by": None,
    },
    response_only=True,
)

NEW_DRAFT = OpenApiExample(
    "A new draft, copied from the latest version",
    value={**SAVED_DRAFT.value, "version": 1, "updated_at": "2026-11-24T10:00:00Z"},
    response_only=True,
)

RETIRED_VERSION = OpenApiExample(
    "A retired version",
    value={**PUBLISHED_VERSION.value, "status": "retired", "version": 4},
    response_only=True,
)

CHECKLIST = OpenApiExample(
    "A checklist with its versions",
    value={
        "id": 4,
        "key": "garment-final",
        "name": "Final garment check",
        "created_at": "2026-11-02T14:00:00Z",
        "versions": [
            {
                "id": 17,
                "number": 1,
                "status": "retired",
                "version": 4,
                "created_at": "2026-11-02T14:00:00Z",
                "published_at": "2026-11-03T09:00:00Z",
            },
            {
                "id": 31,
                "number": 2,
                "status": "published",
                "version": 3,
                "created_at": "2026-11-20T08:00:00Z",
                "published_at": "2026-11-20T09:30:00Z",
            },
        ],
    },
    response_only=True,
)

NEW_CHECKLIST = OpenApiExample(
    "A new checklist with its empty first draft",
    value={
        **CHECKLIST.value,
        "versions": [
            {
                **CHECKLIST.value["versions"][0],
                "status": "draft",
                "version": 1,
                "published_at": None,
            }
        ],
    },
    response_only=True,
)

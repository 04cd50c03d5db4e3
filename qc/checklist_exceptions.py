"""The problems of checklist use cases."""

from config.api import problem_types as types
from config.api.problems import ApplicationError

CHECKLIST_VERSION_PUBLISHED = types.register(
    types.ProblemType(
        "checklist-version-published",
        409,
        "A published checklist version never changes",
        "The checklist version is published or retired. Inspections are read against it and "
        "template tasks name it, so its items stay exactly as they were published.",
        "Start a new draft with `POST /api/v1/checklists/{id}/drafts`, edit and publish that.",
    )
)
CHECKLIST_DRAFT_EXISTS = types.register(
    types.ProblemType(
        "checklist-draft-exists",
        409,
        "The checklist already has a draft",
        "A checklist has at most one draft at a time; `draft_id` names the one it has.",
        "Edit the existing draft (`PUT /api/v1/checklist-versions/{draft_id}`), or publish it "
        "before starting another.",
    )
)


class ChecklistVersionPublished(ApplicationError):
    problem_type = CHECKLIST_VERSION_PUBLISHED


class ChecklistDraftExists(ApplicationError):
    problem_type = CHECKLIST_DRAFT_EXISTS


class InvalidChecklist(ApplicationError):
    """The checklist or its items break a rule; `errors` points at each problem."""

    problem_type = types.VALIDATION_ERROR

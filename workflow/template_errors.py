"""The problems a process template use case can answer with."""

from config.api import problem_types as types
from config.api.problems import ApplicationError

TEMPLATE_VERSION_PUBLISHED = types.register(
    types.ProblemType(
        "template-version-published",
        409,
        "A published template version never changes",
        "The template version is published or retired. Projects run from it, so its tasks, "
        "dependencies and sign-off roles stay exactly as they were published.",
        "Start a new draft with `POST /api/v1/templates/{key}/versions`, edit and publish that.",
    )
)
TEMPLATE_DRAFT_EXISTS = types.register(
    types.ProblemType(
        "template-draft-exists",
        409,
        "The template already has a draft",
        "A template has at most one draft at a time; `draft_id` names the one it has.",
        "Edit the existing draft (`PUT /api/v1/template-versions/{draft_id}`), or publish it "
        "before starting another.",
    )
)


class TemplateVersionPublished(ApplicationError):
    problem_type = TEMPLATE_VERSION_PUBLISHED


class TemplateDraftExists(ApplicationError):
    problem_type = TEMPLATE_DRAFT_EXISTS


class InvalidTemplate(ApplicationError):
    """The template or its graph breaks a rule; `errors` points at each problem."""

    problem_type = types.VALIDATION_ERROR

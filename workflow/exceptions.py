from config.api import problem_types as types
from config.api.problems import ApplicationError

TASK_BLOCKED = types.register(
    types.ProblemType(
        "task-blocked",
        409,
        "The task is waiting for other tasks",
        "A task can be started only when every task it depends on is done. `blockers` lists the "
        "tasks it still waits for, with their status.",
        "Finish or cancel the tasks named in `blockers` first; the task then becomes `ready`.",
    )
)


class TaskBlocked(ApplicationError):
    problem_type = TASK_BLOCKED


class InvalidAssignee(ApplicationError):
    problem_type = types.VALIDATION_ERROR


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


class InvalidTemplateVersion(ApplicationError):
    """The template version named in the body cannot be pinned to this project."""

    problem_type = types.VALIDATION_ERROR


DELIVERABLE_EXISTS = types.register(
    types.ProblemType(
        "deliverable-exists",
        409,
        "The project already has a deliverable with this reference",
        "An external reference names one deliverable of a project. `deliverable_id` is the one "
        "that has it — perhaps started by an earlier try of this very request.",
        "Read that deliverable; send an `Idempotency-Key` with starts so a retry replays the "
        "first answer instead.",
    )
)


class DuplicateReference(ApplicationError):
    """Another deliverable of the project already has this external reference."""

    problem_type = DELIVERABLE_EXISTS


ALLOCATION_CONFLICT = types.register(
    types.ProblemType(
        "allocation-conflict",
        409,
        "The member has no capacity left over that window",
        "A member holds at most `capacity` tasks at any moment. `clashes` lists the tasks already "
        "allocated to them over windows that overlap the one asked for.",
        "Choose another window or another member, release one of the clashing tasks, or raise "
        "the member's capacity.",
    )
)


class AllocationConflict(ApplicationError):
    problem_type = ALLOCATION_CONFLICT

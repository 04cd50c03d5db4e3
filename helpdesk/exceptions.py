from config.api import problem_types as types
from config.api.problems import ApplicationError

INVALID_TRANSITION = types.register(
    types.ProblemType(
        "invalid-transition",
        409,
        "The action is not possible in the ticket's current state",
        "The ticket's status does not allow this action. `current_status` names the status and "
        "`allowed_actions` lists what can be done now.",
        "Choose one of `allowed_actions`, or read the ticket again if someone else changed it.",
    )
)
VERSION_CONFLICT = types.register(
    types.ProblemType(
        "version-conflict",
        409,
        "The resource changed since you read it",
        "`expected_version` is not the current version; `current_version` says which is.",
        "Read the resource again, decide whether your action still applies, and resend it with "
        "the current version.",
    )
)
CLIENT_EVENT_REUSED = types.register(
    types.ProblemType(
        "client-event-id-reused",
        422,
        "The client_event_id was used for a different action",
        "An action with this `client_event_id` was already applied to this ticket, with another "
        "action or payload.",
        "Use a new `client_event_id` for each new action; resend the identical body to replay one.",
    )
)


class InvalidTransition(ApplicationError):
    problem_type = INVALID_TRANSITION


class VersionConflict(ApplicationError):
    problem_type = VERSION_CONFLICT


class ClientEventIdReused(ApplicationError):
    problem_type = CLIENT_EVENT_REUSED


class InvalidAssignee(ApplicationError):
    problem_type = types.VALIDATION_ERROR

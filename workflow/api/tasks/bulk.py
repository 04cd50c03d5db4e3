"""`POST /deliverables/{id}/tasks/bulk-actions`: one action for many tasks, an outcome for each."""

from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import problem_types as types
from config.api.conditional import StaleVersion, stale_body_version
from config.api.idempotency import idempotent
from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember, RoleMayWrite
from config.api.problems import ApplicationError, problem_for_exception
from config.api.schema import Problem, ValidationProblem
from workflow.actions import ACTIONS
from workflow.api.tasks import examples
from workflow.api.tasks.serializers import (
    ACTION_FORMS,
    BULK_ACTION_FORMS,
    BulkTaskActionIn,
    BulkTaskActionOut,
)
from workflow.api.tasks.views import TaskViewSet
from workflow.models import Deliverable, Task
from workflow.selectors import tasks as selectors
from workflow.services import bulk_actions as bulk_service
from workflow.services.bulk_actions import TaskOutcome, TaskVersion

BULK_LIMIT_EXCEEDED = types.register(
    types.ProblemType(
        "bulk-limit-exceeded",
        422,
        "The batch lists too many tasks",
        "A bulk action acts on at most `limit` tasks per request, so that one request holds its "
        "row locks only briefly. Nothing was done.",
        "Split the tasks over several requests of at most `limit` tasks, each with its own "
        "Idempotency-Key.",
    )
)


class BulkLimitExceeded(ApplicationError):
    problem_type = BULK_LIMIT_EXCEEDED


@dataclass(frozen=True)
class BulkCommand:
    action: str
    payload: dict
    tasks: list[TaskVersion]


def parse_bulk_action(data) -> BulkCommand:
    """Validate a batch before any task is touched; the batch size is checked first."""
    data = data if isinstance(data, dict) else {}
    name = parse(ACTION_FORMS.discriminator, data)["action"]
    listed = data.get("tasks")
    limit = settings.WORKFLOW_BULK_ACTION_LIMIT
    if isinstance(listed, list) and len(listed) > limit:
        detail = f"A bulk action takes at most {limit} tasks; this one lists {len(listed)}."
        error = {"pointer": "/tasks", "detail": detail, "code": "max_length"}
        raise BulkLimitExceeded(detail, limit=limit, errors=[error])
    command = parse(BULK_ACTION_FORMS[name], data)
    return BulkCommand(name, dict(command.get("payload", {})), command["tasks"])


def problem_of(request: Request, outcome: TaskOutcome) -> dict:
    """The problem body the single-task action would have answered with."""
    error = outcome.error
    if isinstance(error, StaleVersion):
        error = stale_body_version(error, outcome.entry.expected_version, ACTIONS.noun)
    elif isinstance(error, Task.DoesNotExist):
        error = NotFound(str(error))
    body, _headers = problem_for_exception(request, error)
    return body


def answer(request: Request, outcomes: list[TaskOutcome], tasks: dict[int, Task]) -> dict:
    results = [
        {
            "id": outcome.entry.task_id,
            "outcome": "done" if outcome.succeeded else "failed",
            "task": tasks[outcome.entry.task_id] if outcome.succeeded else None,
            "problem": None if outcome.succeeded else problem_of(request, outcome),
        }
        for outcome in outcomes
    ]
    succeeded = sum(outcome.succeeded for outcome in outcomes)
    return {"results": results, "succeeded": succeeded, "failed": len(outcomes) - succeeded}


@extend_schema(tags=["tasks"])
class BulkTaskActionView(APIView):
    """One action for many tasks of a deliverable of the caller's organization."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = TaskViewSet.write_roles
    write_refusal = TaskViewSet.write_refusal

    @extend_schema(
        summary="Act on many tasks of a deliverable",
        operation_id="deliverables_tasks_bulk_actions",
        description="One action (any task action, with its payload) for up to "
        f"{settings.WORKFLOW_BULK_ACTION_LIMIT} tasks of the deliverable, each listed with the "
        "version you read. Each task succeeds or fails on its own: a failed task is left as it "
        "was, and its entry carries the problem the single action (`POST /tasks/{id}/actions`) "
        "would have answered, such as 409 `version-conflict` or `task-blocked`. The answer is "
        "200 whatever the outcomes, listing them in the order sent. A role that may not take "
        "the action is refused for the whole batch (403). Send an `Idempotency-Key` to make "
        "the batch safe to retry; `client_event_id` is not accepted here.",
        request=BulkTaskActionIn,
        examples=[*examples.bulk_request_examples(ACTIONS), examples.BULK_OUTCOMES],
        responses={
            200: OpenApiResponse(
                BulkTaskActionOut,
                description="Every task's outcome in the order sent; `failed` counts the tasks "
                "left unchanged.",
            ),
            403: OpenApiResponse(
                Problem, description="Your role may not take this action: nothing was done."
            ),
            404: OpenApiResponse(
                Problem,
                description="No such deliverable in your organization. (A listed task that is "
                "not one of its tasks fails alone, with a 404 problem in its entry.)",
            ),
            422: OpenApiResponse(
                ValidationProblem,
                description="A field is invalid (`errors` points at each), the batch lists more "
                "than `limit` tasks (`bulk-limit-exceeded`), or the Idempotency-Key was first "
                "used for another request (`idempotency-key-reused`). Nothing was done.",
            ),
        },
    )
    @idempotent
    def post(self, request: Request, deliverable_id: int) -> Response:
        try:
            in_scope = selectors.list_tasks_of_deliverable(
                request.auth.organization_id, deliverable_id
            )
        except Deliverable.DoesNotExist:
            raise NotFound("No such deliverable in your organization.") from None
        command = parse_bulk_action(request.data)
        outcomes = bulk_service.apply_bulk_task_action(
            deliverable_id=deliverable_id,
            actor=request.auth,
            action=command.action,
            payload=command.payload,
            tasks=command.tasks,
        )
        done = in_scope.in_bulk(
            [outcome.entry.task_id for outcome in outcomes if outcome.succeeded]
        )
        return Response(BulkTaskActionOut(answer(request, outcomes, done)).data)

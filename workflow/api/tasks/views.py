import functools

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.actions import ActionBodyTemplate, act_on, allowed_now, replay_headers
from config.api.conditional import versioned_response
from config.api.detail import DetailLookup
from config.api.pagination import page_of
from config.api.permissions import IsOrganizationMember, RoleMayWrite
from config.api.schema import IF_NONE_MATCH, Problem, response_headers
from workflow import actions
from workflow.api.tasks import examples
from workflow.api.tasks.filters import TaskFilter
from workflow.api.tasks.serializers import (
    ACTION_FORMS,
    TaskAllowedActionsOut,
    TaskEventOut,
    TaskOut,
)
from workflow.models import Deliverable, Task
from workflow.selectors import tasks as selectors
from workflow.services import tasks as task_service

BROWSABLE_FORMS = {("actions", "POST"): ActionBodyTemplate}


def with_etag(task: Task, **headers) -> Response:
    return versioned_response(TaskOut(task).data, task.version, **headers)


@extend_schema(tags=["tasks"])
class TaskViewSet(DetailLookup, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tasks of the caller's organization; their status changes only through actions."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    # The catalog says which role may take which action; this only turns away who may take none.
    write_roles = actions.ACTIONS.roles
    write_refusal = "Your role may read tasks but take no action on them."
    action_catalog = actions.ACTIONS
    serializer_class = TaskOut
    queryset = Task.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_value_regex = r"[0-9]+"
    filterset_class = TaskFilter
    cursor_ordering = "-id"

    def get_queryset(self):
        return selectors.list_tasks_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's action box a real body (responses use TaskOut)."""
        method = self.request.method if self.request is not None else "GET"
        return BROWSABLE_FORMS.get((self.action, method), super().get_serializer_class())

    @extend_schema(summary="List tasks", examples=[examples.BLOCKED_TASK])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Show a task",
        parameters=[IF_NONE_MATCH],
        examples=[examples.TASK],
        responses={200: TaskOut, 304: OpenApiResponse(description="Not modified.")},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self.conditional_retrieve(request, lambda task: TaskOut(task).data)

    @extend_schema(
        methods=["GET"],
        summary="What can I do with this task now",
        operation_id="tasks_allowed_actions",
        examples=[examples.ALLOWED_ACTIONS],
        responses={200: TaskAllowedActionsOut},
    )
    @extend_schema(
        methods=["POST"],
        summary="Act on a task",
        operation_id="tasks_act",
        description="The body's `action` chooses the shape of `payload`. Send the version you "
        "read as `expected_version` (stale: 409) or as `If-Match` (stale: 412). Starting a "
        "blocked task is 409 `task-blocked`, listing the tasks it waits for in `blockers`.",
        request=ACTION_FORMS.request,
        examples=[*ACTION_FORMS.examples, examples.TASK],
        responses={200: TaskOut, 409: Problem, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag", "Idempotent-Replayed")})
    @action(detail=True, methods=["get", "post"], url_path="actions")
    def actions(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            return Response(allowed_now(ACTION_FORMS, self.get_object(), request.auth))
        task_id = self.object_pk()
        result = act_on(
            request,
            ACTION_FORMS,
            functools.partial(task_service.apply_task_action, task_id=task_id),
        )
        return with_etag(self.get_queryset().get(pk=task_id), **replay_headers(result))

    @extend_schema(
        summary="The task's history",
        examples=[examples.EVENT_PAGE],
        responses={200: page_of(TaskEventOut)},
    )
    @action(detail=True, methods=["get"], serializer_class=TaskEventOut)
    def events(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.list_events_for(self.get_object()))
        return self.get_paginated_response(TaskEventOut(page, many=True).data)


@extend_schema(tags=["tasks"])
class DeliverableTaskViewSet(TaskViewSet):
    """The task list, narrowed to one deliverable of the caller's organization."""

    def get_queryset(self):
        try:
            return selectors.list_tasks_of_deliverable(
                self.request.auth.organization_id, self.kwargs["deliverable_id"]
            )
        except Deliverable.DoesNotExist:
            raise NotFound("No such deliverable in your organization.") from None

    @extend_schema(summary="List a deliverable's tasks", examples=[examples.BLOCKED_TASK])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

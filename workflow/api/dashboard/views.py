from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import conditional_get
from config.api.permissions import IsOrganizationMember
from config.api.schema import IF_NONE_MATCH, NOT_MODIFIED, response_headers
from config.cache import fail_open
from workflow.api.dashboard import examples
from workflow.api.dashboard.serializers import DeliverableDashboardOut, DeliverableGraphOut
from workflow.models import Deliverable
from workflow.selectors import dashboard as selectors
from workflow.selectors.projects import list_deliverables_for, state_tag

TAG_DESCRIPTION = (
    " The ETag changes whenever the deliverable or any of its tasks changes, so a poller "
    "sending it back as If-None-Match gets 304 while nothing changed. The figures of one state "
    "are computed once and shared for up to a minute (`WORKFLOW_DASHBOARD_CACHE_SECONDS`): those "
    "that move with the clock alone (`overdue`, the projection) are as of `as_of`."
)


def computed_once(name: str, deliverable: Deliverable, tag: int, compute):
    """The representation of the deliverable in state `tag`, from the cache when another reader
    computed it lately; a state's figures depend on nothing else but the clock."""
    key = f"workflow:{name}:{deliverable.pk}:{tag}"
    found = fail_open(f"the {name}", lambda: cache.get(key), None)
    if found is None:
        found = compute()
        seconds = settings.WORKFLOW_DASHBOARD_CACHE_SECONDS
        fail_open(f"the {name}", lambda: cache.set(key, found, seconds), None)
    return found


SCHEDULE_DESCRIPTION = (
    " The schedule runs forward from now over the remaining work: a task that is neither done "
    "nor cancelled starts when its last open blocker is projected to finish (or now) and lasts "
    "its planned duration; done tasks finished at `actual_finish` and cancelled ones hold "
    "nothing back. Slack is how long a task may slip without moving the projected finish."
)


@extend_schema(tags=["deliverables"])
class DeliverableDashboardViewSet(viewsets.GenericViewSet):
    """Read-only overviews of a deliverable of the caller's organization; every member reads."""

    permission_classes = [IsOrganizationMember]
    queryset = Deliverable.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return list_deliverables_for(self.request.auth.organization_id)

    @extend_schema(
        summary="Show a deliverable's dashboard",
        description="Counts by status; percent complete by count and by planned duration, where "
        "done tasks count as complete and cancelled tasks are left out of both the part and the "
        "whole; blocked tasks with the tasks they wait for; stale tasks; overdue tasks (planned "
        "finish passed, neither done nor cancelled); the critical path and the projected finish; "
        "and the open tasks and planned duration left per assignee (unassigned work under a null "
        "`assignee_id`)." + SCHEDULE_DESCRIPTION + TAG_DESCRIPTION,
        parameters=[IF_NONE_MATCH],
        examples=[examples.DASHBOARD],
        responses={200: DeliverableDashboardOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    @action(detail=True, methods=["get"])
    def dashboard(self, request: Request, pk: str) -> Response:
        return self._state_view(
            request,
            "dashboard",
            lambda graph: DeliverableDashboardOut(selectors.dashboard_of(graph)).data,
        )

    @extend_schema(
        summary="Show a deliverable's task graph",
        description="Every task as a node, with its assignee's id and its slack, and every "
        "dependency as an edge between task ids." + SCHEDULE_DESCRIPTION + TAG_DESCRIPTION,
        parameters=[IF_NONE_MATCH],
        examples=[examples.GRAPH],
        responses={200: DeliverableGraphOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    @action(detail=True, methods=["get"])
    def graph(self, request: Request, pk: str) -> Response:
        return self._state_view(request, "graph", lambda graph: DeliverableGraphOut(graph).data)

    def _state_view(self, request: Request, name: str, represent) -> Response:
        """Answer 304 for the deliverable's current state, or its graph represented (once)."""
        deliverable = self.get_object()
        tag = state_tag(deliverable)
        return conditional_get(
            request,
            tag,
            lambda: computed_once(
                name,
                deliverable,
                tag,
                lambda: represent(selectors.read_graph(deliverable, timezone.now())),
            ),
        )

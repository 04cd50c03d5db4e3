from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Membership
from accounts.selectors import list_members_for
from config.api.permissions import IsOrganizationMember
from workflow.api.allocations import examples
from workflow.api.allocations.filters import AllocationFilter
from workflow.api.allocations.serializers import AllocationOut, MemberWorkloadOut
from workflow.models import Allocation
from workflow.selectors import allocations as selectors

OVERDUE_DESCRIPTION = (
    " An allocation is overdue while it is open and its window has ended; a task is overdue "
    "while it is neither done nor cancelled and its planned finish has passed."
)


@extend_schema(tags=["allocations"])
class AllocationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who holds which task of the caller's organization over which window; every member reads."""

    permission_classes = [IsOrganizationMember]
    serializer_class = AllocationOut
    queryset = Allocation.objects.none()  # typed placeholder for the schema; see get_queryset
    filterset_class = AllocationFilter
    cursor_ordering = "-id"

    def get_queryset(self):
        return selectors.list_allocations_for(self.request.auth.organization_id, timezone.now())

    @extend_schema(
        summary="List allocations",
        description="Allocations are made by the task action `assign` (with its optional "
        "`window`) and released by `unassign`, completion and cancellation; released ones stay "
        "listed with `released_at`. `overlaps_start` and `overlaps_end` together keep the "
        "windows that meet that range; a window with an open end reaches forever that way."
        + OVERDUE_DESCRIPTION,
        examples=[examples.LATE_ALLOCATION],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


MEMBER_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The member's user id, as /members lists it."
)


@extend_schema(tags=["allocations"])
class MemberWorkloadViewSet(viewsets.GenericViewSet):
    """A current member's workload in the caller's organization; every member reads."""

    permission_classes = [IsOrganizationMember]
    queryset = Membership.objects.none()  # typed placeholder for the schema; see get_queryset
    # A member is named by their user id, as in /members.
    lookup_field = "user_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return list_members_for(self.request.auth.organization_id)

    @extend_schema(
        summary="Show a member's workload",
        description="The member's open allocations (earliest window first) and the open tasks "
        "assigned to them (earliest due first, each with its open allocation's window, null "
        "when it has none: a reopened task keeps its assignee but not its allocation), their "
        "capacity and counts, all as of `as_of`." + OVERDUE_DESCRIPTION,
        parameters=[MEMBER_ID],
        examples=[examples.WORKLOAD],
        responses={200: MemberWorkloadOut},
    )
    @action(detail=True, methods=["get"])
    def workload(self, request: Request, id: str) -> Response:
        workload = selectors.workload_of(self.get_object(), timezone.now())
        return Response(MemberWorkloadOut(workload).data)

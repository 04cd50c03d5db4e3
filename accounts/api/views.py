from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.filters import ApiKeyFilter, MemberFilter
from accounts.api.serializers import (
    ApiKeyCreatedOut,
    ApiKeyCreateIn,
    ApiKeyOut,
    MemberChangeIn,
    MemberCreateIn,
    MemberOut,
    MeOut,
)
from accounts.models import ApiKey, Membership
from config.api.idempotency import idempotent
from config.api.parsing import parse
from config.api.permissions import IsOrganizationAdmin
from config.api.schema import Problem, response_headers


class MeView(APIView):
    """The caller: user or API key, organization and role."""

    @extend_schema(tags=["accounts"], summary="Who am I", responses={200: MeOut})
    def get(self, request: Request) -> Response:
        return Response(MeOut(selectors.describe_principal(request.auth)).data)


MEMBER_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The member's user id, as listed."
)
ADD_MEMBER_EXAMPLE = OpenApiExample(
    "Add an agent",
    value={"email": "sam.rivera@acme.example", "full_name": "Sam Rivera", "role": "agent"},
    request_only=True,
)
CHANGE_ROLE_EXAMPLE = OpenApiExample(
    "Make a member a viewer", value={"role": "viewer"}, request_only=True
)
CHANGE_CAPACITY_EXAMPLE = OpenApiExample(
    "Let a member hold three tasks at once", value={"capacity": 3}, request_only=True
)
MEMBER_EXAMPLE = OpenApiExample(
    "A member",
    value={
        "id": 42,
        "email": "sam.rivera@acme.example",
        "full_name": "Sam Rivera",
        "role": "agent",
        "capacity": 1,
    },
    response_only=True,
)
MEMBER_EXISTS_EXAMPLE = OpenApiExample(
    "Already a member",
    value={
        "type": "https://serviceflow.example/problems/member-exists",
        "title": "The person is already a member",
        "status": 409,
        "detail": "sam.rivera@acme.example is already a member of acme as agent.",
        "instance": "/api/v1/members",
        "member": {"id": 42, "email": "sam.rivera@acme.example", "role": "agent"},
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    },
    response_only=True,
    status_codes=["409"],
)
LAST_ADMIN_EXAMPLE = OpenApiExample(
    "The last admin",
    value={
        "type": "https://serviceflow.example/problems/last-admin",
        "title": "The organization would be left without an admin",
        "status": 409,
        "detail": "ada@acme.example cannot stop being admin: they are the organization's last "
        "admin.",
        "instance": "/api/v1/members/7",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    },
    response_only=True,
    status_codes=["409"],
)
LAST_ADMIN_RESPONSE = OpenApiResponse(
    Problem, description="The member is the organization's last admin."
)
ADMIN_ACTIONS = {"create", "partial_update", "destroy"}
BROWSABLE_FORMS = {"create": MemberCreateIn, "partial_update": MemberChangeIn}


@extend_schema(tags=["accounts"])
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organization's members with role and capacity; admins add, change and remove them."""

    serializer_class = MemberOut
    filterset_class = MemberFilter
    queryset = Membership.objects.none()  # typed placeholder for the schema; see get_queryset
    cursor_ordering = "pk"
    # A member is named by their user id, as the list shows it.
    lookup_field = "user_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.list_members_for(self.request.auth.organization_id)

    def get_permissions(self):
        if self.action in ADMIN_ACTIONS:
            return [IsOrganizationAdmin()]
        return super().get_permissions()

    def get_serializer_class(self):
        """Give the browsable API's forms the input shapes (responses use MemberOut)."""
        return BROWSABLE_FORMS.get(self.action, super().get_serializer_class())

    @extend_schema(summary="List members")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Show a member",
        parameters=[MEMBER_ID],
        examples=[MEMBER_EXAMPLE],
        responses={200: MemberOut},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Add a member",
        description="Adds the person with this e-mail address, or a removed member again. A new "
        "person gets an account without a password and an e-mail with a link to choose one.",
        request=MemberCreateIn,
        examples=[ADD_MEMBER_EXAMPLE, MEMBER_EXAMPLE, MEMBER_EXISTS_EXAMPLE],
        responses={
            201: OpenApiResponse(MemberOut, description="Added; `Location` names the member."),
            409: OpenApiResponse(
                Problem,
                description="Already a member (`member` names them), or a request with the "
                "same Idempotency-Key is still running.",
            ),
        },
    )
    @response_headers({201: ("Location",)})
    @idempotent
    def create(self, request: Request) -> Response:
        membership = services.add_member_by_email(
            organization_id=request.auth.organization_id,
            actor=str(request.auth),
            **parse(MemberCreateIn, request.data),
        )
        location = reverse("member-detail", kwargs={"id": membership.user_id})
        return Response(
            MemberOut(membership).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        summary="Change a member's role or capacity",
        description="Send `role`, `capacity` or both, changed together or not at all; each "
        "change is an event (`member.role_changed`, `member.capacity_changed`). The capacity is "
        "how many tasks the member can hold allocated over any one moment. Lowering it below "
        "what the member holds now is allowed: it binds new assignments only, and the "
        "allocations already held stay.",
        parameters=[MEMBER_ID],
        request=MemberChangeIn,
        examples=[CHANGE_ROLE_EXAMPLE, CHANGE_CAPACITY_EXAMPLE, MEMBER_EXAMPLE, LAST_ADMIN_EXAMPLE],
        responses={200: MemberOut, 409: LAST_ADMIN_RESPONSE},
    )
    def partial_update(self, request: Request, id: str) -> Response:
        member = self.get_object()
        membership = services.change_member(
            organization_id=request.auth.organization_id,
            user_id=member.user_id,
            actor=str(request.auth),
            **parse(MemberChangeIn, request.data),
        )
        return Response(MemberOut(membership).data)

    @extend_schema(
        summary="Remove a member",
        description="The membership ends but is kept, so history still names the person; "
        "adding them again restores it. The organization's API keys keep working.",
        parameters=[MEMBER_ID],
        examples=[LAST_ADMIN_EXAMPLE],
        responses={204: None, 409: LAST_ADMIN_RESPONSE},
    )
    def destroy(self, request: Request, id: str) -> Response:
        member = self.get_object()
        services.remove_member(
            organization_id=request.auth.organization_id,
            user_id=member.user_id,
            actor=str(request.auth),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


API_KEY_CREATE_EXAMPLE = OpenApiExample(
    "Create a key for an integration",
    value={"name": "CRM sync", "role": "agent", "expires_at": "2027-06-30T00:00:00Z"},
    request_only=True,
)


@extend_schema(tags=["api keys"])
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """API keys of the organization; admins only."""

    permission_classes = [IsOrganizationAdmin]
    serializer_class = ApiKeyOut
    filterset_class = ApiKeyFilter
    queryset = ApiKey.objects.none()  # typed placeholder for the schema; see get_queryset

    def get_queryset(self):
        return selectors.list_api_keys_for(self.request.auth.organization_id)

    @extend_schema(summary="List API keys")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Show an API key")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Create an API key",
        description="The response carries the secret `key`; it is never shown again.",
        request=ApiKeyCreateIn,
        responses={201: ApiKeyCreatedOut},
        examples=[API_KEY_CREATE_EXAMPLE],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        issued = services.create_api_key(
            organization_id=request.auth.organization_id,
            created_by_id=request.auth.user_id,
            actor=str(request.auth),
            **parse(ApiKeyCreateIn, request.data),
        )
        body = ApiKeyCreatedOut(issued.api_key, context={"plaintext": issued.plaintext}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke an API key",
        description="The key stops working on the next request. Revoking twice is harmless.",
        responses={204: None},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        api_key = self.get_object()
        services.revoke_api_key(
            organization_id=request.auth.organization_id,
            api_key_id=api_key.pk,
            actor=str(request.auth),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

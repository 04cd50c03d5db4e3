from drf_spectacular.utils import OpenApiExample, extend_schema
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
    MemberOut,
    MeOut,
)
from accounts.models import ApiKey, Membership
from config.api.idempotency import idempotent
from config.api.parsing import parse
from config.api.permissions import IsOrganizationAdmin


class MeView(APIView):
    """The caller: user or API key, organization and role."""

    @extend_schema(tags=["accounts"], summary="Who am I", responses={200: MeOut})
    def get(self, request: Request) -> Response:
        return Response(MeOut(selectors.describe_principal(request.auth)).data)


@extend_schema(tags=["accounts"])
class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organization's active users and their roles."""

    serializer_class = MemberOut
    filterset_class = MemberFilter
    queryset = Membership.objects.none()  # typed placeholder for the schema; see get_queryset
    cursor_ordering = "pk"

    def get_queryset(self):
        return selectors.list_members_for(self.request.auth.organization_id)

    @extend_schema(summary="List members")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


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

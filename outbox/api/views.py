from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.conditional import etag, if_match
from config.api.event_schemas import webhook_callback
from config.api.idempotency import idempotent
from config.api.pagination import page_of
from config.api.parsing import parse
from config.api.permissions import IsOrganizationAdmin, IsOrganizationMember
from config.api.schema import IF_MATCH, Problem, response_headers
from outbox.api.serializers import (
    DeliveryOut,
    EventPageOut,
    MarkedReadOut,
    NotificationOut,
    PingOut,
    WebhookCreatedOut,
    WebhookCreateIn,
    WebhookOut,
    WebhookUpdateIn,
)
from outbox.models import Delivery, Notification, WebhookEndpoint
from outbox.services import deliveries, notifications, webhooks
from outbox.services.feed import list_events_for

WEBHOOK_EXAMPLE = OpenApiExample(
    "Receive ticket events",
    value={"url": "https://hooks.example.com/serviceflow", "event_types": ["ticket.*"]},
    request_only=True,
)


@extend_schema(tags=["webhooks"])
class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Webhook endpoints of the organization; admins only."""

    permission_classes = [IsOrganizationAdmin]
    serializer_class = WebhookOut
    queryset = WebhookEndpoint.objects.none()  # typed placeholder for the schema; see get_queryset

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(
            organization_id=self.request.auth.organization_id, deleted_at__isnull=True
        )

    @extend_schema(summary="List webhooks")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Show a webhook")
    @response_headers({200: ("ETag",)})
    def retrieve(self, request, *args, **kwargs):
        endpoint = self.get_object()
        return Response(WebhookOut(endpoint).data, headers={"ETag": etag(endpoint.version)})

    @extend_schema(
        summary="Register a webhook",
        description="The response carries the signing `secret`; it is never shown again. "
        "Each event the endpoint subscribes to is then POSTed to it, signed (see callbacks).",
        request=WebhookCreateIn,
        responses={201: WebhookCreatedOut},
        examples=[WEBHOOK_EXAMPLE],
        callbacks=[webhook_callback()],
    )
    @response_headers({201: ("ETag",)})
    @idempotent
    def create(self, request: Request) -> Response:
        endpoint = webhooks.create_endpoint(
            organization_id=request.auth.organization_id, **parse(WebhookCreateIn, request.data)
        )
        return Response(
            WebhookCreatedOut(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag(endpoint.version)},
        )

    @extend_schema(
        summary="Change a webhook",
        description='Send the ETag you read as `If-Match: "<version>"`.',
        request=WebhookUpdateIn,
        parameters=[IF_MATCH],
        responses={200: WebhookOut, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag",)})
    def partial_update(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        changes = parse(WebhookUpdateIn, request.data, partial=True)
        with if_match(request) as expected:
            endpoint = webhooks.update_endpoint(
                endpoint_id=endpoint.pk, expected_version=expected, changes=changes
            )
        return Response(WebhookOut(endpoint).data, headers={"ETag": etag(endpoint.version)})

    @extend_schema(summary="Delete a webhook", responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        webhooks.delete_endpoint(endpoint_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a test event",
        operation_id="webhooks_ping",
        request=None,
        responses={202: PingOut},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str) -> Response:
        message = webhooks.ping_endpoint(endpoint=self.get_object())
        return Response({"event_id": str(message.event_id)}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="List a webhook's deliveries", responses={200: page_of(DeliveryOut)})
    @action(detail=True, methods=["get"], serializer_class=DeliveryOut)
    def deliveries(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        page = self.paginate_queryset(
            Delivery.objects.filter(endpoint=endpoint).select_related("message")
        )
        return self.get_paginated_response(DeliveryOut(page, many=True).data)


@extend_schema(tags=["webhooks"])
class DeliveryViewSet(viewsets.GenericViewSet):
    permission_classes = [IsOrganizationAdmin]
    serializer_class = DeliveryOut
    queryset = Delivery.objects.none()  # typed placeholder for the schema; see get_queryset

    def get_queryset(self):
        return Delivery.objects.select_related("message").filter(
            endpoint__organization_id=self.request.auth.organization_id
        )

    @extend_schema(
        summary="Deliver again",
        operation_id="deliveries_redeliver",
        description="A delivery to a deleted or disabled endpoint cannot be sent again (409).",
        request=None,
        responses={202: DeliveryOut, 409: Problem},
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str) -> Response:
        delivery = deliveries.redeliver(self.get_object())
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)


class EventFeedQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, required=False, default=0)
    type = serializers.CharField(max_length=100, required=False)
    limit = serializers.IntegerField(min_value=1, required=False)


class EventFeedView(APIView):
    """The organization's events in commit order, for integrators who poll."""

    permission_classes = [IsOrganizationAdmin]

    @extend_schema(
        tags=["events"],
        summary="Read the event feed",
        description="Events reach back `OUTBOX_RETENTION_DAYS` (30 by default); older ones "
        "are purged.",
        parameters=[
            OpenApiParameter("after", int, description="Position of the last event you saw (0)."),
            OpenApiParameter("type", str, description="Only events of this type."),
            OpenApiParameter("limit", int, description="Page size (default 50, at most 200)."),
        ],
        responses={200: EventPageOut},
    )
    def get(self, request: Request) -> Response:
        query = parse(EventFeedQuery, request.query_params)
        limit = min(query.get("limit") or settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)
        events = list(
            list_events_for(
                request.auth.organization_id, after=query["after"], event_type=query.get("type")
            )[:limit]
        )
        next_url = None
        if len(events) == limit:
            params = request.query_params.copy()
            params["after"] = str(events[-1].feed_position)
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(EventPageOut({"next": next_url, "results": events}).data)


class IsPerson(BasePermission):
    """Notifications belong to people; an API key has none."""

    def has_permission(self, request, view) -> bool:
        if request.auth is not None and request.auth.user_id is None:
            raise PermissionDenied("Notifications belong to users; sign in as a person.")
        return True


class UnreadFilterQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsOrganizationMember, IsPerson]
    serializer_class = NotificationOut
    queryset = Notification.objects.none()  # typed placeholder for the schema; see get_queryset

    def get_queryset(self):
        unread = parse(UnreadFilterQuery, self.request.query_params)["unread"]
        return notifications.list_notifications_for(
            self.request.auth.user_id, self.request.auth.organization_id, unread=unread
        )

    @extend_schema(
        summary="List my notifications",
        description="The in-app notifications of the signed-in person in this organization, "
        "newest first: what happened (`event_type`, `title`, `body`), to which object, and "
        "`read_at` once read. People only; an API key gets 403.",
        parameters=[OpenApiParameter("unread", bool, description="true: only unread ones.")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Mark a notification read",
        operation_id="notifications_mark_read",
        description="Set `read_at` on one of your notifications (kept if it was already read).",
        request=None,
        responses={200: NotificationOut},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = get_object_or_404(
            notifications.list_notifications_for(
                request.auth.user_id, request.auth.organization_id
            ),
            pk=pk,
        )
        return Response(NotificationOut(notifications.mark_read(notification=notification)).data)

    @extend_schema(
        summary="Mark all my notifications read",
        operation_id="notifications_mark_all_read",
        description="Mark every unread notification of yours in this organization read; "
        "`marked` says how many were.",
        request=None,
        responses={200: MarkedReadOut},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = notifications.mark_all_read(
            user_id=request.auth.user_id, organization_id=request.auth.organization_id
        )
        return Response({"marked": marked})

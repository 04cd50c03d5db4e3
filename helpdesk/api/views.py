import functools

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.actions import ActionBodyTemplate, act_on, allowed_now, replay_headers
from config.api.conditional import if_match, versioned_response
from config.api.detail import DetailLookup
from config.api.idempotency import idempotent
from config.api.pagination import page_of
from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember, RoleMayWrite
from config.api.schema import IF_MATCH, IF_NONE_MATCH, Problem, response_headers
from config.api.uploads import DOWNLOAD_RESPONSES, download
from helpdesk import actions, policy, selectors
from helpdesk.api import examples
from helpdesk.api.filters import TicketFilter, TicketOrdering
from helpdesk.api.serializers import (
    ACTION_FORMS,
    AllowedActionsOut,
    AttachmentIn,
    AttachmentOut,
    CommentIn,
    CommentOut,
    TicketCreateIn,
    TicketEventOut,
    TicketOut,
    TicketUpdateIn,
    ticket_out,
)
from helpdesk.models import Ticket
from helpdesk.services import attachments, comments, tickets

BROWSABLE_FORMS = {
    ("create", "POST"): TicketCreateIn,
    ("partial_update", "PATCH"): TicketUpdateIn,
    ("actions", "POST"): ActionBodyTemplate,
    ("comments", "POST"): CommentIn,
}


def with_etag(ticket: Ticket, status_code: int = 200, **headers) -> Response:
    return versioned_response(TicketOut(ticket).data, ticket.version, status_code, **headers)


@extend_schema(tags=["tickets"])
class TicketViewSet(DetailLookup, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tickets of the caller's organization."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.CONTRIBUTE
    write_refusal = "Viewers can read tickets but not change them."
    action_catalog = actions.ACTIONS
    serializer_class = TicketOut
    queryset = Ticket.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_field = "key"
    lookup_value_regex = r"[A-Za-z0-9]+-[0-9]+"
    filterset_class = TicketFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, TicketOrdering]
    cursor_ordering = "-id"

    def get_queryset(self):
        return selectors.list_tickets_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's forms the input shapes (responses use TicketOut)."""
        method = self.request.method if self.request is not None else "GET"
        return BROWSABLE_FORMS.get((self.action, method), super().get_serializer_class())

    @extend_schema(summary="List tickets")
    def list(self, request: Request) -> Response:
        # Rows, not model instances: building 170 instances was half of a page of 50.
        rows = selectors.list_ticket_rows_for(request.auth.organization_id)
        page = self.paginate_queryset(self.filter_queryset(rows))
        return self.get_paginated_response([ticket_out(row) for row in page])

    @extend_schema(
        summary="Open a ticket",
        request=TicketCreateIn,
        examples=[examples.CREATE_TICKET, examples.TICKET],
        responses={
            201: OpenApiResponse(TicketOut, description="Created; `Location` and `ETag` set.")
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @idempotent
    def create(self, request: Request) -> Response:
        command = parse(TicketCreateIn, request.data)
        requester = command.pop("requester")
        ticket = tickets.open_ticket(
            actor=request.auth,
            requester_email=requester["email"],
            requester_name=requester["name"],
            **command,
        )
        location = reverse("ticket-detail", kwargs={"key": ticket.key})
        return with_etag(ticket, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary="Show a ticket",
        parameters=[IF_NONE_MATCH],
        examples=[examples.TICKET],
        responses={200: TicketOut, 304: OpenApiResponse(description="Not modified.")},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, key: str) -> Response:
        return self.conditional_retrieve(request, lambda ticket: TicketOut(ticket).data)

    @extend_schema(
        summary="Edit a ticket",
        request=TicketUpdateIn,
        parameters=[IF_MATCH],
        examples=[examples.UPDATE_TICKET, examples.TICKET],
        responses={200: TicketOut, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag",)})
    def partial_update(self, request: Request, key: str) -> Response:
        ticket = self.get_object()
        changes = parse(TicketUpdateIn, request.data, partial=True)
        with if_match(request) as expected:
            ticket = tickets.update_ticket(
                ticket_id=ticket.pk,
                actor=request.auth,
                expected_version=expected,
                changes=changes,
            )
        return with_etag(selectors.list_tickets_for(ticket.organization_id).get(pk=ticket.pk))

    @extend_schema(
        methods=["GET"],
        summary="What can I do with this ticket now",
        operation_id="tickets_allowed_actions",
        responses={200: AllowedActionsOut},
    )
    @extend_schema(
        methods=["POST"],
        summary="Act on a ticket",
        operation_id="tickets_act",
        description="The body's `action` chooses the shape of `payload`. Send the version you "
        "read as `expected_version` (stale: 409) or as `If-Match` (stale: 412).",
        request=ACTION_FORMS.request,
        examples=[*ACTION_FORMS.examples, examples.TICKET],
        responses={200: TicketOut, 409: Problem, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag", "Idempotent-Replayed")})
    @action(detail=True, methods=["get", "post"], url_path="actions")
    def actions(self, request: Request, key: str) -> Response:
        if request.method == "GET":
            return Response(allowed_now(ACTION_FORMS, self.get_object(), request.auth))
        ticket_id = self.object_pk()
        result = act_on(
            request,
            ACTION_FORMS,
            functools.partial(tickets.apply_ticket_action, ticket_id=ticket_id),
        )
        return with_etag(self.get_queryset().get(pk=ticket_id), **replay_headers(result))

    @extend_schema(
        methods=["GET"], summary="List a ticket's comments", responses={200: page_of(CommentOut)}
    )
    @action(detail=True, methods=["get"], serializer_class=CommentOut)
    def comments(self, request: Request, key: str) -> Response:
        page = self.paginate_queryset(selectors.list_comments_for(self.get_object()))
        return self.get_paginated_response(CommentOut(page, many=True).data)

    @extend_schema(
        summary="Comment on a ticket",
        request=CommentIn,
        examples=[examples.COMMENT],
        responses={201: CommentOut},
    )
    @comments.mapping.post
    @idempotent
    def add_comment(self, request: Request, key: str) -> Response:
        command = parse(CommentIn, request.data)
        comment = comments.add_comment(
            ticket_id=self.get_object().pk, actor=request.auth, **command
        )
        return Response(CommentOut(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="List a ticket's attachments", responses={200: page_of(AttachmentOut)})
    @action(
        detail=True,
        methods=["get"],
        serializer_class=AttachmentOut,
        parser_classes=[MultiPartParser],
    )
    def attachments(self, request: Request, key: str) -> Response:
        page = self.paginate_queryset(selectors.list_attachments_for(self.get_object()))
        return self.get_paginated_response(AttachmentOut(page, many=True).data)

    @extend_schema(
        summary="Attach a file",
        request={"multipart/form-data": AttachmentIn},
        responses={201: AttachmentOut, 415: Problem},
    )
    @attachments.mapping.post
    @idempotent
    def add_attachment(self, request: Request, key: str) -> Response:
        upload = parse(AttachmentIn, request.data)["file"]
        attachment = attachments.add_attachment(
            ticket_id=self.get_object().pk, actor=request.auth, upload=upload
        )
        return Response(AttachmentOut(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Download an attachment", responses=DOWNLOAD_RESPONSES)
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)/content")
    def attachment_content(self, request: Request, key: str, attachment_id: str) -> FileResponse:
        attachment = get_object_or_404(
            selectors.list_attachments_for(self.get_object()), pk=attachment_id
        )
        return download(attachment.file, name=attachment.name, content_type=attachment.content_type)

    @extend_schema(summary="The ticket's history", responses={200: page_of(TicketEventOut)})
    @action(detail=True, methods=["get"], serializer_class=TicketEventOut)
    def events(self, request: Request, key: str) -> Response:
        page = self.paginate_queryset(selectors.list_events_for(self.get_object()))
        return self.get_paginated_response(TicketEventOut(page, many=True).data)

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import conditional_get, if_match, versioned_response
from config.api.idempotency import idempotent
from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember, RoleMayWrite
from config.api.schema import (
    IF_MATCH,
    IF_NONE_MATCH,
    NOT_MODIFIED,
    Problem,
    ValidationProblem,
    response_headers,
)
from qc import checklist_policy as policy
from qc.api.checklists import examples
from qc.api.checklists.serializers import (
    ChecklistCreateIn,
    ChecklistDraftIn,
    ChecklistOut,
    ChecklistVersionOut,
)
from qc.models import ChecklistTemplate, ChecklistVersion
from qc.selectors import checklists as selectors
from qc.services import checklists as checklist_service

WRITE_REFUSAL = "Only admins can change checklists; every member can read them."
PUBLISHED = OpenApiResponse(
    Problem, description="The version is published or retired, and never changes."
)


def version_response(version_id: int, organization_id: int, status_code=200, **headers):
    """The version as it is now, with its ETag."""
    version = selectors.list_checklist_versions_for(organization_id).get(pk=version_id)
    return versioned_response(
        ChecklistVersionOut(version).data, version.version, status_code, **headers
    )


def checklist_response(checklist_id: int, organization_id: int, status_code=200, **headers):
    checklist = selectors.list_checklists_for(organization_id).get(pk=checklist_id)
    return versioned_response(
        ChecklistOut(checklist).data,
        selectors.representation_version(checklist),
        status_code,
        **headers,
    )


@extend_schema(tags=["checklists"])
class ChecklistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Checklists of the caller's organization: admins write, members read."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.MANAGE
    write_refusal = WRITE_REFUSAL
    serializer_class = ChecklistOut
    queryset = ChecklistTemplate.objects.none()  # typed placeholder for the schema
    cursor_ordering = "key"

    def get_queryset(self):
        return selectors.list_checklists_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's form the input shape (responses use ChecklistOut)."""
        if self.request is not None and self.request.method == "POST" and self.action == "create":
            return ChecklistCreateIn
        return super().get_serializer_class()

    @extend_schema(summary="List checklists", examples=[examples.CHECKLIST])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create a checklist",
        description="The checklist starts with an empty draft, version 1.",
        request=ChecklistCreateIn,
        examples=[examples.CREATE_CHECKLIST, examples.NEW_CHECKLIST],
        responses={
            201: OpenApiResponse(ChecklistOut, description="Created; `Location` and `ETag` set.")
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @idempotent
    def create(self, request: Request) -> Response:
        command = parse(ChecklistCreateIn, request.data)
        checklist = checklist_service.create_checklist(actor=request.auth, **command)
        location = reverse("checklist-detail", kwargs={"pk": checklist.pk})
        return checklist_response(
            checklist.pk, request.auth.organization_id, status.HTTP_201_CREATED, Location=location
        )

    @extend_schema(
        summary="Show a checklist and its versions",
        parameters=[IF_NONE_MATCH],
        examples=[examples.CHECKLIST],
        responses={200: ChecklistOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        checklist = self.get_object()
        return conditional_get(
            request,
            selectors.representation_version(checklist),
            lambda: ChecklistOut(checklist).data,
        )

    @extend_schema(
        summary="Start a new checklist draft",
        description="The draft copies the items of the latest version. A checklist has one "
        "draft at most (409 `checklist-draft-exists`).",
        request=None,
        examples=[examples.NEW_DRAFT],
        responses={
            201: OpenApiResponse(
                ChecklistVersionOut, description="Created; `Location` and `ETag` set."
            ),
            409: OpenApiResponse(Problem, description="The checklist already has a draft."),
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @action(detail=True, methods=["post"])
    @idempotent
    def drafts(self, request: Request, pk: str) -> Response:
        draft = checklist_service.start_draft(checklist_id=self.get_object().pk, actor=request.auth)
        location = reverse("checklist-version-detail", kwargs={"pk": draft.pk})
        return version_response(
            draft.pk, request.auth.organization_id, status.HTTP_201_CREATED, Location=location
        )


@extend_schema(tags=["checklists"])
class ChecklistVersionViewSet(viewsets.GenericViewSet):
    """Versions of checklists: a draft's items are replaced whole, then published for good."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.MANAGE
    write_refusal = WRITE_REFUSAL
    serializer_class = ChecklistVersionOut
    queryset = ChecklistVersion.objects.none()  # typed placeholder for the schema

    def get_queryset(self):
        return selectors.list_checklist_versions_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's form the input shape (responses use ChecklistVersionOut)."""
        if self.request is not None and self.request.method == "PUT":
            return ChecklistDraftIn
        return super().get_serializer_class()

    @extend_schema(
        summary="Show a checklist version",
        parameters=[IF_NONE_MATCH],
        examples=[examples.PUBLISHED_VERSION],
        responses={200: ChecklistVersionOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        return conditional_get(request, version.version, lambda: ChecklistVersionOut(version).data)

    @extend_schema(
        summary="Replace a checklist draft's items",
        description='Send every item, in order. Limits are decimal strings (`"12.50"`), never '
        "JSON numbers. A numeric item has a minimum and/or maximum, or a nominal value with a "
        "tolerance; a choice item has its choices and the ones that pass; a unit belongs to "
        "numeric items only. Items that could never be published are refused with 422, each "
        "error pointing at its field (`/items/3/maximum`).",
        request=ChecklistDraftIn,
        parameters=[IF_MATCH],
        examples=[examples.DRAFT, examples.SAVED_DRAFT],
        responses={200: ChecklistVersionOut, 409: PUBLISHED, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag",)})
    def update(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        command = parse(ChecklistDraftIn, request.data)
        with if_match(request) as expected:
            checklist_service.save_draft(
                version_id=version.pk,
                actor=request.auth,
                expected_version=expected,
                items=command["items"],
            )
        return version_response(version.pk, request.auth.organization_id)

    @extend_schema(
        summary="Publish a checklist draft",
        operation_id="checklist_versions_publish",
        description="Checks every item at once (422 lists every problem, pointing into "
        "`items`; a draft without items cannot be published) and freezes the version: its "
        "items never change again, and template tasks may name it.",
        request=None,
        parameters=[IF_MATCH],
        examples=[examples.PUBLISHED_VERSION],
        responses={
            200: ChecklistVersionOut,
            409: PUBLISHED,
            412: Problem,
            422: OpenApiResponse(ValidationProblem, description="The items cannot be published."),
            428: Problem,
        },
    )
    @response_headers({200: ("ETag",)})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        with if_match(request) as expected:
            checklist_service.publish_version(
                version_id=version.pk, actor=request.auth, expected_version=expected
            )
        return version_response(version.pk, request.auth.organization_id)

    @extend_schema(
        summary="Retire a published checklist version",
        operation_id="checklist_versions_retire",
        description="No template version published from now on may name it; what already "
        "names it, and the inspections read against it, carry on unchanged.",
        request=None,
        parameters=[IF_MATCH],
        examples=[examples.RETIRED_VERSION],
        responses={
            200: ChecklistVersionOut,
            409: OpenApiResponse(Problem, description="Only a published version can be retired."),
            412: Problem,
            428: Problem,
        },
    )
    @response_headers({200: ("ETag",)})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        with if_match(request) as expected:
            checklist_service.retire_version(
                version_id=version.pk, actor=request.auth, expected_version=expected
            )
        return version_response(version.pk, request.auth.organization_id)

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
from workflow import policy
from workflow.api.templates import examples
from workflow.api.templates.serializers import (
    TemplateCreateIn,
    TemplateDraftIn,
    TemplateOut,
    TemplateVersionOut,
)
from workflow.models import ProcessTemplate, TemplateVersion
from workflow.selectors import templates as selectors
from workflow.services import templates as template_service

WRITE_REFUSAL = "Only admins can change process templates; every member can read them."
PUBLISHED = OpenApiResponse(
    Problem, description="The version is published or retired, and never changes."
)


def version_response(version_id: int, organization_id: int, status_code=200, **headers):
    """The version as it is now, with its ETag."""
    version = selectors.list_template_versions_for(organization_id).get(pk=version_id)
    return versioned_response(
        TemplateVersionOut(version).data, version.version, status_code, **headers
    )


def template_response(key: str, organization_id: int, status_code=200, **headers):
    template = selectors.list_templates_for(organization_id).get(key=key)
    return versioned_response(
        TemplateOut(template).data,
        selectors.representation_version(template),
        status_code,
        **headers,
    )


@extend_schema(tags=["templates"])
class TemplateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Process templates of the caller's organization: admins write, members read."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.MANAGE
    write_refusal = WRITE_REFUSAL
    serializer_class = TemplateOut
    queryset = ProcessTemplate.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    cursor_ordering = "key"

    def get_queryset(self):
        return selectors.list_templates_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's form the input shape (responses use TemplateOut)."""
        if self.request is not None and self.request.method == "POST" and self.action == "create":
            return TemplateCreateIn
        return super().get_serializer_class()

    @extend_schema(summary="List process templates", examples=[examples.TEMPLATE])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create a process template",
        description="The template starts with an empty draft, version 1.",
        request=TemplateCreateIn,
        examples=[examples.CREATE_TEMPLATE, examples.NEW_TEMPLATE],
        responses={
            201: OpenApiResponse(TemplateOut, description="Created; `Location` and `ETag` set.")
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @idempotent
    def create(self, request: Request) -> Response:
        command = parse(TemplateCreateIn, request.data)
        template = template_service.create_template(actor=request.auth, **command)
        location = reverse("template-detail", kwargs={"key": template.key})
        return template_response(
            template.key, request.auth.organization_id, status.HTTP_201_CREATED, Location=location
        )

    @extend_schema(
        summary="Show a process template and its versions",
        parameters=[IF_NONE_MATCH],
        examples=[examples.TEMPLATE],
        responses={200: TemplateOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, key: str) -> Response:
        template = self.get_object()
        return conditional_get(
            request, selectors.representation_version(template), lambda: TemplateOut(template).data
        )

    @extend_schema(
        summary="Start a new draft",
        description="The draft copies the nodes, edges and sign-off roles of the latest version. "
        "A template has one draft at most (409 `template-draft-exists`).",
        request=None,
        examples=[examples.NEW_DRAFT],
        responses={
            201: OpenApiResponse(
                TemplateVersionOut, description="Created; `Location` and `ETag` set."
            ),
            409: OpenApiResponse(Problem, description="The template already has a draft."),
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @action(detail=True, methods=["post"])
    @idempotent
    def versions(self, request: Request, key: str) -> Response:
        draft = template_service.start_draft(template_id=self.get_object().pk, actor=request.auth)
        location = reverse("template-version-detail", kwargs={"pk": draft.pk})
        return version_response(
            draft.pk, request.auth.organization_id, status.HTTP_201_CREATED, Location=location
        )


@extend_schema(tags=["templates"])
class TemplateVersionViewSet(viewsets.GenericViewSet):
    """Versions of process templates: a draft is edited whole, then published for good."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.MANAGE
    write_refusal = WRITE_REFUSAL
    serializer_class = TemplateVersionOut
    queryset = TemplateVersion.objects.none()  # typed placeholder for the schema; see get_queryset

    def get_queryset(self):
        return selectors.list_template_versions_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's form the input shape (responses use TemplateVersionOut)."""
        if self.request is not None and self.request.method == "PUT":
            return TemplateDraftIn
        return super().get_serializer_class()

    @extend_schema(
        summary="Show a template version",
        parameters=[IF_NONE_MATCH],
        examples=[examples.PUBLISHED_VERSION],
        responses={200: TemplateVersionOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        return conditional_get(request, version.version, lambda: TemplateVersionOut(version).data)

    @extend_schema(
        summary="Replace a draft",
        description="Send the whole draft: its nodes (each naming its checklist, or null), "
        "edges and sign-off roles. A graph that "
        "could never be published (a cycle, a self-edge, an edge to a missing node, a key used "
        "twice) is refused with 422; each error points into the body, and a cycle's error "
        "names it in `path`.",
        request=TemplateDraftIn,
        parameters=[IF_MATCH],
        examples=[examples.DRAFT, examples.SAVED_DRAFT],
        responses={200: TemplateVersionOut, 409: PUBLISHED, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag",)})
    def update(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        command = parse(TemplateDraftIn, request.data)
        with if_match(request) as expected:
            template_service.save_draft(
                version_id=version.pk,
                actor=request.auth,
                expected_version=expected,
                **command,
            )
        return version_response(version.pk, request.auth.organization_id)

    @extend_schema(
        summary="Publish a draft",
        operation_id="template_versions_publish",
        description="Checks the whole graph at once (422 lists every problem, pointing into the "
        "version's `nodes` and `edges`), and that each node's `checklist` names a published "
        "checklist version of the organization, on a task that requires QC (pointer "
        "`/nodes/<index>/checklist`). Then stores each task's earliest start and finish and its "
        "slack, and freezes the version: nothing about it changes again.",
        request=None,
        parameters=[IF_MATCH],
        examples=[examples.PUBLISHED_VERSION],
        responses={
            200: TemplateVersionOut,
            409: PUBLISHED,
            412: Problem,
            422: OpenApiResponse(ValidationProblem, description="The graph cannot be published."),
            428: Problem,
        },
    )
    @response_headers({200: ("ETag",)})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        with if_match(request) as expected:
            template_service.publish_version(
                version_id=version.pk,
                actor=request.auth,
                expected_version=expected,
            )
        return version_response(version.pk, request.auth.organization_id)

    @extend_schema(
        summary="Retire a published version",
        operation_id="template_versions_retire",
        description="The version stays exactly as published, for what already runs from it.",
        request=None,
        parameters=[IF_MATCH],
        examples=[examples.RETIRED_VERSION],
        responses={
            200: TemplateVersionOut,
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
            template_service.retire_version(
                version_id=version.pk,
                actor=request.auth,
                expected_version=expected,
            )
        return version_response(version.pk, request.auth.organization_id)

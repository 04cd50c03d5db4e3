from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import conditional_get, if_match, versioned_response
from config.api.detail import DetailLookup
from config.api.idempotency import idempotent
from config.api.pagination import page_of
from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember, RoleMayWrite
from config.api.schema import IF_MATCH, IF_NONE_MATCH, NOT_MODIFIED, Problem, response_headers
from workflow import policy
from workflow.api.projects import examples
from workflow.api.projects.serializers import (
    DeliverableCreateIn,
    DeliverableOut,
    ProjectCreateIn,
    ProjectOut,
    ProjectUpdateIn,
    ProjectUpgradeIn,
)
from workflow.models import Deliverable, Project
from workflow.selectors import projects as selectors
from workflow.services import bootstrap
from workflow.services import projects as project_service

WRITE_REFUSAL = "Only organization admins create or change projects and deliverables."

BROWSABLE_FORMS = {
    ("create", "POST"): ProjectCreateIn,
    ("partial_update", "PATCH"): ProjectUpdateIn,
    ("upgrade", "POST"): ProjectUpgradeIn,
    ("start_deliverable", "POST"): DeliverableCreateIn,
}


def project_response(project: Project, status_code: int = 200, **headers) -> Response:
    return versioned_response(ProjectOut(project).data, project.version, status_code, **headers)


@extend_schema(tags=["projects"])
class ProjectViewSet(DetailLookup, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Projects of the caller's organization, and the deliverables started in them."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.MANAGE
    write_refusal = WRITE_REFUSAL
    serializer_class = ProjectOut
    queryset = Project.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_value_regex = r"[0-9]+"
    cursor_ordering = "-id"

    def get_queryset(self):
        return selectors.list_projects_for(self.request.auth.organization_id)

    def get_serializer_class(self):
        """Give the browsable API's forms the input shapes (responses use the Out serializers)."""
        method = self.request.method if self.request is not None else "GET"
        return BROWSABLE_FORMS.get((self.action, method), super().get_serializer_class())

    @extend_schema(summary="List projects", examples=[examples.PROJECT])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create a project",
        description="The project is pinned to a published template version of your organization.",
        request=ProjectCreateIn,
        examples=[examples.CREATE_PROJECT, examples.PROJECT],
        responses={
            201: OpenApiResponse(ProjectOut, description="Created; `Location` and `ETag` set.")
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @idempotent
    def create(self, request: Request) -> Response:
        command = parse(ProjectCreateIn, request.data)
        project = project_service.create_project(
            actor=request.auth,
            name=command["name"],
            template_version_id=command["template_version"],
        )
        location = reverse("project-detail", kwargs={"pk": project.pk})
        return project_response(project, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary="Show a project",
        parameters=[IF_NONE_MATCH],
        examples=[examples.PROJECT],
        responses={200: ProjectOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self.conditional_retrieve(request, lambda project: ProjectOut(project).data)

    @extend_schema(
        summary="Rename a project",
        request=ProjectUpdateIn,
        parameters=[IF_MATCH],
        examples=[examples.UPDATE_PROJECT, examples.PROJECT],
        responses={200: ProjectOut, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag",)})
    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        changes = parse(ProjectUpdateIn, request.data, partial=True)
        with if_match(request) as expected:
            project = project_service.update_project(
                project_id=project.pk,
                actor=request.auth,
                expected_version=expected,
                changes=changes,
            )
        return project_response(project)

    @extend_schema(
        summary="Upgrade a project to a newer template version",
        operation_id="projects_upgrade",
        description="Pins a newer published version of the same template. Deliverables started "
        "from now on copy it; deliverables already started keep the version they started from.",
        request=ProjectUpgradeIn,
        parameters=[IF_MATCH],
        examples=[examples.UPGRADE_PROJECT, examples.PROJECT],
        responses={200: ProjectOut, 412: Problem, 428: Problem},
    )
    @response_headers({200: ("ETag",)})
    @action(detail=True, methods=["post"])
    def upgrade(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        command = parse(ProjectUpgradeIn, request.data)
        with if_match(request) as expected:
            project = project_service.upgrade_project(
                project_id=project.pk,
                actor=request.auth,
                expected_version=expected,
                template_version_id=command["template_version"],
            )
        return project_response(project)

    @extend_schema(
        methods=["GET"],
        tags=["deliverables"],
        summary="List a project's deliverables",
        operation_id="projects_deliverables_list",
        examples=[examples.DELIVERABLE_PAGE],
        responses={200: page_of(DeliverableOut)},
    )
    @action(detail=True, methods=["get"], serializer_class=DeliverableOut)
    def deliverables(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.list_deliverables_of(self.get_object()))
        return self.get_paginated_response(DeliverableOut(page, many=True).data)

    @extend_schema(
        tags=["deliverables"],
        summary="Start a deliverable",
        description="Creates the deliverable with every task and dependency of the project's "
        "current template version: tasks without blockers are `ready`, the others `blocked`.",
        request=DeliverableCreateIn,
        examples=[examples.START_DELIVERABLE, examples.DELIVERABLE],
        responses={
            201: OpenApiResponse(DeliverableOut, description="Started; `Location` and `ETag` set."),
            409: OpenApiResponse(
                Problem,
                description="The reference names a deliverable the project has "
                "(`deliverable-exists`, with `deliverable_id`), or a request with the same "
                "Idempotency-Key is still running.",
            ),
        },
    )
    @response_headers({201: ("ETag", "Location")})
    @deliverables.mapping.post
    @idempotent
    def start_deliverable(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        command = parse(DeliverableCreateIn, request.data)
        started = bootstrap.start_deliverable(project_id=project.pk, actor=request.auth, **command)
        deliverable = selectors.list_deliverables_of(project).get(pk=started.pk)
        location = reverse("deliverable-detail", kwargs={"pk": deliverable.pk})
        return versioned_response(
            DeliverableOut(deliverable).data,
            deliverable.version,
            status.HTTP_201_CREATED,
            Location=location,
        )


@extend_schema(tags=["deliverables"])
class DeliverableViewSet(viewsets.GenericViewSet):
    """Deliverables of the caller's organization."""

    permission_classes = [IsOrganizationMember, RoleMayWrite]
    write_roles = policy.MANAGE
    write_refusal = WRITE_REFUSAL
    serializer_class = DeliverableOut
    queryset = Deliverable.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.list_deliverables_for(self.request.auth.organization_id)

    @extend_schema(
        summary="Show a deliverable",
        description="`task_counts` says how many of its tasks are in each status. The ETag "
        "changes whenever the deliverable or any of its tasks changes.",
        parameters=[IF_NONE_MATCH],
        examples=[examples.DELIVERABLE],
        responses={200: DeliverableOut, 304: NOT_MODIFIED},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        deliverable = self.get_object()
        # The representation counts its tasks' statuses, so their changes are in its tag.
        tag = selectors.state_tag(deliverable)
        return conditional_get(request, tag, lambda: DeliverableOut(deliverable).data)

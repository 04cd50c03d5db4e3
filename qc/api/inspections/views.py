from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.conditional import if_match, versioned_response
from config.api.detail import DetailLookup
from config.api.idempotency import idempotent
from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember
from config.api.schema import IF_MATCH, IF_NONE_MATCH, Problem, response_headers
from config.api.uploads import DOWNLOAD_RESPONSES, download
from qc.api.inspections import examples
from qc.api.inspections.filters import InspectionFilter
from qc.api.inspections.serializers import EvidenceIn, EvidenceOut, InspectionOut, ReadingsIn
from qc.models import Evidence, Inspection
from qc.selectors import inspections as selectors
from qc.services import inspections as inspection_service

INSPECTING_REFUSED = OpenApiResponse(
    Problem,
    description="`inspector-role-required`: your role is not qc_inspector or admin; "
    "`four-eyes`: you (this user or API key) performed the attempt.",
)
CLOSED = OpenApiResponse(Problem, description="`inspection-closed`: it is already decided.")


@extend_schema(tags=["inspections"])
class InspectionViewSet(DetailLookup, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Inspections of the caller's organization; decided only by the task actions
    qc_accept and qc_reject."""

    permission_classes = [IsOrganizationMember]
    serializer_class = InspectionOut
    queryset = Inspection.objects.none()  # typed placeholder for the schema; see get_queryset
    lookup_value_regex = r"[0-9]+"
    filterset_class = InspectionFilter
    cursor_ordering = "-id"

    def get_queryset(self):
        return selectors.list_inspections_for(self.request.auth.organization_id)

    @extend_schema(summary="List inspections", examples=[examples.INSPECTION])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Show an inspection",
        parameters=[IF_NONE_MATCH],
        examples=[examples.INSPECTION],
        responses={200: InspectionOut, 304: OpenApiResponse(description="Not modified.")},
    )
    @response_headers({200: ("ETag",), 304: ("ETag",)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self.conditional_retrieve(request, lambda inspection: InspectionOut(inspection).data)

    @extend_schema(
        summary="Record readings",
        description="Record readings on an open inspection before it is decided; each replaces "
        "what was read for its item before, and the automatic verdict follows. Send the ETag "
        "you read as If-Match. A value its item cannot take is 422 with a pointer at "
        "`/readings/<index>/value`, and nothing is recorded.",
        parameters=[IF_MATCH],
        request=ReadingsIn,
        examples=[examples.READINGS, examples.INSPECTION],
        responses={200: InspectionOut, 403: INSPECTING_REFUSED, 409: CLOSED},
    )
    @response_headers({200: ("ETag",)})
    @action(detail=True, methods=["put"])
    def readings(self, request: Request, pk: str) -> Response:
        inspection = self.get_object()
        readings = parse(ReadingsIn, request.data)["readings"]
        with if_match(request) as expected:
            inspection_service.record_readings(
                inspection_id=inspection.pk,
                actor=request.auth,
                readings=[dict(reading) for reading in readings],
                expected_version=expected,
            )
        recorded = self.get_queryset().get(pk=inspection.pk)
        return versioned_response(InspectionOut(recorded).data, recorded.version)

    @extend_schema(
        summary="Attach evidence",
        description="Attach a file (multipart/form-data) for an evidence item of an open "
        "inspection; the item then passes. Download it from `download_url`.",
        request={"multipart/form-data": EvidenceIn},
        responses={
            201: EvidenceOut,
            403: INSPECTING_REFUSED,
            409: OpenApiResponse(
                Problem,
                description="`inspection-closed`: it is already decided; or a request with the "
                "same Idempotency-Key is still running.",
            ),
            415: Problem,
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    @idempotent
    def evidence(self, request: Request, pk: str) -> Response:
        command = parse(EvidenceIn, request.data)
        evidence = inspection_service.add_evidence(
            inspection_id=self.get_object().pk,
            actor=request.auth,
            item_key=command["item"],
            upload=command["file"],
        )
        return Response(EvidenceOut(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Download evidence", responses=DOWNLOAD_RESPONSES)
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>[0-9]+)/content")
    def evidence_content(self, request: Request, pk: str, evidence_id: str) -> FileResponse:
        try:
            evidence = selectors.get_evidence_for(request.auth.organization_id, pk, evidence_id)
        except Evidence.DoesNotExist:
            raise NotFound("No such evidence in your organization.") from None
        return download(evidence.file, name=evidence.name, content_type=evidence.content_type)

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.idempotency import idempotent
from config.api.parsing import parse
from config.api.permissions import IsOrganizationMember
from config.api.schema import Problem, ValidationProblem
from qc.api.signoffs import examples
from qc.api.signoffs.serializers import SignOffConflictProblem, SignOffIn, SignOffSheetOut
from qc.services import signoffs as signoff_service
from workflow.models import Deliverable


def deliverable_of(request: Request, deliverable_id: int) -> Deliverable:
    try:
        return signoff_service.get_deliverable_for(request.auth.organization_id, deliverable_id)
    except Deliverable.DoesNotExist:
        raise NotFound("No such deliverable in your organization.") from None


def sheet_response(deliverable: Deliverable, status_code: int = 200) -> Response:
    return Response(SignOffSheetOut(signoff_service.sheet_of(deliverable)).data, status=status_code)


@extend_schema(tags=["deliverables"])
class SignOffView(APIView):
    """The sign-off sheet of a deliverable of the caller's organization, and signing it."""

    permission_classes = [IsOrganizationMember]

    @extend_schema(
        summary="Show a deliverable's sign-offs",
        description="The roles its template version names, which have signed, which are still "
        "wanted, and every signature given, newest first (revoked ones too, with the reason).",
        examples=[examples.SHEET],
        responses={200: SignOffSheetOut},
    )
    def get(self, request: Request, deliverable_id: int) -> Response:
        return sheet_response(deliverable_of(request, deliverable_id))

    @extend_schema(
        summary="Sign a deliverable off",
        description="Sign for one role the deliverable's template version names; you must "
        "hold that role (an admin signs as admin only). Allowed once every task is done or "
        "cancelled and the latest inspection of every task that requires QC is accepted. "
        "One signature per role; the last required role's signature makes the deliverable "
        "`signed_off`. Reopening any of its tasks revokes the signatures. Answers with the "
        "sign-off sheet after your signature.",
        request=SignOffIn,
        examples=[examples.SIGN, examples.SHEET, examples.INCOMPLETE],
        responses={
            201: OpenApiResponse(SignOffSheetOut, description="Signed."),
            403: OpenApiResponse(
                Problem,
                description="`signer-role-required`: you do not hold the role you sign for.",
            ),
            409: OpenApiResponse(
                SignOffConflictProblem,
                description="`signoff-incomplete`: work is open, `missing` lists the open tasks "
                "and the QC tasks without an accepted latest inspection; `already-signed`: the "
                "role has signed, `signed_by` says who; or a request with the same "
                "Idempotency-Key is still running.",
            ),
            422: OpenApiResponse(
                ValidationProblem,
                description="`role` is not a role the deliverable's template version names "
                "(or no role at all), or the Idempotency-Key was first used for another request.",
            ),
        },
    )
    @idempotent
    def post(self, request: Request, deliverable_id: int) -> Response:
        deliverable = deliverable_of(request, deliverable_id)
        command = parse(SignOffIn, request.data)
        signoff_service.sign_deliverable(
            deliverable_id=deliverable.pk,
            actor=request.auth,
            role=command["role"],
            comment=command.get("comment", ""),
        )
        signed = deliverable_of(request, deliverable.pk)  # its status may have moved
        return sheet_response(signed, status.HTTP_201_CREATED)

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.schema import Problem
from config.api.text import TextField
from config.roles import Role
from qc.api.inspections.serializers import IdentityOut
from qc.models import SignOff
from workflow.models import Deliverable

COMMENT_MAX_LENGTH = SignOff._meta.get_field("comment").max_length


class SignOffIn(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=Role.choices,
        help_text="The role you sign for: one the deliverable's template version names, and "
        "your own.",
    )
    comment = TextField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True)


class SignOffOut(serializers.Serializer):
    """One role's signature; revoked (never deleted) when work of the deliverable reopened."""

    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)
    signer = serializers.SerializerMethodField()
    comment = serializers.CharField()
    signed_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField()

    @extend_schema_field(IdentityOut)
    def get_signer(self, signoff: SignOff) -> dict:
        return {
            "label": signoff.signer_label,
            "user": signoff.signer_user_id,
            "api_key": signoff.signer_api_key_id,
        }


class SignedDeliverableOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Deliverable.Status.choices)
    version = serializers.IntegerField()


def roles_field(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), help_text=help_text
    )


class SignOffSheetOut(serializers.Serializer):
    """Who signs a deliverable off, who has, and every signature given (newest first)."""

    deliverable = SignedDeliverableOut()
    required_roles = roles_field("The roles its template version names.")
    signed_roles = roles_field("Required roles with a standing signature.")
    outstanding_roles = roles_field("Required roles still to sign.")
    signoffs = SignOffOut(many=True)


class MissingWorkOut(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            ("task", "An open task"),
            ("inspection", "A QC task whose latest inspection is not accepted"),
        ]
    )
    task_id = serializers.IntegerField()
    node_key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(
        allow_null=True,
        help_text="The task's status; for an inspection, the inspection's (null: none yet).",
    )
    inspection_id = serializers.IntegerField(allow_null=True, required=False)
    attempt = serializers.IntegerField(allow_null=True, required=False)


class SignedByOut(IdentityOut):
    signed_at = serializers.DateTimeField()


class SignOffConflictProblem(Problem):
    """`signoff-incomplete` with `missing`, or `already-signed` with `signed_by`."""

    missing = MissingWorkOut(many=True, required=False)
    signed_by = SignedByOut(required=False)

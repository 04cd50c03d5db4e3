"""Sign-off: one signature per role the template version names, on a deliverable whose work is
finished; the last one signs the deliverable off. Reopened work revokes them.

A signature locks the deliverable row first and takes no task lock, so it never waits for a
task while holding the deliverable: a task action locks its task, then the deliverable.
"""

from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from config.principal import Principal
from config.roles import Role
from config.transactions import use_case
from qc.exceptions import AlreadySigned, RoleSignsNothingHere, SignerRoleRequired, SignoffIncomplete
from qc.models import Inspection, SignOff
from workflow.models import Deliverable, Task
from workflow.models.tasks import SETTLED_STATUSES
from workflow.services import deliverables as deliverable_service

REVOKED_REASON_MAX_LENGTH = SignOff._meta.get_field("revoked_reason").max_length


@dataclass(frozen=True)
class SignOffSheet:
    """Who must sign a deliverable, who has, and every signature given, newest first."""

    deliverable: Deliverable
    required_roles: list[str]
    signoffs: list[SignOff]

    @property
    def signed_roles(self) -> list[str]:
        signed = {signoff.role for signoff in self.signoffs if signoff.revoked_at is None}
        return [role for role in self.required_roles if role in signed]

    @property
    def outstanding_roles(self) -> list[str]:
        signed = set(self.signed_roles)
        return [role for role in self.required_roles if role not in signed]


def get_deliverable_for(organization_id: int, deliverable_id: int) -> Deliverable:
    """The organization's deliverable with the roles that sign it; another's does not exist."""
    return Deliverable.objects.select_related("template_version").get(
        organization_id=organization_id, pk=deliverable_id
    )


def standing_signoffs(deliverable_id: int) -> QuerySet[SignOff]:
    return SignOff.objects.filter(deliverable_id=deliverable_id, revoked_at__isnull=True)


def sheet_of(deliverable: Deliverable) -> SignOffSheet:
    signoffs = SignOff.objects.filter(deliverable=deliverable).order_by("-signed_at", "-id")
    return SignOffSheet(
        deliverable, list(deliverable.template_version.signoff_roles), list(signoffs)
    )


def _open_tasks(deliverable: Deliverable) -> list[dict]:
    rows = (
        Task.objects.filter(deliverable=deliverable)
        .exclude(status__in=SETTLED_STATUSES)
        .order_by("id")
        .values("id", "node_key", "title", "status")
    )
    return [{"kind": "task", "task_id": row.pop("id"), **row} for row in rows]


def _unaccepted_inspections(deliverable: Deliverable) -> list[dict]:
    latest = Inspection.objects.filter(task=OuterRef("pk")).order_by("-attempt")
    rows = (
        Task.objects.filter(deliverable=deliverable, requires_qc=True)
        .exclude(status=Task.Status.CANCELLED)
        .annotate(
            inspection_id=Subquery(latest.values("pk")[:1]),
            attempt_inspected=Subquery(latest.values("attempt")[:1]),
            inspection_status=Subquery(latest.values("status")[:1]),
        )
        .filter(
            Q(inspection_status__isnull=True) | ~Q(inspection_status=Inspection.Status.ACCEPTED)
        )
        .order_by("id")
        .values(
            "id", "node_key", "title", "inspection_id", "attempt_inspected", "inspection_status"
        )
    )
    return [
        {
            "kind": "inspection",
            "task_id": row["id"],
            "node_key": row["node_key"],
            "title": row["title"],
            "inspection_id": row["inspection_id"],
            "attempt": row["attempt_inspected"],
            "status": row["inspection_status"],
        }
        for row in rows
    ]


def missing_for_signoff(deliverable: Deliverable) -> list[dict]:
    """What the deliverable still waits for: open tasks, then QC tasks not accepted last time."""
    return _open_tasks(deliverable) + _unaccepted_inspections(deliverable)


def _check_signer(role: str, required: list[str], actor: Principal) -> None:
    if role not in required:
        wanted = ", ".join(required) or "no role"
        detail = f"This deliverable is signed off by {wanted}; {role} does not sign it."
        error = {"pointer": "/role", "detail": detail, "code": "role_not_required"}
        raise RoleSignsNothingHere(detail, errors=[error])
    if actor.role != role:
        raise SignerRoleRequired(
            f"Your role ({actor.role}) may sign only for itself, not for {Role(role).label}."
        )


def _ensure_unsigned(deliverable: Deliverable, role: str) -> None:
    signed = standing_signoffs(deliverable.pk).filter(role=role).first()
    if signed is not None:
        raise AlreadySigned(
            f"{signed.signer_label} already signed this deliverable as {role}.",
            signed_by={
                "label": signed.signer_label,
                "user": signed.signer_user_id,
                "api_key": signed.signer_api_key_id,
                "signed_at": signed.signed_at.isoformat(),
            },
        )


@use_case
def sign_deliverable(
    *, deliverable_id: int, actor: Principal, role: str, comment: str = ""
) -> SignOff:
    """Sign a finished deliverable for `role`; the last required role signs it off."""
    deliverable = deliverable_service.lock_for_signoff(
        deliverable_id=deliverable_id, organization_id=actor.organization_id, actor=actor
    )
    required = list(deliverable.template_version.signoff_roles)
    _check_signer(role, required, actor)
    if missing := missing_for_signoff(deliverable):
        tasks = sum(entry["kind"] == "task" for entry in missing)
        detail = (
            f"Not signed: {tasks} task(s) open, {len(missing) - tasks} QC task(s) without an "
            "accepted inspection; `missing` lists them."
        )
        raise SignoffIncomplete(detail, missing=missing)
    _ensure_unsigned(deliverable, role)
    signoff = SignOff.objects.create(
        organization_id=deliverable.organization_id,
        deliverable=deliverable,
        role=role,
        signer_user_id=actor.user_id,
        signer_api_key_id=actor.api_key_id,
        signer_label=str(actor),
        comment=comment,
    )
    signed = set(standing_signoffs(deliverable.pk).values_list("role", flat=True))
    if signed >= set(required):
        deliverable_service.sign_off_deliverable(
            deliverable_id=deliverable.pk, actor=actor, signed_roles=sorted(signed)
        )
    return signoff


def revoke_signoffs(*, deliverable_id: int, reason: str) -> int:
    """Revoke the deliverable's standing signatures in the caller's transaction; count them."""
    return standing_signoffs(deliverable_id).update(
        revoked_at=timezone.now(), revoked_reason=reason[:REVOKED_REASON_MAX_LENGTH]
    )

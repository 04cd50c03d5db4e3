"""A deliverable's status follows its tasks: ready for sign-off when the last one settles, back in
progress when one reopens, signed off when qc says every required role has signed.

The task use case calls `task_settled` and `task_reopened` after it changed a task and its
dependents, in its transaction, so a deliverable row is always locked after task rows, never
before. Its tasks are read after that lock is granted: of two last tasks settling at once, the
second to lock the deliverable sees the first committed, and exactly one of them moves it.
"""

import outbox
from config.aggregates import SYSTEM_ACTOR
from config.principal import Principal
from config.transactions import use_case
from workflow import events
from workflow.models import Deliverable, DeliverableEvent, Task
from workflow.models.tasks import SETTLED_STATUSES

SAVED_FIELDS = ["status", "version", "updated_at"]
AWAITING_OR_SIGNED = (Deliverable.Status.READY_FOR_SIGNOFF, Deliverable.Status.SIGNED_OFF)


def lock_deliverable(deliverable_id: int, **scope) -> Deliverable:
    """Read a deliverable, and the roles that sign it off, with its row locked."""
    return (
        Deliverable.objects.select_for_update(of=("self",))
        .select_related("template_version")
        .get(pk=deliverable_id, **scope)
    )


def _has_open_tasks(deliverable: Deliverable) -> bool:
    return (
        Task.objects.filter(deliverable=deliverable).exclude(status__in=SETTLED_STATUSES).exists()
    )


def _move(deliverable: Deliverable, transition: str, event_type: str, actor, **details) -> None:
    from_status = deliverable.status
    getattr(deliverable, transition)()
    deliverable.version += 1
    deliverable.save(update_fields=SAVED_FIELDS)
    DeliverableEvent.record(
        deliverable, action=transition, actor=actor, from_status=from_status, payload=details
    )
    label = str(actor) if actor else SYSTEM_ACTOR
    outbox.emit(**events.deliverable_event(event_type, deliverable, actor=label, **details))


def _await_signoff(deliverable: Deliverable, actor: Principal | None, **cause) -> None:
    roles = list(deliverable.template_version.signoff_roles)
    _move(
        deliverable,
        "await_signoff",
        events.DELIVERABLE_READY_FOR_SIGNOFF,
        actor,
        signoff_roles=roles,
        **cause,
    )
    if not roles:  # a version that names no signer asks for no signature
        _move(deliverable, "sign_off", events.DELIVERABLE_SIGNED_OFF, actor, signed_roles=[])


def task_settled(task: Task, actor: Principal | None) -> Deliverable:
    """After a task is done or cancelled: the deliverable awaits sign-off once no task is open."""
    deliverable = lock_deliverable(task.deliverable_id)
    if deliverable.status == Deliverable.Status.IN_PROGRESS and not _has_open_tasks(deliverable):
        _await_signoff(deliverable, actor, task_id=task.pk, node_key=task.node_key)
    return deliverable


def task_reopened(task: Task, actor: Principal | None, reason: str) -> Deliverable:
    """After a task is reopened: a deliverable awaiting or past sign-off is in progress again."""
    deliverable = lock_deliverable(task.deliverable_id)
    if deliverable.status in AWAITING_OR_SIGNED:
        cause = {"task_id": task.pk, "node_key": task.node_key, "reason": reason}
        _move(deliverable, "revoke_signoff", events.DELIVERABLE_SIGNOFF_REVOKED, actor, **cause)
    return deliverable


def lock_for_signoff(*, deliverable_id: int, organization_id: int, actor: Principal) -> Deliverable:
    """Lock the organization's deliverable for a signature (qc calls this first).

    A deliverable whose tasks all settled before sign-off existed is moved to
    `ready_for_signoff` here, so it can be signed like any other.
    """
    deliverable = lock_deliverable(deliverable_id, organization_id=organization_id)
    if deliverable.status == Deliverable.Status.IN_PROGRESS and not _has_open_tasks(deliverable):
        _await_signoff(deliverable, actor, task_id=None, node_key="")
    return deliverable


@use_case
def sign_off_deliverable(
    *, deliverable_id: int, actor: Principal, signed_roles: list[str]
) -> Deliverable:
    """Close a deliverable awaiting sign-off once every role its version names has signed."""
    deliverable = lock_deliverable(deliverable_id)
    unsigned = set(deliverable.template_version.signoff_roles) - set(signed_roles)
    if unsigned:
        raise ValueError(f"Deliverable {deliverable_id} still waits for {sorted(unsigned)}.")
    _move(
        deliverable,
        "sign_off",
        events.DELIVERABLE_SIGNED_OFF,
        actor,
        signed_roles=sorted(signed_roles),
    )
    return deliverable

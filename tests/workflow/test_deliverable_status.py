"""A deliverable is ready for sign-off when its last task settles, and in progress again when a
task reopens: in the task action's transaction, exactly once however the actions interleave."""

import threading

import pytest
from django_fsm import TransitionNotAllowed

from config.roles import Role
from outbox.models import Notification, OutboxMessage
from outbox.services.drain import drain
from tests.accounts.factories import MembershipFactory
from tests.concurrency import run_concurrently
from tests.workflow.acting import act, finish, principal, tasks_of
from tests.workflow.factories import deliverable_with_tasks, rewrite_task, template_version
from workflow.models import Deliverable, DeliverableEvent, Task
from workflow.services import deliverables

pytestmark = pytest.mark.django_db

D = Deliverable.Status
REOPEN = {"reason": "The customer changed the size"}


def current(deliverable: Deliverable) -> Deliverable:
    return Deliverable.objects.get(pk=deliverable.pk)


def moves_of(deliverable: Deliverable) -> list[tuple[str, str, str]]:
    events = DeliverableEvent.objects.filter(deliverable=deliverable).order_by("version_after")
    return list(events.values_list("action", "from_status", "to_status"))


def messages(event_type: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(event_type=event_type).order_by("id"))


def finish_all_but(tasks: dict[str, Task], last: str | None, actor) -> None:
    """Finish the garment's tasks in dependency order, all but `last`."""
    for key in ("cut", "sew", "embroider", "press", "pack"):
        if key != last:
            finish(tasks[key], actor)


def ready_garment(organization, actor, **version) -> Deliverable:
    deliverable = deliverable_with_tasks(organization, template_version(organization, **version))
    finish_all_but(tasks_of(deliverable), None, actor)
    return current(deliverable)


def test_the_deliverable_awaits_signoff_when_its_last_task_is_done_and_not_before(garment, admin):
    deliverable = garment["cut"].deliverable
    finish_all_but(garment, "pack", admin)
    assert (current(deliverable).status, moves_of(deliverable)) == (D.IN_PROGRESS, [])

    finish(garment["pack"], admin)

    moved = current(deliverable)
    assert (moved.status, moved.version) == (D.READY_FOR_SIGNOFF, deliverable.version + 1)
    assert moves_of(deliverable) == [("await_signoff", D.IN_PROGRESS, D.READY_FOR_SIGNOFF)]
    [ready] = messages("deliverable.ready_for_signoff")
    assert ready.aggregate_id == str(deliverable.pk)
    assert ready.payload["deliverable"]["status"] == D.READY_FOR_SIGNOFF
    assert (ready.payload["task_id"], ready.payload["signoff_roles"]) == (
        garment["pack"].pk,
        ["admin"],
    )


def test_cancelling_the_last_open_task_settles_the_deliverable_too(garment, admin):
    finish_all_but(garment, "pack", admin)

    act(garment["pack"], "cancel", admin, {"reason": "Shipped loose"})

    assert current(garment["pack"].deliverable).status == D.READY_FOR_SIGNOFF


@pytest.mark.parametrize("signed", [False, True], ids=["ready", "signed_off"])
def test_reopening_a_task_puts_a_ready_or_signed_deliverable_back_in_progress(
    organization, admin, signed
):
    deliverable = ready_garment(organization, admin)
    if signed:
        deliverables.sign_off_deliverable(
            deliverable_id=deliverable.pk, actor=admin, signed_roles=["admin"]
        )
    pressed = tasks_of(deliverable)["press"]

    act(pressed, "reopen", admin, REOPEN)

    assert current(deliverable).status == D.IN_PROGRESS
    assert moves_of(deliverable)[-1] == (
        "revoke_signoff",
        D.SIGNED_OFF if signed else D.READY_FOR_SIGNOFF,
        D.IN_PROGRESS,
    )
    [revoked] = messages("deliverable.signoff_revoked")
    assert (revoked.payload["task_id"], revoked.payload["reason"]) == (pressed.pk, REOPEN["reason"])


def test_reopening_a_task_of_a_deliverable_in_progress_leaves_the_deliverable_alone(garment, admin):
    finish(garment["cut"], admin)
    before = current(garment["cut"].deliverable)

    act(garment["cut"], "reopen", admin, REOPEN)

    assert current(before).version == before.version
    assert messages("deliverable.signoff_revoked") == []


def test_finishing_the_reopened_work_makes_the_deliverable_ready_again(organization, admin):
    deliverable = ready_garment(organization, admin)
    packed = tasks_of(deliverable)["pack"]
    act(packed, "reopen", admin, REOPEN)

    finish(packed, admin)

    assert [move[0] for move in moves_of(deliverable)] == [
        "await_signoff",
        "revoke_signoff",
        "await_signoff",
    ]
    assert current(deliverable).status == D.READY_FOR_SIGNOFF


def test_a_version_that_names_no_signer_is_signed_off_with_its_last_task(organization, admin):
    deliverable = ready_garment(organization, admin, signoff_roles=())

    assert deliverable.status == D.SIGNED_OFF
    assert [move[0] for move in moves_of(deliverable)] == ["await_signoff", "sign_off"]
    assert [m.payload["signed_roles"] for m in messages("deliverable.signed_off")] == [[]]


def test_signing_off_closes_a_ready_deliverable_once_every_role_signed(organization, admin):
    deliverable = ready_garment(organization, admin, signoff_roles=("qc_inspector", "admin"))
    sign = deliverables.sign_off_deliverable

    with pytest.raises(ValueError, match="qc_inspector"):
        sign(deliverable_id=deliverable.pk, actor=admin, signed_roles=["admin"])
    signed = sign(
        deliverable_id=deliverable.pk, actor=admin, signed_roles=["admin", "qc_inspector"]
    )

    assert (signed.status, current(deliverable).status) == (D.SIGNED_OFF, D.SIGNED_OFF)
    [message] = messages("deliverable.signed_off")
    assert message.payload["signed_roles"] == ["admin", "qc_inspector"]


def test_a_deliverable_with_open_work_cannot_be_signed_off(garment, admin):
    deliverable = garment["cut"].deliverable

    with pytest.raises(TransitionNotAllowed):
        deliverables.sign_off_deliverable(
            deliverable_id=deliverable.pk, actor=admin, signed_roles=["admin"]
        )

    assert current(deliverable).status == D.IN_PROGRESS


def test_a_deliverable_finished_before_signoff_existed_is_caught_up_when_locked_for_it(
    garment, admin, organization
):
    for task in garment.values():  # settled without the task actions, as old rows were
        rewrite_task(task, status=Task.Status.DONE)
    deliverable = garment["cut"].deliverable

    locked = deliverables.lock_for_signoff(
        deliverable_id=deliverable.pk, organization_id=organization.pk, actor=admin
    )

    assert (locked.status, current(deliverable).status) == (D.READY_FOR_SIGNOFF,) * 2
    with pytest.raises(Deliverable.DoesNotExist):  # another organization's is not found
        deliverables.lock_for_signoff(
            deliverable_id=deliverable.pk, organization_id=organization.pk + 1, actor=admin
        )


def test_members_holding_a_signing_role_are_told_the_deliverable_is_ready(
    organization, admin, recording
):
    signers = [
        MembershipFactory(organization=organization, role=role).user
        for role in (Role.QC_INSPECTOR, Role.ADMIN)
    ]
    agent = MembershipFactory(organization=organization, role=Role.AGENT).user
    ready_garment(organization, admin, signoff_roles=("qc_inspector", "admin"))

    drain()

    told = Notification.objects.filter(event_type="deliverable.ready_for_signoff")
    recipients = set(told.values_list("recipient_id", flat=True))
    assert recipients == {admin.user_id, *(user.pk for user in signers)}
    assert not told.filter(recipient=agent).exists()
    notice = told.first()
    assert (notice.title, notice.body) == (
        "Order 1001 is ready for sign-off",
        "Every task is done or cancelled. Signatures wanted: QC inspector, Admin.",
    )


# --- concurrency: real threads, each on its own connection ---


def meeting_before_the_deliverable_lock(monkeypatch, parties: int) -> None:
    """Hold each transaction, its task already changed, until all reach the deliverable lock.

    Without the lock both would count the other's task as open and neither would move it.
    """
    barrier = threading.Barrier(parties, timeout=10)
    lock = deliverables.lock_deliverable

    def meet_then_lock(deliverable_id, **scope):
        barrier.wait()
        return lock(deliverable_id, **scope)

    monkeypatch.setattr(deliverables, "lock_deliverable", meet_then_lock)


def two_independent_tasks(organization, actor) -> tuple[Deliverable, Task, Task]:
    deliverable = deliverable_with_tasks(
        organization, template_version(organization, ["a", "b"], [])
    )
    first, second = tasks_of(deliverable)["a"], tasks_of(deliverable)["b"]
    for task in (first, second):
        act(task, "start", actor)
    return deliverable, first, second


@pytest.mark.django_db(transaction=True)
def test_two_last_tasks_settling_at_once_move_the_deliverable_exactly_once(
    organization, monkeypatch
):
    admin = principal(organization)
    deliverable, first, second = two_independent_tasks(organization, admin)
    meeting_before_the_deliverable_lock(monkeypatch, 2)
    queue = [first, second]

    run_concurrently(lambda: act(queue.pop(), "complete", admin), 2)

    assert current(deliverable).status == D.READY_FOR_SIGNOFF
    assert moves_of(deliverable) == [("await_signoff", D.IN_PROGRESS, D.READY_FOR_SIGNOFF)]
    assert len(messages("deliverable.ready_for_signoff")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reopen_racing_the_last_settle_never_leaves_the_deliverable_ready(
    organization, monkeypatch
):
    admin = principal(organization)
    deliverable, first, second = two_independent_tasks(organization, admin)
    act(first, "complete", admin)
    meeting_before_the_deliverable_lock(monkeypatch, 2)
    jobs = [lambda: act(first, "reopen", admin, REOPEN), lambda: act(second, "complete", admin)]

    run_concurrently(lambda: jobs.pop()(), 2)

    # Whichever locked the deliverable first, the reopened task keeps it in progress.
    assert current(deliverable).status == D.IN_PROGRESS
    assert [move[0] for move in moves_of(deliverable)] in ([], ["await_signoff", "revoke_signoff"])

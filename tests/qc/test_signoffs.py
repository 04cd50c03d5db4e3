"""Sign-off: refused while work is open (saying what is missing), one signature per role, the
last role signs the deliverable off, and reopened work revokes them in the same transaction."""

import threading

import pytest
from django.urls import reverse

from config.roles import Role
from outbox.models import OutboxMessage
from qc.api.signoffs import examples
from qc.exceptions import AlreadySigned, SignerRoleRequired, SignoffIncomplete
from qc.models import Inspection, SignOff
from qc.services.signoffs import missing_for_signoff, sign_deliverable
from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import OrganizationFactory
from tests.concurrency import run_concurrently
from tests.problems import assert_problem
from tests.workflow.acting import act, finish, member, tasks_of
from tests.workflow.factories import deliverable_with_tasks, rewrite_task, template_version
from workflow import hooks
from workflow.models import Deliverable, DeliverableEvent, Task
from workflow.services import deliverables as deliverable_service

pytestmark = pytest.mark.django_db

D = Deliverable.Status
SIGNERS = ("qc_inspector", "admin")
REOPEN = {"reason": "The customer changed the size"}


def signoffs_url(deliverable_id: int) -> str:
    return f"/api/v1/deliverables/{deliverable_id}/signoffs"


def current(deliverable_id: int) -> Deliverable:
    return Deliverable.objects.get(pk=deliverable_id)


def order_of(organization) -> dict[str, Task]:
    """The garment, its sew task inspected (a bare verdict), signed by QC and an admin."""
    version = template_version(organization, requires_qc=("sew",), signoff_roles=SIGNERS)
    return tasks_of(deliverable_with_tasks(organization, version))


@pytest.fixture
def order(organization) -> dict[str, Task]:
    return order_of(organization)


def sew_in_review(tasks, performer) -> None:
    finish(tasks["cut"], performer)
    act(tasks["sew"], "start", performer)
    act(tasks["sew"], "submit", performer)


def finish_order(tasks, performer, inspector) -> int:
    """Do all the work, sew accepted by `inspector`; return the deliverable's id."""
    sew_in_review(tasks, performer)
    act(tasks["sew"], "qc_accept", inspector, {"readings": []})
    for key in ("embroider", "press", "pack"):
        finish(tasks[key], performer)
    return tasks["cut"].deliverable_id


@pytest.fixture
def finished(order, performer, inspector) -> int:
    return finish_order(order, performer, inspector)


def sign_as(actor, deliverable_id: int, role: str | None = None) -> SignOff:
    return sign_deliverable(deliverable_id=deliverable_id, actor=actor, role=role or actor.role)


def standing(deliverable_id: int):
    return SignOff.objects.filter(deliverable_id=deliverable_id, revoked_at__isnull=True)


def signed_off(deliverable_id: int, organization) -> list[SignOff]:
    return [sign_as(member(organization, role), deliverable_id) for role in SIGNERS]


def messages(event_type: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(event_type=event_type).order_by("id"))


# --- what is missing ---


def test_signing_is_refused_while_work_is_open_and_the_problem_lists_what_is_missing(
    client_for, order, performer
):
    sew_in_review(order, performer)
    inspection = Inspection.objects.get(task=order["sew"])

    response = client_for(Role.QC_INSPECTOR).post(
        signoffs_url(order["cut"].deliverable_id), examples.SIGN.value, format="json"
    )

    body = assert_problem(response, 409, "signoff-incomplete")
    open_tasks = [(e["node_key"], e["status"]) for e in body["missing"] if e["kind"] == "task"]
    assert open_tasks == [
        ("sew", "in_review"),
        ("embroider", "ready"),
        ("press", "blocked"),
        ("pack", "blocked"),
    ]
    assert body["missing"][-1] == {
        "kind": "inspection",
        "task_id": order["sew"].pk,
        "node_key": "sew",
        "title": "Sew",
        "inspection_id": inspection.pk,
        "attempt": 1,
        "status": "open",
    }
    assert set(body["missing"][0]) == set(examples.INCOMPLETE.value["missing"][0])
    assert not SignOff.objects.exists()


def test_only_the_latest_inspection_of_a_qc_task_counts(order, performer, inspector):
    sew_in_review(order, performer)
    act(order["sew"], "qc_reject", inspector, {"reason": "Open seam", "defects": []})
    deliverable = current(order["cut"].deliverable_id)

    *_, inspection = missing_for_signoff(deliverable)
    assert (inspection["kind"], inspection["status"], inspection["attempt"]) == (
        "inspection",
        "rejected",
        1,
    )
    act(order["sew"], "start", performer)
    act(order["sew"], "submit", performer)
    act(order["sew"], "qc_accept", inspector, {"readings": []})

    assert all(entry["kind"] == "task" for entry in missing_for_signoff(deliverable))


def test_a_done_qc_task_without_an_accepted_inspection_is_missing(order, organization):
    for task in order.values():  # settled around the inspections, as data from before QC was
        rewrite_task(task, status=Task.Status.DONE)
    inspector = member(organization, Role.QC_INSPECTOR)

    with pytest.raises(SignoffIncomplete) as refused:
        sign_as(inspector, order["cut"].deliverable_id)

    assert refused.value.extensions["missing"] == [
        {
            "kind": "inspection",
            "task_id": order["sew"].pk,
            "node_key": "sew",
            "title": "Sew",
            "inspection_id": None,
            "attempt": None,
            "status": None,
        }
    ]
    assert current(order["cut"].deliverable_id).status == D.IN_PROGRESS  # rolled back whole


def test_cancelled_tasks_need_neither_finishing_nor_an_inspection(order, performer, organization):
    admin = member(organization, Role.ADMIN)
    finish(order["cut"], performer)
    act(order["sew"], "cancel", admin, {"reason": "Sewn by the supplier"})
    for key in ("embroider", "press", "pack"):
        finish(order[key], performer)

    sign_as(member(organization, Role.QC_INSPECTOR), order["cut"].deliverable_id)

    assert standing(order["cut"].deliverable_id).count() == 1


# --- signing ---


def test_signing_a_finished_deliverable_records_the_signature_and_the_last_role_signs_it_off(
    client_for, finished
):
    first = client_for(Role.QC_INSPECTOR).post(
        signoffs_url(finished), examples.SIGN.value, format="json"
    )

    assert first.status_code == 201
    sheet = first.json()
    assert sheet["deliverable"]["status"] == D.READY_FOR_SIGNOFF
    assert (sheet["signed_roles"], sheet["outstanding_roles"]) == (["qc_inspector"], ["admin"])
    assert sheet["signoffs"][0]["comment"] == examples.SIGN.value["comment"]
    assert messages("deliverable.signed_off") == []

    last = client_for(Role.ADMIN).post(signoffs_url(finished), {"role": "admin"}, format="json")

    sheet = last.json()
    assert (last.status_code, sheet["deliverable"]["status"]) == (201, D.SIGNED_OFF)
    assert (sheet["signed_roles"], sheet["outstanding_roles"]) == (["qc_inspector", "admin"], [])
    assert [role["role"] for role in sheet["signoffs"]] == ["admin", "qc_inspector"]
    [signed_off] = messages("deliverable.signed_off")
    assert signed_off.payload["signed_roles"] == ["admin", "qc_inspector"]
    assert DeliverableEvent.objects.filter(deliverable_id=finished, action="sign_off").count() == 1


def test_the_documented_sheet_has_the_shape_of_a_real_one(client_for, finished):
    client_for(Role.QC_INSPECTOR).post(signoffs_url(finished), examples.SIGN.value, format="json")

    sheet = client_for(Role.VIEWER).get(signoffs_url(finished)).json()

    documented = examples.SHEET.value
    signoff, documented_signoff = sheet["signoffs"][0], documented["signoffs"][0]
    assert set(sheet) == set(documented)
    assert set(sheet["deliverable"]) == set(documented["deliverable"])
    assert set(signoff) == set(documented_signoff)
    assert set(signoff["signer"]) == set(documented_signoff["signer"])


def test_reading_the_sheet_costs_two_queries(
    client_for, finished, organization, django_assert_max_num_queries
):
    signed_off(finished, organization)
    viewer = client_for(Role.VIEWER)
    viewer.get("/api/v1/me")  # the key's cache entry, as any later request finds it

    # The deliverable with its template version, then its signatures.
    with django_assert_max_num_queries(2):
        assert len(viewer.get(signoffs_url(finished)).json()["signoffs"]) == 2


def test_each_role_signs_once_and_a_second_signature_names_the_first_signer(
    client_for, finished, organization
):
    first = member(organization, Role.QC_INSPECTOR)
    sign_as(first, finished)

    again = client_for(Role.QC_INSPECTOR).post(
        signoffs_url(finished), {"role": "qc_inspector"}, format="json"
    )

    body = assert_problem(again, 409, "already-signed")
    assert (body["signed_by"]["label"], body["signed_by"]["user"]) == (str(first), first.user_id)
    assert standing(finished).count() == 1
    with pytest.raises(AlreadySigned):
        sign_as(member(organization, Role.QC_INSPECTOR), finished)


def test_a_role_the_template_version_does_not_name_is_invalid(client_for, finished):
    agent = client_for(Role.AGENT)

    not_a_signer = agent.post(signoffs_url(finished), {"role": "agent"}, format="json")
    not_a_role = agent.post(signoffs_url(finished), {"role": "boss"}, format="json")

    body = assert_problem(not_a_signer, 422, "validation-error")
    assert body["errors"][0]["pointer"] == "/role"
    assert "qc_inspector, admin" in body["detail"]
    assert_problem(not_a_role, 422, "validation-error")
    assert not SignOff.objects.exists()


@pytest.mark.parametrize(
    ("caller", "role"), [(Role.ADMIN, "qc_inspector"), (Role.QC_INSPECTOR, "admin")]
)
def test_the_signer_must_hold_the_role_even_an_admin(client_for, finished, caller, role):
    response = client_for(caller).post(signoffs_url(finished), {"role": role}, format="json")

    body = assert_problem(response, 403, "signer-role-required")
    assert f"Your role ({caller})" in body["detail"]
    assert not SignOff.objects.exists()


def test_a_retried_signature_with_its_idempotency_key_is_replayed(client_for, finished):
    inspector = client_for(Role.QC_INSPECTOR)
    sign = {"HTTP_IDEMPOTENCY_KEY": "5d8f2b1c-8a55-4c1e-9f0e-0b7e4c1a3a90"}

    first = inspector.post(signoffs_url(finished), examples.SIGN.value, format="json", **sign)
    retry = inspector.post(signoffs_url(finished), examples.SIGN.value, format="json", **sign)
    other = inspector.post(signoffs_url(finished), {"role": "qc_inspector"}, format="json", **sign)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert_problem(other, 422, "idempotency-key-reused")
    assert standing(finished).count() == 1


def test_another_organizations_deliverable_is_not_found(client_for, finished):
    elsewhere = OrganizationFactory()
    theirs = order_of(elsewhere)["cut"].deliverable_id
    mine = client_for(Role.QC_INSPECTOR)

    assert_problem(mine.get(signoffs_url(theirs)), 404, "not-found")
    assert_problem(mine.post(signoffs_url(theirs), {"role": "qc_inspector"}), 404, "not-found")
    assert not SignOff.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_two_last_signatures_at_once_sign_the_deliverable_off_exactly_once(
    organization, monkeypatch
):
    tasks = order_of(organization)
    deliverable_id = finish_order(
        tasks, member(organization, Role.AGENT), member(organization, Role.QC_INSPECTOR)
    )
    signers = [member(organization, role) for role in SIGNERS]
    # Both reach the deliverable's lock together: unserialized, each would count only its own.
    barrier, lock = threading.Barrier(2, timeout=10), deliverable_service.lock_for_signoff

    def meet_then_lock(**arguments):
        barrier.wait()
        return lock(**arguments)

    monkeypatch.setattr(deliverable_service, "lock_for_signoff", meet_then_lock)

    run_concurrently(lambda: sign_as(signers.pop(), deliverable_id), 2)

    assert current(deliverable_id).status == D.SIGNED_OFF
    assert len(messages("deliverable.signed_off")) == 1


# --- revocation ---


def test_reopening_a_task_revokes_the_signatures_and_puts_the_deliverable_back_in_progress(
    client_for, finished, order, organization
):
    signed_off(finished, organization)

    act(order["press"], "reopen", member(organization, Role.ADMIN), REOPEN)

    assert current(finished).status == D.IN_PROGRESS
    assert not standing(finished).exists()
    reasons = set(SignOff.objects.values_list("revoked_reason", flat=True))
    assert len(reasons) == 1
    assert "Task press reopened" in reasons.pop()
    [revoked] = messages("deliverable.signoff_revoked")
    assert revoked.payload["reason"] == REOPEN["reason"]
    sheet = client_for(Role.VIEWER).get(signoffs_url(finished)).json()
    assert (sheet["signed_roles"], sheet["outstanding_roles"]) == ([], list(SIGNERS))
    assert all(signoff["revoked_at"] for signoff in sheet["signoffs"])


def test_signatures_given_while_awaiting_signoff_are_revoked_too(finished, order, organization):
    sign_as(member(organization, Role.QC_INSPECTOR), finished)

    act(order["pack"], "reopen", member(organization, Role.ADMIN), REOPEN)

    assert not standing(finished).exists()
    assert current(finished).status == D.IN_PROGRESS


def test_the_revocation_and_the_deliverable_move_commit_and_roll_back_with_the_reopen(
    finished, order, organization, monkeypatch
):
    signed_off(finished, organization)
    seen_inside = []

    def fail_after_the_others(change: hooks.TaskChange) -> None:
        seen_inside.append((current(finished).status, standing(finished).count()))
        raise RuntimeError("the reopen fails after every listener ran")

    monkeypatch.setattr(hooks, "_task_listeners", [*hooks._task_listeners, fail_after_the_others])

    with pytest.raises(RuntimeError):
        act(order["press"], "reopen", member(organization, Role.ADMIN), REOPEN)

    assert seen_inside == [(D.IN_PROGRESS, 0)]  # both visible together inside the reopen
    assert current(finished).status == D.SIGNED_OFF  # and both undone with it
    assert standing(finished).count() == 2
    assert Task.objects.get(pk=order["press"].pk).status == Task.Status.DONE
    assert messages("deliverable.signoff_revoked") == []


def test_a_revoked_role_signs_again_once_the_work_is_finished_again(
    finished, order, organization, performer
):
    signed_off(finished, organization)
    act(order["pack"], "reopen", member(organization, Role.ADMIN), REOPEN)
    finish(order["pack"], performer)

    signed_off(finished, organization)

    assert current(finished).status == D.SIGNED_OFF
    assert (SignOff.objects.count(), standing(finished).count()) == (4, 2)


# --- admin ---


def test_staff_sign_off_from_the_deliverable_page(finished, organization):
    staff = signed_in_admin(staff_member(organization, role=Role.ADMIN))
    sign_as(member(organization, Role.QC_INSPECTOR), finished)
    page = staff.get(reverse("admin:workflow_deliverable_change", args=[finished])).content
    form_url = f"{reverse('admin:qc_signoff_add')}?deliverable={finished}"
    assert form_url.encode() in page.replace(b"&amp;", b"&")
    assert staff.get(form_url).status_code == 200

    response = staff.post(form_url, {"deliverable": finished, "role": "admin", "comment": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:workflow_deliverable_change", args=[finished])
    assert current(finished).status == D.SIGNED_OFF
    assert standing(finished).get(role="admin").signer_user is not None


def test_the_admin_form_says_what_is_missing(order, organization, performer):
    staff = signed_in_admin(staff_member(organization, role=Role.ADMIN))
    sew_in_review(order, performer)
    form_url = reverse("admin:qc_signoff_add")
    deliverable_id = order["cut"].deliverable_id

    response = staff.post(
        form_url, {"deliverable": deliverable_id, "role": "admin", "comment": ""}, follow=True
    )

    page = response.content.decode()
    assert "Task pack is blocked." in page
    assert "The inspection of sew, attempt 1 is open." in page
    assert not SignOff.objects.exists()


def test_an_admin_signing_for_another_role_is_refused_with_the_rule(finished, organization):
    staff = signed_in_admin(staff_member(organization, role=Role.ADMIN))

    response = staff.post(
        reverse("admin:qc_signoff_add"),
        {"deliverable": finished, "role": "qc_inspector", "comment": ""},
        follow=True,
    )

    assert "may sign only for itself" in response.content.decode()
    with pytest.raises(SignerRoleRequired):
        sign_as(member(organization, Role.ADMIN), finished, "qc_inspector")
    assert not SignOff.objects.exists()


def test_the_admin_form_offers_only_the_staff_members_deliverables(finished, organization):
    staff = signed_in_admin(staff_member(organization, role=Role.ADMIN))
    theirs = order_of(OrganizationFactory())["cut"].deliverable_id
    search = {"app_label": "qc", "model_name": "signoff", "field_name": "deliverable"}

    found = staff.get(reverse("admin:autocomplete"), {**search, "term": "Order"}).json()

    assert [int(result["id"]) for result in found["results"]] == [finished]
    refused = staff.post(
        reverse("admin:qc_signoff_add"), {"deliverable": theirs, "role": "admin", "comment": ""}
    )
    assert refused.status_code == 200  # the form again, with the choice refused
    assert not SignOff.objects.exists()

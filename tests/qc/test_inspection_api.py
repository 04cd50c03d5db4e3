"""Inspections over HTTP: lists and filters, ETags, readings with If-Match, evidence files,
withdrawn inspections closed to both, and another organization's inspections as 404 on every
endpoint."""

import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.roles import Role
from qc.models import Evidence, Inspection, InspectionEvent, Reading
from qc.services.inspections import add_evidence
from tests.accounts.factories import OrganizationFactory
from tests.concurrency import inserts_lose_a_race
from tests.problems import assert_problem
from tests.qc.factories import (
    PASSING_READINGS,
    checklist_version,
    open_inspection_row,
    qc_deliverable,
)
from tests.uploads import stored_files
from tests.workflow.acting import act, finish, member, submitted_by, tasks_of

pytestmark = pytest.mark.django_db

PHOTO = b"\xff\xd8\xff\xe0 a label photo"


@pytest.fixture
def inspection(in_review) -> Inspection:
    return Inspection.objects.get(task=in_review)


@pytest.fixture
def inspector_api(client_for):
    return client_for(Role.QC_INSPECTOR)


def url(inspection: Inspection, tail: str = "") -> str:
    return f"/api/v1/inspections/{inspection.pk}{tail}"


def put_readings(client, inspection, readings, if_match='"1"'):
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    return client.put(
        url(inspection, "/readings"), {"readings": readings}, format="json", **headers
    )


def upload(
    client, inspection, item="label-photo", content=PHOTO, content_type="image/jpeg", **headers
):
    file = SimpleUploadedFile("label.jpg", content, content_type=content_type)
    return client.post(
        url(inspection, "/evidence"), {"item": item, "file": file}, format="multipart", **headers
    )


def withdrawn(task, organization) -> Inspection:
    """Cancel `task`, in review: its inspection is withdrawn."""
    act(task, "cancel", member(organization, Role.ADMIN), {"reason": "Dropped."})
    return Inspection.objects.get(task=task)


def evidence_in_another_organization() -> Evidence:
    """Evidence on an open inspection of another organization, and so that inspection."""
    organization = OrganizationFactory()
    performer = member(organization, Role.AGENT)
    tasks = tasks_of(qc_deliverable(organization, {"cut": checklist_version(organization)}))
    act(tasks["cut"], "start", performer)
    act(tasks["cut"], "submit", performer)
    return add_evidence(
        inspection_id=Inspection.objects.get(task=tasks["cut"]).pk,
        actor=member(organization, Role.QC_INSPECTOR),
        item_key="label-photo",
        upload=SimpleUploadedFile("theirs.jpg", PHOTO, content_type="image/jpeg"),
    )


# --- reading ---


def test_showing_an_inspection_gives_its_record_and_etag_then_304(
    inspector_api, inspection, performer, checklist
):
    response = inspector_api.get(url(inspection))
    unchanged = inspector_api.get(url(inspection), HTTP_IF_NONE_MATCH='"1"')

    assert (response.status_code, response["ETag"]) == (200, '"1"')
    body = response.json()
    assert (body["task"], body["node_key"], body["attempt"]) == (inspection.task_id, "sew", 1)
    assert body["checklist"] == {"id": checklist.pk, "key": "garment-final", "number": 1}
    assert body["performer"] == {
        "label": str(performer),
        "user": performer.user_id,
        "api_key": None,
    }
    assert (body["status"], body["inspector"], body["automatic_verdict"]) == ("open", None, "")
    assert body["failures"] == [
        {"item": "seams", "reason": "missing"},
        {"item": "chest-width", "reason": "missing"},
        {"item": "colour", "reason": "missing"},
    ]
    assert unchanged.status_code == 304


def test_a_decided_inspection_shows_its_inspector_readings_and_defects(
    organization, inspector_api, in_review, inspector
):
    defect = {"code": "open-seam", "severity": "major", "note": "hem", "item": "seams"}
    act(in_review, "qc_reject", inspector, {"reason": "Open seam.", "defects": [defect]})

    body = inspector_api.get(url(Inspection.objects.get(task=in_review))).json()

    assert (body["status"], body["reject_reason"], body["version"]) == ("rejected", "Open seam.", 2)
    assert body["inspector"]["user"] == inspector.user_id
    assert body["defects"] == [defect]
    assert body["decided_at"] is not None


def test_the_list_filters_by_task_deliverable_status_verdict_inspector_and_date(
    organization, client_for, garment, performer, inspector
):
    finish(garment["cut"], performer)
    for node_key in ("sew", "embroider"):
        act(garment[node_key], "start", performer)
        act(garment[node_key], "submit", performer)
    act(garment["sew"], "qc_accept", inspector, {"readings": PASSING_READINGS})
    sew, embroider = (Inspection.objects.get(task=garment[key]) for key in ("sew", "embroider"))
    reader = client_for(Role.VIEWER)

    def listed(query: str) -> list[int]:
        response = reader.get(f"/api/v1/inspections?{query}")
        assert response.status_code == 200, response.json()
        return [inspection["id"] for inspection in response.json()["results"]]

    assert listed("") == [embroider.pk, sew.pk]
    assert listed(f"task={garment['sew'].pk}") == [sew.pk]
    assert listed(f"deliverable={garment['sew'].deliverable_id}") == [embroider.pk, sew.pk]
    assert listed("open=true") == listed("status=open") == [embroider.pk]
    assert listed("open=false") == [sew.pk]
    assert listed("verdict=pass") == [sew.pk]
    assert listed(f"inspector={inspector.user_id}") == [sew.pk]
    assert listed("opened_after=2000-01-01T00:00:00Z") == [embroider.pk, sew.pk]
    assert listed("opened_before=2000-01-01T00:00:00Z") == []
    assert listed("limit=1") == [embroider.pk]
    assert_problem(reader.get("/api/v1/inspections?open=maybe"), 422, "validation-error")


def test_a_withdrawn_inspection_is_listed_as_closed_and_by_its_status_in_its_organization(
    organization, client_for, garment, performer
):
    theirs = open_inspection_row(OrganizationFactory())
    finish(garment["cut"], performer)
    for node_key in ("sew", "embroider"):
        act(garment[node_key], "start", performer)
        act(garment[node_key], "submit", performer)
    sew = withdrawn(garment["sew"], organization)
    embroider = Inspection.objects.get(task=garment["embroider"])
    reader = client_for(Role.VIEWER)

    def listed(query: str) -> list[int]:
        response = reader.get(f"/api/v1/inspections?{query}")
        assert response.status_code == 200, response.json()
        return [inspection["id"] for inspection in response.json()["results"]]

    assert listed("open=true") == listed("status=open") == [embroider.pk]
    assert listed("open=false") == listed("status=withdrawn") == [sew.pk]
    assert listed("status=withdrawn&status=open") == [embroider.pk, sew.pk]
    shown = reader.get(url(sew)).json()
    assert (shown["status"], shown["version"], shown["inspector"]) == ("withdrawn", 2, None)
    assert shown["decided_at"] is not None
    assert_problem(reader.get(url(theirs)), 404, "not-found")
    theirs.refresh_from_db()
    assert (theirs.status, theirs.version) == ("open", 1)


def test_a_date_range_keeps_the_inspections_opened_from_its_start_up_to_its_end(
    organization, client_for
):
    monday, tuesday, wednesday = (open_inspection_row(organization) for _ in range(3))
    for day, inspection in enumerate((monday, tuesday, wednesday), start=7):
        Inspection.objects.filter(pk=inspection.pk).update(
            opened_at=datetime(2026, 12, day, 10, tzinfo=UTC)
        )
    reader = client_for(Role.VIEWER)

    def listed(after: str, before: str) -> list[int]:
        query = urlencode({"opened_after": after, "opened_before": before})
        response = reader.get(f"/api/v1/inspections?{query}")
        assert response.status_code == 200, response.json()
        return [inspection["id"] for inspection in response.json()["results"]]

    assert listed("2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z") == [tuesday.pk]
    # The start is kept and the end is not.
    assert listed("2026-12-07T10:00:00Z", "2026-12-09T10:00:00Z") == [tuesday.pk, monday.pk]
    # 11:00 at +01:00 is Monday's 10:00.
    assert listed("2026-12-07T11:00:00+01:00", "2026-12-09T10:00:00.000001Z") == [
        wednesday.pk,
        tuesday.pk,
        monday.pk,
    ]
    assert listed("2026-12-09T10:00:00.000001Z", "2026-12-31T00:00:00Z") == []


# --- readings ---


def test_readings_are_recorded_with_if_match_and_the_verdict_follows(inspector_api, inspection):
    missing = put_readings(inspector_api, inspection, PASSING_READINGS, if_match=None)
    recorded = put_readings(inspector_api, inspection, PASSING_READINGS)
    stale = put_readings(inspector_api, inspection, PASSING_READINGS)

    assert_problem(missing, 428, "precondition-required")
    assert (recorded.status_code, recorded["ETag"]) == (200, '"2"')
    body = recorded.json()
    assert (body["automatic_verdict"], body["failures"]) == ("pass", [])
    assert [r["item"] for r in body["readings"]] == ["seams", "chest-width", "colour"]
    assert assert_problem(stale, 412, "precondition-failed")["current_version"] == 2
    assert InspectionEvent.objects.filter(inspection=inspection).count() == 2


def test_an_invalid_reading_is_422_pointing_at_its_value_and_records_nothing(
    inspector_api, inspection
):
    readings = [{"item": "seams", "value": "pass"}, {"item": "colour", "value": "purple"}]

    response = put_readings(inspector_api, inspection, readings)
    unknown = put_readings(inspector_api, inspection, [{"item": "sleeves", "value": "pass"}])

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"] == [
        {
            "pointer": "/readings/1/value",
            "detail": "colour takes one of: navy, black, faded.",
            "code": "invalid_reading",
        }
    ]
    assert assert_problem(unknown, 422, "validation-error")["errors"][0]["pointer"] == (
        "/readings/0/item"
    )
    inspection.refresh_from_db()
    assert (inspection.version, Reading.objects.count()) == (1, 0)


def test_readings_of_a_decided_inspection_are_refused(inspector_api, in_review, inspector):
    act(in_review, "qc_accept", inspector, {"readings": PASSING_READINGS})

    response = put_readings(inspector_api, Inspection.objects.get(task=in_review), [], '"2"')
    closed = put_readings(
        inspector_api, Inspection.objects.get(task=in_review), PASSING_READINGS[:1], '"2"'
    )

    assert_problem(response, 422, "validation-error")  # at least one reading
    assert assert_problem(closed, 409, "inspection-closed")["current_status"] == "accepted"


def test_a_withdrawn_inspection_takes_no_readings_or_evidence(
    organization, inspector_api, in_review
):
    inspection = withdrawn(in_review, organization)

    readings = put_readings(inspector_api, inspection, PASSING_READINGS[:1], '"2"')
    evidence = upload(inspector_api, inspection)

    for response in (readings, evidence):
        assert assert_problem(response, 409, "inspection-closed")["current_status"] == "withdrawn"
    inspection.refresh_from_db()
    assert (inspection.version, inspection.readings.count(), inspection.evidence.count()) == (
        2,
        0,
        0,
    )


def test_the_performer_and_other_roles_may_not_record_readings(client_for, garment, performer):
    key = client_for(Role.ADMIN)
    finish(garment["cut"], performer)
    inspection = Inspection.objects.get(task=submitted_by(key, garment["sew"]))

    assert_problem(put_readings(key, inspection, PASSING_READINGS), 403, "four-eyes")
    assert_problem(
        put_readings(client_for(Role.AGENT), inspection, PASSING_READINGS),
        403,
        "inspector-role-required",
    )
    assert put_readings(client_for(Role.ADMIN), inspection, PASSING_READINGS).status_code == 200


# --- evidence ---


def test_evidence_is_stored_privately_passes_its_item_and_downloads(
    inspector_api, inspection, settings
):
    created = upload(inspector_api, inspection)

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["item"], body["name"], body["size"]) == ("label-photo", "label.jpg", len(PHOTO))
    assert body["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    download = inspector_api.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PHOTO
    assert download["Content-Disposition"].startswith("attachment")
    stored = Evidence.objects.get()
    assert str(settings.PRIVATE_MEDIA_ROOT) in stored.file.path
    shown = inspector_api.get(url(inspection)).json()
    assert shown["version"] == 2
    assert [e["id"] for e in shown["evidence"]] == [stored.pk]
    assert shown["readings"][0]["item"] == "label-photo"
    assert shown["readings"][0]["passed"] is True


def test_evidence_for_an_item_that_takes_none_or_a_refused_type_is_refused(
    inspector_api, inspection
):
    not_evidence = upload(inspector_api, inspection, item="seams")
    refused_type = upload(inspector_api, inspection, content_type="application/x-msdownload")

    assert assert_problem(not_evidence, 422, "validation-error")["errors"][0]["pointer"] == "/item"
    assert_problem(refused_type, 415, "attachment-type-refused")
    assert not Evidence.objects.exists()


def test_a_retried_evidence_upload_replays_and_stores_the_file_once(
    inspector_api, inspection, settings
):
    key = str(uuid.uuid4())

    first = upload(inspector_api, inspection, HTTP_IDEMPOTENCY_KEY=key)
    retry = upload(inspector_api, inspection, HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Evidence.objects.count() == 1
    assert len(stored_files(settings)) == 1
    inspection.refresh_from_db()
    assert inspection.version == 2


@pytest.mark.parametrize(
    "changed",
    [{"content": PHOTO + b"!"}, {"item": "seams"}],
    ids=["another file", "another item"],
)
def test_the_same_key_with_other_evidence_is_422_and_stores_nothing(
    inspector_api, inspection, settings, changed
):
    key = str(uuid.uuid4())
    upload(inspector_api, inspection, HTTP_IDEMPOTENCY_KEY=key)

    response = upload(inspector_api, inspection, **changed, HTTP_IDEMPOTENCY_KEY=key)

    assert_problem(response, 422, "idempotency-key-reused")
    assert Evidence.objects.count() == 1
    assert len(stored_files(settings)) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [False, True], ids=["without key", "with key"])
def test_evidence_whose_transaction_rolls_back_leaves_no_file(
    inspector_api, inspection, settings, key
):
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if key else {}
    inspector_api.raise_request_exception = False

    with inserts_lose_a_race("qc_evidence"):
        lost = upload(inspector_api, inspection, **headers)
    kept = upload(inspector_api, inspection, **headers)

    assert_problem(lost, 503, "transaction-conflict")
    assert kept.status_code == 201
    [evidence] = Evidence.objects.all()
    assert stored_files(settings) == [Path(evidence.file.path)]


# --- tenancy ---


def test_another_organizations_inspection_is_404_on_every_endpoint(inspector_api, inspection):
    their_evidence = evidence_in_another_organization()
    theirs = their_evidence.inspection

    listed = inspector_api.get("/api/v1/inspections").json()["results"]
    assert [found["id"] for found in listed] == [inspection.pk]
    assert_problem(inspector_api.get(url(theirs)), 404, "not-found")
    assert_problem(put_readings(inspector_api, theirs, PASSING_READINGS, '"2"'), 404, "not-found")
    assert_problem(upload(inspector_api, theirs), 404, "not-found")
    content = f"/evidence/{their_evidence.pk}/content"
    assert_problem(inspector_api.get(url(theirs, content)), 404, "not-found")
    assert_problem(inspector_api.get(url(inspection, content)), 404, "not-found")
    huge = url(inspection, "/evidence/99999999999999999999999/content")
    assert_problem(inspector_api.get(huge), 404, "not-found")
    theirs.refresh_from_db()
    assert (theirs.version, theirs.readings.count(), theirs.evidence.count()) == (2, 1, 1)


def test_a_page_of_inspections_takes_as_many_queries_however_many_it_holds(
    organization, client_for, inspector
):
    reader = client_for(Role.VIEWER)
    performer = member(organization, Role.AGENT)
    checklist = checklist_version(organization)

    def decided_inspection() -> None:
        tasks = tasks_of(qc_deliverable(organization, {"cut": checklist}))
        act(tasks["cut"], "start", performer)
        act(tasks["cut"], "submit", performer)
        defects = [{"code": "stain", "severity": "minor", "item": "colour"}]
        payload = {"reason": "x", "defects": defects, "readings": PASSING_READINGS}
        act(tasks["cut"], "qc_reject", inspector, payload)

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reader.get("/api/v1/inspections").status_code == 200
        return len(captured)

    decided_inspection()
    queries_for_the_list()  # the key's first use is checked and cached
    one = queries_for_the_list()
    for _ in range(3):
        decided_inspection()

    assert queries_for_the_list() == one

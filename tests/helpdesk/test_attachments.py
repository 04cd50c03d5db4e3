import hashlib
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from config.api.text import validate_name
from helpdesk.models import Attachment
from tests.accounts.factories import OrganizationFactory
from tests.concurrency import inserts_lose_a_race, run_concurrently
from tests.helpdesk.factories import TicketFactory
from tests.problems import assert_problem
from tests.uploads import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def upload(
    api,
    ticket,
    content=b"%PDF-1.7 invoice",
    name="invoice.pdf",
    content_type="application/pdf",
    **headers,
):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return api.post(
        f"/api/v1/tickets/{ticket.key}/attachments", {"file": file}, format="multipart", **headers
    )


def test_attachment_is_stored_privately_and_downloaded_through_the_api(
    admin_api, organization, settings
):
    ticket = TicketFactory(organization=organization)

    created = upload(admin_api, ticket)
    download = admin_api.get(created.json()["download_url"])

    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["size"]) == ("invoice.pdf", 16)
    assert body["sha256"] == hashlib.sha256(b"%PDF-1.7 invoice").hexdigest()
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7 invoice"
    assert download["Content-Disposition"].startswith("attachment")
    stored = Attachment.objects.get()
    assert str(settings.PRIVATE_MEDIA_ROOT) in stored.file.path
    with pytest.raises(ValueError):
        stored.file.url  # noqa: B018  (no public URL exists)
    assert ticket.events.get().action == "attach"


def test_download_needs_credentials_and_the_right_organization(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    url = upload(admin_api, ticket).json()["download_url"]
    stranger = APIClient()

    assert stranger.get(url).status_code == 401
    other_ticket = TicketFactory(organization=OrganizationFactory())
    other_url = url.replace(ticket.key, other_ticket.key)
    assert admin_api.get(other_url).status_code == 404


def test_too_large_file_is_413(admin_api, organization, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = TicketFactory(organization=organization)

    response = upload(admin_api, ticket)

    assert response.status_code == 413
    assert response.json()["type"].endswith("/problems/attachment-too-large")
    assert response.json()["max_bytes"] == 10
    assert not Attachment.objects.exists()


def test_disallowed_type_is_415(admin_api, organization):
    ticket = TicketFactory(organization=organization)

    response = upload(admin_api, ticket, b"MZ...", "setup.exe", "application/x-msdownload")

    assert response.status_code == 415
    assert response.json()["type"].endswith("/problems/attachment-type-refused")
    assert not Attachment.objects.exists()


def test_missing_file_is_422(admin_api, organization):
    ticket = TicketFactory(organization=organization)

    response = admin_api.post(f"/api/v1/tickets/{ticket.key}/attachments", {}, format="multipart")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/file"


def test_attachments_are_listed(admin_api, organization):
    ticket = TicketFactory(organization=organization)
    upload(admin_api, ticket)

    listed = admin_api.get(f"/api/v1/tickets/{ticket.key}/attachments").json()["results"]

    assert [a["name"] for a in listed] == ["invoice.pdf"]


@pytest.mark.parametrize("name", ["report\r\nSet-Cookie: x=1.txt", "invoice\u202efdp.exe"])
def test_a_file_name_never_keeps_control_characters(admin_api, organization, name):
    ticket = TicketFactory(organization=organization)
    upload = SimpleUploadedFile(name, b"data", content_type="text/plain")

    response = admin_api.post(
        f"/api/v1/tickets/{ticket.key}/attachments", {"file": upload}, format="multipart"
    )

    # Refused, or cleaned by the multipart parser before it is ever a name.
    assert response.status_code in (201, 422)
    for attachment in Attachment.objects.all():
        validate_name(attachment.name)


# --- retries: Idempotency-Key, and files of rolled-back uploads ---


def test_a_retried_upload_replays_and_stores_the_file_once(admin_api, organization, settings):
    ticket = TicketFactory(organization=organization)
    key = str(uuid.uuid4())

    first = upload(admin_api, ticket, HTTP_IDEMPOTENCY_KEY=key)
    retry = upload(admin_api, ticket, HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Attachment.objects.count() == 1
    assert len(stored_files(settings)) == 1
    ticket.refresh_from_db()
    assert ticket.version == 2


@pytest.mark.parametrize(
    "changed",
    [
        {"content": b"%PDF-1.7 invoicf"},  # as long, one byte apart
        {"name": "invoice-2.pdf"},
        {"content_type": "text/plain"},
    ],
    ids=["bytes", "file name", "content type"],
)
def test_the_same_key_with_another_file_is_422_and_stores_nothing(
    admin_api, organization, settings, changed
):
    ticket = TicketFactory(organization=organization)
    key = str(uuid.uuid4())
    upload(admin_api, ticket, HTTP_IDEMPOTENCY_KEY=key)

    response = upload(admin_api, ticket, **changed, HTTP_IDEMPOTENCY_KEY=key)

    assert_problem(response, 422, "idempotency-key-reused")
    assert Attachment.objects.count() == 1
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize("key", [None, "retry-1"], ids=["without key", "with key"])
def test_an_upload_whose_transaction_rolls_back_leaves_no_file(
    organization, issue_key, settings, key
):
    ticket = TicketFactory(organization=organization)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization)}")
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}

    with inserts_lose_a_race("helpdesk_attachment"):
        response = upload(client, ticket, **headers)

    assert_problem(response, 503, "transaction-conflict")
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [False, True], ids=["without key", "with key"])
def test_a_committed_upload_keeps_its_file_and_a_rolled_back_one_leaves_none(
    organization, issue_key, settings, key
):
    ticket = TicketFactory(organization=organization)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization)}")
    headers = (lambda: {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}) if key else dict

    kept = upload(client, ticket, **headers())
    with inserts_lose_a_race("helpdesk_attachment"):
        lost = upload(client, ticket, name="other.pdf", **headers())

    assert kept.status_code == 201
    assert_problem(lost, 503, "transaction-conflict")
    [attachment] = Attachment.objects.all()
    assert stored_files(settings) == [Path(attachment.file.path)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_with_one_key_store_one_file(organization, issue_key, settings):
    ticket = TicketFactory(organization=organization)
    credentials = f"Bearer {issue_key(organization)}"
    key = str(uuid.uuid4())

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        return upload(client, ticket, HTTP_IDEMPOTENCY_KEY=key)

    responses = run_concurrently(send, 5)

    successes = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["id"] for r in successes}) == 1
    assert sum("Idempotent-Replayed" not in r for r in successes) == 1
    assert Attachment.objects.count() == 1
    assert len(stored_files(settings)) == 1

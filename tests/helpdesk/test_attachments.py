import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from config.api.text import validate_name
from helpdesk.models import Attachment
from tests.accounts.factories import OrganizationFactory
from tests.helpdesk.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def upload(
    api, ticket, content=b"%PDF-1.7 invoice", name="invoice.pdf", content_type="application/pdf"
):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return api.post(f"/api/v1/tickets/{ticket.key}/attachments", {"file": file}, format="multipart")


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

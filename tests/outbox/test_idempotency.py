"""Idempotency-Key through HTTP, on a real creating endpoint (POST /api/v1/api-keys); uploads,
compared by their files' digests, in tests/helpdesk/test_attachments.py and tests/qc."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.api_keys import split_key
from accounts.models import ApiKey
from outbox.models import IdempotencyRecord
from outbox.services.idempotency import ClientKey, claim_key
from outbox.services.retention import purge_history
from tests.concurrency import run_concurrently

BODY = {"name": "integration", "role": "agent"}


def create(client, key: str, body=BODY):
    return client.post("/api/v1/api-keys", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def created_keys() -> int:
    return ApiKey.objects.filter(name__in=["integration", "other"]).count()


@pytest.mark.django_db
def test_retry_replays_the_first_response_and_creates_nothing_more(admin_api):
    key = str(uuid.uuid4())

    first = create(admin_api, key)
    retry = create(admin_api, key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()  # including the secret, shown to the same caller
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert created_keys() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_request_is_422(admin_api):
    key = str(uuid.uuid4())
    create(admin_api, key)

    response = create(admin_api, key, {**BODY, "name": "other"})

    assert response.status_code == 422
    assert response.json()["type"].endswith("/problems/idempotency-key-reused")
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert created_keys() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "naïve"])
def test_malformed_key_is_400_and_changes_nothing(admin_api, key):
    response = create(admin_api, key)

    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/idempotency-key-invalid")
    assert created_keys() == 0


@pytest.mark.django_db
def test_failed_request_is_not_remembered(admin_api):
    key = str(uuid.uuid4())

    failed = create(admin_api, key, {"name": "integration"})
    corrected = create(admin_api, key)

    assert failed.status_code == 422
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected


@pytest.mark.django_db
def test_keys_belong_to_their_caller(admin_api, organization, issue_key):
    key = str(uuid.uuid4())
    other_caller = APIClient()
    other_caller.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization)}")

    create(admin_api, key)
    response = create(other_caller, key)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert created_keys() == 2


@pytest.mark.django_db
def test_expired_key_runs_the_request_again_and_purge_removes_expired_records(admin_api):
    key = str(uuid.uuid4())
    create(admin_api, key)
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = create(admin_api, key)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert created_keys() == 2
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    create(admin_api, str(uuid.uuid4()))
    assert purge_history() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_records_expire_after_the_configured_time(admin_api, settings):
    create(admin_api, str(uuid.uuid4()))

    record = IdempotencyRecord.objects.get()
    assert record.expires_at - record.created_at == timedelta(
        seconds=settings.IDEMPOTENCY_TTL_SECONDS
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_have_one_effect(organization, issue_key):
    credentials = f"Bearer {issue_key(organization)}"
    key = str(uuid.uuid4())

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        return create(client, key)

    responses = run_concurrently(send, 20)

    assert created_keys() == 1
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    successes = [r for r in responses if r.status_code == 201]
    assert len({r.json()["id"] for r in successes}) == 1
    assert sum("Idempotent-Replayed" not in r for r in successes) == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_waits_for_the_first_at_most_the_configured_time_then_gets_409(
    organization, issue_key, settings
):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.5
    plaintext = issue_key(organization)
    api_key = ApiKey.objects.get(prefix=split_key(plaintext))
    key, claimed, finish = str(uuid.uuid4()), threading.Event(), threading.Event()

    def first_request_still_running():
        with transaction.atomic():
            claim_key(
                client_key=ClientKey(organization.pk, f"api_key:{api_key.pk}", key),
                request_fingerprint="-",
                method="POST",
                path="/api/v1/api-keys",
            )
            claimed.set()
            finish.wait(10)
        connection.close()

    first = threading.Thread(target=first_request_still_running)
    first.start()
    claimed.wait(10)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    started = time.monotonic()
    try:
        response = create(client, key)
    finally:
        waited = time.monotonic() - started
        finish.set()
        first.join()

    assert response.status_code == 409
    assert response.json()["type"].endswith("/idempotency-key-in-flight")
    assert 0.5 <= waited < 5
    assert created_keys() == 0


def test_uploads_document_the_key_as_the_json_creates_do():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    def key_and_replay(path: str) -> tuple:
        operation = schema["paths"][path]["post"]
        [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        created = operation["responses"]["201"]["headers"]["Idempotent-Replayed"]
        return key, created, {"400", "409", "422"} <= set(operation["responses"])

    ticket_create = key_and_replay("/api/v1/tickets")
    assert key_and_replay("/api/v1/tickets/{key}/attachments") == ticket_create
    assert key_and_replay("/api/v1/inspections/{id}/evidence") == ticket_create
    assert not ticket_create[0].get("required", False)  # optional on every create

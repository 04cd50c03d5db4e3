"""No secret at rest: a dump of the database holds no usable key or signing secret."""

import shutil
import subprocess
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_keys import split_key
from accounts.models import ApiKey
from outbox import signing
from outbox.models import IdempotencyRecord, WebhookEndpoint
from outbox.services.deliveries import deliver_due
from outbox.services.drain import drain_batch
from outbox.services.idempotency import ClientKey, fingerprint
from tests.outbox.factories import WebhookEndpointFactory

KEY_BODY = {"name": "integration", "role": "agent"}
PG_DUMP = shutil.which("pg_dump") or "pg_dump (the PostgreSQL client) is needed"


def database_dump() -> str:
    """Return what `pg_dump --data-only` of the test database prints."""
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = subprocess.run(
        [PG_DUMP, "--data-only", url], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def secret_forms(*secrets: str) -> list[str]:
    """The secrets and, for `whsec_` ones, the key material without its prefix."""
    return [*secrets, *(s.removeprefix(signing.SECRET_PREFIX) for s in secrets)]


def client_with(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.mark.django_db(transaction=True)
def test_dump_after_creations_with_idempotency_keys_holds_no_usable_secret_yet_replays_do(
    organization, issue_key, webhook_sink
):
    admin_key = issue_key(organization)
    admin = client_with(admin_key)
    key_request, webhook_request = str(uuid.uuid4()), str(uuid.uuid4())
    webhook_body = {"url": webhook_sink.url, "event_types": ["thing.*"]}

    created_key = admin.post(
        "/api/v1/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY=key_request
    )
    created_hook = admin.post(
        "/api/v1/webhooks", webhook_body, format="json", HTTP_IDEMPOTENCY_KEY=webhook_request
    )
    dump = database_dump()
    replayed_key = admin.post(
        "/api/v1/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY=key_request
    )
    replayed_hook = admin.post(
        "/api/v1/webhooks", webhook_body, format="json", HTTP_IDEMPOTENCY_KEY=webhook_request
    )

    plaintext, secret = created_key.json()["key"], created_hook.json()["secret"]
    assert IdempotencyRecord.objects.count() == 2
    endpoint = WebhookEndpoint.objects.get(pk=created_hook.json()["id"])
    assert webhook_sink.url in dump and endpoint.secret_sealed in dump  # the dump holds the rows
    for value in [admin_key, plaintext, *secret_forms(secret), key_request, webhook_request]:
        assert value not in dump
    assert replayed_key["Idempotent-Replayed"] == replayed_hook["Idempotent-Replayed"] == "true"
    assert replayed_key.json() == created_key.json()
    assert replayed_hook.json() == created_hook.json()
    assert replayed_key.status_code == replayed_hook.status_code == 201
    assert replayed_hook["ETag"] == created_hook["ETag"]
    assert client_with(plaintext).get("/api/v1/tickets").status_code == 200


@pytest.mark.django_db
def test_a_stored_response_opens_only_with_the_idempotency_key_that_sealed_it(admin_api):
    key = str(uuid.uuid4())
    shown = admin_api.post("/api/v1/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)

    record = IdempotencyRecord.objects.get()
    sent = ClientKey(record.organization_id, record.principal, key)
    guessed = ClientKey(record.organization_id, record.principal, str(uuid.uuid4()))
    assert record.key_digest == sent.digest != guessed.digest
    assert sent.open(record).body == shown.json()
    with pytest.raises(InvalidToken):
        guessed.open(record)


@pytest.mark.django_db
def test_the_webhook_signing_secret_is_stored_sealed_and_still_signs(
    admin_api, organization, webhook_sink
):
    created = admin_api.post(
        "/api/v1/webhooks", {"url": webhook_sink.url, "event_types": ["webhook.*"]}, format="json"
    ).json()

    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    admin_api.post(f"/api/v1/webhooks/{endpoint.pk}/ping")
    drain_batch()
    deliver_due()

    assert created["secret"] not in endpoint.secret_sealed
    assert endpoint.secret == created["secret"]
    request = webhook_sink.received[0]
    assert signing.verify(created["secret"], request["headers"], request["body"])


def stored_secret(endpoint) -> str:
    return WebhookEndpoint.objects.get(pk=endpoint.pk).secret


@pytest.mark.django_db
def test_reseal_moves_signing_secrets_to_the_newest_key_so_the_old_one_can_go(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    secret = signing.generate_secret()
    endpoint = WebhookEndpointFactory(secret=secret)
    settings.ENCRYPTION_KEYS = [new]
    with pytest.raises(InvalidToken):
        stored_secret(endpoint)

    settings.ENCRYPTION_KEYS = [new, old]  # the new key deployed: old seals still open
    opened_before = stored_secret(endpoint)
    output = StringIO()
    call_command("outbox_reseal_secrets", stdout=output)
    settings.ENCRYPTION_KEYS = [new]  # the old key retired

    assert opened_before == stored_secret(endpoint) == secret
    assert "Resealed 1 " in output.getvalue()


@pytest.mark.django_db
def test_new_secrets_are_sealed_with_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new, old]

    endpoint = WebhookEndpointFactory()

    assert Fernet(new).decrypt(endpoint.secret_sealed.encode()).decode() == endpoint.secret


@pytest.mark.django_db(transaction=True)
def test_migration_seals_what_was_stored_in_the_clear_and_replays_still_answer(
    organization, issue_key, webhook_sink
):
    admin_key = issue_key(organization)
    principal = f"api_key:{ApiKey.objects.get(prefix=split_key(admin_key)).pk}"
    key, secret = str(uuid.uuid4()), signing.generate_secret()
    legacy_response = {"id": 41, "name": "integration", "key": "sf_0123456789ab_" + "x" * 43}
    executor = MigrationExecutor(connection)
    executor.migrate([("outbox", "0001_initial")])
    legacy = executor.loader.project_state([("outbox", "0001_initial")]).apps
    legacy.get_model("outbox", "WebhookEndpoint").objects.create(
        organization_id=organization.pk, url=webhook_sink.url, secret=secret, event_types=[]
    )
    legacy.get_model("outbox", "IdempotencyRecord").objects.create(
        organization_id=organization.pk,
        principal=principal,
        key=key,
        fingerprint=fingerprint("POST", "/api/v1/api-keys", KEY_BODY),
        method="POST",
        path="/api/v1/api-keys",
        response_status=201,
        response_headers={"ETag": '"1"'},
        response_body=legacy_response,
        expires_at=timezone.now() + timedelta(hours=1),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    dump = database_dump()
    replay = client_with(admin_key).post(
        "/api/v1/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    for value in [*secret_forms(secret), legacy_response["key"], key]:
        assert value not in dump
    assert WebhookEndpoint.objects.get().secret == secret
    assert replay.status_code == 201
    assert replay.json() == legacy_response
    assert replay["ETag"] == '"1"'

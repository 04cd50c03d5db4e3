"""No log line, problem body or admin page shows a key or secret in full."""

import logging
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from config.logging import JsonFormatter
from config.roles import Role
from outbox.services.deliveries import deliver_due
from outbox.services.drain import drain_batch
from tests.accounts.admin_sessions import signed_in_admin, superuser
from tests.receivers import WebhookSink


class CapturedLines(logging.Handler):
    """Keep every record as the production formatter writes it, extras and tracebacks too."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def every_log_line():
    """Capture all loggers at DEBUG, SQL statements with their parameters included."""
    handler = CapturedLines()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is loggers[0] or not logger.propagate:
            logger.addHandler(handler)
    connection.force_debug_cursor = True
    yield handler.lines
    connection.force_debug_cursor = False
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.removeHandler(handler)


def bearer(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def create_twice(client: APIClient, path: str, body: dict, key: str) -> dict:
    """Create with an Idempotency-Key, then replay it; return the created representation."""
    created = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    replayed = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert created.status_code == replayed.status_code == 201
    assert replayed["Idempotent-Replayed"] == "true" and replayed.json() == created.json()
    return created.json()


def deliver_two_pings(admin: APIClient, hook_id: int, sink: WebhookSink) -> None:
    """Deliver one ping and fail another."""
    admin.post(f"/api/v1/webhooks/{hook_id}/ping")
    drain_batch()
    deliver_due()
    sink.status = 500
    admin.post(f"/api/v1/webhooks/{hook_id}/ping")
    drain_batch()
    deliver_due()


def misuse(admin: APIClient, plaintext: str, secret: str, used_key: str) -> list:
    """Send a wrong key, a secret as key, a key as Idempotency-Key and a reused one."""
    wrong = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    create_key = {"name": "other", "role": Role.AGENT}
    return [
        bearer(wrong).get("/api/v1/tickets"),
        bearer(secret).get("/api/v1/tickets"),
        APIClient().get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {plaintext} {secret}"),
        admin.post(
            "/api/v1/api-keys", create_key, format="json", HTTP_IDEMPOTENCY_KEY=f"{secret} "
        ),
        admin.post("/api/v1/api-keys", create_key, format="json", HTTP_IDEMPOTENCY_KEY=used_key),
    ]


@pytest.mark.django_db
def test_logs_problems_and_admin_pages_never_show_a_key_or_secret(
    organization, issue_key, webhook_sink, every_log_line, django_capture_on_commit_callbacks
):
    admin_key = issue_key(organization, Role.ADMIN)
    admin, key_request, hook_request = bearer(admin_key), str(uuid.uuid4()), str(uuid.uuid4())
    new_key = create_twice(
        admin, "/api/v1/api-keys", {"name": "integration", "role": Role.ADMIN}, key_request
    )
    plaintext = new_key["key"]
    hook = create_twice(
        bearer(plaintext),
        "/api/v1/webhooks",
        {"url": webhook_sink.url, "event_types": ["webhook.*"]},
        hook_request,
    )
    deliver_two_pings(bearer(plaintext), hook["id"], webhook_sink)
    failures = misuse(admin, plaintext, hook["secret"], key_request)
    with django_capture_on_commit_callbacks(execute=True):  # the revocation reaches the cache
        admin.delete(f"/api/v1/api-keys/{new_key['id']}")
    failures.append(bearer(plaintext).get("/api/v1/tickets"))  # revoked
    staff = signed_in_admin(superuser())
    pages = [
        staff.get(f"/admin/{path}")
        for path in (
            "accounts/apikey/",
            f"accounts/apikey/{new_key['id']}/change/",
            "outbox/webhookendpoint/",
            f"outbox/webhookendpoint/{hook['id']}/change/",
        )
    ]
    admin.delete(f"/api/v1/webhooks/{hook['id']}")

    logs = "\n".join(every_log_line)
    secrets = [admin_key, plaintext, hook["secret"], hook["secret"].removeprefix("whsec_")]
    assert len(webhook_sink.received) == 2 and "INSERT INTO" in logs  # the run was logged in full
    assert [r.status_code for r in failures] == [401, 401, 401, 400, 422, 401]
    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    for secret in [*secrets, key_request, hook_request]:
        assert secret not in logs
        for response in failures + pages:
            assert secret not in response.content.decode()

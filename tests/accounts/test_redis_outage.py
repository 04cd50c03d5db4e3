"""With Redis stopped the API keeps serving, and a revocation made meanwhile holds afterwards.

Redis here is a server of the test's own (the shared one serves other tests), persisting every
write as a production Redis would, so that what was cached before the outage is back after it.
"""

import contextlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from django.conf import settings

from accounts.api_keys import InvalidApiKey, authenticate_api_key
from accounts.models import ApiKey
from config.roles import Role
from tests.e2e.processes import free_port, gunicorn, wait_for
from tests.helpdesk.factories import NEW_TICKET


@contextlib.contextmanager
def own_redis(port: int, folder: Path):
    """Run a redis-server on `port` that keeps its data in `folder` across restarts."""
    process = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)),
            *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        wait_for(lambda: _answers(client), timeout=10)
        yield client
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def request(base: str, method: str, path: str, key: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    sent = urllib.request.Request(f"{base}{path}", data=data, method=method)
    sent.add_header("Authorization", f"Bearer {key}")
    sent.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def cached_verifications(client: redis.Redis) -> list[bytes]:
    return client.keys("*apikey:*:checked:*")


def test_tickets_are_served_without_redis_and_a_revocation_made_then_holds_after_it(
    process_env, organization, issue_key, tmp_path
):
    port = free_port()
    revoked, other = issue_key(organization, Role.ADMIN), issue_key(organization, Role.ADMIN)
    revoked_id = ApiKey.objects.get(prefix=revoked.split("_")[1]).pk
    # Only this worker's own sight of the outage may trigger the recheck, not the clock.
    env = {
        **process_env,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "API_KEY_RECHECK_SECONDS": "600",
    }
    with own_redis(port, tmp_path) as cache_server, gunicorn(env, workers=1) as base:
        assert request(base, "GET", "/api/v1/me", revoked) == 200
        assert cached_verifications(cache_server)  # cached before the outage

        cache_server.shutdown()  # Redis stops (its data safe on disk)
        started = time.monotonic()
        listed = request(base, "GET", "/api/v1/tickets", other)
        created = request(base, "POST", "/api/v1/tickets", other, NEW_TICKET)
        revocation = request(base, "DELETE", f"/api/v1/api-keys/{revoked_id}", revoked)
        refused_meanwhile = request(base, "GET", "/api/v1/me", revoked)
        took = time.monotonic() - started

        with own_redis(port, tmp_path) as cache_server_again:
            assert cached_verifications(cache_server_again)  # the stale entry is back
            time.sleep(settings.CACHE_RETRY_SECONDS + 0.2)  # the worker uses Redis again
            refused_after = request(base, "GET", "/api/v1/me", revoked)
            still_working = request(base, "GET", "/api/v1/me", other)
            markers = cache_server_again.keys("*apikey:*:revoked")

    assert (listed, created, revocation, refused_meanwhile) == (200, 201, 204, 401)
    assert took < 10  # nothing waited for Redis or the broker
    assert refused_after == 401
    assert markers  # the recheck found the revocation and wrote the marker it had missed
    assert still_working == 200


REVOKE_ELSEWHERE = """
import django; django.setup()
from accounts.services import revoke_api_key
revoke_api_key(organization_id={organization_id}, api_key_id={api_key_id})
"""


def test_a_process_that_never_saw_the_outage_refuses_the_key_within_the_recheck_bound(
    process_env, organization, issue_key, settings
):
    settings.API_KEY_RECHECK_SECONDS = 1
    key = issue_key(organization)
    authenticate_api_key(key)  # cached in the shared Redis, as another worker would have
    api_key = ApiKey.objects.get()
    script = REVOKE_ELSEWHERE.format(organization_id=organization.pk, api_key_id=api_key.pk)
    revoking_process_env = {**process_env, "REDIS_URL": "redis://127.0.0.1:6390/0"}  # no one

    revoked = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=revoking_process_env,
        capture_output=True,
        timeout=120,
    )
    assert revoked.returncode == 0, revoked.stderr

    time.sleep(settings.API_KEY_RECHECK_SECONDS)  # the cached entry has no marker beside it
    with pytest.raises(InvalidApiKey, match="revoked"):
        authenticate_api_key(key)

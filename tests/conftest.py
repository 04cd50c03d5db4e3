import os
import tempfile
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.services import create_api_key
from config.api.throttling import FixedWindowThrottle
from config.roles import Role
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.outbox.publishers import (
    CONSUMERS,
    FLAKY,
    RECORDING,
    FlakyPublisher,
    RecordingPublisher,
    recorder,
)
from tests.receivers import WebhookSink

# Every event the code emits in any test is checked against its published schema.
pytest_plugins = ["tests.event_contract"]


def pytest_configure(config) -> None:
    """Under pytest-xdist, give each worker its own Redis database (cache, throttles, Celery).

    PostgreSQL is already per worker (pytest-django suffixes the test database); child processes
    inherit the worker's REDIS_URL through the environment.
    """
    # A drain marker left in var/ by a local `manage.py drain` must not make /readyz tests fail.
    settings.SHUTDOWN_DRAIN_FILE = os.path.join(
        tempfile.mkdtemp(prefix="serviceflow-drain-"), "draining"
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not settings.REDIS_URL:
        return
    base, _, database = settings.REDIS_URL.rpartition("/")
    url = f"{base}/{(int(database or 0) + 1 + int(worker.removeprefix('gw'))) % 16}"
    os.environ["REDIS_URL"] = settings.REDIS_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    if settings.CELERY_BROKER_URL.startswith("redis"):
        settings.CELERY_BROKER_URL = url


def pytest_collection_modifyitems(items) -> None:
    """The suite runs on PostgreSQL, as production does; refuse to pass on anything else."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"Tests need PostgreSQL (DATABASE_URL); configured engine is {engine}", 2)


@pytest.fixture(scope="session", autouse=True)
def _collected_static_files():
    """Serve static files the way production does: collected, hashed and compressed."""
    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached keys, throttle counters or revocation markers."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dead_cache(settings):
    """A cache on a port nobody listens on: everything kept in it must fail open."""
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }


@pytest.fixture
def rate_window(monkeypatch) -> float:
    """Pin the rate limits' clock one second into a window, so none rolls over mid-test."""
    start = (time.time() // 3600) * 3600 + 1
    monkeypatch.setattr(FixedWindowThrottle, "clock", staticmethod(lambda: start))
    return start


@pytest.fixture
def process_env(transactional_db) -> dict[str, str]:
    """Environment for a child process (worker, drainer) that uses this test's database."""
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        # The child must open what this process sealed (webhook secrets).
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "SERVICEFLOW_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
    }


@pytest.fixture
def worker_env(process_env, tmp_path, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    return {
        **process_env,
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "SERVICEFLOW_VAR_DIR": str(tmp_path),
    }


@pytest.fixture
def recording(settings):
    """Publish to the in-process consumers and a publisher that records to Redis, only."""
    settings.OUTBOX_PUBLISHERS = [CONSUMERS, RECORDING]
    recorder().delete(RecordingPublisher.key)
    yield RecordingPublisher
    recorder().delete(RecordingPublisher.key)


@pytest.fixture
def flaky(recording, settings):
    """As `recording`, plus a publisher that fails for the event ids in `flaky.failing`."""
    settings.OUTBOX_PUBLISHERS = [CONSUMERS, RECORDING, FLAKY]
    FlakyPublisher.failing = set()
    yield FlakyPublisher
    FlakyPublisher.failing = set()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def issue_key(db):
    """Issue a real API key and return its plaintext."""

    def issue(organization, role: str = Role.ADMIN, **fields) -> str:
        return create_api_key(
            organization_id=organization.pk, name=fields.pop("name", "test"), role=role, **fields
        ).plaintext

    return issue


@pytest.fixture
def client_for(organization, issue_key):
    """An API client holding a key of `organization` with the given role."""

    def make(role: str = Role.ADMIN) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization, role, name=role)}")
        return client

    return make


@pytest.fixture
def admin_api(api, organization, issue_key) -> APIClient:
    """A client holding an admin key of `organization`."""
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization, Role.ADMIN)}")
    return api


@pytest.fixture
def member(organization):
    return MembershipFactory(organization=organization, role=Role.AGENT).user


@pytest.fixture
def webhook_sink(monkeypatch):
    """A local webhook receiver; private targets are allowed for the test."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    sink = WebhookSink()
    yield sink
    sink.close()

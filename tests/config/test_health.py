import pytest

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_cache(settings):
    backend = "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": DEAD_REDIS}}


def test_healthz_answers_without_touching_dependencies(client, dead_cache):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_dependency_up(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_readyz_is_503_problem_naming_a_cache_that_is_down(client, dead_cache):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/problems/service-unavailable")
    assert body["detail"] == "Unavailable: cache."
    assert body["checks"]["cache"].startswith("down:")
    assert body["checks"]["database"] == body["checks"]["broker"] == "ok"


def test_readyz_is_503_problem_naming_a_broker_that_is_down(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["detail"] == "Unavailable: broker."

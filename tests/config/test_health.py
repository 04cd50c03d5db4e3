import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_database():
    """Make the next connection go to a port nobody listens on, then reconnect for real."""
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict["PORT"] = real_port


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


def test_readyz_stays_ready_and_says_degraded_while_the_cache_is_down(client, dead_cache):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "down", "broker": "ok"},
    }


def test_readyz_stays_ready_and_says_degraded_while_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "down"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_problem_when_the_database_is_down_and_tells_no_error_text(
    client, dead_database, caplog
):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/problems/service-unavailable")
    assert body["detail"] == "Unavailable: database."
    assert body["checks"]["database"] == "down"
    assert "port 1" not in response.content.decode()  # the reason is logged, not shown
    assert "Readiness check database failed" in caplog.text

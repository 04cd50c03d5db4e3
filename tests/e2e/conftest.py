import pytest

from tests.e2e.processes import running


@pytest.fixture
def celery_processes(worker_env, tmp_path):
    """A real Celery worker and beat, as the Procfile starts them, on the test database."""
    with running(["worker", "beat"], worker_env, tmp_path) as processes:
        yield processes

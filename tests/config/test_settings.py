"""Settings come from the environment; with none set, the project runs embedded."""

import json
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from tests.config.environments import clean_env

SHOW_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
    "'cache': settings.CACHES['default']['BACKEND'], 'broker': settings.CELERY_BROKER_URL}))"
)


def run_manage_py(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_environment_means_sqlite_locmem_and_a_serverless_broker(tmp_path):
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.base")

    result = run_manage_py(["-c", SHOW_SETTINGS], env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "db": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "broker": "filesystem://",
    }


def test_urls_switch_to_postgresql_and_redis(tmp_path):
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL="postgresql://u@db/x",
        REDIS_URL="redis://cache:6379/0",
    )

    result = run_manage_py(["-c", SHOW_SETTINGS], env)

    assert json.loads(result.stdout.splitlines()[-1]) == {
        "db": "django.db.backends.postgresql",
        "cache": "config.cache.RedisCache",
        "broker": "redis://cache:6379/0",
    }


def production_env(tmp_path) -> dict[str, str]:
    return clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="serviceflow.example.com",
        SERVICEFLOW_ENCRYPTION_KEYS=",".join(Fernet.generate_key().decode() for _ in "ab"),
        TRUSTED_PROXIES="10.0.0.0/8",
    )


def test_production_profile_passes_the_deploy_check_without_warnings(tmp_path):
    env = production_env(tmp_path)

    result = run_manage_py(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        {"DJANGO_SECRET_KEY": ""},
        {"DJANGO_ALLOWED_HOSTS": ""},
        {"SERVICEFLOW_ENCRYPTION_KEYS": ""},
        {"SERVICEFLOW_ENCRYPTION_KEYS": "not-a-fernet-key"},
        {"TRUSTED_PROXIES": ""},
    ],
    ids=["secret", "hosts", "encryption-keys", "malformed-encryption-key", "trusted-proxies"],
)
def test_production_profile_refuses_to_start_half_configured(tmp_path, missing):
    env = {**production_env(tmp_path), **missing}

    result = run_manage_py(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2id():
    from tests.accounts.factories import UserFactory

    assert UserFactory().password.startswith("argon2$argon2id$")


def test_production_serves_metrics_only_to_the_bearer_of_its_token(tmp_path):
    show = "import django; from django.conf import settings; django.setup(); "
    show += "print(settings.METRICS_REQUIRE_TOKEN, repr(settings.METRICS_TOKEN))"

    result = run_manage_py(["-c", show], production_env(tmp_path))

    assert result.stdout.splitlines()[-1] == "True ''"  # so /metrics is off until one is set


def test_trusted_proxies_are_networks_checked_at_startup(tmp_path):
    show = "import django; from django.conf import settings; django.setup(); "
    show += "print(settings.TRUSTED_PROXIES)"
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.base")

    good = run_manage_py(["-c", show], {**env, "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"})
    bad = run_manage_py(["-c", show], {**env, "TRUSTED_PROXIES": "10.0.0.0/33"})

    assert good.stdout.splitlines()[-1] == "['10.0.0.0/8', '192.0.2.7/32']"
    assert bad.returncode != 0
    assert "10.0.0.0/33" in bad.stderr


def test_production_without_a_proxy_says_so_with_none(tmp_path):
    show = "import django; from django.conf import settings; django.setup(); "
    show += "print(settings.TRUSTED_PROXIES)"

    result = run_manage_py(["-c", show], {**production_env(tmp_path), "TRUSTED_PROXIES": "none"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"

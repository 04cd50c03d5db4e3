import time
from datetime import timedelta

import pytest
from argon2 import extract_parameters
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.api_keys import InvalidApiKey, authenticate_api_key
from accounts.models import ApiKey
from accounts.services import create_api_key, revoke_api_key
from config.roles import Role

pytestmark = pytest.mark.django_db


def test_key_is_stored_only_as_an_argon2id_hash_of_the_secret(organization):
    issued = create_api_key(organization_id=organization.pk, name="crm", role=Role.AGENT)

    row = ApiKey.objects.values().get(pk=issued.api_key.pk)
    assert row["secret_hash"].startswith("$argon2id$")
    secret = issued.plaintext.split("_", 2)[2]
    assert all(secret not in str(value) for value in row.values())
    assert issued.plaintext.startswith(f"sf_{row['prefix']}_")


def test_argon2id_cost_follows_settings(organization, settings):
    issued = create_api_key(organization_id=organization.pk, name="crm", role=Role.AGENT)

    parameters = extract_parameters(issued.api_key.secret_hash)
    assert parameters.time_cost == settings.API_KEY_ARGON2_TIME_COST
    assert parameters.memory_cost == settings.API_KEY_ARGON2_MEMORY_KIB


def test_database_refuses_a_secret_that_is_not_an_argon2id_hash(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(
            organization=organization, name="x", role=Role.AGENT, prefix="abc", secret_hash="plain"
        )


def test_valid_key_authenticates_as_its_organization_and_role(organization, issue_key):
    principal = authenticate_api_key(issue_key(organization, Role.QC_INSPECTOR))

    assert principal.organization_id == organization.pk
    assert principal.organization_slug == organization.slug
    assert principal.role == Role.QC_INSPECTOR
    assert principal.kind == "api_key"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # wrong secret
        lambda key: "sf_000000000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: key[:20],  # malformed
        lambda key: "",
    ],
    ids=["wrong-secret", "unknown-prefix", "truncated", "empty"],
)
def test_anything_but_the_exact_key_is_rejected(organization, issue_key, mangle):
    key = issue_key(organization)

    with pytest.raises(InvalidApiKey):
        authenticate_api_key(mangle(key))


def test_cached_verification_costs_no_database_query(
    organization, issue_key, django_assert_num_queries
):
    key = issue_key(organization)
    authenticate_api_key(key)

    with django_assert_num_queries(0):
        principal = authenticate_api_key(key)
    assert principal.organization_id == organization.pk


def test_last_used_at_is_written_once_per_touch_interval(organization, issue_key):
    key = issue_key(organization)

    authenticate_api_key(key)
    first_use = ApiKey.objects.get().last_used_at
    authenticate_api_key(key)

    assert first_use is not None
    assert ApiKey.objects.get().last_used_at == first_use


def test_revocation_beats_a_cached_verification(
    organization, issue_key, django_capture_on_commit_callbacks
):
    key = issue_key(organization)
    authenticate_api_key(key)

    with django_capture_on_commit_callbacks(execute=True):
        revoke_api_key(organization_id=organization.pk, api_key_id=ApiKey.objects.get().pk)

    with pytest.raises(InvalidApiKey, match="revoked"):
        authenticate_api_key(key)


def test_revoked_key_is_rejected_after_the_cache_is_gone(organization, issue_key):
    key = issue_key(organization)
    revoke_api_key(organization_id=organization.pk, api_key_id=ApiKey.objects.get().pk)
    cache.clear()

    with pytest.raises(InvalidApiKey, match="revoked"):
        authenticate_api_key(key)


def test_expired_key_is_rejected(organization, issue_key):
    key = issue_key(organization, expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvalidApiKey, match="expired"):
        authenticate_api_key(key)


def test_cached_key_stops_working_the_moment_it_expires(organization, issue_key):
    key = issue_key(organization, expires_at=timezone.now() + timedelta(seconds=2))
    authenticate_api_key(key)

    time.sleep(2.1)

    with pytest.raises(InvalidApiKey, match="expired"):
        authenticate_api_key(key)

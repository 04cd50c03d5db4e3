"""`make bench`: what one API-key authentication costs, verified and cached."""

import pytest
from django.core.cache import cache

from accounts.api_keys import _hasher, authenticate_api_key

pytestmark = pytest.mark.django_db


def test_argon2id_verification_alone(benchmark, organization, issue_key):
    key = issue_key(organization)
    stored = _hasher().hash(key)

    assert benchmark(_hasher().verify, stored, key)


def test_uncached_authentication(benchmark, organization, issue_key):
    key = issue_key(organization)

    def forget_cached_verification():
        cache.clear()
        return (key,), {}

    principal = benchmark.pedantic(
        authenticate_api_key, setup=forget_cached_verification, rounds=30, warmup_rounds=2
    )

    assert principal.organization_id == organization.pk


def test_cached_authentication(benchmark, organization, issue_key):
    key = issue_key(organization)
    authenticate_api_key(key)

    principal = benchmark(authenticate_api_key, key)

    assert principal.organization_id == organization.pk

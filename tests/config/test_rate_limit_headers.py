"""Every counted response says where its caller stands: RateLimit-Limit, -Remaining, -Reset."""

import pytest
from rest_framework.test import APIClient

from tests.problems import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings, rate_window):
    def set_rates(**scopes: str) -> None:
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    return set_rates


def limit_fields(response) -> tuple[str | None, str | None, str | None]:
    return (
        response.get("RateLimit-Limit"),
        response.get("RateLimit-Remaining"),
        response.get("RateLimit-Reset"),
    )


def test_a_key_driven_to_its_limit_sees_its_budget_fall_to_zero_then_a_429(admin_api, rates):
    rates(principal="3/min")

    responses = [admin_api.get("/api/v1/me") for _ in range(4)]

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    # The clock is pinned one second into its minute: 59 seconds until the budget is renewed.
    assert [limit_fields(r) for r in responses] == [
        ("3", "2", "59"),
        ("3", "1", "59"),
        ("3", "0", "59"),
        ("3", "0", "59"),
    ]
    assert_problem(responses[3], 429, "rate-limited")
    assert responses[3]["Retry-After"] == "59"


def test_problems_and_writes_carry_the_fields_too(admin_api, rates):
    rates(principal="10/min")

    invalid = admin_api.post("/api/v1/tickets", {"subject": ""}, format="json")
    missing = admin_api.get("/api/v1/tickets/NOPE-1")

    assert_problem(invalid, 422, "validation-error")
    assert limit_fields(invalid) == ("10", "9", "59")
    assert missing.status_code == 404
    assert limit_fields(missing) == ("10", "8", "59")


def test_each_key_has_its_own_budget(api, organization, issue_key, rates):
    rates(principal="5/min")
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization)}")
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization)}")

    first.get("/api/v1/me")
    first.get("/api/v1/me")
    answer = second.get("/api/v1/me")

    assert limit_fields(answer) == ("5", "4", "59")


def test_anonymous_callers_see_their_addresss_budget(api, rates):
    rates(anonymous="2/min")

    first = api.get("/api/schema/", REMOTE_ADDR="192.0.2.10")
    other_address = api.get("/api/schema/", REMOTE_ADDR="192.0.2.11")

    assert limit_fields(first) == ("2", "1", "59")
    assert limit_fields(other_address) == ("2", "1", "59")


def test_responses_that_no_limit_counted_carry_no_fields(api):
    health = api.get("/healthz")

    assert health.status_code == 200
    assert limit_fields(health) == (None, None, None)


def test_without_the_cache_nothing_is_counted_so_no_budget_is_promised(admin_api, dead_cache):
    served = admin_api.get("/api/v1/me")

    assert served.status_code == 200
    assert limit_fields(served) == (None, None, None)

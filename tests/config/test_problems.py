"""Every error under /api/ is an RFC 9457 problem a client can act on."""

import pytest
from django.test import Client
from rest_framework import exceptions as drf_exceptions
from rest_framework.test import APIClient

from config.api.problems import validation_errors
from config.roles import Role
from helpdesk.models import Ticket
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.concurrency import run_concurrently
from tests.problems import assert_problem

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(admin_api):
    response = admin_api.post("/api/v1/api-keys", "{not json", content_type="application/json")

    assert_problem(response, 400, "malformed-request")


def test_missing_credentials_is_401(api):
    response = api.get("/api/v1/members")

    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_insufficient_role_is_403(api, organization, issue_key):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization, Role.VIEWER)}")

    assert_problem(api.get("/api/v1/api-keys"), 403, "permission-denied")


@pytest.mark.parametrize("path", ["/api/v1/api-keys/987654", "/api/v1/no-such-thing", "/api/x"])
def test_unknown_object_or_route_is_404(admin_api, path):
    assert_problem(admin_api.get(path), 404, "not-found")


def test_unsupported_method_is_405_with_allow(admin_api):
    response = admin_api.delete("/api/v1/me")

    assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_unacceptable_accept_header_is_406(admin_api):
    assert_problem(
        admin_api.get("/api/v1/me", HTTP_ACCEPT="application/xml"), 406, "not-acceptable"
    )


def test_non_json_body_is_415(admin_api):
    response = admin_api.post("/api/v1/api-keys", "name=x", content_type="text/plain")

    assert_problem(response, 415, "unsupported-media-type")


def test_form_encoded_body_is_415_because_the_api_speaks_json(admin_api):
    response = admin_api.post("/api/v1/api-keys", {"name": "x", "role": "viewer"})

    assert_problem(response, 415, "unsupported-media-type")


def test_invalid_fields_are_422_with_pointers(admin_api):
    response = admin_api.post("/api/v1/api-keys", {"role": "boss"}, format="json")

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"] == [
        {"pointer": "/name", "detail": "This field is required.", "code": "required"},
        {"pointer": "/role", "detail": '"boss" is not a valid choice.', "code": "invalid_choice"},
    ]


def test_exceeding_the_rate_is_429_with_retry_after(admin_api, settings, rate_window):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "principal": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    responses = [admin_api.get("/api/v1/me") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert_problem(responses[2], 429, "rate-limited")
    assert 1 <= int(responses[2]["Retry-After"]) <= 60


def test_anonymous_callers_have_their_own_budget_per_address(api, settings, rate_window):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anonymous": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    first = api.get("/api/schema/")
    second = api.get("/api/schema/")

    assert first.status_code == 200
    assert_problem(second, 429, "rate-limited")


@pytest.mark.urls("tests.config.failing_urls")
@pytest.mark.parametrize("path", ["/api/v1/crash-plain", "/api/v1/crash-drf"])
def test_crash_is_500_problem_without_internals(path, caplog):
    client = APIClient(raise_request_exception=False)

    body = assert_problem(client.get(path), 500, "server-error")

    assert "simulated" not in str(body)
    assert any("simulated failure" in (r.exc_text or "") for r in caplog.records)


@pytest.mark.urls("tests.config.failing_urls")
@pytest.mark.parametrize(
    "sqlstate", ["40P01", "40001", "55P03"], ids=["deadlock", "serialization", "lock-timeout"]
)
def test_a_transaction_that_lost_a_race_is_503_with_retry_after(sqlstate):
    client = APIClient(raise_request_exception=False)

    response = client.post(f"/api/v1/lose-race/{sqlstate}")

    assert_problem(response, 503, "transaction-conflict")
    assert response["Retry-After"] == "1"


@pytest.mark.urls("tests.config.failing_urls")
def test_other_database_errors_stay_500():
    client = APIClient(raise_request_exception=False)

    assert_problem(client.post("/api/v1/lose-race/23505"), 500, "server-error")


def test_html_pages_outside_the_api_keep_django_errors(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "slug",
    [
        "malformed-request",
        "not-authenticated",
        "authentication-failed",
        "permission-denied",
        "not-found",
        "method-not-allowed",
        "not-acceptable",
        "unsupported-media-type",
        "validation-error",
        "rate-limited",
        "server-error",
        "service-unavailable",
    ],
)
def test_every_problem_type_url_serves_a_page_explaining_the_fix(client, slug):
    from config.api.problem_types import PROBLEM_TYPES

    response = client.get(f"/problems/{slug}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert PROBLEM_TYPES[slug].title in response.content.decode()
    assert "How to fix the request" in response.content.decode()


def test_unknown_problem_type_page_is_404(client):
    assert client.get("/problems/no-such-problem").status_code == 404


def test_browser_asking_for_html_sees_the_problem_in_the_browsable_api(api):
    response = api.get("/api/v1/me", HTTP_ACCEPT="text/html")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/html")
    assert b"not-authenticated" in response.content


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_counted_exactly(organization, issue_key, settings, rate_window):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "principal": "5/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    credentials = f"Bearer {issue_key(organization)}"

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        return client.get("/api/v1/me").status_code

    statuses = run_concurrently(call, 12)

    assert sorted(statuses) == [200] * 5 + [429] * 7


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "\\ud800", "role": "agent"}',  # a lone surrogate: no database can store it
        '{"\\udfff": 1}',
        "[" * 100_000 + "]" * 100_000,  # nested past the parser's recursion limit
        '{"name": NaN}',
    ],
)
def test_json_no_encoder_or_database_can_take_is_400(admin_api, body):
    response = admin_api.post("/api/v1/api-keys", body, content_type="application/json")

    assert_problem(response, 400, "malformed-request")


def test_a_surrogate_pair_is_one_character(admin_api):
    body = '{"name": "Robot \\ud83e\\udd16", "role": "agent"}'

    response = admin_api.post("/api/v1/api-keys", body, content_type="application/json")

    assert response.status_code == 201
    assert response.json()["name"] == "Robot \N{ROBOT FACE}"


@pytest.mark.parametrize(
    "name", ["line\nbreak", "tab\there", "nul\x00", "esc\x1b[31m", "\u202etxt"]
)
def test_names_refuse_control_characters(admin_api, name):
    response = admin_api.post("/api/v1/api-keys", {"name": name, "role": "agent"}, format="json")

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["pointer"] == "/name"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/api-keys/abc",
        "/api/v1/api-keys/1.5",
        "/api/v1/api-keys/%00",
        "/api/v1/webhooks/abc",
        "/api/v1/webhooks/99999999999999999999999",
        "/api/v1/webhooks/abc/deliveries",
        "/api/v1/tickets/T-99999999999999999999999",
        "/api/v1/tickets/T-1/attachments/99999999999999999999999/content",
    ],
)
def test_ids_that_cannot_name_an_object_are_404(admin_api, path):
    assert_problem(admin_api.get(path), 404, "not-found")


def test_ids_that_cannot_name_an_object_are_404_for_actions_too(admin_api):
    assert_problem(admin_api.post("/api/v1/deliveries/abc/redeliver"), 404, "not-found")


def test_notification_ids_that_cannot_name_one_are_404(organization):
    person = UserFactory(backup_tokens=["tok123"])
    MembershipFactory(user=person, organization=organization, role=Role.AGENT)
    client = Client()
    client.post(
        "/api/auth/login/", {"username": person.email, "password": PASSWORD, "otp_token": "tok123"}
    )

    assert_problem(client.post("/api/v1/notifications/abc/read"), 404, "not-found")


@pytest.mark.parametrize("path", ["/api/v1/tickets/\N{GRINNING FACE}", "/api/v1/\N{SNOWMAN}"])
def test_a_path_outside_latin_1_is_a_404_problem(admin_api, path):
    assert_problem(admin_api.get(path), 404, "not-found")


def test_a_lone_surrogate_deep_inside_nesting_is_400_and_creates_nothing(admin_api):
    body = "[" * 400 + '"\\ud800"' + "]" * 400  # about 800 bytes, deeper than a recursive walk

    response = admin_api.post("/api/v1/tickets", body, content_type="application/json")

    assert_problem(response, 400, "malformed-request")
    assert not Ticket.objects.exists()


def test_an_error_raised_without_a_code_still_has_one():
    detail = drf_exceptions.ValidationError({"window": ["Ends before it starts."]}).detail
    detail["window"][0].code = None  # as a Django form error raised without a code arrives

    assert validation_errors(detail) == [
        {"pointer": "/window", "detail": "Ends before it starts.", "code": "invalid"}
    ]

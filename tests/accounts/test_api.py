import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey
from config.roles import Role
from tests.accounts.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_me_describes_the_calling_key(api, organization, issue_key):
    key = issue_key(organization, Role.AGENT, name="crm sync")

    response = api.get("/api/v1/me", **bearer(key))

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "api_key"
    assert body["user"] is None
    assert body["api_key"]["name"] == "crm sync"
    assert body["organization"] == {
        "id": organization.pk,
        "slug": organization.slug,
        "name": organization.name,
    }
    assert body["role"] == "agent"


def test_request_without_credentials_is_401_with_a_bearer_challenge(api, db):
    response = api.get("/api/v1/me")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["type"].endswith("/problems/not-authenticated")


@pytest.mark.parametrize(
    "header",
    ["Bearer sf_000000000000_" + "x" * 43, "Bearer not-a-key", "Bearer a b"],
    ids=["unknown", "malformed", "extra-parts"],
)
def test_bad_key_is_401_problem(api, db, header):
    response = api.get("/api/v1/me", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["type"].endswith("/problems/authentication-failed")


def test_wrong_secret_for_a_real_prefix_is_401(api, organization, issue_key):
    key = issue_key(organization)
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")

    response = api.get("/api/v1/me", **bearer(wrong))

    assert response.status_code == 401
    assert response.json()["detail"] == "The API key is not valid."


def test_expired_key_is_401(api, organization, issue_key):
    key = issue_key(organization, expires_at=timezone.now() - timezone.timedelta(minutes=1))

    response = api.get("/api/v1/me", **bearer(key))

    assert response.status_code == 401
    assert response.json()["detail"] == "The API key has expired."


def test_repeated_invalid_keys_from_one_address_are_throttled(api, db, settings):
    settings.API_KEY_MAX_FAILURES_PER_MINUTE = 3
    wrong = bearer("sf_000000000000_" + "x" * 43)

    statuses = [api.get("/api/v1/me", **wrong).status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 429]


def test_a_key_already_verified_keeps_working_from_an_address_blocked_for_wrong_keys(
    api, organization, issue_key, settings
):
    settings.API_KEY_MAX_FAILURES_PER_MINUTE = 2
    good = bearer(issue_key(organization, Role.AGENT))
    assert api.get("/api/v1/me", **good).status_code == 200
    wrong = bearer("sf_000000000000_" + "x" * 43)

    blocked = [api.get("/api/v1/me", **wrong).status_code for _ in range(3)]

    assert blocked == [401, 401, 429]
    # Verified keys cost no argon2id run, which is all the limit protects.
    assert api.get("/api/v1/me", **good).status_code == 200


def test_members_lists_only_the_callers_organization(admin_api, organization):
    mine = MembershipFactory(organization=organization, role=Role.QC_INSPECTOR, capacity=2)
    MembershipFactory(organization=OrganizationFactory())

    response = admin_api.get("/api/v1/members")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": mine.user.pk,
            "email": mine.user.email,
            "full_name": mine.user.full_name,
            "role": "qc_inspector",
            "capacity": 2,
        }
    ]
    assert set(response.json()) == {"next", "previous", "results"}


def test_members_list_is_paged_with_a_capped_limit(admin_api, organization, settings):
    settings.API_MAX_PAGE_SIZE = 2
    MembershipFactory.create_batch(3, organization=organization)

    first = admin_api.get("/api/v1/members?limit=50").json()
    second = admin_api.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None
    seen = {m["id"] for m in first["results"]} | {m["id"] for m in second["results"]}
    assert len(seen) == 3


def test_admin_creates_a_key_that_is_shown_once_and_works(admin_api, organization):
    response = admin_api.post("/api/v1/api-keys", {"name": "ci", "role": "viewer"}, format="json")

    assert response.status_code == 201
    created = response.json()
    assert created["role"] == "viewer"
    assert APIClient().get("/api/v1/me", **bearer(created["key"])).json()["role"] == "viewer"
    listed = admin_api.get("/api/v1/api-keys").json()["results"]
    assert {key["id"] for key in listed} >= {created["id"]}
    assert all("key" not in key for key in listed)
    assert "key" not in admin_api.get(f"/api/v1/api-keys/{created['id']}").json()


def test_creating_a_key_with_invalid_fields_is_422_and_creates_nothing(admin_api):
    before = ApiKey.objects.count()

    response = admin_api.post(
        "/api/v1/api-keys",
        {"name": "", "role": "owner", "expires_at": "2000-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 422
    pointers = {error["pointer"]: error["code"] for error in response.json()["errors"]}
    assert pointers == {"/name": "blank", "/role": "invalid_choice", "/expires_at": "invalid"}
    assert ApiKey.objects.count() == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.QC_INSPECTOR, Role.VIEWER])
def test_only_admins_manage_keys(api, organization, issue_key, role):
    key = issue_key(organization, role)

    listing = api.get("/api/v1/api-keys", **bearer(key))
    creating = api.post(
        "/api/v1/api-keys", {"name": "x", "role": "admin"}, format="json", **bearer(key)
    )

    assert listing.status_code == creating.status_code == 403
    assert listing["Content-Type"] == PROBLEM
    assert listing.json()["type"].endswith("/problems/permission-denied")


@pytest.mark.django_db(transaction=True)
def test_revoked_key_fails_on_the_very_next_request(api, organization, issue_key):
    admin_key = issue_key(organization, Role.ADMIN, name="admin")
    doomed = issue_key(organization, Role.AGENT, name="doomed")
    assert api.get("/api/v1/me", **bearer(doomed)).status_code == 200  # now cached
    doomed_id = ApiKey.objects.get(name="doomed").pk

    revoked = api.delete(f"/api/v1/api-keys/{doomed_id}", **bearer(admin_key))
    after = api.get("/api/v1/me", **bearer(doomed))

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert after.json()["detail"] == "The API key has been revoked."
    assert api.delete(f"/api/v1/api-keys/{doomed_id}", **bearer(admin_key)).status_code == 204


def test_another_organizations_key_is_404_never_403(admin_api, issue_key):
    other = OrganizationFactory()
    issue_key(other, name="theirs")
    theirs = ApiKey.objects.get(name="theirs")

    shown = admin_api.get(f"/api/v1/api-keys/{theirs.pk}")
    revoked = admin_api.delete(f"/api/v1/api-keys/{theirs.pk}")

    assert shown.status_code == revoked.status_code == 404
    assert revoked["Content-Type"] == PROBLEM
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert theirs.pk not in {k["id"] for k in admin_api.get("/api/v1/api-keys").json()["results"]}


def test_members_filter_by_role(admin_api, organization):
    inspector = MembershipFactory(organization=organization, role=Role.QC_INSPECTOR)
    MembershipFactory(organization=organization, role=Role.VIEWER)

    results = admin_api.get("/api/v1/members?role=qc_inspector").json()["results"]

    assert [member["id"] for member in results] == [inspector.user.pk]


def test_api_keys_filter_by_revocation(admin_api, organization, issue_key):
    issue_key(organization, name="gone")
    gone = ApiKey.objects.get(name="gone")
    admin_api.delete(f"/api/v1/api-keys/{gone.pk}")

    revoked = admin_api.get("/api/v1/api-keys?revoked=true").json()["results"]
    live = admin_api.get("/api/v1/api-keys?revoked=false").json()["results"]

    assert [key["name"] for key in revoked] == ["gone"]
    assert "gone" not in {key["name"] for key in live}
    assert live


def test_unknown_filter_value_is_422(admin_api):
    response = admin_api.get("/api/v1/members?role=emperor")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/role"

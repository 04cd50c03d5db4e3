"""The checklist endpoints over HTTP: ETags and If-Match, decimal strings, problems with pointers,
admins writing and members reading, and other organizations' checklists never found."""

import pytest

from config.roles import Role
from qc.api.checklists import examples
from qc.models import ChecklistVersion
from tests.accounts.factories import OrganizationFactory
from tests.qc.factories import checklist_version

pytestmark = pytest.mark.django_db

ITEMS = examples.DRAFT.value["items"]


@pytest.fixture
def admin(client_for):
    return client_for(Role.ADMIN)


def create(client, key="garment-final", **headers):
    return client.post(
        "/api/v1/checklists", {"key": key, "name": "Final garment check"}, format="json", **headers
    )


def draft_of(client, key="garment-final") -> dict:
    response = create(client, key)
    assert response.status_code == 201, response.json()
    return client.get(f"/api/v1/checklist-versions/{response.json()['versions'][0]['id']}").json()


def put(client, version: dict, items: list, etag: str | None = None):
    return client.put(
        f"/api/v1/checklist-versions/{version['id']}",
        {"items": items},
        format="json",
        HTTP_IF_MATCH=etag or f'"{version["version"]}"',
    )


def post(client, version: dict, action: str, etag: str | None = None):
    return client.post(
        f"/api/v1/checklist-versions/{version['id']}/{action}",
        HTTP_IF_MATCH=etag or f'"{version["version"]}"',
    )


def published(client, key="garment-final") -> dict:
    """A checklist version published through the API, as a client reads it."""
    saved = put(client, draft_of(client, key), ITEMS).json()
    response = post(client, saved, "publish")
    assert response.status_code == 200, response.json()
    return response.json()


def test_creating_a_checklist_answers_it_with_its_first_draft(admin):
    response = create(admin)

    body = response.json()
    assert response.status_code == 201
    assert response["Location"] == f"/api/v1/checklists/{body['id']}"
    assert response["ETag"] == '"1"'
    assert [(v["number"], v["status"]) for v in body["versions"]] == [(1, "draft")]
    assert body.keys() == examples.NEW_CHECKLIST.value.keys()


def test_creating_twice_with_one_idempotency_key_creates_one_checklist(admin):
    key = {"HTTP_IDEMPOTENCY_KEY": "c0ffee00-0000-4000-8000-00000000c4ec"}

    first, second = create(admin, **key), create(admin, **key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert ChecklistVersion.objects.count() == 1


def test_a_checklist_key_already_used_is_a_validation_problem(admin):
    create(admin)

    response = create(admin)

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/key"


def test_a_checklist_shows_its_versions_with_an_etag_and_answers_304(admin):
    checklist_id = create(admin).json()["id"]

    shown = admin.get(f"/api/v1/checklists/{checklist_id}")
    again = admin.get(f"/api/v1/checklists/{checklist_id}", HTTP_IF_NONE_MATCH=shown["ETag"])

    assert (shown.status_code, again.status_code) == (200, 304)
    assert [c["key"] for c in admin.get("/api/v1/checklists").json()["results"]] == [
        "garment-final"
    ]


def test_the_documented_draft_saves_as_the_documented_answer(admin):
    draft = draft_of(admin)

    response = put(admin, draft, ITEMS)

    assert response.status_code == 200, response.json()
    assert response["ETag"] == f'"{draft["version"] + 1}"'
    body = response.json()
    assert body["items"] == examples.SAVED_DRAFT.value["items"]  # "52.00" reads back as "52"
    assert body.keys() == examples.SAVED_DRAFT.value.keys()


@pytest.mark.parametrize(
    ("limit", "code"),
    [(52.5, "not_a_string"), (52, "not_a_string"), ("5.25e1", "invalid"), ("NaN", "invalid")],
)
def test_numeric_limits_are_decimal_strings_never_json_numbers(admin, limit, code):
    draft = draft_of(admin)
    item = {"key": "chest", "label": "Chest", "kind": "numeric", "maximum": limit}

    response = put(admin, draft, [item])

    assert response.status_code == 422
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/items/0/maximum", code)
    ]


def test_a_limit_with_more_places_than_stored_is_refused(admin):
    item = {"key": "chest", "label": "Chest", "kind": "numeric", "maximum": "1.0000001"}

    response = put(admin, draft_of(admin), [item])

    assert response.json()["errors"][0]["pointer"] == "/items/0/maximum"


def test_items_that_could_never_publish_are_refused_with_pointers(admin):
    draft = draft_of(admin)
    items = [
        *ITEMS[:3],
        {"key": "waist", "label": "Waist", "kind": "numeric", "minimum": "80", "maximum": "79.9"},
        {"key": "seams", "label": "Seams again", "kind": "text", "unit": "cm"},
    ]

    response = put(admin, draft, items)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/items/3/maximum", "below_minimum"),
        ("/items/4/key", "unique"),
        ("/items/4/unit", "not_numeric"),
    ]
    assert admin.get(f"/api/v1/checklist-versions/{draft['id']}").json()["version"] == 1


def test_saving_a_draft_needs_a_current_if_match(admin):
    draft = draft_of(admin)

    stale = put(admin, draft, ITEMS, etag='"9"')
    missing = admin.put(
        f"/api/v1/checklist-versions/{draft['id']}", {"items": ITEMS}, format="json"
    )

    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert missing.status_code == 428


def test_publishing_freezes_the_version(admin):
    version = published(admin)

    assert (version["status"], version["published_by"]) == ("published", "API key admin")
    assert version.keys() == examples.PUBLISHED_VERSION.value.keys()
    refused = put(admin, version, ITEMS)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/problems/checklist-version-published")
    assert post(admin, version, "publish").status_code == 409


def test_publishing_an_empty_draft_is_a_validation_problem(admin):
    response = post(admin, draft_of(admin), "publish")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/items"


def test_retiring_a_published_version_then_it_refuses_edits_and_retiring(admin):
    retired = post(admin, published(admin), "retire")

    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
    assert put(admin, retired.json(), ITEMS).status_code == 409
    assert post(admin, retired.json(), "retire").status_code == 409


def test_a_new_draft_copies_the_latest_version_and_only_one_may_exist(admin):
    version = published(admin)
    drafts = f"/api/v1/checklists/{version['checklist_id']}/drafts"

    started, again = admin.post(drafts), admin.post(drafts)

    assert started.status_code == 201
    body = started.json()
    assert started["Location"] == f"/api/v1/checklist-versions/{body['id']}"
    assert (body["number"], body["status"], body["items"]) == (2, "draft", version["items"])
    assert again.status_code == 409
    assert again.json()["draft_id"] == body["id"]


def test_members_read_checklists_but_only_admins_change_them(admin, client_for):
    inspector = client_for(Role.QC_INSPECTOR)
    draft = draft_of(admin)

    assert inspector.get(f"/api/v1/checklist-versions/{draft['id']}").status_code == 200
    assert put(inspector, draft, ITEMS).status_code == 403
    assert post(inspector, draft, "publish").status_code == 403
    assert create(inspector, key="mine").status_code == 403
    assert inspector.post(f"/api/v1/checklists/{draft['checklist_id']}/drafts").status_code == 403


def test_another_organizations_checklists_are_not_found(admin):
    theirs = checklist_version(OrganizationFactory(), published=False)
    version = {"id": theirs.pk, "version": theirs.version}

    assert admin.get(f"/api/v1/checklists/{theirs.template_id}").status_code == 404
    assert admin.get(f"/api/v1/checklist-versions/{theirs.pk}").status_code == 404
    assert put(admin, version, ITEMS).status_code == 404
    assert post(admin, version, "publish").status_code == 404
    assert post(admin, version, "retire").status_code == 404
    assert admin.post(f"/api/v1/checklists/{theirs.template_id}/drafts").status_code == 404
    assert admin.get("/api/v1/checklists").json()["results"] == []
    theirs.refresh_from_db()
    assert (theirs.status, theirs.version, theirs.items.count()) == ("draft", 1, 5)


def test_showing_a_version_takes_the_same_queries_however_many_items(
    admin, organization, django_assert_max_num_queries
):
    items = [{"key": f"check-{index}", "kind": "pass_fail"} for index in range(60)]
    version = checklist_version(organization, items)

    with django_assert_max_num_queries(4):
        response = admin.get(f"/api/v1/checklist-versions/{version.pk}")

    assert len(response.json()["items"]) == 60

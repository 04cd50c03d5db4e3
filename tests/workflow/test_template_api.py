from datetime import timedelta

import pytest
from rest_framework.exceptions import ValidationError

from config.api.durations import ISODurationField
from config.roles import Role
from tests.accounts.factories import OrganizationFactory
from tests.workflow.factories import template_version
from workflow.models import ProcessTemplate, TemplateVersion

DRAFT = {
    "nodes": [
        {"node_key": "cut", "title": "Cut", "planned_duration": "P2D"},
        {"node_key": "sew", "title": "Sew", "planned_duration": "P1DT12H", "work_kind": "sewing"},
        {"node_key": "label", "title": "Label", "planned_duration": "PT12H"},
        {"node_key": "pack", "title": "Pack", "planned_duration": "PT0S", "is_milestone": True},
    ],
    "edges": [
        {"task": "sew", "depends_on": "cut"},
        {"task": "label", "depends_on": "cut"},
        {"task": "pack", "depends_on": "sew"},
        {"task": "pack", "depends_on": "label"},
    ],
    "signoff_roles": ["qc_inspector", "admin"],
}


@pytest.fixture
def admin(client_for):
    return client_for(Role.ADMIN)


def create_template(client, key="garment"):
    response = client.post("/api/v1/templates", {"key": key, "name": "Garment"}, format="json")
    assert response.status_code == 201, response.json()
    return response


def draft_of(client, key="garment") -> dict:
    version_id = create_template(client, key).json()["versions"][0]["id"]
    return client.get(f"/api/v1/template-versions/{version_id}").json()


def put(client, version: dict, body: dict, etag: str | None = None):
    headers = {"HTTP_IF_MATCH": etag or f'"{version["version"]}"'}
    return client.put(f"/api/v1/template-versions/{version['id']}", body, format="json", **headers)


def post(client, version: dict, action: str, etag: str | None = None):
    headers = {"HTTP_IF_MATCH": etag or f'"{version["version"]}"'}
    return client.post(f"/api/v1/template-versions/{version['id']}/{action}", **headers)


def test_creating_a_template_answers_it_with_its_first_draft(admin):
    response = create_template(admin)

    body = response.json()
    assert response["Location"] == "/api/v1/templates/garment"
    assert response["ETag"] == '"1"'
    assert [(v["number"], v["status"]) for v in body["versions"]] == [(1, "draft")]


def test_creating_a_template_twice_with_one_idempotency_key_creates_it_once(admin):
    def send():
        return admin.post(
            "/api/v1/templates",
            {"key": "garment", "name": "Garment"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="c0ffee00-0000-4000-8000-000000000001",
        )

    first, second = send(), send()

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert ProcessTemplate.objects.count() == 1


def test_a_template_key_already_used_is_a_validation_problem(admin):
    create_template(admin)

    response = admin.post("/api/v1/templates", {"key": "garment", "name": "X"}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/key"


def test_a_template_shows_its_versions_with_an_etag_and_answers_304(admin):
    create_template(admin)

    shown = admin.get("/api/v1/templates/garment")
    again = admin.get("/api/v1/templates/garment", HTTP_IF_NONE_MATCH=shown["ETag"])

    assert shown.status_code == 200
    assert shown.json()["versions"][0]["number"] == 1
    assert again.status_code == 304
    assert [t["key"] for t in admin.get("/api/v1/templates").json()["results"]] == ["garment"]


def test_a_draft_is_saved_whole_with_iso_durations(admin):
    draft = draft_of(admin)

    response = put(admin, draft, DRAFT)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert response["ETag"] == f'"{draft["version"] + 1}"'
    assert [n["planned_duration"] for n in body["nodes"]] == [
        "P2DT00H00M00S",
        "P1DT12H00M00S",
        "P0DT12H00M00S",
        "P0DT00H00M00S",
    ]
    assert body["edges"] == DRAFT["edges"]
    assert body["signoff_roles"] == ["qc_inspector", "admin"]


def test_a_draft_with_a_cycle_is_refused_and_the_problem_names_the_cycle(admin):
    draft = draft_of(admin)
    body = {
        "nodes": [
            {"node_key": key, "title": key, "planned_duration": "P1D"} for key in ("a", "b", "c")
        ],
        "edges": [
            {"task": "b", "depends_on": "a"},
            {"task": "c", "depends_on": "b"},
            {"task": "a", "depends_on": "c"},
        ],
    }

    response = put(admin, draft, body)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["path"] == "a → b → c → a"
    assert error["code"] == "cycle"
    assert "a → b → c → a" in error["detail"]


def test_draft_fields_are_validated_with_pointers(admin):
    draft = draft_of(admin)
    body = {
        "nodes": [
            {"node_key": "cut", "title": "Cut", "planned_duration": "2 days"},
            {"node_key": "x", "title": "X", "planned_duration": "P1D", "kind": "other"},
        ],
        "signoff_roles": ["admin", "admin"],
    }

    response = put(admin, draft, body)

    assert response.status_code == 422
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert pointers == {
        "/nodes/0/planned_duration",
        "/nodes/1/other_kind_label",
        "/signoff_roles",
    }


def test_graph_problems_are_all_reported_with_pointers(admin):
    draft = draft_of(admin)
    body = {
        "nodes": [
            {"node_key": "cut", "title": "Cut", "planned_duration": "P1D"},
            {"node_key": "cut", "title": "Cut again", "planned_duration": "P1D"},
        ],
        "edges": [{"task": "cut", "depends_on": "cut"}, {"task": "cut", "depends_on": "nope"}],
    }

    response = put(admin, draft, body)

    assert response.status_code == 422
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/nodes/1/node_key", "duplicate_node"),
        ("/edges/0", "self_edge"),
        ("/edges/1/depends_on", "unknown_node"),
    ]


def test_saving_a_draft_needs_a_current_if_match(admin):
    draft = draft_of(admin)

    stale = put(admin, draft, DRAFT, etag=f'"{draft["version"] + 5}"')
    missing = admin.put(f"/api/v1/template-versions/{draft['id']}", DRAFT, format="json")

    assert stale.status_code == 412
    assert stale.json()["current_version"] == draft["version"]
    assert missing.status_code == 428


def test_publishing_answers_the_schedule_and_freezes_the_version(admin):
    draft = draft_of(admin)
    saved = put(admin, draft, DRAFT).json()

    response = post(admin, saved, "publish")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "published"
    assert body["published_by"]  # the key's label
    by_key = {node["node_key"]: node for node in body["nodes"]}
    assert by_key["label"]["slack"] == "P1DT00H00M00S"
    assert by_key["pack"]["earliest_start"] == "P3DT12H00M00S"
    assert [k for k, n in by_key.items() if n["is_critical"]] == ["cut", "sew", "pack"]
    refused = put(admin, body, DRAFT)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/problems/template-version-published")
    assert post(admin, body, "publish").status_code == 409


def test_publishing_an_empty_draft_is_a_validation_problem(admin):
    draft = draft_of(admin)

    response = post(admin, draft, "publish")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/nodes"


def test_retiring_a_published_version_then_it_refuses_edits(admin):
    draft = draft_of(admin)
    published = post(admin, put(admin, draft, DRAFT).json(), "publish").json()

    retired = post(admin, published, "retire")

    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
    assert put(admin, retired.json(), DRAFT).status_code == 409
    assert post(admin, retired.json(), "retire").status_code == 409


def test_a_new_draft_copies_the_latest_version_and_only_one_may_exist(admin):
    draft = draft_of(admin)
    post(admin, put(admin, draft, DRAFT).json(), "publish")

    started = admin.post("/api/v1/templates/garment/versions")
    again = admin.post("/api/v1/templates/garment/versions")

    assert started.status_code == 201
    body = started.json()
    assert started["Location"] == f"/api/v1/template-versions/{body['id']}"
    assert (body["number"], body["status"]) == (2, "draft")
    assert [n["node_key"] for n in body["nodes"]] == ["cut", "sew", "label", "pack"]
    assert body["edges"] == DRAFT["edges"]
    assert again.status_code == 409
    assert again.json()["draft_id"] == body["id"]


def test_a_viewer_reads_templates_but_cannot_change_them(client_for):
    admin, viewer = client_for(Role.ADMIN), client_for(Role.VIEWER)
    draft = draft_of(admin)

    assert viewer.get(f"/api/v1/template-versions/{draft['id']}").status_code == 200
    assert put(viewer, draft, DRAFT).status_code == 403
    assert post(viewer, draft, "publish").status_code == 403
    refused = viewer.post("/api/v1/templates", {"key": "k", "name": "K"}, format="json")
    assert refused.status_code == 403


def test_another_organizations_templates_are_not_found(admin):
    other = template_version(OrganizationFactory(), published=False)

    assert admin.get(f"/api/v1/templates/{other.template.key}").status_code == 404
    assert admin.get(f"/api/v1/template-versions/{other.pk}").status_code == 404
    assert put(admin, {"id": other.pk, "version": other.version}, DRAFT).status_code == 404
    assert admin.post(f"/api/v1/templates/{other.template.key}/versions").status_code == 404
    assert TemplateVersion.objects.get(pk=other.pk).tasks.count() == 5


def test_showing_a_version_takes_the_same_queries_however_large_its_graph(
    admin, organization, django_assert_max_num_queries
):
    keys = [f"step-{i}" for i in range(40)]
    chain = list(zip(keys[1:], keys, strict=False))
    version = template_version(organization, keys, chain)

    with django_assert_max_num_queries(5):
        response = admin.get(f"/api/v1/template-versions/{version.pk}")

    assert len(response.json()["edges"]) == 39


@pytest.mark.parametrize(
    ("written", "hours"),
    [("P2D", 48), ("PT4H30M", 4.5), ("P1DT12H", 36), ("PT0S", 0), ("P0DT02H00M00S", 2)],
)
def test_durations_are_read_in_iso_8601(written, hours):
    assert ISODurationField().run_validation(written) == timedelta(hours=hours)


@pytest.mark.parametrize(
    "written", ["2 days", "-P1D", "P", "PT", "P1W", "P1DT", "02:00:00", "P3650D", 48, None]
)
def test_durations_that_are_not_iso_8601_or_too_long_are_refused(written):
    with pytest.raises(ValidationError):
        ISODurationField().run_validation(written)

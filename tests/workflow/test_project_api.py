"""Projects and deliverables over HTTP: admins write, members read, other organizations see 404."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.principal import Principal
from config.roles import Role
from tests.accounts.factories import OrganizationFactory
from tests.workflow.factories import GARMENT_NODES, project_with, template_version
from workflow.models import Deliverable, Project, Task
from workflow.services.tasks import apply_task_action

pytestmark = pytest.mark.django_db

NEW_DELIVERABLE = {"name": "Order 1001 - 40 jackets", "external_reference": "PO-1001"}


@pytest.fixture
def admin(client_for):
    return client_for("admin")


@pytest.fixture
def project(organization):
    return project_with(organization)


def start(client, project, body=NEW_DELIVERABLE, **headers):
    return client.post(
        f"/api/v1/projects/{project.pk}/deliverables", body, format="json", **headers
    )


def test_creating_a_project_returns_201_with_location_etag_and_the_pinned_version(
    admin, organization
):
    version = template_version(organization)

    response = admin.post(
        "/api/v1/projects", {"name": "Spring order", "template_version": version.pk}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/projects/{body['id']}"
    assert response["ETag"] == '"1"'
    assert body["template_version"] == {
        "id": version.pk,
        "number": 1,
        "template_id": version.template_id,
        "template_key": version.template.key,
        "template_name": version.template.name,
    }
    assert admin.get("/api/v1/projects").json()["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    "make_version",
    [
        lambda org: template_version(org, published=False),
        lambda org: template_version(OrganizationFactory()),
    ],
    ids=["unpublished", "another-organization"],
)
def test_an_unpublished_or_foreign_version_is_422_pointing_at_it(admin, organization, make_version):
    version = make_version(organization)

    response = admin.post(
        "/api/v1/projects", {"name": "Spring order", "template_version": version.pk}, format="json"
    )

    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["/template_version"]
    assert not Project.objects.exists()


def test_a_project_answers_304_while_its_etag_is_current(admin, project):
    url = f"/api/v1/projects/{project.pk}"

    assert admin.get(url)["ETag"] == '"1"'
    assert admin.get(url, HTTP_IF_NONE_MATCH='"1"').status_code == 304


def test_renaming_needs_if_match_and_bumps_the_version(admin, project):
    url = f"/api/v1/projects/{project.pk}"

    missing = admin.patch(url, {"name": "Summer order"}, format="json")
    stale = admin.patch(url, {"name": "Summer order"}, format="json", HTTP_IF_MATCH='"4"')
    current = admin.patch(url, {"name": "Summer order"}, format="json", HTTP_IF_MATCH='"1"')

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert (current.status_code, current["ETag"]) == (200, '"2"')
    assert current.json()["name"] == "Summer order"


def test_an_upgrade_needs_if_match_and_a_newer_version(admin, organization):
    first = template_version(organization)
    second = template_version(organization, template=first.template, number=2)
    project = project_with(organization, first)
    url = f"/api/v1/projects/{project.pk}/upgrade"

    missing = admin.post(url, {"template_version": second.pk}, format="json")
    stale = admin.post(url, {"template_version": second.pk}, format="json", HTTP_IF_MATCH='"2"')
    upgraded = admin.post(url, {"template_version": second.pk}, format="json", HTTP_IF_MATCH='"1"')
    back = admin.post(url, {"template_version": first.pk}, format="json", HTTP_IF_MATCH='"2"')

    assert (missing.status_code, stale.status_code) == (428, 412)
    assert (upgraded.status_code, upgraded["ETag"]) == (200, '"2"')
    assert upgraded.json()["template_version"]["number"] == 2
    assert back.status_code == 422
    assert back.json()["errors"][0]["code"] == "not_newer"


def test_starting_a_deliverable_returns_it_with_its_task_counts(admin, project):
    response = start(admin, project)

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/deliverables/{body['id']}"
    assert response["ETag"] == '"1"'
    assert (body["status"], body["project_id"]) == ("in_progress", project.pk)
    assert body["template_version"]["id"] == project.template_version_id
    counts = body["task_counts"]
    assert (counts["total"], counts["ready"], counts["blocked"], counts["done"]) == (5, 1, 4, 0)


def test_starting_a_deliverable_honours_the_idempotency_key(admin, project):
    key = str(uuid.uuid4())

    first = start(admin, project, HTTP_IDEMPOTENCY_KEY=key)
    retry = start(admin, project, HTTP_IDEMPOTENCY_KEY=key)
    other = start(admin, project, {"name": "Another order"}, HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert (retry["Location"], retry["ETag"]) == (first["Location"], first["ETag"])
    assert other.status_code == 422
    assert Deliverable.objects.count() == 1
    assert Task.objects.count() == len(GARMENT_NODES)


def test_a_reference_used_twice_in_a_project_is_409_naming_the_deliverable(admin, project):
    first = start(admin, project).json()

    response = start(admin, project)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/problems/deliverable-exists")
    assert response.json()["deliverable_id"] == first["id"]
    assert Deliverable.objects.count() == 1


def test_a_deliverable_shows_counts_by_status_and_answers_304(admin, organization, project):
    url = start(admin, project)["Location"]
    before = admin.get(url)
    cut = Task.objects.get(node_key="cut")
    apply_task_action(
        task_id=cut.pk,
        actor=Principal(organization.pk, organization.slug, Role.ADMIN, label="admin"),
        action="start",
        payload={},
        expected_version=1,
    )

    shown = admin.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    unchanged = admin.get(url, HTTP_IF_NONE_MATCH=shown["ETag"])

    assert shown.status_code == 200  # a task moved: the counts did too
    assert shown["ETag"] != before["ETag"]
    assert shown.json()["task_counts"] == {
        "total": 5,
        "blocked": 4,
        "ready": 0,
        "in_progress": 1,
        "in_review": 0,
        "rework": 0,
        "done": 0,
        "reopened": 0,
        "cancelled": 0,
    }
    assert unchanged.status_code == 304


def test_a_projects_deliverables_are_listed_newest_first(admin, organization, project):
    older = start(admin, project, {"name": "Order 1"}).json()["id"]
    newer = start(admin, project, {"name": "Order 2"}).json()["id"]
    start(admin, project_with(organization), {"name": "Elsewhere"})

    page = admin.get(f"/api/v1/projects/{project.pk}/deliverables", {"limit": 1}).json()
    rest = admin.get(page["next"]).json()

    assert [item["id"] for item in page["results"] + rest["results"]] == [newer, older]
    assert page["results"][0]["task_counts"]["total"] == 5


def test_the_statements_of_a_start_do_not_grow_with_the_template(admin, organization):
    small = project_with(organization)
    nodes = [f"t{i}" for i in range(300)]
    large = project_with(
        organization,
        template_version(organization, nodes, list(zip(nodes[1:], nodes, strict=False))),
    )
    start(admin, small, {"name": "warm the key cache"})

    counted = []
    for project in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert start(admin, project, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())).status_code == 201
        counted.append(len(queries))

    assert counted[0] == counted[1]


def test_viewers_read_but_cannot_write(client_for, project):
    admin, viewer = client_for("admin"), client_for("viewer")
    deliverable = start(admin, project).json()
    base = f"/api/v1/projects/{project.pk}"

    reads = [
        viewer.get("/api/v1/projects"),
        viewer.get(base),
        viewer.get(f"{base}/deliverables"),
        viewer.get(f"/api/v1/deliverables/{deliverable['id']}"),
    ]
    writes = [
        viewer.post(
            "/api/v1/projects",
            {"name": "x", "template_version": project.template_version_id},
            format="json",
        ),
        viewer.patch(base, {"name": "x"}, format="json", HTTP_IF_MATCH='"1"'),
        viewer.post(
            f"{base}/upgrade",
            {"template_version": project.template_version_id},
            format="json",
            HTTP_IF_MATCH='"1"',
        ),
        start(viewer, project, {"name": "x"}),
    ]

    assert [read.status_code for read in reads] == [200] * len(reads)
    assert [write.status_code for write in writes] == [403] * len(writes)
    assert Deliverable.objects.count() == 1


def test_another_organizations_projects_and_deliverables_are_404(admin, organization):
    elsewhere = OrganizationFactory()
    theirs = project_with(elsewhere)
    deliverable_id = Deliverable.objects.create(
        organization=elsewhere,
        project=theirs,
        template_version=theirs.template_version,
        name="Their order",
    ).pk
    base = f"/api/v1/projects/{theirs.pk}"

    calls = [
        admin.get(base),
        admin.patch(base, {"name": "x"}, format="json", HTTP_IF_MATCH='"1"'),
        admin.post(
            f"{base}/upgrade",
            {"template_version": theirs.template_version_id},
            format="json",
            HTTP_IF_MATCH='"1"',
        ),
        admin.get(f"{base}/deliverables"),
        start(admin, theirs, {"name": "x"}),
        admin.get(f"/api/v1/deliverables/{deliverable_id}"),
    ]

    assert [call.status_code for call in calls] == [404] * len(calls)
    assert admin.get("/api/v1/projects").json()["results"] == []
    theirs.refresh_from_db()
    assert (theirs.name, theirs.version) == ("Spring order", 1)
    assert Deliverable.objects.count() == 1

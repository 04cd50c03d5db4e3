"""Template tasks name their checklist by key and version number: through the template API and
template files, checked when the template version is published."""

import io

import pytest
import yaml
from django.core.management import CommandError, call_command

from config.roles import Role
from qc.services.checklists import retire_version
from tests.accounts.factories import OrganizationFactory
from tests.qc.factories import checklist_version
from tests.workflow.acting import principal
from workflow.models import ProcessTemplate, TemplateTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client_for):
    return client_for(Role.ADMIN)


def node(key: str, requires_qc: bool = False, checklist=None, **fields) -> dict:
    named = {"checklist": checklist} if checklist is not None else {}
    return {
        "node_key": key,
        "title": key.title(),
        "planned_duration": "P1D",
        "requires_qc": requires_qc,
        **named,
        **fields,
    }


def ref(key: str = "garment-final", version: int = 1) -> dict:
    return {"key": key, "version": version}


def saved_draft(client, nodes: list[dict]) -> dict:
    created = client.post("/api/v1/templates", {"key": "garment", "name": "G"}, format="json")
    version_id = created.json()["versions"][0]["id"]
    response = client.put(
        f"/api/v1/template-versions/{version_id}",
        {"nodes": nodes},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    return response.json()


def publish(client, draft: dict):
    return client.post(
        f"/api/v1/template-versions/{draft['id']}/publish",
        HTTP_IF_MATCH=f'"{draft["version"]}"',
    )


def test_a_node_names_its_checklist_and_reads_it_back(admin, organization):
    checklist_version(organization)

    draft = saved_draft(admin, [node("sew"), node("inspect", True, ref())])

    assert [n["checklist"] for n in draft["nodes"]] == [None, ref()]
    task = TemplateTask.objects.get(version_id=draft["id"], node_key="inspect")
    assert (task.checklist_key, task.checklist_number) == ("garment-final", 1)
    published = publish(admin, draft)
    assert published.status_code == 200, published.json()
    assert published.json()["nodes"][1]["checklist"] == ref()


def test_a_task_that_requires_qc_without_a_checklist_publishes_for_a_bare_verdict(admin):
    response = publish(admin, saved_draft(admin, [node("inspect", requires_qc=True)]))

    assert response.status_code == 200, response.json()
    assert response.json()["nodes"][0]["checklist"] is None


def test_publishing_refuses_checklists_that_are_missing_unpublished_or_not_inspected(
    admin, organization
):
    checklist_version(organization, key="draft-only", published=False)
    checklist_version(organization, key="seams")
    checklist_version(OrganizationFactory(), key="theirs")
    old = checklist_version(organization, key="old")
    retire_version(version_id=old.pk, actor=principal(organization), expected_version=2)
    draft = saved_draft(
        admin,
        [
            node("drafted", True, ref("draft-only")),
            node("no-such-key", True, ref("nope")),
            node("no-such-number", True, ref("seams", 7)),
            node("retired", True, ref("old")),
            node("elsewhere", True, ref("theirs")),
            node("not-inspected", False, ref("seams")),
            node("fine", True, ref("seams")),
        ],
    )

    response = publish(admin, draft)

    assert response.status_code == 422
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/nodes/0/checklist", "checklist_not_published"),
        ("/nodes/1/checklist", "unknown_checklist"),
        ("/nodes/2/checklist", "unknown_checklist"),
        ("/nodes/3/checklist", "checklist_not_published"),
        ("/nodes/4/checklist", "unknown_checklist"),
        ("/nodes/5/checklist", "not_inspected"),
    ]
    assert admin.get(f"/api/v1/template-versions/{draft['id']}").json()["status"] == "draft"


@pytest.mark.parametrize(
    ("checklist", "pointer"),
    [
        ({"key": "garment-final"}, "/nodes/0/checklist/version"),
        ({"key": "Not a slug!", "version": 1}, "/nodes/0/checklist/key"),
        ({"key": "garment-final", "version": 0}, "/nodes/0/checklist/version"),
        ("garment-final", "/nodes/0/checklist"),
    ],
)
def test_a_malformed_checklist_reference_is_a_validation_problem(admin, checklist, pointer):
    created = admin.post("/api/v1/templates", {"key": "garment", "name": "G"}, format="json")
    version_id = created.json()["versions"][0]["id"]

    response = admin.put(
        f"/api/v1/template-versions/{version_id}",
        {"nodes": [node("inspect", True, checklist)]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


def test_a_new_template_draft_keeps_the_checklists_its_nodes_name(admin, organization):
    checklist_version(organization)
    publish(admin, saved_draft(admin, [node("inspect", True, ref())]))

    started = admin.post("/api/v1/templates/garment/versions")

    assert started.json()["nodes"][0]["checklist"] == ref()


def test_a_template_file_carries_each_nodes_checklist_both_ways(tmp_path, organization):
    checklist_version(organization)
    document = {
        "key": "garment",
        "name": "Garment",
        "nodes": [node("sew"), node("inspect", True, ref())],
        "edges": [{"task": "inspect", "depends_on": "sew"}],
    }
    path = tmp_path / "garment.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    slug = ["--organization", organization.slug]

    call_command("import_template", str(path), *slug, "--publish", stdout=io.StringIO())
    exported = io.StringIO()
    call_command("export_template", "garment", *slug, stdout=exported)
    again = io.StringIO()
    call_command("import_template", str(path), *slug, stdout=again)

    assert [n["checklist"] for n in yaml.safe_load(exported.getvalue())["nodes"]] == [None, ref()]
    assert "unchanged" in again.getvalue()


def test_importing_a_file_that_names_an_unknown_checklist_refuses_to_publish(
    tmp_path, organization
):
    document = {"key": "garment", "name": "G", "nodes": [node("inspect", True, ref("nope"))]}
    path = tmp_path / "garment.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(CommandError, match="/nodes/0/checklist: There is no checklist"):
        call_command("import_template", str(path), "--organization", organization.slug, "--publish")
    assert not ProcessTemplate.objects.exists()

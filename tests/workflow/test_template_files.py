import io
import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from outbox.models import OutboxMessage
from tests.accounts.factories import OrganizationFactory
from workflow.models import ProcessTemplate, TemplateVersion
from workflow.selectors.templates import content_of, with_graph

GARMENT = {
    "key": "garment",
    "name": "Garment order",
    "signoff_roles": ["qc_inspector"],
    "nodes": [
        {"node_key": "cut", "title": "Cut", "planned_duration": "P1D"},
        {
            "node_key": "sew",
            "title": "Sew",
            "planned_duration": "P2DT4H",
            "work_kind": "sewing",
            "default_role": "agent",
        },
        {
            "node_key": "check",
            "title": "Check",
            "kind": "other",
            "other_kind_label": "Fitting",
            "requires_qc": True,
            "planned_duration": "PT3H",
        },
    ],
    "edges": [{"task": "sew", "depends_on": "cut"}, {"task": "check", "depends_on": "sew"}],
}


def write(tmp_path, document, name="garment.yaml"):
    path = tmp_path / name
    text = json.dumps(document) if name.endswith(".json") else yaml.safe_dump(document)
    path.write_text(text, encoding="utf-8")
    return str(path)


def import_file(path, organization, *options) -> str:
    out = io.StringIO()
    call_command("import_template", path, "--organization", organization.slug, *options, stdout=out)
    return out.getvalue()


def export(organization, *options) -> str:
    out = io.StringIO()
    call_command(
        "export_template", "garment", "--organization", organization.slug, *options, stdout=out
    )
    return out.getvalue()


def versions(organization) -> list[tuple[int, str, int]]:
    return list(
        TemplateVersion.objects.filter(template__organization=organization)
        .order_by("number")
        .values_list("number", "status", "version")
    )


def latest_content(organization) -> dict:
    version = with_graph(
        TemplateVersion.objects.filter(template__organization=organization).order_by("-number")
    ).first()
    return content_of(version)


def test_importing_a_new_template_creates_it_as_a_draft(tmp_path, organization):
    output = import_file(write(tmp_path, GARMENT), organization)

    assert "created with v1, draft" in output
    assert versions(organization) == [(1, "draft", 2)]
    assert [node["node_key"] for node in latest_content(organization)["nodes"]] == [
        "cut",
        "sew",
        "check",
    ]


def test_importing_the_same_file_twice_changes_nothing(tmp_path, organization):
    path = write(tmp_path, GARMENT)
    import_file(path, organization, "--publish")
    before = (versions(organization), OutboxMessage.objects.count())

    output = import_file(path, organization, "--publish")

    assert "unchanged" in output
    assert (versions(organization), OutboxMessage.objects.count()) == before
    assert before[0] == [(1, "published", 3)]


def test_changed_content_becomes_a_new_draft_after_the_published_version(tmp_path, organization):
    import_file(write(tmp_path, GARMENT), organization, "--publish")
    changed = {
        **GARMENT,
        "nodes": [
            *GARMENT["nodes"],
            {"node_key": "pack", "title": "Pack", "planned_duration": "PT1H"},
        ],
    }

    import_file(write(tmp_path, changed, "changed.yaml"), organization)

    assert [(n, s) for n, s, _ in versions(organization)] == [(1, "published"), (2, "draft")]
    assert latest_content(organization)["nodes"][-1]["node_key"] == "pack"


def test_a_second_changed_import_replaces_the_draft_and_publish_publishes_it(
    tmp_path, organization
):
    import_file(write(tmp_path, GARMENT), organization, "--publish")
    shorter = {**GARMENT, "nodes": GARMENT["nodes"][:2], "edges": GARMENT["edges"][:1]}
    import_file(write(tmp_path, {**shorter, "signoff_roles": []}, "a.json"), organization)

    output = import_file(write(tmp_path, shorter, "b.json"), organization, "--publish")

    assert "now has v2, published" in output
    assert [(n, s) for n, s, _ in versions(organization)] == [(1, "published"), (2, "published")]
    assert latest_content(organization)["signoff_roles"] == ["qc_inspector"]


@pytest.mark.parametrize("file_format", ["yaml", "json"])
def test_an_exported_version_imports_to_the_same_content(tmp_path, organization, file_format):
    import_file(write(tmp_path, GARMENT), organization, "--publish")
    path = tmp_path / f"exported.{file_format}"
    call_command(
        "export_template",
        "garment",
        "--organization",
        organization.slug,
        "--output",
        str(path),
        stderr=io.StringIO(),
    )
    elsewhere = OrganizationFactory()

    import_file(str(path), elsewhere)
    unchanged = import_file(str(path), organization)

    assert latest_content(elsewhere) == latest_content(organization)
    assert ProcessTemplate.objects.get(organization=elsewhere).name == "Garment order"
    assert "unchanged" in unchanged


def test_export_writes_the_named_version_to_standard_output(tmp_path, organization):
    import_file(write(tmp_path, GARMENT), organization, "--publish")
    changed = {**GARMENT, "nodes": GARMENT["nodes"][:1], "edges": []}
    import_file(write(tmp_path, changed, "v2.yaml"), organization)

    first = yaml.safe_load(export(organization, "--version", "1"))
    latest = json.loads(export(organization, "--format", "json"))

    assert [node["node_key"] for node in first["nodes"]] == ["cut", "sew", "check"]
    assert first["nodes"][1]["planned_duration"] == "P2DT04H00M00S"
    assert [node["node_key"] for node in latest["nodes"]] == ["cut"]


def test_an_invalid_file_is_refused_with_each_problem_pointed_at(tmp_path, organization):
    broken = {
        **GARMENT,
        "nodes": [{**GARMENT["nodes"][0], "planned_duration": "tomorrow"}, *GARMENT["nodes"][1:]],
    }

    with pytest.raises(CommandError, match="/nodes/0/planned_duration"):
        import_file(write(tmp_path, broken), organization)
    assert not ProcessTemplate.objects.exists()


def test_a_cycle_in_a_file_is_refused_with_its_path(tmp_path, organization):
    cyclic = {**GARMENT, "edges": [*GARMENT["edges"], {"task": "cut", "depends_on": "check"}]}

    with pytest.raises(CommandError, match="cut → sew → check → cut"):
        import_file(write(tmp_path, cyclic), organization)
    assert not ProcessTemplate.objects.exists()


def test_a_file_without_a_known_extension_needs_a_format(tmp_path, organization):
    path = write(tmp_path, GARMENT, "garment.txt")

    with pytest.raises(CommandError, match="--format"):
        import_file(path, organization)
    import_file(path, organization, "--format", "yaml")
    assert versions(organization) == [(1, "draft", 2)]

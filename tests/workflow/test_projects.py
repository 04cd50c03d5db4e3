"""Project use cases: pinned to a published version, renamed and upgraded with their history."""

import pytest
from django.db.models import F

from config.api.conditional import StaleVersion
from outbox.models import OutboxMessage
from tests.accounts.factories import OrganizationFactory
from tests.workflow.factories import GARMENT_EDGES, GARMENT_NODES, project_with, template_version
from workflow.exceptions import InvalidTemplateVersion
from workflow.models import Project, ProjectEvent, TemplateVersion
from workflow.services.bootstrap import start_deliverable
from workflow.services.projects import (
    create_project,
    update_project,
    upgrade_project,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(organization) -> TemplateVersion:
    return template_version(organization)


def next_version(version: TemplateVersion, number: int, **options) -> TemplateVersion:
    """Version `number` of the same template: the garment graph plus a `label` task."""
    return template_version(
        version.template.organization,
        [*GARMENT_NODES, "label"],
        [*GARMENT_EDGES, ("label", "pack")],
        template=version.template,
        number=number,
        **options,
    )


def refusal_code(refused) -> tuple[str, str]:
    error = refused.value.extensions["errors"][0]
    return error["pointer"], error["code"]


def history(project: Project) -> list[tuple[str, int]]:
    return list(project.events.order_by("id").values_list("action", "version_after"))


def test_a_project_is_pinned_to_a_published_version_and_records_its_creation(first, admin):
    project = create_project(actor=admin, name="Spring order", template_version_id=first.pk)

    assert (project.template_version_id, project.version, project.name) == (
        first.pk,
        1,
        "Spring order",
    )
    assert (project.organization_id, project.created_by_id) == (
        admin.organization_id,
        admin.user_id,
    )
    event = ProjectEvent.objects.get()
    assert (event.action, event.version_after, event.actor_user_id) == ("create", 1, admin.user_id)


@pytest.mark.parametrize(
    ("make_version", "code"),
    [
        (lambda org: template_version(org, published=False), "not_published"),
        (lambda org: template_version(OrganizationFactory()), "does_not_exist"),
    ],
    ids=["draft", "another-organization"],
)
def test_a_draft_or_another_organizations_version_is_refused(
    organization, admin, make_version, code
):
    version = make_version(organization)

    with pytest.raises(InvalidTemplateVersion) as refused:
        create_project(actor=admin, name="Spring order", template_version_id=version.pk)

    assert refusal_code(refused) == ("/template_version", code)
    assert not Project.objects.exists()


def test_a_retired_version_starts_no_new_project(first, admin):
    TemplateVersion.objects.filter(pk=first.pk).update(
        status=TemplateVersion.Status.RETIRED, version=F("version") + 1
    )

    with pytest.raises(InvalidTemplateVersion) as refused:
        create_project(actor=admin, name="Spring order", template_version_id=first.pk)

    assert refusal_code(refused) == ("/template_version", "not_published")


def test_renaming_bumps_the_version_and_records_the_change(organization, admin):
    project = project_with(organization)

    renamed = update_project(
        project_id=project.pk, actor=admin, expected_version=1, changes={"name": "Summer order"}
    )
    unchanged = update_project(
        project_id=project.pk, actor=admin, expected_version=2, changes={"name": "Summer order"}
    )

    assert (renamed.name, renamed.version, unchanged.version) == ("Summer order", 2, 2)
    assert history(project) == [("update", 2)]
    assert ProjectEvent.objects.get().payload == {"name": "Summer order"}


def test_a_stale_rename_changes_nothing(organization, admin):
    project = project_with(organization)

    with pytest.raises(StaleVersion) as stale:
        update_project(
            project_id=project.pk, actor=admin, expected_version=3, changes={"name": "x"}
        )

    assert stale.value.current_version == 1
    project.refresh_from_db()
    assert (project.name, project.version) == ("Spring order", 1)


def test_an_upgrade_pins_the_newer_version_audits_it_and_emits_an_event(organization, admin, first):
    project = project_with(organization, first)
    second = next_version(first, 2)

    upgraded = upgrade_project(
        project_id=project.pk, actor=admin, expected_version=1, template_version_id=second.pk
    )

    assert (upgraded.template_version_id, upgraded.version) == (second.pk, 2)
    event = ProjectEvent.objects.get(action="upgrade")
    assert event.version_after == 2
    assert event.payload["from_template_version"]["id"] == first.pk
    assert event.payload["to_template_version"] == {
        "id": second.pk,
        "template_key": first.template.key,
        "number": 2,
    }
    message = OutboxMessage.objects.get(event_type="project.upgraded")
    assert (message.aggregate_type, message.aggregate_id) == ("project", str(project.pk))
    assert message.payload["to_template_version"]["number"] == 2
    assert message.payload["actor"] == "admin tester"


def test_an_upgrade_affects_only_deliverables_started_afterwards(organization, admin, first):
    project = project_with(organization, first)
    before = start_deliverable(project_id=project.pk, actor=admin, name="Order 1")
    second = next_version(first, 2)

    upgrade_project(
        project_id=project.pk, actor=admin, expected_version=1, template_version_id=second.pk
    )
    after = start_deliverable(project_id=project.pk, actor=admin, name="Order 2")

    before.refresh_from_db()
    assert before.template_version_id == first.pk
    assert sorted(before.tasks.values_list("node_key", flat=True)) == sorted(GARMENT_NODES)
    assert after.template_version_id == second.pk
    assert sorted(after.tasks.values_list("node_key", flat=True)) == sorted(
        [*GARMENT_NODES, "label"]
    )


def upgrade_refusal(project, version, actor) -> tuple[str, str]:
    with pytest.raises(InvalidTemplateVersion) as refused:
        upgrade_project(
            project_id=project.pk,
            actor=actor,
            expected_version=project.version,
            template_version_id=version.pk,
        )
    return refusal_code(refused)


def test_an_upgrade_needs_a_newer_published_version_of_the_same_template(
    organization, admin, first
):
    second = next_version(first, 2)
    third_draft = next_version(first, 3, published=False)
    project = project_with(organization, second)

    assert upgrade_refusal(project, first, admin) == ("/template_version", "not_newer")
    assert upgrade_refusal(project, second, admin) == ("/template_version", "not_newer")
    assert upgrade_refusal(project, third_draft, admin) == ("/template_version", "not_published")
    assert upgrade_refusal(project, template_version(organization), admin) == (
        "/template_version",
        "other_template",
    )
    project.refresh_from_db()
    assert (project.template_version_id, project.version) == (second.pk, 1)
    assert not ProjectEvent.objects.exists()
    assert not OutboxMessage.objects.filter(event_type="project.upgraded").exists()


def test_a_stale_upgrade_changes_nothing(organization, admin, first):
    project = project_with(organization, first)
    second = next_version(first, 2)

    with pytest.raises(StaleVersion):
        upgrade_project(
            project_id=project.pk, actor=admin, expected_version=2, template_version_id=second.pk
        )

    project.refresh_from_db()
    assert project.template_version_id == first.pk

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from config.actions import InvalidTransition
from config.api.conditional import StaleVersion
from config.roles import Role
from outbox.models import OutboxMessage
from tests.accounts.factories import MembershipFactory
from tests.workflow.acting import principal
from tests.workflow.factories import template_version
from workflow.exceptions import InvalidTemplate, TemplateDraftExists, TemplateVersionPublished
from workflow.models import TemplateTask, TemplateVersion
from workflow.services import templates as service

DAY = timedelta(days=1)
# a (2d) → b (3d) → d (1d), and a → c (1d) → d: c may slip two days.
NODES = [("a", 2), ("b", 3), ("c", 1), ("d", 1)]
EDGES = [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")]


def nodes(*pairs) -> list[dict]:
    return [
        {
            "node_key": key,
            "title": key.upper(),
            "description": "",
            "kind": "work",
            "other_kind_label": "",
            "work_kind": "",
            "priority": "normal",
            "is_milestone": False,
            "requires_qc": False,
            "default_role": "",
            "planned_duration": days * DAY,
        }
        for key, days in pairs
    ]


def edges(*pairs) -> list[dict]:
    return [{"task": task, "depends_on": blocker} for task, blocker in pairs]


def draft_with(actor, node_pairs=NODES, edge_pairs=EDGES, roles=("admin",)) -> TemplateVersion:
    template = service.create_template(actor=actor, key="garment", name="Garment order")
    draft = template.versions.get()
    return service.save_draft(
        version_id=draft.pk,
        actor=actor,
        expected_version=draft.version,
        nodes=nodes(*node_pairs),
        edges=edges(*edge_pairs),
        signoff_roles=list(roles),
    )


def publish(version, actor) -> TemplateVersion:
    return service.publish_version(
        version_id=version.pk, actor=actor, expected_version=version.version
    )


def test_a_new_template_starts_with_an_empty_draft_numbered_one(admin):
    template = service.create_template(actor=admin, key="garment", name="Garment order")

    draft = template.versions.get()
    assert (draft.number, draft.status, draft.tasks.count()) == (1, "draft", 0)


def test_a_template_key_is_used_once_per_organization(admin):
    service.create_template(actor=admin, key="garment", name="Garment order")

    with pytest.raises(InvalidTemplate) as refused:
        service.create_template(actor=admin, key="garment", name="Another")

    assert refused.value.extensions["errors"][0]["pointer"] == "/key"


def test_publishing_stores_each_tasks_schedule_and_the_critical_path(admin):
    version = publish(draft_with(admin), admin)

    schedule = {
        task.node_key: (task.earliest_start, task.earliest_finish, task.slack, task.is_critical)
        for task in version.tasks.all()
    }
    assert schedule == {
        "a": (0 * DAY, 2 * DAY, 0 * DAY, True),
        "b": (2 * DAY, 5 * DAY, 0 * DAY, True),
        "c": (2 * DAY, 3 * DAY, 2 * DAY, False),
        "d": (5 * DAY, 6 * DAY, 0 * DAY, True),
    }
    assert version.status == TemplateVersion.Status.PUBLISHED


def test_publishing_records_who_published_and_emits_the_event(organization):
    user = MembershipFactory(organization=organization, role=Role.ADMIN).user
    actor = principal(organization, user=user)

    version = publish(draft_with(actor), actor)

    version.refresh_from_db(fields=["published_by", "published_by_label", "published_at"])
    assert (version.published_by, version.published_by_label) == (user, "admin tester")
    assert version.published_at is not None
    message = OutboxMessage.objects.get(event_type="template.published")
    assert message.aggregate_id == str(version.pk)
    assert message.payload["critical_path"] == ["a", "b", "d"]
    assert message.payload["planned_duration"] == "P6DT00H00M00S"


def test_a_draft_cannot_be_saved_with_a_cycle_and_the_error_names_it(admin):
    cycle = [*EDGES, ("a", "d")]

    with pytest.raises(InvalidTemplate) as refused:
        draft_with(admin, edge_pairs=cycle)

    [error] = refused.value.extensions["errors"]
    assert (error["code"], error["pointer"]) == ("cycle", "/edges/4")
    assert error["path"] in ("a → b → d → a", "a → c → d → a")
    assert TemplateTask.objects.count() == 0


def test_publishing_refuses_a_cycle_with_its_path(organization, admin):
    # Written directly: the services never let a draft hold a cycle.
    draft = template_version(
        organization, ["a", "b", "c"], [("b", "a"), ("c", "b"), ("a", "c")], published=False
    )

    with pytest.raises(InvalidTemplate) as refused:
        publish(draft, admin)

    assert [error.get("path") for error in refused.value.extensions["errors"]] == ["a → b → c → a"]
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.DRAFT


def test_publishing_refuses_an_empty_draft(admin):
    template = service.create_template(actor=admin, key="garment", name="Garment order")

    with pytest.raises(InvalidTemplate) as refused:
        publish(template.versions.get(), admin)

    assert refused.value.extensions["errors"][0] == {
        "pointer": "/nodes",
        "detail": "A template version needs at least one task.",
        "code": "empty",
    }


def test_a_draft_is_replaced_whole_and_its_version_goes_up(admin):
    draft = draft_with(admin)

    saved = service.save_draft(
        version_id=draft.pk,
        actor=admin,
        expected_version=draft.version,
        nodes=nodes(("only", 1)),
        edges=[],
        signoff_roles=["qc_inspector"],
    )

    assert list(saved.tasks.values_list("node_key", flat=True)) == ["only"]
    assert saved.dependencies.count() == 0
    assert (saved.signoff_roles, saved.version) == (["qc_inspector"], draft.version + 1)


def test_saving_a_draft_from_a_stale_version_is_refused(admin):
    draft = draft_with(admin)

    with pytest.raises(StaleVersion):
        service.save_draft(
            version_id=draft.pk,
            actor=admin,
            expected_version=draft.version - 1,
            nodes=nodes(("x", 1)),
            edges=[],
            signoff_roles=[],
        )


def test_a_published_version_refuses_edits_and_a_second_publication(admin):
    version = publish(draft_with(admin), admin)

    with pytest.raises(TemplateVersionPublished):
        service.save_draft(
            version_id=version.pk,
            actor=admin,
            expected_version=version.version,
            nodes=nodes(("x", 1)),
            edges=[],
            signoff_roles=[],
        )
    with pytest.raises(TemplateVersionPublished):
        publish(version, admin)


def test_the_database_refuses_to_change_a_published_task(organization):
    version = template_version(organization, published=True)
    task = version.tasks.first()

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflow_templatetask SET title = 'Changed' WHERE id = %s", [task.pk]
        )

    task.refresh_from_db()
    assert task.title != "Changed"


def test_the_database_refuses_a_new_edge_in_a_published_version(organization):
    version = template_version(organization, ["a", "b"], [], published=True)
    a, b = version.tasks.order_by("position")

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workflow_templatedependency (version_id, task_id, depends_on_id) "
            "VALUES (%s, %s, %s)",
            [version.pk, b.pk, a.pk],
        )

    assert version.dependencies.count() == 0


def test_the_database_refuses_to_change_a_published_versions_signoff_roles(organization):
    version = template_version(organization, published=True)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflow_templateversion SET signoff_roles = '[]' WHERE id = %s", [version.pk]
        )


def test_retiring_keeps_the_graph_and_refuses_further_edits(admin):
    version = publish(draft_with(admin), admin)

    retired = service.retire_version(
        version_id=version.pk, actor=admin, expected_version=version.version
    )

    assert (retired.status, retired.version) == ("retired", version.version + 1)
    assert retired.tasks.count() == len(NODES)
    with pytest.raises(TemplateVersionPublished):
        service.save_draft(
            version_id=retired.pk,
            actor=admin,
            expected_version=retired.version,
            nodes=nodes(("x", 1)),
            edges=[],
            signoff_roles=[],
        )


def test_only_a_published_version_can_be_retired(admin):
    draft = draft_with(admin)

    with pytest.raises(InvalidTransition) as refused:
        service.retire_version(version_id=draft.pk, actor=admin, expected_version=draft.version)

    assert refused.value.extensions["current_status"] == "draft"


def test_a_new_draft_copies_the_latest_versions_graph_without_its_schedule(admin):
    published = publish(draft_with(admin, roles=("qc_inspector", "admin")), admin)

    draft = service.start_draft(template_id=published.template_id, actor=admin)

    assert (draft.number, draft.status) == (2, "draft")
    assert draft.signoff_roles == ["qc_inspector", "admin"]
    copied = list(draft.tasks.values_list("node_key", "planned_duration", "earliest_start"))
    assert copied == [(key, days * DAY, None) for key, days in NODES]
    assert sorted(draft.dependencies.values_list("task__node_key", "depends_on__node_key")) == (
        sorted(EDGES)
    )
    assert published.tasks.count() == len(NODES)


def test_a_template_has_one_draft_at_most(admin):
    draft = draft_with(admin)

    with pytest.raises(TemplateDraftExists) as refused:
        service.start_draft(template_id=draft.template_id, actor=admin)

    assert refused.value.extensions["draft_id"] == draft.pk

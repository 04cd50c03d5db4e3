"""Starting a deliverable copies its pinned version's graph in a fixed number of statements."""

import json
import random
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from outbox.models import OutboxMessage
from tests.config.environments import run_embedded
from tests.workflow.factories import GARMENT_EDGES, project_with, template_version
from workflow.exceptions import DuplicateReference
from workflow.models import (
    Deliverable,
    DeliverableEvent,
    Task,
    TaskDependency,
    TaskEvent,
    TemplateTask,
    TemplateVersion,
)
from workflow.selectors.templates import NODE_FIELDS
from workflow.services.bootstrap import (
    copy_through_orm,
    start_deliverable,
)

pytestmark = pytest.mark.django_db

# The savepoint pair (the test's transaction is open), the project, the deliverable, its tasks,
# their dependencies, the deliverable's start event and the outbox message.
STATEMENTS = 8


def acyclic_edges(size: int, count: int, seed: int = 22) -> list[tuple[str, str]]:
    """`count` distinct (task, depends_on) edges, each from a lower index to a higher one."""
    chooser = random.Random(seed)
    edges: set[tuple[str, str]] = set()
    while len(edges) < count:
        blocker, task = sorted(chooser.sample(range(size), 2))
        edges.add((f"t{task}", f"t{blocker}"))
    return sorted(edges)


def start(project, actor, **fields) -> Deliverable:
    return start_deliverable(project_id=project.pk, actor=actor, name="Order 1001", **fields)


def copied_edges(deliverable) -> set[tuple[str, str]]:
    return set(
        TaskDependency.objects.filter(task__deliverable=deliverable).values_list(
            "task__node_key", "depends_on__node_key"
        )
    )


def statuses(deliverable) -> dict[str, str]:
    return dict(deliverable.tasks.values_list("node_key", "status"))


def test_a_thousand_tasks_start_in_as_many_statements_as_five(
    organization, admin, django_assert_num_queries
):
    nodes = [f"t{i}" for i in range(1000)]
    edges = acyclic_edges(len(nodes), 3000)
    small = project_with(organization)
    large = project_with(organization, template_version(organization, nodes, edges))

    with django_assert_num_queries(STATEMENTS):
        start(small, admin)
    with django_assert_num_queries(STATEMENTS):
        deliverable = start(large, admin)

    assert deliverable.tasks.count() == 1000
    assert copied_edges(deliverable) == set(edges)
    waiting = {task for task, _ in edges}
    assert statuses(deliverable) == {
        key: Task.Status.BLOCKED if key in waiting else Task.Status.READY for key in nodes
    }


def test_tasks_without_blockers_start_ready_and_the_others_blocked(organization, admin):
    deliverable = start(project_with(organization), admin)

    assert statuses(deliverable) == {
        "cut": "ready",
        "sew": "blocked",
        "embroider": "blocked",
        "press": "blocked",
        "pack": "blocked",
    }
    assert copied_edges(deliverable) == set(GARMENT_EDGES)
    assert not TaskEvent.objects.exists()  # an insert needs no event; later changes do


def publish(version: TemplateVersion) -> TemplateVersion:
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=TemplateVersion.Status.PUBLISHED, version=F("version") + 1
    )
    version.refresh_from_db()
    return version


@pytest.fixture
def described_version(organization) -> TemplateVersion:
    """The garment graph, with every copied field of `sew` set and CPM offsets on `cut`, `sew`."""
    version = template_version(organization, published=False)
    TemplateTask.objects.filter(version=version, node_key="sew").update(
        description="Sew the panels.\nUse the blue thread.",
        kind="other",
        other_kind_label="Fitting",
        work_kind="sewing",
        priority="high",
        is_milestone=True,
        requires_qc=True,
        default_role="agent",
        planned_duration=timedelta(hours=6),
        earliest_start=timedelta(days=1),
        earliest_finish=timedelta(days=1, hours=6),
    )
    TemplateTask.objects.filter(version=version, node_key="cut").update(
        earliest_start=timedelta(0), earliest_finish=timedelta(days=1)
    )
    return publish(version)


def test_each_task_copies_its_template_task_and_is_scheduled_from_the_start(
    organization, admin, described_version
):
    deliverable = start(project_with(organization, described_version), admin)

    tasks = {task.node_key: task for task in deliverable.tasks.select_related("template_task")}
    for task in tasks.values():
        source = task.template_task
        assert {field: getattr(task, field) for field in NODE_FIELDS} == {
            field: getattr(source, field) for field in NODE_FIELDS
        }
        assert (task.organization_id, task.created_by_id) == (organization.pk, admin.user_id)
        assert (task.version, task.attempt, task.stale, task.assigned_to_id) == (1, 1, False, None)
    began = deliverable.started_at
    assert (tasks["sew"].planned_start, tasks["sew"].planned_finish) == (
        began + timedelta(days=1),
        began + timedelta(days=1, hours=6),
    )
    assert (tasks["cut"].planned_start, tasks["cut"].planned_finish) == (
        began,
        began + timedelta(days=1),
    )
    assert (tasks["pack"].planned_start, tasks["pack"].planned_finish) == (None, None)
    assert list(deliverable.tasks.order_by("id").values_list("node_key", flat=True)) == [
        "cut",
        "sew",
        "embroider",
        "press",
        "pack",
    ]


def test_the_orm_copy_for_the_embedded_database_yields_the_same_rows(
    organization, admin, described_version
):
    project = project_with(organization, described_version)
    in_database = start(project, admin)
    through_orm = Deliverable.objects.create(
        organization=organization,
        project=project,
        template_version=described_version,
        name="Order 1002",
        started_at=in_database.started_at,
    )

    counts = copy_through_orm(through_orm, created_by_id=admin.user_id, now=timezone.now())

    def rows(deliverable):
        columns = ("node_key", "status", "template_task_id", "created_by_id", "planned_start")
        copied = deliverable.tasks.order_by("id").values_list(*columns, *NODE_FIELDS)
        return list(copied), copied_edges(deliverable)

    assert rows(through_orm) == rows(in_database)
    assert counts == DeliverableEvent.objects.get(deliverable=in_database).payload


def test_a_start_writes_one_event_and_one_outbox_message_with_the_counts(organization, admin):
    project = project_with(organization)

    deliverable = start(project, admin, external_reference="PO-1001")

    assert (deliverable.status, deliverable.version) == ("in_progress", 1)
    assert deliverable.template_version_id == project.template_version_id
    event = DeliverableEvent.objects.get()
    assert (event.action, event.to_status, event.version_after) == ("start", "in_progress", 1)
    counts = {"task_count": 5, "ready_task_count": 1, "dependency_count": 5}
    assert (event.actor_user_id, event.payload) == (admin.user_id, counts)
    message = OutboxMessage.objects.get(event_type="deliverable.started")
    assert message.aggregate_id == str(deliverable.pk)
    assert message.payload["deliverable"]["external_reference"] == "PO-1001"
    assert {key: message.payload[key] for key in counts} == counts


def test_a_reference_already_used_in_the_project_is_refused(organization, admin):
    project = project_with(organization)
    first = start(project, admin, external_reference="PO-1001")

    with pytest.raises(DuplicateReference) as refused:
        start(project, admin, external_reference="PO-1001")

    assert refused.value.extensions["deliverable_id"] == first.pk
    assert Deliverable.objects.count() == 1
    assert Task.objects.count() == 5
    start(project_with(organization), admin, external_reference="PO-1001")  # another project


@pytest.mark.django_db(transaction=True)
def test_a_started_deliverable_commits_without_task_events(organization, admin):
    # The deferred trigger refuses task changes without events at commit; inserts are not changes.
    deliverable = start(project_with(organization), admin)

    assert Task.objects.filter(deliverable=deliverable).count() == 5
    assert not TaskEvent.objects.exists()


EMBEDDED_SCRIPT = """
import json, django
django.setup()
from config.principal import Principal
from tests.accounts.factories import OrganizationFactory
from tests.workflow.factories import project_with
from workflow.services.bootstrap import start_deliverable
organization = OrganizationFactory()
actor = Principal(organization.pk, organization.slug, "admin", label="admin")
deliverable = start_deliverable(project_id=project_with(organization).pk, actor=actor, name="d")
tasks = dict(deliverable.tasks.values_list("node_key", "status"))
edges = sorted(deliverable.tasks.values_list("blocker_links__depends_on__node_key", flat=True)
               .exclude(blocker_links__isnull=True))
print(json.dumps({"tasks": tasks, "edges": edges}))
"""


def test_the_embedded_database_starts_deliverables_too(tmp_path):
    result = json.loads(run_embedded(tmp_path, EMBEDDED_SCRIPT))

    assert result["tasks"] == {
        "cut": "ready",
        "sew": "blocked",
        "embroider": "blocked",
        "press": "blocked",
        "pack": "blocked",
    }
    assert result["edges"] == sorted(blocker for _, blocker in GARMENT_EDGES)

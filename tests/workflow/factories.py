"""Workflow rows for tests: templates with a graph, projects, deliverables with their tasks.

Rows are written directly (published versions are built as drafts, then flipped, since the
database refuses to change a published graph); use the services where the behaviour is the point.
"""

import random
from datetime import datetime, time, timedelta

import factory
from django.db.models import F
from django.utils import timezone

from config.roles import Role
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.workflow.acting import tasks_of
from workflow.models import (
    Deliverable,
    ProcessTemplate,
    Project,
    Task,
    TaskDependency,
    TaskEvent,
    TemplateDependency,
    TemplateTask,
    TemplateVersion,
)

DAY = timedelta(days=1)
# cut → sew → press, cut → embroider → press, press → pack: two parallel branches.
GARMENT_NODES = ["cut", "sew", "embroider", "press", "pack"]
GARMENT_EDGES = [("sew", "cut"), ("embroider", "cut"), ("press", "sew"), ("press", "embroider")]
GARMENT_EDGES += [("pack", "press")]
# Allocation windows of two consecutive days: they touch, they do not overlap.
MONDAY = {"start": "2026-12-07T08:00:00+00:00", "end": "2026-12-08T08:00:00+00:00"}
TUESDAY = {"start": "2026-12-08T08:00:00+00:00", "end": "2026-12-09T08:00:00+00:00"}


class ProcessTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessTemplate

    organization = factory.SubFactory(OrganizationFactory)
    key = factory.Sequence(lambda n: f"process-{n}")
    name = factory.Sequence(lambda n: f"Process {n}")


def template_version(
    organization,
    nodes=GARMENT_NODES,
    edges=GARMENT_EDGES,
    *,
    published=True,
    template=None,
    number=1,
    requires_qc=(),
    signoff_roles=("admin",),
) -> TemplateVersion:
    """A version of a template with `nodes` (keys) and `edges` ((task, depends_on) pairs)."""
    template = template or ProcessTemplateFactory(organization=organization)
    version = TemplateVersion.objects.create(
        template=template, number=number, signoff_roles=list(signoff_roles)
    )
    tasks = TemplateTask.objects.bulk_create(
        TemplateTask(
            version=version,
            node_key=key,
            position=index,
            title=key.replace("-", " ").title(),
            planned_duration=DAY,
            requires_qc=key in requires_qc,
        )
        for index, key in enumerate(nodes)
    )
    by_key = {task.node_key: task for task in tasks}
    TemplateDependency.objects.bulk_create(
        TemplateDependency(version=version, task=by_key[task], depends_on=by_key[blocker])
        for task, blocker in edges
    )
    if published:
        TemplateVersion.objects.filter(pk=version.pk).update(
            status=TemplateVersion.Status.PUBLISHED, version=F("version") + 1
        )
        version.refresh_from_db()
    return version


def layered_version(organization, size: int, blockers_per_task: int = 3) -> TemplateVersion:
    """A published version of `size` tasks, each blocked by up to that many earlier ones."""
    keys = [f"task-{index:05d}" for index in range(size)]
    pick = random.Random(size)
    edges = [
        (keys[index], keys[blocker])
        for index in range(1, size)
        for blocker in pick.sample(range(index), min(blockers_per_task, index))
    ]
    return template_version(organization, keys, edges)


def project_with(organization, version: TemplateVersion | None = None, **fields) -> Project:
    version = version or template_version(organization)
    return Project.objects.create(
        organization=organization, template_version=version, name="Spring order", **fields
    )


def deliverable_with_tasks(organization, version: TemplateVersion | None = None) -> Deliverable:
    """A started deliverable: its tasks copied from the version, unblocked ones `ready`."""
    project = project_with(organization, version)
    version = project.template_version
    deliverable = Deliverable.objects.create(
        organization=organization,
        project=project,
        template_version=version,
        name="Order 1001",
    )
    blocked = set(
        TemplateDependency.objects.filter(version=version).values_list("task__node_key", flat=True)
    )
    tasks = Task.objects.bulk_create(
        Task(
            organization=organization,
            deliverable=deliverable,
            template_task=template_task,
            node_key=template_task.node_key,
            title=template_task.title,
            requires_qc=template_task.requires_qc,
            planned_duration=template_task.planned_duration,
            status=Task.Status.BLOCKED if template_task.node_key in blocked else Task.Status.READY,
        )
        for template_task in version.tasks.all()
    )
    by_key = {task.node_key: task for task in tasks}
    TaskDependency.objects.bulk_create(
        TaskDependency(task=by_key[edge.task.node_key], depends_on=by_key[edge.depends_on.node_key])
        for edge in TemplateDependency.objects.filter(version=version).select_related(
            "task", "depends_on"
        )
    )
    return deliverable


def independent_tasks(organization, count: int) -> list[Task]:
    """`count` ready tasks of one deliverable, none depending on another."""
    nodes = [f"job-{n}" for n in range(count)]
    tasks = tasks_of(
        deliverable_with_tasks(organization, template_version(organization, nodes, []))
    )
    return [tasks[node] for node in nodes]


def worker(organization, capacity: int = 1):
    """An agent of `organization` who can hold `capacity` overlapping allocations."""
    membership = MembershipFactory(organization=organization, role=Role.AGENT, capacity=capacity)
    return membership.user


def rewrite_task(task: Task, **columns) -> Task:
    """Set columns of a task for a test as a service would: with a new version and its event."""
    from_status = Task.objects.values_list("status", flat=True).get(pk=task.pk)
    Task.objects.filter(pk=task.pk).update(**columns, version=F("version") + 1)
    task.refresh_from_db()
    TaskEvent.record(task, action="test_setup", actor=None, from_status=from_status)
    return task


def on_day(offset: int, start_hour: int = 9, end_hour: int = 17) -> dict:
    """A window on the day `offset` days from today, in the site's time zone."""
    day = timezone.localdate() + timedelta(days=offset)
    start = timezone.make_aware(datetime.combine(day, time(start_hour)))
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(hours=end_hour - start_hour)).isoformat(),
    }

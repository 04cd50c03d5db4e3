"""Starting a deliverable: every task and dependency of its template version, in one transaction.

A template may hold ten thousand tasks, so on PostgreSQL the copy never travels through Python:
two `INSERT … SELECT` statements read the template's tables inside the database. The number of
statements is the same for five tasks or ten thousand, and the only bind parameters are the
handful of values below, never one per task per column: row-by-row parameters (bulk_create)
would pass PostgreSQL's limit of 65,535 per statement at about 3,800 tasks with server-side
binding, and splitting them into batches would make the count grow with the template
(docs/adr/0022-deliverable-bootstrap.md). The embedded SQLite database copies through the ORM.
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

import outbox
from config.principal import Principal
from config.transactions import use_case
from workflow import events, policy
from workflow.exceptions import DuplicateReference
from workflow.models import (
    Deliverable,
    DeliverableEvent,
    Project,
    Task,
    TaskDependency,
    TemplateDependency,
    TemplateTask,
)
from workflow.selectors.templates import NODE_FIELDS

# The template task's NODE_FIELDS are copied as they are. A task whose template task has a
# blocker starts `blocked`, the others `ready`: the status is written here because the FSM
# field is protected, and inserts need no TaskEvent (the database checks only later changes).
# Planned dates are the start plus the template's CPM offsets (NULL stays NULL). Tasks are
# inserted in the version's topological order, so every blocker gets a smaller id than its
# dependents (docs/adr/0023). The CTE returns two counts, not every row.
COPY_TASKS = """
WITH copied AS (
    INSERT INTO workflow_task (
        organization_id, deliverable_id, template_task_id, created_by_id,
        node_key, title, description, kind, other_kind_label, work_kind, priority,
        is_milestone, requires_qc, default_role, planned_duration,
        planned_start, planned_finish,
        status, version, attempt, stale, created_at, updated_at
    )
    SELECT
        %(organization)s, %(deliverable)s, template_task.id, %(created_by)s::bigint,
        template_task.node_key, template_task.title, template_task.description,
        template_task.kind, template_task.other_kind_label, template_task.work_kind,
        template_task.priority, template_task.is_milestone, template_task.requires_qc,
        template_task.default_role, template_task.planned_duration,
        %(started_at)s::timestamptz + template_task.earliest_start,
        %(started_at)s::timestamptz + template_task.earliest_finish,
        CASE WHEN EXISTS (
            SELECT 1 FROM workflow_templatedependency AS edge WHERE edge.task_id = template_task.id
        ) THEN %(blocked)s ELSE %(ready)s END,
        1, 1, false, %(now)s::timestamptz, %(now)s::timestamptz
    FROM workflow_templatetask AS template_task
    WHERE template_task.version_id = %(template_version)s
    ORDER BY template_task.rank NULLS LAST, template_task.position, template_task.id
    RETURNING status
)
SELECT count(*), count(*) FILTER (WHERE status = %(ready)s) FROM copied
"""

# Each template edge joins the two tasks copied from its ends. The join goes through the unique
# (deliverable, node_key) index, so each probe finds exactly one row: the planner's statistics
# know nothing of the tasks just inserted and may choose nested loops, which over the
# deliverable index alone (ten thousand rows per probe) turned seconds into minutes.
COPY_DEPENDENCIES = """
INSERT INTO workflow_taskdependency (task_id, depends_on_id)
SELECT task.id, blocker.id
FROM workflow_templatedependency AS edge
JOIN workflow_templatetask AS task_template ON task_template.id = edge.task_id
JOIN workflow_templatetask AS blocker_template ON blocker_template.id = edge.depends_on_id
JOIN workflow_task AS task
    ON task.deliverable_id = %(deliverable)s AND task.node_key = task_template.node_key
JOIN workflow_task AS blocker
    ON blocker.deliverable_id = %(deliverable)s AND blocker.node_key = blocker_template.node_key
WHERE edge.version_id = %(template_version)s
"""


@use_case
def start_deliverable(
    *, project_id: int, actor: Principal, name: str, external_reference: str = ""
) -> Deliverable:
    """Create a deliverable with all the tasks of its project's current template version."""
    actor.require(policy.MANAGE, "start deliverables")
    # No lock: an upgrade committing meanwhile affects the deliverables started after it.
    project = Project.objects.get(pk=project_id)
    now = timezone.now()
    deliverable = Deliverable(
        organization_id=project.organization_id,
        project=project,
        template_version_id=project.template_version_id,
        name=name,
        external_reference=external_reference,
        started_at=now,
        created_by_id=actor.user_id,
    )
    _insert(deliverable)
    copy = copy_in_database if connection.vendor == "postgresql" else copy_through_orm
    counts = copy(deliverable, created_by_id=actor.user_id, now=now)
    DeliverableEvent.record(deliverable, action="start", actor=actor, payload=counts)
    outbox.emit(
        **events.deliverable_event(
            events.DELIVERABLE_STARTED, deliverable, actor=str(actor), **counts
        )
    )
    return deliverable


def _insert(deliverable: Deliverable) -> None:
    """Save a new deliverable; a reference already used in the project is a 409."""
    if not deliverable.external_reference:
        deliverable.save(force_insert=True)
        return
    try:
        with transaction.atomic():  # a concurrent start may take the same reference first
            deliverable.save(force_insert=True)
    except IntegrityError:
        # The only constraint this insert can break: the rows it points at were just read.
        reference = deliverable.external_reference
        existing = Deliverable.objects.get(
            project_id=deliverable.project_id, external_reference=reference
        )
        raise DuplicateReference(
            f'Deliverable {existing.pk} of this project has the reference "{reference}".',
            deliverable_id=existing.pk,
        ) from None


def copy_in_database(deliverable: Deliverable, *, created_by_id: int | None, now) -> dict:
    """Copy the pinned version's tasks and edges in two statements; return the counts."""
    parameters = {
        "organization": deliverable.organization_id,
        "deliverable": deliverable.pk,
        "template_version": deliverable.template_version_id,
        "created_by": created_by_id,
        "started_at": deliverable.started_at,
        "now": now,
        "blocked": Task.Status.BLOCKED.value,
        "ready": Task.Status.READY.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(COPY_TASKS, parameters)
        task_count, ready_count = cursor.fetchone()
        cursor.execute(COPY_DEPENDENCIES, parameters)
        dependency_count = cursor.rowcount
    return _counts(task_count, ready_count, dependency_count)


def copy_through_orm(deliverable: Deliverable, *, created_by_id: int | None, now) -> dict:
    """The same copy for databases without PostgreSQL's SQL; batches grow with the template."""
    version_id, start = deliverable.template_version_id, deliverable.started_at
    edges = list(
        TemplateDependency.objects.filter(version_id=version_id).values_list(
            "task_id", "depends_on_id"
        )
    )
    waiting = {task_id for task_id, _ in edges}
    rows = (
        TemplateTask.objects.filter(version_id=version_id)
        .order_by(F("rank").asc(nulls_last=True), "position", "id")
        .values("id", "earliest_start", "earliest_finish", *NODE_FIELDS)
    )
    tasks = Task.objects.bulk_create(
        Task(
            organization_id=deliverable.organization_id,
            deliverable=deliverable,
            created_by_id=created_by_id,
            template_task_id=row["id"],
            planned_start=_after(start, row["earliest_start"]),
            planned_finish=_after(start, row["earliest_finish"]),
            status=Task.Status.BLOCKED if row["id"] in waiting else Task.Status.READY,
            created_at=now,
            **{field: row[field] for field in NODE_FIELDS},
        )
        for row in rows
    )
    task_of = {task.template_task_id: task.pk for task in tasks}
    TaskDependency.objects.bulk_create(
        TaskDependency(task_id=task_of[task_id], depends_on_id=task_of[blocker_id])
        for task_id, blocker_id in edges
    )
    ready_count = sum(task.status == Task.Status.READY for task in tasks)
    return _counts(len(tasks), ready_count, len(edges))


def _after(start, offset):
    return None if offset is None else start + offset


def _counts(tasks: int, ready: int, dependencies: int) -> dict:
    return {"task_count": tasks, "ready_task_count": ready, "dependency_count": dependencies}

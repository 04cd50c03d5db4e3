"""Tasks of a deliverable, their dependencies and their append-only history.

`blocked` and `ready` are stored: the services recompute them in the transaction of every
upstream change. On PostgreSQL a deferred constraint trigger (migration 0002) refuses a
transaction that changes a task's status or version without writing the matching TaskEvent.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from config.aggregates import AggregateEvent, VersionedAggregate, history_constraints
from config.api.text import validate_name, validate_text
from config.roles import Role
from workflow.models.projects import Deliverable
from workflow.models.templates import (
    DESCRIPTION_MAX_LENGTH,
    NODE_KEY_MAX_LENGTH,
    Priority,
    TaskKind,
    TemplateTask,
)


def needs_review(task: "Task") -> bool:
    return task.requires_qc


def needs_no_review(task: "Task") -> bool:
    return not task.requires_qc


class Task(FSMModelMixin, VersionedAggregate):
    """One piece of work of a deliverable, moved only by the transitions below."""

    class Status(models.TextChoices):
        BLOCKED = "blocked", "Blocked"
        READY = "ready", "Ready"
        IN_PROGRESS = "in_progress", "In progress"
        IN_REVIEW = "in_review", "In review"
        REWORK = "rework", "Rework"
        DONE = "done", "Done"
        REOPENED = "reopened", "Reopened"
        CANCELLED = "cancelled", "Cancelled"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    deliverable = models.ForeignKey(Deliverable, on_delete=models.PROTECT, related_name="tasks")
    template_task = models.ForeignKey(
        TemplateTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    node_key = models.SlugField(max_length=NODE_KEY_MAX_LENGTH)
    title = models.CharField(max_length=200, validators=[validate_name])
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX_LENGTH, validators=[validate_text]
    )
    kind = models.CharField(max_length=20, choices=TaskKind.choices, default=TaskKind.WORK)
    other_kind_label = models.CharField(max_length=50, blank=True)
    work_kind = models.CharField(max_length=50, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    is_milestone = models.BooleanField(default=False)
    requires_qc = models.BooleanField(default=False)
    default_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    planned_duration = models.DurationField(default=timedelta(0))
    status = FSMField(default=Status.BLOCKED, choices=Status.choices, protected=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_finish = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_finish = models.DateTimeField(null=True, blank=True)
    # Set when an upstream task was reopened after this one had started or finished.
    stale = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deliverable", "node_key"], name="task_node_key"),
            models.CheckConstraint(condition=Q(version__gte=1), name="task_version_positive"),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="task_attempt_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-id"], name="task_org_status"),
            models.Index(fields=["deliverable", "status"], name="task_deliverable_status"),
            models.Index(
                fields=["assigned_to", "status"],
                condition=Q(assigned_to__isnull=False),
                name="task_assignee_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node_key} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DONE, self.Status.CANCELLED)

    # --- transitions: pure state changes and guards; workflow.policy says who may ---

    @transition(field=status, source=Status.BLOCKED, target=Status.READY)
    def unblock(self) -> None:
        pass

    @transition(field=status, source=Status.READY, target=Status.BLOCKED)
    def block(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.READY, Status.REWORK, Status.REOPENED],
        target=Status.IN_PROGRESS,
    )
    def start(self, *, at) -> None:
        self.actual_start = self.actual_start or at
        self.actual_finish = None
        self.stale = False

    @transition(
        field=status, source=Status.IN_PROGRESS, target=Status.IN_REVIEW, conditions=[needs_review]
    )
    def submit(self, *, at) -> None:
        pass

    @transition(
        field=status, source=Status.IN_PROGRESS, target=Status.DONE, conditions=[needs_no_review]
    )
    def complete(self, *, at) -> None:
        self.actual_finish = at

    @transition(field=status, source=Status.IN_REVIEW, target=Status.DONE)
    def accept(self, *, at) -> None:
        self.actual_finish = at

    @transition(field=status, source=Status.IN_REVIEW, target=Status.REWORK)
    def send_back(self, *, at) -> None:
        self.attempt += 1

    @transition(field=status, source=Status.DONE, target=Status.REOPENED)
    def reopen(self, *, at) -> None:
        self.actual_finish = None
        self.attempt += 1

    @transition(
        field=status,
        source=[
            Status.BLOCKED,
            Status.READY,
            Status.IN_PROGRESS,
            Status.IN_REVIEW,
            Status.REWORK,
            Status.REOPENED,
        ],
        target=Status.CANCELLED,
    )
    def cancel(self, *, at) -> None:
        self.actual_finish = at


# A blocker that is done or cancelled no longer holds its dependents back.
SETTLED_STATUSES = (Task.Status.DONE, Task.Status.CANCELLED)


class TaskDependency(models.Model):
    """`task` cannot start before `depends_on` is done; both belong to one deliverable."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="blocker_links")
    depends_on = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="dependent_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "depends_on"], name="task_edge_once"),
            models.CheckConstraint(
                condition=~Q(task=models.F("depends_on")), name="task_edge_not_self"
            ),
        ]
        indexes = [models.Index(fields=["depends_on"], name="task_edge_depends_on")]

    def __str__(self) -> str:
        return f"{self.task_id} after {self.depends_on_id}"


class TaskEvent(AggregateEvent):
    """One change of a task; the database refuses a task change without its event."""

    aggregate_field = "task"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    expected_version = models.PositiveIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = history_constraints("task")

    def __str__(self) -> str:
        return f"{self.task_id} {self.action} → v{self.version_after}"

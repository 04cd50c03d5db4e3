"""Inspections: one per attempt of a task that requires QC, read against a checklist version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from config.aggregates import AggregateEvent, VersionedAggregate, history_constraints
from config.api.text import validate_text
from config.storage import PrivateStorage
from qc.models.checklists import ChecklistItem, ChecklistVersion


class Severity(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class Inspection(FSMModelMixin, VersionedAggregate):
    """The check of one attempt of a task: readings, the automatic verdict, the decision."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        # Closed without a decision: the task left review otherwise (it was cancelled).
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Verdict(models.TextChoices):
        PASS = "pass", "Pass"
        FAIL = "fail", "Fail"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey("workflow.Task", on_delete=models.PROTECT, related_name="+")
    # The task's deliverable, kept here so inspections filter by it without a join.
    deliverable = models.ForeignKey(
        "workflow.Deliverable", on_delete=models.PROTECT, related_name="+"
    )
    attempt = models.PositiveIntegerField()
    # Copied when the inspection opens; null for a task that names no checklist (a bare verdict).
    checklist_version = models.ForeignKey(
        ChecklistVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(default=Status.OPEN, choices=Status.choices, protected=True)
    # What the readings say, recomputed whenever they change; blank until there are any.
    automatic_verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)
    # Set when the decision differs from the automatic verdict: why the inspector overrode it.
    override_reason = models.TextField(blank=True, max_length=2_000, validators=[validate_text])
    note = models.TextField(blank=True, max_length=5_000, validators=[validate_text])
    reject_reason = models.TextField(blank=True, max_length=2_000, validators=[validate_text])
    # Who performed the attempt (submitted it) and who decided it: a person or an API key.
    performer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    performer_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    performer_label = models.CharField(max_length=200, blank=True)
    inspector_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspector_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspector_label = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    # When it closed: decided, or withdrawn.
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "attempt"], name="inspection_per_attempt"),
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="open"), name="one_open_inspection_per_task"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="inspection_version_positive"),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="inspection_decided_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-id"], name="inspection_org"),
            models.Index(fields=["deliverable", "task", "-attempt"], name="inspection_latest"),
        ]

    def __str__(self) -> str:
        return f"Inspection of task {self.task_id}, attempt {self.attempt}"

    @transition(field=status, source=Status.OPEN, target=Status.ACCEPTED)
    def accept(self, *, at) -> None:
        self.decided_at = at

    @transition(field=status, source=Status.OPEN, target=Status.REJECTED)
    def reject(self, *, at) -> None:
        self.decided_at = at

    @transition(field=status, source=Status.OPEN, target=Status.WITHDRAWN)
    def withdraw(self, *, at) -> None:
        self.decided_at = at


class InspectionEvent(AggregateEvent):
    """The history of an inspection: opened, readings recorded, accepted, rejected or withdrawn."""

    aggregate_field = "inspection"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events")

    class Meta:
        constraints = history_constraints("inspection")

    def __str__(self) -> str:
        return f"{self.action} → v{self.version_after}"


class Reading(models.Model):
    """What the inspector found for one item, as written (a decimal stays its digits)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="readings")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=2_000, blank=True)
    # Null for an item that cannot fail (text, optional evidence without a file).
    passed = models.BooleanField(null=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="reading_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class Defect(models.Model):
    """Something wrong the inspector names when rejecting, optionally on one item."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="defects")
    code = models.SlugField(max_length=50)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    note = models.TextField(blank=True, max_length=2_000, validators=[validate_text])
    item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.code} ({self.severity})"


def evidence_path(evidence: "Evidence", filename: str) -> str:
    return f"evidence/{evidence.inspection.organization_id}/{evidence.inspection_id}/{filename}"


class Evidence(models.Model):
    """A file attached to an inspection for an evidence item: stored privately."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="evidence")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=evidence_path, storage=PrivateStorage(), max_length=300)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """A task rejected too often, escalated once: the row's uniqueness is the 'once'."""

    task = models.OneToOneField("workflow.Task", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    rejections = models.PositiveIntegerField()
    escalated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Task {self.task_id} after {self.rejections} rejections"

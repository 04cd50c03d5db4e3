"""Process templates: versioned graphs of template tasks; a published version never changes."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from config.aggregates import VersionedAggregate
from config.api.text import validate_name, validate_text
from config.roles import Role

NODE_KEY_MAX_LENGTH = 64
DESCRIPTION_MAX_LENGTH = 20_000


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TaskKind(models.TextChoices):
    WORK = "work", "Work"
    REVIEW = "review", "Review"
    APPROVAL = "approval", "Approval"
    DELIVERY = "delivery", "Delivery"
    OTHER = "other", "Other (labelled)"


class ProcessTemplate(models.Model):
    """A named process an organization runs, with its versions."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200, validators=[validate_name])
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="template_key_per_org")
        ]

    def __str__(self) -> str:
        return self.key


class TemplateVersion(FSMModelMixin, VersionedAggregate):
    """One version of a template's graph: edited as a draft, then published and immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    template = models.ForeignKey(ProcessTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)
    # The roles whose signatures sign a deliverable of this version off.
    signoff_roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_number"),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(status="draft"),
                name="one_draft_per_template",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="template_version_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.key} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self, *, at, by_user_id: int | None, by_label: str) -> None:
        self.published_at = at
        self.published_by_id = by_user_id
        self.published_by_label = by_label

    @transition(field=status, source=Status.PUBLISHED, target=Status.RETIRED)
    def retire(self) -> None:
        pass


class TemplateTask(models.Model):
    """A node of a version's graph; its schedule fields are filled when the version is published."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="tasks")
    node_key = models.SlugField(max_length=NODE_KEY_MAX_LENGTH)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200, validators=[validate_name])
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX_LENGTH, validators=[validate_text]
    )
    kind = models.CharField(max_length=20, choices=TaskKind.choices, default=TaskKind.WORK)
    other_kind_label = models.CharField(max_length=50, blank=True, validators=[validate_name])
    work_kind = models.CharField(
        max_length=50, blank=True, help_text="The trade or skill, such as sewing."
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    is_milestone = models.BooleanField(default=False)
    requires_qc = models.BooleanField(default=False)
    # The checklist its inspections read against, by key and version number so a template file
    # names it the same way in every installation; checked by the app that owns checklists.
    checklist_key = models.SlugField(max_length=50, blank=True)
    checklist_number = models.PositiveIntegerField(null=True, blank=True)
    default_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    planned_duration = models.DurationField()
    earliest_start = models.DurationField(null=True, blank=True)
    earliest_finish = models.DurationField(null=True, blank=True)
    slack = models.DurationField(null=True, blank=True)
    is_critical = models.BooleanField(default=False)
    # Place in a topological order, set at publish: a deliverable's tasks are created in this
    # order, so their ids follow the dependencies and locks taken by id never wait in a cycle.
    rank = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "node_key"], name="template_node_key"),
            models.CheckConstraint(
                condition=~Q(kind=TaskKind.OTHER) | ~Q(other_kind_label=""),
                name="template_task_other_kind_labelled",
            ),
            models.CheckConstraint(
                condition=Q(planned_duration__gte=timedelta(0)),
                name="template_task_duration_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.node_key


class TemplateDependency(models.Model):
    """`task` cannot start before `depends_on` is done; both belong to `version`."""

    version = models.ForeignKey(
        TemplateVersion, on_delete=models.CASCADE, related_name="dependencies"
    )
    task = models.ForeignKey(TemplateTask, on_delete=models.CASCADE, related_name="blocker_links")
    depends_on = models.ForeignKey(
        TemplateTask, on_delete=models.CASCADE, related_name="dependent_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "depends_on"], name="template_edge_once"),
            models.CheckConstraint(
                condition=~Q(task=models.F("depends_on")), name="template_edge_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} after {self.depends_on_id}"

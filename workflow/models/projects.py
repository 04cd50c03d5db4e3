"""Projects run from a pinned template version, and their deliverables."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from config.aggregates import AggregateEvent, VersionedAggregate, history_constraints
from config.api.text import validate_name
from workflow.models.templates import TemplateVersion


class Project(VersionedAggregate):
    """Work for one customer or purpose; deliverables start from its pinned template version."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, validators=[validate_name])
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="project_version_positive")
        ]
        indexes = [models.Index(fields=["organization", "-id"], name="project_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        """Projects have no life cycle of their own; their history records an empty status."""
        return ""


class ProjectEvent(AggregateEvent):
    """The audit trail of a project: creation, edits, template upgrades."""

    aggregate_field = "project"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="events")

    class Meta:
        constraints = history_constraints("project", replayable=False)


class Deliverable(FSMModelMixin, VersionedAggregate):
    """One unit of work of a project; starting it creates all of its tasks."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        READY_FOR_SIGNOFF = "ready_for_signoff", "Ready for sign-off"
        SIGNED_OFF = "signed_off", "Signed off"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="deliverables")
    # The version the tasks were created from; a project upgrade does not move it.
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="deliverables"
    )
    name = models.CharField(max_length=200, validators=[validate_name])
    external_reference = models.CharField(max_length=100, blank=True, validators=[validate_name])
    status = FSMField(default=Status.IN_PROGRESS, choices=Status.choices, protected=True)
    started_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1), name="deliverable_version_positive"
            ),
            models.UniqueConstraint(
                fields=["project", "external_reference"],
                condition=~Q(external_reference=""),
                name="deliverable_reference_per_project",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-id"], name="deliverable_org")]

    def __str__(self) -> str:
        return self.name

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.READY_FOR_SIGNOFF)
    def await_signoff(self) -> None:
        pass

    @transition(field=status, source=Status.READY_FOR_SIGNOFF, target=Status.SIGNED_OFF)
    def sign_off(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.READY_FOR_SIGNOFF, Status.SIGNED_OFF],
        target=Status.IN_PROGRESS,
    )
    def revoke_signoff(self) -> None:
        pass


class DeliverableEvent(AggregateEvent):
    """The audit trail of a deliverable: start, sign-off and its revocation."""

    aggregate_field = "deliverable"

    deliverable = models.ForeignKey(Deliverable, on_delete=models.PROTECT, related_name="events")

    class Meta:
        constraints = history_constraints("deliverable", replayable=False)

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from config.aggregates import AggregateEvent, VersionedAggregate, history_constraints
from config.api.text import validate_name, validate_text
from config.storage import PrivateStorage
from helpdesk.sla import Calendar, CalendarError, guaranteed_business_time, parse_calendar

DESCRIPTION_MAX_LENGTH = 20_000
COMMENT_MAX_LENGTH = 20_000
# A target longer than a year is a typing mistake, and the SLA search would not reach it.
SLA_TARGET_MAX_MINUTES = 366 * 24 * 60


class Contact(models.Model):
    """A customer who asks for help; not a user of ServiceFlow."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True, validators=[validate_name])
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", Lower("email"), name="contact_email_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Tag(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=50, validators=[validate_name])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_per_org")]

    def __str__(self) -> str:
        return self.name


class Ticket(FSMModelMixin, VersionedAggregate):
    """A request for help, moved through its life only by the transitions below."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()
    key = models.CharField(max_length=40)
    subject = models.CharField(max_length=200, validators=[validate_name])
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX_LENGTH, validators=[validate_text]
    )
    requester = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = FSMField(default=Status.NEW, choices=Status.choices, protected=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    # While pending the resolution clock stops: since when, and the business time paused so far.
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="ticket_number_per_org"
            ),
            models.UniqueConstraint(fields=["organization", "key"], name="ticket_key_per_org"),
            models.CheckConstraint(condition=Q(version__gte=1), name="ticket_version_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-id"], name="ticket_org_status"),
            models.Index(fields=["organization", "-created_at", "-id"], name="ticket_org_created"),
            models.Index(fields=["organization", "-updated_at", "-id"], name="ticket_org_updated"),
            # The list's default order (its cursor), within one organization.
            models.Index(fields=["organization", "-id"], name="ticket_org_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.subject}"

    def keep_written_tags(self, tags: list[Tag]) -> None:
        """Hold the tags just written as if prefetched, so showing the ticket reads none back."""
        # The cache prefetch_related("tags") fills, filled the way Django fills it.
        queryset = self.tags.all()
        queryset._result_cache = list(tags)
        queryset._prefetch_done = True
        self._prefetched_objects_cache = {**getattr(self, "_prefetched_objects_cache", {})}
        self._prefetched_objects_cache["tags"] = queryset

    # --- transitions: pure state changes and guards; helpdesk.policy says who may ---

    @transition(field=status, source=[Status.NEW, Status.PENDING], target=Status.OPEN)
    def open(self, *, at) -> None:
        self.opened_at = self.opened_at or at

    @transition(field=status, source=Status.OPEN, target=Status.PENDING)
    def pend(self, *, at) -> None:
        self.sla_paused_at = at

    @transition(field=status, source=[Status.OPEN, Status.PENDING], target=Status.RESOLVED)
    def resolve(self, *, at) -> None:
        self.resolved_at = at
        self.sla_paused_at = None

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED)
    def close(self, *, at) -> None:
        self.closed_at = at

    @transition(field=status, source=Status.RESOLVED, target=Status.OPEN)
    def reopen(self, *, at) -> None:
        self.resolved_at = None

    @transition(
        field=status,
        source=[Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED],
        target=Status.CANCELLED,
    )
    def cancel(self, *, at) -> None:
        self.cancelled_at = at
        self.sla_paused_at = None


class Comment(models.Model):
    """A public reply to the requester or an internal note between agents."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, validators=[validate_text])
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.ticket.key}: {self.body[:40]}"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    return f"attachments/{attachment.ticket.organization_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a ticket: stored privately, downloaded only through the API."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, storage=PrivateStorage(), max_length=300)
    name = models.CharField(max_length=255, validators=[validate_name])
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class TicketEvent(AggregateEvent):
    """The audit trail: one row per change of a ticket, written in the change's transaction."""

    aggregate_field = "ticket"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    changed_fields = models.JSONField(default=list)

    class Meta:
        constraints = history_constraints("ticket")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} → v{self.version_after}"


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, with holidays; SLA clocks run only inside them."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=100, validators=[validate_name])
    time_zone = models.CharField(max_length=64, default="UTC", help_text="Such as Europe/Paris.")
    weekly_hours = models.JSONField(
        help_text='Weekday (0 = Monday) to opening intervals: {"0": [["09:00", "17:00"]], ...}'
    )
    holidays = models.JSONField(
        default=list, blank=True, help_text='Closed dates: ["2026-12-25", ...]'
    )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse a calendar the SLA clocks could not use, and one too short for its policies."""
        try:
            calendar = self.as_calendar()
        except CalendarError as exc:
            raise ValidationError({exc.field: str(exc)}) from None
        if self.pk is None:
            return
        for policy in SlaPolicy.objects.filter(calendar_id=self.pk):
            if policy.longest_target() > guaranteed_business_time(calendar):
                raise ValidationError(
                    {"weekly_hours": f"Too few hours for the {policy.priority} SLA policy."}
                )

    def as_calendar(self) -> Calendar:
        """The calendar the SLA clocks run on; CalendarError says what is wrong with it."""
        return parse_calendar(self.time_zone, self.weekly_hours, self.holidays)


class SlaPolicy(models.Model):
    """Targets for one priority: first response and resolution, in business minutes."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    priority = models.CharField(max_length=10, choices=Ticket.Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        validators=[MaxValueValidator(SLA_TARGET_MAX_MINUTES)]
    )
    resolution_minutes = models.PositiveIntegerField(
        validators=[MaxValueValidator(SLA_TARGET_MAX_MINUTES)]
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Empty means the clock runs 24x7.",
    )

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "priority"], name="sla_policy_per_priority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.priority}"

    def clean(self) -> None:
        """Refuse targets longer than the calendar's business hours can always reach."""
        if self.calendar is None or self.longest_target() is None:
            return
        try:
            calendar = self.calendar.as_calendar()
        except CalendarError:
            return  # the calendar's own validation says what is wrong with it
        available = guaranteed_business_time(calendar)
        if self.longest_target() > available:
            minutes = int(available.total_seconds() // 60)
            raise ValidationError(
                f"This calendar guarantees only {minutes} business minutes within the SLA "
                "search window; shorten the targets or add opening hours."
            )

    def longest_target(self) -> timedelta | None:
        targets = [self.first_response_minutes, self.resolution_minutes]
        if None in targets:
            return None
        return timedelta(minutes=max(targets))

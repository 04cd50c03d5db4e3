"""Checklists: versioned lists of typed items an inspection is read against; a published version
never changes (a trigger holds it, as for process templates)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from config.aggregates import VersionedAggregate
from config.api.text import validate_name, validate_text

ITEM_KEY_MAX_LENGTH = 64
# Decimal bounds and readings are compared exactly: never a float at a tolerance boundary.
DECIMAL_DIGITS, DECIMAL_PLACES = 20, 6


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", "Pass / fail"
    NUMERIC = "numeric", "Numeric, within limits"
    TEXT = "text", "Text"
    CHOICE = "choice", "One of a list"
    EVIDENCE = "evidence", "Evidence (an attached file)"


class ChecklistTemplate(models.Model):
    """A named checklist an organization inspects with, with its versions."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200, validators=[validate_name])
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="checklist_key_per_org")
        ]

    def __str__(self) -> str:
        return self.key


class ChecklistVersion(FSMModelMixin, VersionedAggregate):
    """One version of a checklist's items: edited as a draft, then published and immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_version_number"),
            models.UniqueConstraint(
                fields=["template"], condition=Q(status="draft"), name="one_draft_per_checklist"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="checklist_version_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.key} v{self.number}"

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self, *, at, by_user_id: int | None, by_label: str) -> None:
        self.published_at = at
        self.published_by_id = by_user_id
        self.published_by_label = by_label

    @transition(field=status, source=Status.PUBLISHED, target=Status.RETIRED)
    def retire(self) -> None:
        pass


class ChecklistItem(models.Model):
    """One thing an inspector checks; its kind says what a reading is and when it passes.

    pass_fail: "pass" or "fail". numeric: a decimal in `unit`, within [minimum, maximum] or
    nominal ± tolerance, bounds inclusive. text: any text. choice: one of `choices`, passing when
    in `passing_choices`. evidence: passes once a file is attached. A required item that fails
    or has no reading rejects the attempt.
    """

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=ITEM_KEY_MAX_LENGTH)
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=200, validators=[validate_name])
    instructions = models.TextField(blank=True, max_length=5_000, validators=[validate_text])
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    required = models.BooleanField(default=True)
    unit = models.CharField(max_length=20, blank=True)
    minimum = models.DecimalField(
        max_digits=DECIMAL_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    maximum = models.DecimalField(
        max_digits=DECIMAL_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    nominal = models.DecimalField(
        max_digits=DECIMAL_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    tolerance = models.DecimalField(
        max_digits=DECIMAL_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    choices = models.JSONField(default=list, blank=True)
    passing_choices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="checklist_item_key"),
            models.CheckConstraint(
                condition=Q(tolerance__isnull=True) | Q(tolerance__gte=0),
                name="checklist_item_tolerance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True)
                | Q(maximum__isnull=True)
                | Q(minimum__lte=models.F("maximum")),
                name="checklist_item_minimum_not_above_maximum",
            ),
            # Limits belong to numeric items, and a numeric item has limits of one kind.
            models.CheckConstraint(
                condition=~Q(kind="numeric")
                | (
                    (Q(minimum__isnull=False) | Q(maximum__isnull=False))
                    & Q(nominal__isnull=True, tolerance__isnull=True)
                )
                | (
                    Q(nominal__isnull=False, tolerance__isnull=False)
                    & Q(minimum__isnull=True, maximum__isnull=True)
                ),
                name="checklist_item_numeric_limits",
            ),
        ]

    def __str__(self) -> str:
        return self.key

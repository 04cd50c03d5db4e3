"""Who holds a task over which window; PostgreSQL keeps a member within their capacity.

Each open allocation takes one of the member's capacity slots (1..capacity) in its organization.
An exclusion constraint (migration 0008) refuses two open allocations of one member of one
organization on one slot whose windows overlap, so however many transactions race, a moment never
holds more of a member's allocations in an organization than their capacity there. No window
means all the time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from workflow.models.tasks import Task


class Allocation(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="allocations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField()
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    allocated_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(released_at__isnull=True), name="one_open_allocation"
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="allocation_slot_positive"),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gt=models.F("window_start")),
                name="allocation_window_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(released_at__isnull=True), name="allocation_open_user"
            )
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} → user {self.user_id}"

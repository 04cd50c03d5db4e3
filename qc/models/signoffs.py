"""Sign-offs: one signature per required role closes a deliverable; reopening work revokes them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.api.text import validate_text
from config.roles import Role


class SignOff(models.Model):
    """A role's signature on a deliverable; revoked (never deleted) when its work reopens."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    deliverable = models.ForeignKey(
        "workflow.Deliverable", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer_label = models.CharField(max_length=200)
    comment = models.TextField(blank=True, max_length=2_000, validators=[validate_text])
    signed_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "role"],
                condition=Q(revoked_at__isnull=True),
                name="one_signoff_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} on deliverable {self.deliverable_id}"

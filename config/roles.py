"""The roles a member or an API key holds; each app's policy says what they may do."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    AGENT = "agent", "Agent"
    QC_INSPECTOR = "qc_inspector", "QC inspector"
    VIEWER = "viewer", "Viewer"

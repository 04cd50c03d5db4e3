"""Inspections left open by tasks cancelled in review before withdrawal existed (0003) are
withdrawn now, each with its history entry; no event is sent for them after the fact."""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

REASON = "The task had been cancelled while in review."


def withdraw_left_open(apps, schema_editor):
    Inspection = apps.get_model("qc", "Inspection")
    InspectionEvent = apps.get_model("qc", "InspectionEvent")
    left_open = list(
        Inspection.objects.filter(status="open", task__status="cancelled").values_list(
            "pk", "version"
        )
    )
    if not left_open:
        return
    now = timezone.now()
    Inspection.objects.filter(pk__in=[pk for pk, _ in left_open]).update(
        status="withdrawn", decided_at=now, version=F("version") + 1, updated_at=now
    )
    InspectionEvent.objects.bulk_create(
        InspectionEvent(
            inspection_id=pk,
            actor_label="system",
            action="withdrawn",
            from_status="open",
            to_status="withdrawn",
            payload={"task_action": "cancel", "reason": REASON},
            version_after=version + 1,
        )
        for pk, version in left_open
    )


class Migration(migrations.Migration):
    dependencies = [
        ("qc", "0003_inspection_withdrawn"),
        ("workflow", "0008_allocation_capacity_per_organization"),
    ]

    operations = [migrations.RunPython(withdraw_left_open, migrations.RunPython.noop)]

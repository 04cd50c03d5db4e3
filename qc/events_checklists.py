"""Checklist events and their payloads (JSON-safe ids and values)."""

from qc.models import ChecklistVersion

CHECKLIST_PUBLISHED = "checklist.published"
CHECKLIST_RETIRED = "checklist.retired"


def checklist_event(event_type: str, version: ChecklistVersion, *, actor: str, **details) -> dict:
    """The outbox.emit() arguments for an event of a checklist version."""
    template = version.template
    return {
        "organization_id": template.organization_id,
        "event_type": event_type,
        "aggregate_type": "checklist_version",
        "aggregate_id": version.pk,
        "payload": {
            "checklist": {"id": template.pk, "key": template.key, "name": template.name},
            "version": {"id": version.pk, "number": version.number, "status": version.status},
            "actor": actor,
            **details,
        },
    }

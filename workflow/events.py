"""Workflow events and their payloads (JSON-safe ids and values)."""

from workflow.models import Deliverable, Project, Task, TemplateVersion

TEMPLATE_PUBLISHED = "template.published"
DELIVERABLE_STARTED = "deliverable.started"
DELIVERABLE_READY_FOR_SIGNOFF = "deliverable.ready_for_signoff"
DELIVERABLE_SIGNED_OFF = "deliverable.signed_off"
DELIVERABLE_SIGNOFF_REVOKED = "deliverable.signoff_revoked"
PROJECT_UPGRADED = "project.upgraded"
TASK_STATUS_CHANGED = "task.status_changed"
TASK_ASSIGNED = "task.assigned"
TASK_UNBLOCKED = "task.unblocked"
TASK_UPSTREAM_REOPENED = "task.upstream_reopened"


def task_snapshot(task: Task) -> dict:
    return {
        "id": task.pk,
        "deliverable_id": task.deliverable_id,
        "node_key": task.node_key,
        "title": task.title,
        "status": task.status,
        "assigned_to_id": task.assigned_to_id,
        "attempt": task.attempt,
        "stale": task.stale,
        "version": task.version,
    }


def task_event(event_type: str, task: Task, *, actor: str, **details) -> dict:
    """The outbox.emit() arguments for a task event (delivered in order per task)."""
    return {
        "organization_id": task.organization_id,
        "event_type": event_type,
        "aggregate_type": "task",
        "aggregate_id": task.pk,
        "payload": {"task": task_snapshot(task), "actor": actor, **details},
    }


def project_event(event_type: str, project: Project, *, actor: str, **details) -> dict:
    return {
        "organization_id": project.organization_id,
        "event_type": event_type,
        "aggregate_type": "project",
        "aggregate_id": project.pk,
        "payload": {
            "project": {"id": project.pk, "name": project.name, "version": project.version},
            **details,
            "actor": actor,
        },
    }


def deliverable_event(event_type: str, deliverable: Deliverable, *, actor: str, **details) -> dict:
    return {
        "organization_id": deliverable.organization_id,
        "event_type": event_type,
        "aggregate_type": "deliverable",
        "aggregate_id": deliverable.pk,
        "payload": {
            "deliverable": {
                "id": deliverable.pk,
                "project_id": deliverable.project_id,
                "name": deliverable.name,
                "external_reference": deliverable.external_reference,
                "status": deliverable.status,
                "template_version_id": deliverable.template_version_id,
                "version": deliverable.version,
            },
            "actor": actor,
            **details,
        },
    }


def template_event(event_type: str, version: TemplateVersion, *, actor: str, **details) -> dict:
    return {
        "organization_id": version.template.organization_id,
        "event_type": event_type,
        "aggregate_type": "template_version",
        "aggregate_id": version.pk,
        "payload": {
            "template": {"key": version.template.key, "name": version.template.name},
            "version": {"id": version.pk, "number": version.number, "status": version.status},
            "actor": actor,
            **details,
        },
    }

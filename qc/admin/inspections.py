"""Inspections in the admin: read-only records with their history, and the inspectors' queue.

An inspection is decided only by the task actions qc_accept and qc_reject (the API takes its
readings and evidence), or withdrawn when its task leaves review otherwise; these pages show
what was found and what is waiting.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from config.admin import organization_ids_of
from outbox.admin import ReadOnlyAdmin
from qc.models import Defect, Evidence, Inspection, InspectionEvent, Reading
from qc.selectors.inspections import inspection_queue
from workflow.admin.pages import ReadOnlyInline

ON_INSPECTION = "inspection__organization"


class ReadingInline(ReadOnlyInline):
    model = Reading
    organization_path = ON_INSPECTION
    fields = ["item", "value", "passed", "recorded_at", "recorded_by_label"]


class DefectInline(ReadOnlyInline):
    model = Defect
    organization_path = ON_INSPECTION
    fields = ["code", "severity", "item", "note", "created_at"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    organization_path = ON_INSPECTION
    fields = ["item", "name", "content_type", "size", "sha256", "uploaded_by_label", "created_at"]


class InspectionEventInline(ReadOnlyInline):
    model = InspectionEvent
    organization_path = ON_INSPECTION
    fields = ["created_at", "actor_label", "action", "from_status", "to_status", "payload"]
    ordering = ["-version_after"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    """What each attempt was found to be; the queue lists the open ones, oldest first."""

    organization_path = "organization"
    list_display = [
        "id",
        "task_link",
        "attempt",
        "status",
        "automatic_verdict",
        "performer_label",
        "inspector_label",
        "opened_at",
        "decided_at",
    ]
    list_filter = ["status", "automatic_verdict", "organization"]
    search_fields = ["task__node_key", "task__title", "performer_label", "inspector_label"]
    list_select_related = ["task"]
    ordering = ["-id"]
    fields = [
        "task",
        "deliverable",
        "attempt",
        "checklist_version",
        "status",
        "version",
        "automatic_verdict",
        "override_reason",
        "note",
        "reject_reason",
        "performer_label",
        "inspector_label",
        "opened_at",
        "decided_at",
    ]
    readonly_fields = fields
    inlines = [ReadingInline, DefectInline, EvidenceInline, InspectionEventInline]
    change_list_template = "admin/qc/inspection/change_list.html"

    @admin.display(description="task", ordering="task__node_key")
    def task_link(self, inspection: Inspection) -> str:
        url = reverse("admin:workflow_task_change", args=[inspection.task_id])
        return format_html(
            '<a href="{}">{}</a> {}', url, inspection.task.node_key, inspection.task.title
        )

    def get_urls(self):
        queue = self.admin_site.admin_view(self.queue_view)
        return [path("queue/", queue, name="qc_inspection_queue"), *super().get_urls()]

    def queue_view(self, request):
        """Open inspections of tasks in review, oldest first, in the staff's organizations."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        organizations = organization_ids_of(request.user)
        if request.user.is_superuser:
            organizations = Inspection.objects.values("organization_id")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Inspections waiting",
            "inspections": inspection_queue(organizations),
        }
        return TemplateResponse(request, "admin/qc/inspection/queue.html", context)

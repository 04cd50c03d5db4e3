"""Allocations in the admin: read-only rows, a workload page per member, a calendar per project.

Allocations are made and released only by task actions (docs/adr/0024); these pages show them.
"""

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.selectors import current_memberships
from outbox.admin import ReadOnlyAdmin
from workflow.models import Allocation, Project
from workflow.selectors.allocations import calendar_of, workload_of

CALENDAR_DAYS = 14
MAX_CALENDAR_DAYS = 62


class CalendarRangeForm(forms.Form):
    """The days a calendar shows: from `start` (default today), `days` of them."""

    start = forms.DateField(required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=MAX_CALENDAR_DAYS)

    def range(self) -> tuple[date, int]:
        """(first day, day count); a value that does not read falls back to its default."""
        self.is_valid()  # leaves out of cleaned_data what does not read
        read = self.cleaned_data
        return read.get("start") or timezone.localdate(), read.get("days") or CALENDAR_DAYS


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    """Allocations are read here; task actions make and release them."""

    organization_path = "organization"
    list_display = [
        "task",
        "member",
        "window_start",
        "window_end",
        "released_at",
        "allocated_by_label",
    ]
    list_filter = [("released_at", admin.EmptyFieldListFilter), "organization"]
    search_fields = ["task__node_key", "task__title", "user__email"]
    list_select_related = ["task", "user"]
    ordering = ["-id"]

    @admin.display(description="member", ordering="user__email")
    def member(self, allocation: Allocation) -> str:
        url = reverse("admin:workflow_allocation_workload", args=[allocation.user_id])
        return format_html('<a href="{}" title="workload">{}</a>', url, allocation.user)

    def get_urls(self):
        workload = self.admin_site.admin_view(self.workload_view)
        calendar = self.admin_site.admin_view(self.calendar_view)
        return [
            path("workload/<int:user_id>/", workload, name="workflow_allocation_workload"),
            path("calendar/<int:project_id>/", calendar, name="workflow_allocation_calendar"),
            *super().get_urls(),
        ]

    def scoped(self, queryset, request):
        """Narrow rows with an `organization` to the staff member's organizations."""
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(queryset, request)

    def page(self, request, template: str, title: str, **context) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context |= {**self.admin_site.each_context(request), "opts": self.opts, "title": title}
        return TemplateResponse(request, f"admin/workflow/allocation/{template}", context)

    def workload_view(self, request, user_id: int):
        """One member's open allocations and tasks in each organization the staff shares."""
        memberships = self.scoped(
            current_memberships().filter(user_id=user_id), request
        ).select_related("user", "organization")
        now = timezone.now()
        workloads = [workload_of(m, now) for m in memberships.order_by("organization__slug")]
        if not workloads:
            raise Http404("No such member in your organizations.")
        person = workloads[0].membership.user
        return self.page(
            request,
            "workload.html",
            f"Workload of {person.full_name or person.email}",
            person=person,
            workloads=workloads,
            as_of=now,
        )

    def calendar_view(self, request, project_id: int):
        """Who holds which of the project's tasks, day by day."""
        project = get_object_or_404(self.scoped(Project.objects.all(), request), pk=project_id)
        first_day, day_count = CalendarRangeForm(request.GET).range()
        step = timedelta(days=day_count)
        here = reverse("admin:workflow_allocation_calendar", args=[project.pk])
        return self.page(
            request,
            "calendar.html",
            f"Allocation calendar of {project.name}",
            calendar=calendar_of(project, first_day, day_count),
            previous_url=f"{here}?start={first_day - step}&days={day_count}",
            next_url=f"{here}?start={first_day + step}&days={day_count}",
            today_url=here,
            today=timezone.localdate(),
        )

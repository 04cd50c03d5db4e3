"""The deliverable page: its dashboard, its task graph, its blocked and overdue work, its history.

The figures and the graph come from the selectors behind `/dashboard` and `/graph`, so the page
costs the same queries for five tasks or five thousand; static/workflow/deliverable-graph.js
draws the graph embedded here (docs/adr/0026).
"""

from datetime import timedelta

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from config.admin import admin_principal
from workflow.admin.pages import ReadOnlyInline, ServiceAdmin
from workflow.admin.projects import HISTORY_FIELDS
from workflow.models import Deliverable, DeliverableEvent, Task
from workflow.selectors import dashboard as selectors
from workflow.selectors.dashboard import LISTED, Dashboard, DeliverableGraph, TaskPlan, TaskRow
from workflow.selectors.projects import list_deliverables_for, task_count_field
from workflow.services import bootstrap

HOUR = timedelta(hours=1)
# Above this many tasks the graph is not drawn: dagre lays out a hundred in well under a second
# and three hundred in a few (measured in headless Chromium), and the page waits for it; a
# picture of more boxes than that shows little anyway.
DRAWN_TASKS_MAX = 300


def hours(duration: timedelta | None) -> str | None:
    """A duration as planners read it: `30 h`, `2.5 h`."""
    return None if duration is None else f"{round(duration / HOUR, 1):g} h"


def task_url(task_id: int) -> str:
    return reverse("admin:workflow_task_change", args=[task_id])


def tasks_list_url(deliverable: Deliverable, **filters: str) -> str:
    """The task list filtered to the deliverable (and `filters`, e.g. status__exact)."""
    query = urlencode({"deliverable__id__exact": deliverable.pk, **filters})
    return f"{reverse('admin:workflow_task_changelist')}?{query}"


def task_link(task: TaskRow) -> dict:
    """A task as the page's lists show it: a link to its page, its status in words."""
    return {
        "url": task_url(task.id),
        "key": task.node_key,
        "title": task.title,
        "status": task.status,
        "status_label": Task.Status(task.status).label,
        "assignee": task.assignee_name or task.assignee_email,
        "planned_finish": task.planned_finish,
    }


def on_critical_edge(blocker: TaskPlan, task: TaskPlan) -> bool:
    """Whether the edge is tight on a critical path: the task starts when its blocker ends."""
    return blocker.critical and task.critical and blocker.projected_finish == task.projected_start


def graph_data(graph: DeliverableGraph) -> dict:
    """The nodes and edges the page's script draws (embedded with json_script)."""
    plans = graph.plans
    nodes = [
        {
            "id": plan.task.id,
            **task_link(plan.task),
            "slack": hours(plan.slack),
            "critical": plan.critical,
        }
        for plan in graph.nodes
    ]
    edges = [
        {
            "source": blocker,
            "target": task,
            "critical": on_critical_edge(plans[blocker], plans[task]),
        }
        for task, blocker in graph.edges
    ]
    return {"nodes": nodes, "edges": edges}


def page_context(dashboard: Dashboard) -> dict:
    """What the deliverable page shows beside the fields, all read from the dashboard."""
    deliverable, graph = dashboard.deliverable, dashboard.graph
    drawn = len(graph.tasks) <= DRAWN_TASKS_MAX  # a published version has a task at least
    return {
        "dashboard": dashboard,
        "status_counts": [
            (status, label, getattr(deliverable, task_count_field(status)))
            for status, label in Task.Status.choices
        ],
        "open_tasks": sum(load.open_tasks for load in dashboard.load),
        "load": [
            (
                load.full_name or load.email or "Unassigned",
                load.open_tasks,
                hours(load.planned_duration_left),
            )
            for load in dashboard.load
        ],
        "critical_path": [task_link(plan.task) for plan in graph.critical_path],
        "graph_data": graph_data(graph) if drawn else None,
        "drawn_tasks_max": DRAWN_TASKS_MAX,
        "listed_tasks_max": LISTED,
        "blocked": [
            (task_link(item.task), [task_link(blocker) for blocker in item.open_blockers])
            for item in dashboard.blocked
        ],
        "overdue": [task_link(task) for task in dashboard.overdue],
        "stale": [task_link(task) for task in dashboard.stale],
        "tasks_url": tasks_list_url(deliverable),
        "blocked_url": tasks_list_url(deliverable, status__exact=Task.Status.BLOCKED),
        "stale_url": tasks_list_url(deliverable, stale__exact="1"),
    }


class DeliverableEventInline(ReadOnlyInline):
    model = DeliverableEvent
    organization_path = "deliverable__organization"
    fields = ["from_status", "to_status", *HISTORY_FIELDS]
    ordering = ["-version_after"]


@admin.register(Deliverable)
class DeliverableAdmin(ServiceAdmin):
    """Starting a deliverable creates its tasks (start_deliverable); its page is its dashboard."""

    organization_path = "organization"
    list_display = ["name", "project", "status", "template_version", "started_at"]
    ordering = ["-id"]
    list_filter = ["status", "organization"]
    search_fields = ["name", "external_reference", "project__name"]
    list_select_related = ["project", "template_version__template"]
    change_form_template = "admin/workflow/deliverable/change_form.html"

    def get_queryset(self, request):
        # The page shows these rows' names and links; read them with the deliverable.
        related = ("project", "template_version__template", "created_by")
        return super().get_queryset(request).select_related(*related)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["project", "name", "external_reference"]
        return [
            "name",
            "external_reference",
            "project",
            "template_version",
            "status",
            "version",
            "started_at",
            "created_by",
        ]

    def get_inlines(self, request, obj):
        return [DeliverableEventInline] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        # Its status moves only through sign-off (quality control); nothing is edited by hand.
        return obj is None and super().has_change_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deliverable = self.get_object(request, object_id)  # another organization's is a 404
        counted = list_deliverables_for(deliverable.organization_id).get(pk=deliverable.pk)
        dashboard = selectors.dashboard_of(selectors.read_graph(counted, timezone.now()))
        start = reverse("admin:workflow_deliverable_add")
        extra_context = {
            **(extra_context or {}),
            **page_context(dashboard),
            "may_start": self.has_add_permission(request),
            "start_deliverable_url": f"{start}?project={deliverable.project_id}",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Start the deliverable with every task of its project's template version."""
        project = form.cleaned_data["project"]
        obj.pk = bootstrap.start_deliverable(
            project_id=project.pk,
            actor=admin_principal(request, project.organization),
            name=form.cleaned_data["name"],
            external_reference=form.cleaned_data["external_reference"],
        ).pk

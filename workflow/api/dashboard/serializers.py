from django.utils.duration import duration_iso_string
from rest_framework import serializers

from config.api.durations import ISODurationField
from config.api.serializers import Representation
from workflow.api.projects.serializers import TaskCountsOut
from workflow.models import Task
from workflow.selectors.dashboard import LISTED, TaskPlan


class DashboardTaskOut(Representation):
    """A task as the dashboard names it."""

    id = serializers.IntegerField()
    node_key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Task.Status.choices)


class DashboardOverdueTaskOut(DashboardTaskOut):
    """An open task whose planned finish has passed."""

    planned_finish = serializers.DateTimeField()


class DashboardBlockedTaskOut(Representation):
    """A blocked task and the tasks it still waits for (neither done nor cancelled)."""

    id = serializers.IntegerField(source="task.id")
    node_key = serializers.CharField(source="task.node_key")
    title = serializers.CharField(source="task.title")
    status = serializers.ChoiceField(source="task.status", choices=Task.Status.choices)
    open_blockers = DashboardTaskOut(many=True)


class DashboardPlannedTaskOut(Representation):
    """A task of the critical path, with where the schedule from now puts it."""

    id = serializers.IntegerField(source="task.id")
    node_key = serializers.CharField(source="task.node_key")
    title = serializers.CharField(source="task.title")
    status = serializers.ChoiceField(source="task.status", choices=Task.Status.choices)
    slack = ISODurationField(help_text="How long it may slip without moving the finish.")
    projected_start = serializers.DateTimeField()
    projected_finish = serializers.DateTimeField()


class DashboardAssigneeLoadOut(Representation):
    """The open work of one assignee; `assignee_id` null gathers the unassigned tasks."""

    assignee_id = serializers.IntegerField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    full_name = serializers.CharField(allow_null=True)
    open_tasks = serializers.IntegerField()
    planned_duration_left = ISODurationField(
        help_text="The sum of the planned durations of the open tasks."
    )


LISTED_HELP = (
    f"At most {LISTED} {{0}} tasks, the most urgent first; every one of them is in the "
    "deliverable's task list filtered with `{{0}}=true`."
)


class DeliverableDashboardOut(Representation):
    """Progress, trouble spots and the projected finish of a deliverable."""

    deliverable = serializers.IntegerField(source="deliverable.id")
    as_of = serializers.DateTimeField(
        source="graph.as_of", help_text="The moment the schedule and `overdue` were computed."
    )
    task_counts = TaskCountsOut(source="deliverable")
    percent_complete_by_count = serializers.FloatField(
        help_text="Done tasks in percent of the tasks that are not cancelled."
    )
    percent_complete_by_duration = serializers.FloatField(
        help_text="Planned duration of the done tasks in percent of that of the tasks that are "
        "not cancelled."
    )
    projected_finish = serializers.DateTimeField(
        source="graph.projected_finish",
        allow_null=True,
        help_text="When the last task is expected to be done; null when there are no tasks.",
    )
    critical_path = DashboardPlannedTaskOut(source="graph.critical_path", many=True)
    blocked = DashboardBlockedTaskOut(many=True, help_text=LISTED_HELP.format("blocked"))
    blocked_total = serializers.IntegerField(help_text="How many tasks are blocked.")
    stale = DashboardTaskOut(many=True, help_text=LISTED_HELP.format("stale"))
    stale_total = serializers.IntegerField(help_text="How many tasks are stale.")
    overdue = DashboardOverdueTaskOut(many=True, help_text=LISTED_HELP.format("overdue"))
    overdue_total = serializers.IntegerField(help_text="How many tasks are overdue.")
    load = DashboardAssigneeLoadOut(many=True)


class DeliverableGraphNodeOut(Representation):
    """A task of the deliverable's graph, with its slack in the schedule from now."""

    id = serializers.IntegerField(source="task.id")
    node_key = serializers.CharField(source="task.node_key")
    title = serializers.CharField(source="task.title")
    status = serializers.ChoiceField(source="task.status", choices=Task.Status.choices)
    assigned_to = serializers.IntegerField(source="task.assigned_to_id", allow_null=True)
    slack = ISODurationField(
        allow_null=True, help_text="Null for done and cancelled tasks: they have no work left."
    )
    critical = serializers.BooleanField(help_text="Whether any delay moves the projected finish.")

    def to_representation(self, plan: TaskPlan) -> dict:
        # The fields above, written out: a graph has thousands of nodes, and field-by-field
        # serialization cost more than reading and planning them (pinned equal in a test).
        task = plan.task
        return {
            "id": task.id,
            "node_key": task.node_key,
            "title": task.title,
            "status": task.status,
            "assigned_to": task.assigned_to_id,
            "slack": None if plan.slack is None else duration_iso_string(plan.slack),
            "critical": plan.critical,
        }


class DeliverableGraphEdgeOut(Representation):
    """`task` cannot start before `depends_on` is done (both task ids)."""

    task = serializers.IntegerField()
    depends_on = serializers.IntegerField()

    def to_representation(self, edge: dict) -> dict:
        return edge  # already {"task": id, "depends_on": id}, as DeliverableGraph.edge_links


class DeliverableGraphOut(Representation):
    """The tasks of a deliverable and their dependencies."""

    deliverable = serializers.IntegerField(source="deliverable.id")
    as_of = serializers.DateTimeField(help_text="The moment the slack was computed.")
    nodes = DeliverableGraphNodeOut(many=True)
    edges = DeliverableGraphEdgeOut(source="edge_links", many=True)

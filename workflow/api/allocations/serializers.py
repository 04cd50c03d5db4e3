from rest_framework import serializers

from config.api.serializers import Representation
from config.roles import Role
from workflow.api.tasks.serializers import TaskAssigneeOut
from workflow.models import Task


class AllocationWindowOut(Representation):
    """When the member holds the task; a null end is open (both null: all the time)."""

    start = serializers.DateTimeField(source="window_start", allow_null=True)
    end = serializers.DateTimeField(source="window_end", allow_null=True)


class AllocationTaskOut(Representation):
    """The task an allocation holds."""

    id = serializers.IntegerField()
    node_key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Task.Status.choices)
    deliverable = serializers.IntegerField(source="deliverable_id")


class AllocationOut(Representation):
    """Who holds a task over which window; unassigning, finishing or cancelling releases it."""

    id = serializers.IntegerField()
    task = AllocationTaskOut()
    member = TaskAssigneeOut(source="user")
    window = AllocationWindowOut(source="*")
    allocated_by = serializers.CharField(source="allocated_by_label")
    created_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(help_text="Open, and its window ended before now.")


class WorkloadTaskOut(Representation):
    """An open task assigned to the member; `window` is its open allocation's (null: none)."""

    id = serializers.IntegerField(source="task.id")
    node_key = serializers.CharField(source="task.node_key")
    title = serializers.CharField(source="task.title")
    status = serializers.ChoiceField(source="task.status", choices=Task.Status.choices)
    deliverable = serializers.IntegerField(source="task.deliverable_id")
    project = serializers.IntegerField(source="task.project_id")
    planned_start = serializers.DateTimeField(source="task.planned_start", allow_null=True)
    planned_finish = serializers.DateTimeField(
        source="task.planned_finish", allow_null=True, help_text="When the task is due."
    )
    window = AllocationWindowOut(source="allocation", allow_null=True)
    overdue = serializers.BooleanField(help_text="Its planned finish passed before now.")


class WorkloadCountsOut(Representation):
    """How much the member holds, as of the workload's `as_of`."""

    open_allocations = serializers.IntegerField(help_text="Allocations not released.")
    allocations_now = serializers.IntegerField(
        help_text="Open allocations whose window holds `as_of`: what counts against the "
        "capacity at this moment."
    )
    overdue_allocations = serializers.IntegerField()
    open_tasks = serializers.IntegerField(help_text="Assigned tasks neither done nor cancelled.")
    overdue_tasks = serializers.IntegerField()


class MemberWorkloadOut(Representation):
    """What one member holds now and what is assigned to them."""

    member = TaskAssigneeOut(source="membership.user")
    role = serializers.ChoiceField(source="membership.role", choices=Role.choices)
    capacity = serializers.IntegerField(
        source="membership.capacity",
        help_text="How many tasks the member can hold allocated over any one moment.",
    )
    as_of = serializers.DateTimeField(help_text="The moment `overdue` and the counts refer to.")
    counts = WorkloadCountsOut()
    allocations = AllocationOut(many=True, help_text="Open allocations, earliest window first.")
    tasks = WorkloadTaskOut(many=True, help_text="Open assigned tasks, earliest due first.")

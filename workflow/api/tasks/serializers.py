from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from config.api.actions import action_forms, allowed_actions_out, required_message
from config.api.durations import ISODurationField
from config.api.filters import MAX_ID
from config.api.schema import Problem
from config.api.serializers import Representation
from config.api.text import TextField
from config.roles import Role
from workflow import hooks
from workflow.actions import ACTIONS
from workflow.models import Task, TaskEvent, TaskKind
from workflow.models.templates import Priority
from workflow.selectors.tasks import open_blocker_ids
from workflow.services.bulk_actions import TaskVersion

REASON_MAX_LENGTH = 500


class TaskAssigneeOut(Representation):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


# Declared field by field, as TicketOut is: ModelSerializer's per-request introspection is a
# measurable share of the cost of a page of tasks.
class TaskOut(Representation):
    """A task of a deliverable; its status changes only through actions."""

    id = serializers.IntegerField()
    deliverable = serializers.IntegerField(source="deliverable_id")
    project = serializers.IntegerField(source="project_id")
    node_key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    other_kind_label = serializers.CharField()
    work_kind = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    is_milestone = serializers.BooleanField()
    requires_qc = serializers.BooleanField()
    default_role = serializers.ChoiceField(
        choices=[("", "None"), *Role.choices], help_text="Empty when any role may do it."
    )
    planned_duration = ISODurationField()
    status = serializers.ChoiceField(choices=Task.Status.choices)
    version = serializers.IntegerField()
    assigned_to = TaskAssigneeOut(allow_null=True)
    assigned_at = serializers.DateTimeField(allow_null=True)
    attempt = serializers.IntegerField()
    planned_start = serializers.DateTimeField(allow_null=True)
    planned_finish = serializers.DateTimeField(allow_null=True)
    actual_start = serializers.DateTimeField(allow_null=True)
    actual_finish = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(
        help_text="Upstream work was reopened after this task started or finished."
    )
    blocked_by = serializers.SerializerMethodField(
        help_text="The ids of the tasks this one still waits for (neither done nor cancelled)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_blocked_by(self, task: Task) -> list[int]:
        return open_blocker_ids(task)


class AllocationWindowIn(serializers.Serializer):
    """When the member works on the task; either end may stay open."""

    start = serializers.DateTimeField(required=False, allow_null=True)
    end = serializers.DateTimeField(required=False, allow_null=True)

    def to_internal_value(self, data) -> dict:
        window = super().to_internal_value(data)
        start, end = window.get("start"), window.get("end")
        if start and end and end <= start:
            raise serializers.ValidationError({"end": "The window must end after it starts."})
        # As the task's history stores it, so a replay compares equal.
        return {edge: moment.isoformat() if moment else None for edge, moment in window.items()}


PAYLOAD_FIELDS = {
    "window": lambda action: AllocationWindowIn(
        required=False,
        help_text="Optional: when the member holds the task. No window means all the time; a "
        "member holds at most their capacity of tasks over any moment.",
    ),
    "assign_to": lambda action: serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages=required_message(action, "assign_to", " (a member's user id)"),
        help_text="The user id of an active agent, admin or QC inspector of your organization.",
    ),
    "reason": lambda action: TextField(
        max_length=REASON_MAX_LENGTH,
        error_messages=required_message(action, "reason", " (why, for the task's history)"),
    ),
}
ACTION_FORMS = action_forms(
    ACTIONS,
    component="TaskAction",
    # Actions other apps register (qc's) bring their payload fields with them.
    payload_fields={**PAYLOAD_FIELDS, **hooks.extension_payload_fields()},
    payload_prefix="Task",
    label=lambda spec: spec.summary,
)
TaskAllowedActionsOut = allowed_actions_out(
    "TaskAllowedActionsOut", ACTION_FORMS, Task.Status.choices
)


class TaskEventOut(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = TaskEvent
        fields = [
            "id",
            "action",
            "actor",
            "from_status",
            "to_status",
            "payload",
            "expected_version",
            "version_after",
            "client_event_id",
            "created_at",
        ]
        read_only_fields = fields


class BulkTaskEntryIn(serializers.Serializer):
    """A task of the batch and the version of it you read."""

    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    expected_version = serializers.IntegerField(
        min_value=1, help_text="The version you read. Stale: this task fails with 409."
    )

    def to_internal_value(self, data) -> TaskVersion:
        entry = super().to_internal_value(data)
        return TaskVersion(entry["id"], entry["expected_version"])


# Body members of a single action that a batch does not take, and what to send instead.
NOT_IN_A_BATCH = {
    "expected_version": "Not accepted here: each entry of `tasks` carries its expected_version.",
    "client_event_id": "Not accepted here: send an Idempotency-Key header to make the batch "
    "safe to retry.",
}


class BulkTaskActionEnvelope(serializers.Serializer):
    """What a batch adds to an action's body: the tasks, each with the version read."""

    tasks = serializers.ListField(
        child=BulkTaskEntryIn(),
        allow_empty=False,
        min_length=1,  # allow_empty words the error; min_length puts minItems in the schema
        max_length=settings.WORKFLOW_BULK_ACTION_LIMIT,
        help_text="The tasks to act on, each once; the answer lists them in this order.",
    )

    def validate_tasks(self, entries: list[TaskVersion]) -> list[TaskVersion]:
        seen: set[int] = set()
        errors = []
        for entry in entries:
            duplicate = entry.task_id in seen
            seen.add(entry.task_id)
            errors.append({"id": [f"Task {entry.task_id} is listed twice."]} if duplicate else {})
        if any(errors):
            raise serializers.ValidationError(errors, code="duplicate")
        return entries

    def validate(self, attrs: dict) -> dict:
        refused = {name: text for name, text in NOT_IN_A_BATCH.items() if name in self.initial_data}
        if refused:
            raise serializers.ValidationError(refused, code="not_accepted")
        return attrs


def _bulk_form(name: str, label: str, form: type[serializers.Serializer]) -> type:
    attrs = {
        "__doc__": f"The `{name}` action for many tasks.",
        # A label of its own keeps the OpenAPI enum apart from the single action's.
        "action": serializers.ChoiceField(choices=[(name, f"{label}, for each task listed")]),
        **dict.fromkeys(NOT_IN_A_BATCH),  # None removes the single action's own fields
    }
    title = form.__name__.removesuffix("TaskAction")
    return type(f"{title}BulkTaskAction", (BulkTaskActionEnvelope, form), attrs)


# Each action's body (its `action` and `payload`, validated as for one task) plus `tasks`.
BULK_ACTION_FORMS = {
    name: _bulk_form(name, label, ACTION_FORMS.by_action[name])
    for name, label in ACTION_FORMS.choices
}
BulkTaskActionIn = PolymorphicProxySerializer(
    component_name="BulkTaskAction",
    serializers=BULK_ACTION_FORMS,
    resource_type_field_name="action",
)


@extend_schema_field(Problem)
class ProblemBody(serializers.JSONField):
    """A problem as it is, extensions included (a Problem serializer would drop them)."""


class BulkTaskResultOut(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.ChoiceField(
        choices=[("done", "The action was applied"), ("failed", "Nothing changed")]
    )
    task = TaskOut(allow_null=True, help_text="The task as the batch left it; null if failed.")
    problem = ProblemBody(
        allow_null=True,
        help_text="Why the task failed, as the single action would have answered; null if done.",
    )


class BulkTaskActionOut(serializers.Serializer):
    """Every task's outcome, in the order the request listed them."""

    results = BulkTaskResultOut(many=True)
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()

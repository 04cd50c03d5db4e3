"""The published `data` of each workflow event (workflow/events.py builds them; docs/adr/0029)."""

from rest_framework import serializers

from config.api.event_schemas import EventSchema
from config.roles import Role
from workflow import events
from workflow.models import Deliverable, Task, TemplateVersion

ACTOR_HELP = "Who did it: a person, an API key, `system`."


class TaskSnapshot(serializers.Serializer):
    """The task as it is after the change."""

    id = serializers.IntegerField()
    deliverable_id = serializers.IntegerField()
    node_key = serializers.CharField(help_text="The task's key in its template.")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Task.Status.choices)
    assigned_to_id = serializers.IntegerField(allow_null=True, help_text="A user id.")
    attempt = serializers.IntegerField(help_text="1, then one more after each QC rejection.")
    stale = serializers.BooleanField(help_text="Done against work that was since reopened.")
    version = serializers.IntegerField(help_text="The task's version (its ETag) after it.")


class TaskEventData(serializers.Serializer):
    task = TaskSnapshot()
    actor = serializers.CharField(help_text=ACTOR_HELP)


class TaskReading(serializers.Serializer):
    item = serializers.CharField(help_text="A checklist item's key.")
    value = serializers.CharField(allow_blank=True)


class TaskDefect(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)
    item = serializers.CharField(required=False, help_text="A checklist item's key.")


class TaskActionDetails(serializers.Serializer):
    """The action's payload as sent; from a repair, what the check found."""

    reason = serializers.CharField(
        required=False,
        help_text="Of `reopen`, `cancel`, `qc_reject`; `workflow_check` from a repair.",
    )
    readings = TaskReading(many=True, required=False, help_text="Of `qc_accept`, `qc_reject`.")
    note = serializers.CharField(required=False, allow_blank=True, help_text="Of `qc_accept`.")
    override_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Of `qc_accept`."
    )
    defects = TaskDefect(many=True, required=False, help_text="Of `qc_reject`.")
    stored_version = serializers.IntegerField(required=False, help_text="From a repair.")
    drift = serializers.CharField(required=False, help_text="From a repair: what differed.")


class TaskStatusChangedData(TaskEventData):
    action = serializers.CharField(
        help_text="The action that moved it (`start`, `qc_reject`); `repair_record` when the "
        "workflow check recorded a change made around the services."
    )
    from_status = serializers.ChoiceField(
        choices=Task.Status.choices, allow_blank=True, help_text="Blank: the task had no history."
    )
    details = TaskActionDetails()


class TaskAssignedData(TaskEventData):
    previous_assignee_id = serializers.IntegerField(allow_null=True)


class TaskUnblockedData(TaskEventData):
    after = serializers.IntegerField(
        required=False, help_text="The task whose completion released it."
    )
    reason = serializers.CharField(
        required=False, help_text="`workflow_check`: a repair found it free."
    )


class TaskUpstreamReopenedData(TaskEventData):
    upstream_task_id = serializers.IntegerField()
    reason = serializers.CharField()


class DeliverableSnapshot(serializers.Serializer):
    """The deliverable as it is after the change."""

    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    name = serializers.CharField()
    external_reference = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Deliverable.Status.choices)
    template_version_id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The deliverable's version (its ETag) after it.")


class DeliverableEventData(serializers.Serializer):
    deliverable = DeliverableSnapshot()
    actor = serializers.CharField(help_text=ACTOR_HELP)


class DeliverableStartedData(DeliverableEventData):
    task_count = serializers.IntegerField()
    ready_task_count = serializers.IntegerField(help_text="Tasks that can start at once.")
    dependency_count = serializers.IntegerField()


class DeliverableReadyForSignoffData(DeliverableEventData):
    signoff_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), help_text="The roles that must sign."
    )
    task_id = serializers.IntegerField(
        allow_null=True, help_text="The task that settled last; null when sign-off found none."
    )
    node_key = serializers.CharField(allow_blank=True)


class DeliverableSignedOffData(DeliverableEventData):
    signed_roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class DeliverableSignoffRevokedData(DeliverableEventData):
    task_id = serializers.IntegerField(help_text="The task that was reopened.")
    node_key = serializers.CharField()
    reason = serializers.CharField()


class ProjectSnapshot(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="The project's version (its ETag) after it.")


class TemplateVersionReference(serializers.Serializer):
    id = serializers.IntegerField()
    template_key = serializers.CharField()
    number = serializers.IntegerField()


class ProjectUpgradedData(serializers.Serializer):
    project = ProjectSnapshot()
    from_template_version = TemplateVersionReference()
    to_template_version = TemplateVersionReference()
    actor = serializers.CharField(help_text=ACTOR_HELP)


class TemplateSnapshot(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class TemplateVersionSnapshot(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TemplateVersion.Status.choices)


class TemplatePublishedData(serializers.Serializer):
    template = TemplateSnapshot()
    version = TemplateVersionSnapshot()
    actor = serializers.CharField(help_text=ACTOR_HELP)
    signoff_roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    critical_path = serializers.ListField(
        child=serializers.CharField(), help_text="Node keys of one longest chain, start to end."
    )
    planned_duration = serializers.CharField(
        help_text="From the start of a deliverable to its end, as an ISO 8601 duration."
    )


EVENT_SCHEMAS = (
    EventSchema(
        events.TEMPLATE_PUBLISHED,
        TemplatePublishedData,
        "A template version was published; projects may now run it.",
    ),
    EventSchema(
        events.PROJECT_UPGRADED,
        ProjectUpgradedData,
        "A project moved to a newer version of its template.",
    ),
    EventSchema(
        events.DELIVERABLE_STARTED,
        DeliverableStartedData,
        "A deliverable was started: its tasks were copied from the template version.",
    ),
    EventSchema(
        events.DELIVERABLE_READY_FOR_SIGNOFF,
        DeliverableReadyForSignoffData,
        "Every task of a deliverable is done or cancelled; it awaits its signatures.",
    ),
    EventSchema(
        events.DELIVERABLE_SIGNED_OFF,
        DeliverableSignedOffData,
        "Every role the deliverable needs has signed it off.",
    ),
    EventSchema(
        events.DELIVERABLE_SIGNOFF_REVOKED,
        DeliverableSignoffRevokedData,
        "A task was reopened, so the deliverable is in progress again.",
    ),
    EventSchema(
        events.TASK_STATUS_CHANGED,
        TaskStatusChangedData,
        "A task action (or a repair) changed a task's status.",
    ),
    EventSchema(events.TASK_ASSIGNED, TaskAssignedData, "A task was assigned or unassigned."),
    EventSchema(
        events.TASK_UNBLOCKED, TaskUnblockedData, "Everything a task waited for is settled."
    ),
    EventSchema(
        events.TASK_UPSTREAM_REOPENED,
        TaskUpstreamReopenedData,
        "A task this started or done task depends on was reopened: it is now stale.",
    ),
)

"""The published `data` of each QC event (qc/events.py and qc/events_checklists.py build them)."""

from rest_framework import serializers

from config.api.event_schemas import EventSchema
from qc import events, events_checklists
from qc.models import ChecklistVersion, Inspection, Severity

ACTOR_HELP = "Who did it: a person, an API key, `system`."


class InspectionSnapshot(serializers.Serializer):
    """The inspection as it is after the change."""

    id = serializers.IntegerField()
    attempt = serializers.IntegerField(help_text="The task's attempt it inspects.")
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    automatic_verdict = serializers.ChoiceField(
        choices=Inspection.Verdict.choices,
        allow_blank=True,
        help_text="What the checklist says of the readings; blank until decided or without one.",
    )
    checklist_version_id = serializers.IntegerField(allow_null=True)
    performer = serializers.CharField(help_text="Who submitted the attempt.")
    performer_user_id = serializers.IntegerField(allow_null=True)
    performer_api_key_id = serializers.IntegerField(allow_null=True)
    inspector = serializers.CharField(allow_blank=True, help_text="Who decided; blank while open.")
    version = serializers.IntegerField(help_text="The inspection's version after it.")


class InspectedTask(serializers.Serializer):
    id = serializers.IntegerField()
    deliverable_id = serializers.IntegerField()
    node_key = serializers.CharField()
    title = serializers.CharField()


class InspectionEventData(serializers.Serializer):
    inspection = InspectionSnapshot()
    task = InspectedTask()
    actor = serializers.CharField(help_text=ACTOR_HELP)


class DefectSnapshot(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    note = serializers.CharField(allow_blank=True)
    item = serializers.CharField(allow_null=True, help_text="The checklist item's key, if one.")


class RejectedData(InspectionEventData):
    reason = serializers.CharField()
    defects = DefectSnapshot(many=True)
    next_attempt = serializers.IntegerField(help_text="The attempt the rework will be.")
    rejections = serializers.IntegerField(help_text="How many times the task was rejected.")


class WithdrawnData(InspectionEventData):
    task_action = serializers.CharField(
        help_text="The task action that took the task out of review without a decision: `cancel`."
    )
    reason = serializers.CharField(allow_blank=True, help_text="The reason the action gave.")


class EscalatedData(serializers.Serializer):
    task = InspectedTask()
    rejections = serializers.IntegerField()
    escalated_at = serializers.DateTimeField()
    actor = serializers.CharField(help_text=ACTOR_HELP)


class ChecklistSnapshot(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class ChecklistVersionSnapshot(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ChecklistVersion.Status.choices)


class ChecklistEventData(serializers.Serializer):
    checklist = ChecklistSnapshot()
    version = ChecklistVersionSnapshot()
    actor = serializers.CharField(help_text=ACTOR_HELP)


class ChecklistPublishedData(ChecklistEventData):
    items = serializers.ListField(child=serializers.CharField(), help_text="The items' keys.")


EVENT_SCHEMAS = (
    EventSchema(
        events.INSPECTION_OPENED,
        InspectionEventData,
        "An attempt was submitted for review; its inspection is open.",
    ),
    EventSchema(events.ACCEPTED, InspectionEventData, "An inspector accepted the attempt."),
    EventSchema(
        events.REJECTED, RejectedData, "An inspector rejected the attempt; the task is reworked."
    ),
    EventSchema(
        events.INSPECTION_WITHDRAWN,
        WithdrawnData,
        "The task left review without a decision (it was cancelled); its open inspection is "
        "closed as withdrawn and takes no more readings or evidence.",
    ),
    EventSchema(
        events.ESCALATED,
        EscalatedData,
        "A task was rejected QC_ESCALATION_REJECTIONS times; emitted once per task.",
    ),
    EventSchema(
        events_checklists.CHECKLIST_PUBLISHED,
        ChecklistPublishedData,
        "A checklist version was published; templates may name it.",
    ),
    EventSchema(
        events_checklists.CHECKLIST_RETIRED,
        ChecklistEventData,
        "A checklist version was retired: no new template names it.",
    ),
)

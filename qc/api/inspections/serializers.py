from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.actions import required_message
from config.api.text import TextField
from config.api.uploads import STORED_FILE_FIELDS, StoredFileOut, UploadedFileField
from qc import verdicts
from qc.models import Defect, Evidence, Inspection, Reading, Severity
from qc.models.checklists import ITEM_KEY_MAX_LENGTH

READINGS_MAX = 200
DEFECTS_MAX = 100
NOTE_MAX_LENGTH = Inspection._meta.get_field("note").max_length
OVERRIDE_MAX_LENGTH = Inspection._meta.get_field("override_reason").max_length
DEFECT_NOTE_MAX_LENGTH = Defect._meta.get_field("note").max_length


class ReadingValueField(TextField):
    """A reading as text: a number keeps exactly the digits written ("72.50 cm")."""

    default_error_messages = {
        "not_text": 'Send the value as a string, such as "72.5 cm": a JSON number loses digits.'
    }

    def __init__(self, **kwargs) -> None:
        max_length = Reading._meta.get_field("value").max_length
        super().__init__(max_length=max_length, allow_blank=True, **kwargs)

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class ItemKeyField(serializers.SlugField):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=ITEM_KEY_MAX_LENGTH, **kwargs)


class ReadingIn(serializers.Serializer):
    """What the inspector found for one checklist item."""

    item = ItemKeyField(help_text="The key of an item of the inspection's checklist.")
    value = ReadingValueField(
        help_text='As text: "pass"/"fail", a decimal with an optional unit ("72.5 cm"), one '
        "of a choice item's choices, or free text."
    )


class DefectIn(serializers.Serializer):
    """Something wrong with the attempt, optionally on one checklist item."""

    code = serializers.SlugField(max_length=50, help_text="Your defect code, such as open-seam.")
    severity = serializers.ChoiceField(choices=Severity.choices)
    note = TextField(max_length=DEFECT_NOTE_MAX_LENGTH, required=False)
    item = ItemKeyField(required=False, help_text="The checklist item it concerns, if one.")


def readings_field(**kwargs) -> serializers.ListSerializer:
    return ReadingIn(many=True, max_length=READINGS_MAX, **kwargs)


# The payload fields of qc_accept and qc_reject (`reason` is the workflow's own).
PAYLOAD_FIELDS = {
    "readings": lambda action: readings_field(
        required=action == "qc_accept",
        error_messages=required_message(action, "readings", " (a list; it may be empty)"),
        help_text="Readings to record with the decision, merged with those recorded before "
        "(a later reading of an item replaces the earlier one). May be empty.",
    ),
    "defects": lambda action: DefectIn(
        many=True,
        max_length=DEFECTS_MAX,
        error_messages=required_message(action, "defects", " (a list; it may be empty)"),
        help_text="What is wrong; recorded on the inspection.",
    ),
    "note": lambda action: TextField(
        max_length=NOTE_MAX_LENGTH, required=False, help_text="A note for the record."
    ),
    "override_reason": lambda action: TextField(
        max_length=OVERRIDE_MAX_LENGTH,
        required=False,
        help_text="Required when the checklist's automatic verdict is fail: why the work is "
        "accepted anyway.",
    ),
}


class ReadingsIn(serializers.Serializer):
    readings = readings_field(
        min_length=1, help_text="Readings to record; each replaces the item's earlier one."
    )


class EvidenceIn(serializers.Serializer):
    item = ItemKeyField(help_text="The key of an evidence item of the inspection's checklist.")
    file = UploadedFileField(help_text="The file, sent as multipart/form-data; its name is kept.")


class IdentityOut(serializers.Serializer):
    """A person or an API key, as the record names them."""

    label = serializers.CharField()
    user = serializers.IntegerField(allow_null=True, help_text="The user id, for a person.")
    api_key = serializers.IntegerField(allow_null=True, help_text="The key id, for an API key.")


class ChecklistRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(source="template.key")
    number = serializers.IntegerField()


class ReadingOut(serializers.Serializer):
    item = serializers.CharField(source="item.key")
    value = serializers.CharField()
    passed = serializers.BooleanField(
        allow_null=True, help_text="Null for text, which cannot fail."
    )
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by_label")


class DefectOut(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    note = serializers.CharField()
    item = serializers.CharField(source="item.key", allow_null=True)


class FailureOut(serializers.Serializer):
    item = serializers.CharField(source="item_key")
    reason = serializers.ChoiceField(choices=[("failed", "Failed"), ("missing", "No reading")])


class EvidenceOut(StoredFileOut):
    item = serializers.CharField(source="item.key", help_text="The evidence item it is for.")

    class Meta:
        model = Evidence
        fields = [*STORED_FILE_FIELDS, "item"]
        read_only_fields = fields

    def get_download_url(self, evidence: Evidence) -> str:
        return reverse(
            "inspection-evidence-content",
            kwargs={"pk": evidence.inspection_id, "evidence_id": evidence.pk},
        )


def _identity(inspection: Inspection, role: str) -> dict | None:
    label = getattr(inspection, f"{role}_label")
    if not label:
        return None
    user, key = (getattr(inspection, f"{role}_{part}_id") for part in ("user", "api_key"))
    return {"label": label, "user": user, "api_key": key}


class InspectionOut(serializers.Serializer):
    """The inspection of one attempt of a task; decided only by the task's QC actions, withdrawn
    when the task leaves review otherwise (cancelled)."""

    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    node_key = serializers.CharField(source="task.node_key")
    deliverable = serializers.IntegerField(source="deliverable_id")
    attempt = serializers.IntegerField(help_text="The task's attempt this inspection checks.")
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    version = serializers.IntegerField()
    checklist = ChecklistRefOut(
        source="checklist_version", allow_null=True, help_text="Null: a bare verdict."
    )
    automatic_verdict = serializers.ChoiceField(
        choices=[("", "No readings yet, or no checklist"), *Inspection.Verdict.choices],
        help_text="What the readings say: fail when a required item failed or has no reading. "
        "Blank until there are readings, and always for a task that names no checklist (the "
        "inspector's decision is the only verdict).",
    )
    failures = serializers.SerializerMethodField(
        help_text="The required items that make the automatic verdict fail, and why."
    )
    override_reason = serializers.CharField()
    note = serializers.CharField()
    reject_reason = serializers.CharField()
    performer = serializers.SerializerMethodField()
    inspector = serializers.SerializerMethodField()
    readings = ReadingOut(many=True)
    defects = DefectOut(many=True)
    evidence = EvidenceOut(many=True)
    opened_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was decided or withdrawn; null while open."
    )
    updated_at = serializers.DateTimeField()

    @extend_schema_field(FailureOut(many=True))
    def get_failures(self, inspection: Inspection) -> list[dict]:
        items = inspection.checklist_version.items.all() if inspection.checklist_version else []
        passed = {reading.item_id: reading.passed for reading in inspection.readings.all()}
        return FailureOut(verdicts.failures(items, passed), many=True).data

    @extend_schema_field(IdentityOut(allow_null=True))
    def get_performer(self, inspection: Inspection) -> dict | None:
        return _identity(inspection, "performer")

    @extend_schema_field(IdentityOut(allow_null=True))
    def get_inspector(self, inspection: Inspection) -> dict | None:
        return _identity(inspection, "inspector")

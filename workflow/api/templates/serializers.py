from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.durations import ISODurationField
from config.api.serializers import Representation
from config.api.text import NameField, TextField
from config.roles import Role
from workflow.models import TaskKind, TemplateTask, TemplateVersion
from workflow.models.templates import DESCRIPTION_MAX_LENGTH, NODE_KEY_MAX_LENGTH, Priority
from workflow.selectors.templates import edges_of

# As large as a deliverable start copies in about a second (docs/adr/0022).
MAX_NODES = 10_000
MAX_EDGES = 50_000


class TemplateCreateIn(serializers.Serializer):
    key = serializers.SlugField(
        max_length=50, help_text="Stable name in URLs and template files, such as `garment`."
    )
    name = NameField(max_length=200)


class TemplateChecklistIn(serializers.Serializer):
    key = serializers.SlugField(max_length=50, help_text="The checklist's key.")
    version = serializers.IntegerField(
        min_value=1, max_value=2_147_483_647, help_text="The checklist's version number."
    )


class TemplateNodeIn(serializers.Serializer):
    node_key = serializers.SlugField(
        max_length=NODE_KEY_MAX_LENGTH,
        help_text="Names the task across versions; edges refer to it.",
    )
    title = NameField(max_length=200)
    description = TextField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, default="", allow_blank=True
    )
    kind = serializers.ChoiceField(choices=TaskKind.choices, default=TaskKind.WORK)
    other_kind_label = NameField(
        max_length=50,
        required=False,
        default="",
        allow_blank=True,
        help_text="What the kind is, when `kind` is `other` (and only then).",
    )
    work_kind = NameField(
        max_length=50,
        required=False,
        default="",
        allow_blank=True,
        help_text="The trade or skill, such as sewing.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    is_milestone = serializers.BooleanField(default=False)
    requires_qc = serializers.BooleanField(default=False)
    default_role = serializers.ChoiceField(
        choices=Role.choices, required=False, default="", allow_blank=True
    )
    planned_duration = ISODurationField(help_text="ISO 8601, such as `P2D` or `PT4H`.")
    checklist = TemplateChecklistIn(
        required=False,
        allow_null=True,
        default=None,
        help_text="The published checklist version its inspections read against, for a task "
        "that requires QC; null for none (an inspection is then a bare verdict). Checked when "
        "the version is published.",
    )

    def validate(self, attrs: dict) -> dict:
        checklist = attrs.pop("checklist")
        attrs["checklist_key"] = checklist["key"] if checklist else ""
        attrs["checklist_number"] = checklist["version"] if checklist else None
        other = attrs["kind"] == TaskKind.OTHER
        if other and not attrs["other_kind_label"]:
            raise serializers.ValidationError(
                {"other_kind_label": "Name the kind of a task whose kind is `other`."},
                code="required",
            )
        if attrs["other_kind_label"] and not other:
            raise serializers.ValidationError(
                {"other_kind_label": "Only a task whose kind is `other` has a kind label."},
                code="not_other",
            )
        return attrs


class TemplateEdgeIn(serializers.Serializer):
    task = serializers.SlugField(max_length=NODE_KEY_MAX_LENGTH, help_text="The waiting task.")
    depends_on = serializers.SlugField(
        max_length=NODE_KEY_MAX_LENGTH, help_text="The task that must be done first."
    )


class TemplateDraftIn(serializers.Serializer):
    """The whole content of a draft; what is left out is empty."""

    nodes = TemplateNodeIn(many=True, max_length=MAX_NODES)
    edges = TemplateEdgeIn(many=True, max_length=MAX_EDGES, required=False, default=list)
    signoff_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        max_length=len(Role.choices),
        required=False,
        default=list,
        help_text="The roles that must each sign a deliverable of this version off.",
    )

    def validate_signoff_roles(self, roles: list[str]) -> list[str]:
        if len(set(roles)) < len(roles):
            raise serializers.ValidationError("Name each role once.", code="duplicate")
        return roles


class TemplateDocumentIn(TemplateDraftIn):
    """A template file (`manage.py import_template`): a draft's content with its template."""

    key = serializers.SlugField(max_length=50)
    name = NameField(max_length=200)


class TemplateVersionSummaryOut(Representation):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TemplateVersion.Status.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class TemplateOut(Representation):
    key = serializers.SlugField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    versions = TemplateVersionSummaryOut(many=True, help_text="Oldest first.")


class TemplateChecklistOut(Representation):
    key = serializers.SlugField()
    version = serializers.IntegerField()


class TemplateTaskOut(Representation):
    node_key = serializers.SlugField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    other_kind_label = serializers.CharField()
    work_kind = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    is_milestone = serializers.BooleanField()
    requires_qc = serializers.BooleanField()
    default_role = serializers.CharField(help_text="A role, or empty for none.")
    planned_duration = ISODurationField()
    earliest_start = ISODurationField(
        allow_null=True, help_text="From the start of a deliverable; set when published."
    )
    earliest_finish = ISODurationField(allow_null=True)
    slack = ISODurationField(
        allow_null=True, help_text="How long the task can slip without delaying the end."
    )
    is_critical = serializers.BooleanField(help_text="On the critical path (no slack).")
    checklist = serializers.SerializerMethodField()

    @extend_schema_field(TemplateChecklistOut(allow_null=True))
    def get_checklist(self, task: TemplateTask) -> dict | None:
        if not task.checklist_key:
            return None
        return {"key": task.checklist_key, "version": task.checklist_number}


class TemplateEdgeOut(Representation):
    task = serializers.SlugField()
    depends_on = serializers.SlugField()


class TemplateVersionOut(Representation):
    id = serializers.IntegerField()
    template = serializers.SlugField(source="template.key")
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TemplateVersion.Status.choices)
    signoff_roles = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.SerializerMethodField()
    nodes = TemplateTaskOut(many=True, source="tasks.all")
    edges = serializers.SerializerMethodField()

    def get_published_by(self, version: TemplateVersion) -> str | None:
        return version.published_by_label if version.published_at else None

    @extend_schema_field(TemplateEdgeOut(many=True))
    def get_edges(self, version: TemplateVersion) -> list[dict[str, str]]:
        return edges_of(version)

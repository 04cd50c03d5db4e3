from rest_framework import serializers

from config.api.filters import MAX_ID
from config.api.serializers import Representation
from config.api.text import NameField
from workflow.models import Deliverable, Task
from workflow.selectors.projects import task_count_field


def template_version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of a published template version of your organization.",
    )


class PinnedVersionOut(Representation):
    """The template version tasks are copied from."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    template_id = serializers.IntegerField()
    template_key = serializers.CharField(source="template.key")
    template_name = serializers.CharField(source="template.name")


class ProjectOut(Representation):
    """A project; new deliverables start from its pinned template version."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    template_version = PinnedVersionOut()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


TaskCountsOut = type(
    "TaskCountsOut",
    (Representation,),
    {
        "__doc__": "How many of the deliverable's tasks are in each status.",
        "__module__": __name__,
        "total": serializers.IntegerField(source="tasks_total"),
        **{
            status: serializers.IntegerField(source=task_count_field(status))
            for status in Task.Status.values
        },
    },
)


class DeliverableOut(Representation):
    """A deliverable: its tasks were copied from `template_version` when it started."""

    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    name = serializers.CharField()
    external_reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Deliverable.Status.choices)
    template_version = PinnedVersionOut()
    task_counts = TaskCountsOut(source="*")
    version = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProjectCreateIn(serializers.Serializer):
    name = NameField(max_length=200)
    template_version = template_version_field()


class ProjectUpdateIn(serializers.Serializer):
    name = NameField(max_length=200, required=False)


class ProjectUpgradeIn(serializers.Serializer):
    template_version = template_version_field()


class DeliverableCreateIn(serializers.Serializer):
    name = NameField(max_length=200)
    external_reference = NameField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="Your own reference (an order number); unique within the project.",
    )

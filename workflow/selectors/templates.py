"""Reading process templates and their versions, scoped to one organization."""

from django.db.models import Prefetch, QuerySet

from workflow.models import ProcessTemplate, TemplateDependency, TemplateTask, TemplateVersion

# The fields of a node as a draft is written: the rest of a TemplateTask is computed at publish.
NODE_FIELDS = (
    "node_key",
    "title",
    "description",
    "kind",
    "other_kind_label",
    "work_kind",
    "priority",
    "is_milestone",
    "requires_qc",
    "default_role",
    "planned_duration",
)
# What a node names besides the task it becomes: the checklist its inspections read against
# (kept by the template and read by qc; a task does not copy it).
CHECKLIST_FIELDS = ("checklist_key", "checklist_number")
DRAFT_FIELDS = (*NODE_FIELDS, *CHECKLIST_FIELDS)


def list_templates_for(organization_id: int) -> QuerySet[ProcessTemplate]:
    """Templates with their versions, oldest version first, in two queries."""
    versions = TemplateVersion.objects.order_by("number")
    return ProcessTemplate.objects.filter(organization_id=organization_id).prefetch_related(
        Prefetch("versions", queryset=versions)
    )


def with_graph(versions: QuerySet[TemplateVersion]) -> QuerySet[TemplateVersion]:
    """Fetch each version's tasks and dependencies along, in the order they were written."""
    return versions.prefetch_related(
        Prefetch("tasks", queryset=TemplateTask.objects.order_by("position", "id")),
        Prefetch("dependencies", queryset=TemplateDependency.objects.order_by("id")),
    )


def list_template_versions_for(organization_id: int) -> QuerySet[TemplateVersion]:
    """Versions with their template, tasks and dependencies, in three queries."""
    return with_graph(
        TemplateVersion.objects.filter(template__organization_id=organization_id).select_related(
            "template"
        )
    )


def representation_version(template: ProcessTemplate) -> int:
    """The ETag of a template: the sum of its versions' versions.

    A template's own key and name never change through the API; what it shows changes only
    when a version is added (adding at least 1) or changes (adding 1 each time), so the sum
    grows with every change and is never repeated.
    """
    return sum(version.version for version in template.versions.all())


def edges_of(version: TemplateVersion) -> list[dict[str, str]]:
    """The dependencies of a version read `with_graph`, as node keys."""
    key_of = {task.pk: task.node_key for task in version.tasks.all()}
    return [
        {"task": key_of[edge.task_id], "depends_on": key_of[edge.depends_on_id]}
        for edge in version.dependencies.all()
    ]


def content_of(version: TemplateVersion) -> dict:
    """What the draft of a version read `with_graph` was written with: nodes, edges, roles."""
    return {
        "nodes": [
            {field: getattr(task, field) for field in DRAFT_FIELDS} for task in version.tasks.all()
        ],
        "edges": edges_of(version),
        "signoff_roles": list(version.signoff_roles),
    }

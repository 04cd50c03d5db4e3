"""Reading projects and deliverables, scoped to one organization."""

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from workflow.models import Deliverable, Project, Task, TemplateVersion


def task_count_field(status: str) -> str:
    """The annotation holding how many tasks of a deliverable are in `status`."""
    return f"tasks_{status}"


def list_projects_for(organization_id: int) -> QuerySet[Project]:
    return Project.objects.filter(organization_id=organization_id).select_related(
        "template_version__template"
    )


def list_deliverables_for(organization_id: int) -> QuerySet[Deliverable]:
    """Deliverables with their pinned version and their task counts by status, in one query."""
    counts = {
        task_count_field(status): Count("tasks", filter=Q(tasks__status=status))
        for status in Task.Status.values
    }
    return (
        Deliverable.objects.filter(organization_id=organization_id)
        .select_related("template_version__template")
        .annotate(
            tasks_total=Count("tasks"),
            # Goes up by one with every change of any of its tasks: part of the deliverable's ETag.
            task_changes=Coalesce(Sum("tasks__version"), 0),
            **counts,
        )
    )


def state_tag(deliverable: Deliverable) -> int:
    """The ETag of anything shown about a deliverable's tasks, read `list_deliverables_for`."""
    # The deliverable's version plus every task's version: any change of either raises it.
    return deliverable.version + deliverable.task_changes


def list_deliverables_of(project: Project) -> QuerySet[Deliverable]:
    return list_deliverables_for(project.organization_id).filter(project=project)


def newest_upgrade_for(project: Project) -> TemplateVersion | None:
    """The newest published version of the project's template above the one it runs."""
    current = project.template_version
    return (
        TemplateVersion.objects.filter(
            template_id=current.template_id,
            status=TemplateVersion.Status.PUBLISHED,
            number__gt=current.number,
        )
        .order_by("-number")
        .first()
    )

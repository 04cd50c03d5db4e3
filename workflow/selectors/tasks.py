"""Reading tasks and their history, scoped to one organization."""

from django.db.models import F, Prefetch, QuerySet

from workflow.models import Deliverable, Task, TaskDependency, TaskEvent
from workflow.models.tasks import SETTLED_STATUSES

# Where list_tasks_for puts each task's open blocker links (see open_blocker_ids).
OPEN_BLOCKER_LINKS = "open_blocker_links"


def list_tasks_for(organization_id: int) -> QuerySet[Task]:
    """Tasks with their assignee, project id and open blockers: two queries for any page."""
    open_links = (
        TaskDependency.objects.exclude(depends_on__status__in=SETTLED_STATUSES)
        .only("task_id", "depends_on_id")
        .order_by("depends_on_id")
    )
    return (
        Task.objects.filter(organization_id=organization_id)
        .select_related("assigned_to")
        .annotate(project_id=F("deliverable__project_id"))
        .prefetch_related(
            Prefetch("blocker_links", queryset=open_links, to_attr=OPEN_BLOCKER_LINKS)
        )
    )


def open_blocker_ids(task: Task) -> list[int]:
    """The ids of the tasks `task` still waits for, as prefetched by list_tasks_for."""
    return [link.depends_on_id for link in getattr(task, OPEN_BLOCKER_LINKS)]


def list_tasks_of_deliverable(organization_id: int, deliverable_id: int) -> QuerySet[Task]:
    """The tasks of one deliverable; Deliverable.DoesNotExist unless it is the organization's."""
    if not Deliverable.objects.filter(organization_id=organization_id, pk=deliverable_id).exists():
        raise Deliverable.DoesNotExist(f"No deliverable {deliverable_id} in this organization.")
    return list_tasks_for(organization_id).filter(deliverable_id=deliverable_id)


def list_events_for(task: Task) -> QuerySet[TaskEvent]:
    return TaskEvent.objects.filter(task=task)

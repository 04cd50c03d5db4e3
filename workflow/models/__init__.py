from workflow.models.allocations import Allocation
from workflow.models.projects import Deliverable, DeliverableEvent, Project, ProjectEvent
from workflow.models.tasks import Task, TaskDependency, TaskEvent
from workflow.models.templates import (
    ProcessTemplate,
    TaskKind,
    TemplateDependency,
    TemplateTask,
    TemplateVersion,
)

__all__ = [
    "Allocation",
    "Deliverable",
    "DeliverableEvent",
    "ProcessTemplate",
    "Project",
    "ProjectEvent",
    "Task",
    "TaskDependency",
    "TaskEvent",
    "TaskKind",
    "TemplateDependency",
    "TemplateTask",
    "TemplateVersion",
]

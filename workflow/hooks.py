"""What another app adds to the workflow without the workflow importing it (qc is the first).

Every hook runs inside the transaction of the change that calls it: what it writes commits or
rolls back with that change, and what it raises refuses the change.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from rest_framework import serializers

from config.actions import ActionRequest, ActionSpec
from config.principal import Principal
from workflow import actions
from workflow.models import Task, TaskEvent, TemplateTask, TemplateVersion


def _nothing(*args) -> None:
    return None


@dataclass(frozen=True)
class TaskActionExtension:
    """A task action another app provides: its declaration, its payload and its behaviour.

    `refuse(task, request)` runs before the catalog's checks and raises to refuse; `perform(task,
    request)` runs after the model's transition, before the task is saved.
    """

    spec: ActionSpec
    # The serializer field of each payload field, as a factory of the action's name.
    payload_fields: dict[str, Callable[[str], serializers.Field]] = field(default_factory=dict)
    refuse: Callable[[Task, ActionRequest], None] = _nothing
    perform: Callable[[Task, ActionRequest], None] = _nothing


@dataclass(frozen=True)
class TaskChange:
    """A task action that has just been saved and recorded, as listeners hear of it."""

    task: Task
    action: str
    from_status: str
    actor: Principal
    payload: dict
    event: TaskEvent


# The problems of a draft's tasks (in position order) for publishing, as `errors` entries:
# {"pointer": "/nodes/<index>/<field>", "detail": …, "code": …}.
TemplateCheck = Callable[[TemplateVersion, list[TemplateTask]], list[dict]]

_extensions: dict[str, TaskActionExtension] = {}
_task_listeners: list[Callable[[TaskChange], None]] = []
_template_checks: list[TemplateCheck] = []


def register_task_action(extension: TaskActionExtension) -> None:
    """Add an action to every task's catalog (its forms, `allowed`, the service)."""
    actions.ACTIONS.register(extension.spec)
    _extensions[extension.spec.name] = extension


def extension_of(action: str) -> TaskActionExtension | None:
    return _extensions.get(action)


def extension_payload_fields() -> dict[str, Callable[[str], serializers.Field]]:
    return {name: f for ext in _extensions.values() for name, f in ext.payload_fields.items()}


def on_task_change(listener: Callable[[TaskChange], None]) -> Callable[[TaskChange], None]:
    """Call `listener` after every task action, in its transaction."""
    _task_listeners.append(listener)
    return listener


def task_changed(change: TaskChange) -> None:
    for listener in _task_listeners:
        listener(change)


def on_template_publish(check: TemplateCheck) -> TemplateCheck:
    """Run `check` over a draft's tasks when it is published; what it finds refuses it."""
    _template_checks.append(check)
    return check


def template_problems(version: TemplateVersion, tasks: list[TemplateTask]) -> list[dict]:
    return [problem for check in _template_checks for problem in check(version, tasks)]

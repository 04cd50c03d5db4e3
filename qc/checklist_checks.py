"""What a template version must hold about checklists to publish (a workflow publish hook).

A task that requires QC may name a published checklist version of the template's organization,
by key and version number; without one its inspections are bare verdicts (docs/adr/0027). A
task that does not require QC names none: nobody would ever read it.
"""

from qc.models import ChecklistVersion
from qc.selectors.checklists import statuses_of
from workflow import hooks
from workflow.models import TemplateTask, TemplateVersion


def _problem(index: int, detail: str, code: str) -> dict:
    return {"pointer": f"/nodes/{index}/checklist", "detail": detail, "code": code}


def _task_problem(task: TemplateTask, index: int, statuses: dict) -> dict | None:
    named = f'checklist "{task.checklist_key}" version {task.checklist_number}'
    if not task.checklist_key and task.checklist_number is None:
        return None
    if not task.checklist_key or task.checklist_number is None:
        detail = f"{task.node_key} names a checklist by half: give its key and version number."
        return _problem(index, detail, "incomplete")
    if not task.requires_qc:
        detail = f"{task.node_key} names a {named} but does not require QC: nobody would read it."
        return _problem(index, detail, "not_inspected")
    status = statuses.get((task.checklist_key, task.checklist_number))
    if status is None:
        return _problem(index, f"There is no {named}.", "unknown_checklist")
    if status != ChecklistVersion.Status.PUBLISHED:
        detail = f"The {named} is {status}; name a published version."
        return _problem(index, detail, "checklist_not_published")
    return None


@hooks.on_template_publish
def checklists_of_tasks(version: TemplateVersion, tasks: list[TemplateTask]) -> list[dict]:
    """A problem for each task whose checklist is missing, unpublished or not inspected."""
    keys = {task.checklist_key for task in tasks if task.checklist_key}
    statuses = statuses_of(version.template.organization_id, keys) if keys else {}
    found = (_task_problem(task, index, statuses) for index, task in enumerate(tasks))
    return [problem for problem in found if problem is not None]

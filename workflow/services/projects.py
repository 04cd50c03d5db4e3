"""Project use cases: create, rename, and upgrade to a newer published template version."""

import outbox
from config.api.conditional import ensure_version
from config.principal import Principal
from config.transactions import use_case
from workflow import events, policy
from workflow.exceptions import InvalidTemplateVersion
from workflow.models import Project, ProjectEvent, TemplateVersion

EDITABLE_FIELDS = ("name",)


def _refusal(detail: str, code: str) -> InvalidTemplateVersion:
    error = {"pointer": "/template_version", "detail": detail, "code": code}
    return InvalidTemplateVersion(detail, errors=[error])


def _published_version(organization_id: int, version_id: int) -> TemplateVersion:
    """The version, if it is published and a template of this organization's."""
    version = (
        TemplateVersion.objects.select_related("template")
        .filter(pk=version_id, template__organization_id=organization_id)
        .first()
    )
    if version is None:
        detail = f"No template version {version_id} exists in your organization."
        raise _refusal(detail, "does_not_exist")
    if version.status != TemplateVersion.Status.PUBLISHED:
        detail = (
            f"Template version {version} is {version.status}; only a published one can be used."
        )
        raise _refusal(detail, "not_published")
    return version


def _locked_project(project_id: int) -> Project:
    # Lock the project row only: its pinned version is read, never changed, here.
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("template_version__template")
        .get(pk=project_id)
    )


def _version_ref(version: TemplateVersion) -> dict:
    return {"id": version.pk, "template_key": version.template.key, "number": version.number}


@use_case
def create_project(*, actor: Principal, name: str, template_version_id: int) -> Project:
    """Create a project pinned to a published template version of the caller's organization."""
    actor.require(policy.MANAGE, "create projects")
    version = _published_version(actor.organization_id, template_version_id)
    project = Project.objects.create(
        organization_id=actor.organization_id,
        name=name,
        template_version=version,
        created_by_id=actor.user_id,
    )
    ProjectEvent.record(
        project, action="create", actor=actor, payload={"template_version": _version_ref(version)}
    )
    return project


@use_case
def update_project(
    *, project_id: int, actor: Principal, expected_version: int, changes: dict
) -> Project:
    """Rename a project; raise StaleVersion if it moved on since `expected_version`."""
    actor.require(policy.MANAGE, "change projects")
    project = _locked_project(project_id)
    ensure_version(project.version, expected_version)
    changed = {
        field: changes[field]
        for field in EDITABLE_FIELDS
        if field in changes and getattr(project, field) != changes[field]
    }
    if not changed:
        return project
    for field, value in changed.items():
        setattr(project, field, value)
    project.version += 1
    project.save(update_fields=[*changed, "version", "updated_at"])
    ProjectEvent.record(project, action="update", actor=actor, payload=changed)
    return project


@use_case
def upgrade_project(
    *, project_id: int, actor: Principal, expected_version: int, template_version_id: int
) -> Project:
    """Pin a newer published version of the same template; started deliverables keep theirs."""
    actor.require(policy.MANAGE, "upgrade projects")
    project = _locked_project(project_id)
    ensure_version(project.version, expected_version)
    current = project.template_version
    target = _published_version(project.organization_id, template_version_id)
    if target.template_id != current.template_id:
        detail = (
            f"Version {target} belongs to another template; the project runs "
            f'"{current.template.key}" and upgrades only within it.'
        )
        raise _refusal(detail, "other_template")
    if target.number <= current.number:
        detail = (
            f"The project already runs {current}; choose a version numbered above {current.number}."
        )
        raise _refusal(detail, "not_newer")
    project.template_version = target
    project.version += 1
    project.save(update_fields=["template_version", "version", "updated_at"])
    change = {
        "from_template_version": _version_ref(current),
        "to_template_version": _version_ref(target),
    }
    ProjectEvent.record(project, action="upgrade", actor=actor, payload=change)
    outbox.emit(
        **events.project_event(events.PROJECT_UPGRADED, project, actor=str(actor), **change)
    )
    return project

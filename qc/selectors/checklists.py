"""Reading checklists and their versions, scoped to one organization."""

from django.db.models import Prefetch, QuerySet

from qc.models import ChecklistItem, ChecklistTemplate, ChecklistVersion


def list_checklists_for(organization_id: int) -> QuerySet[ChecklistTemplate]:
    """Checklists with their versions, oldest version first, in two queries."""
    versions = ChecklistVersion.objects.order_by("number")
    return (
        ChecklistTemplate.objects.filter(organization_id=organization_id)
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("key")
    )


def with_items(versions: QuerySet[ChecklistVersion]) -> QuerySet[ChecklistVersion]:
    """Fetch each version's items along, in their order."""
    return versions.prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "id"))
    )


def list_checklist_versions_for(organization_id: int) -> QuerySet[ChecklistVersion]:
    """Versions with their checklist and items, in two queries."""
    return with_items(
        ChecklistVersion.objects.filter(template__organization_id=organization_id).select_related(
            "template"
        )
    )


def representation_version(checklist: ChecklistTemplate) -> int:
    """The ETag of a checklist: the sum of its versions' versions, which every change raises."""
    return sum(version.version for version in checklist.versions.all())


def checklist_version_named(organization_id: int, key: str, number: int) -> ChecklistVersion | None:
    """The version `number` of the organization's checklist `key`, with its items; None if none."""
    return (
        list_checklist_versions_for(organization_id)
        .filter(template__key=key, number=number)
        .first()
    )


def statuses_of(organization_id: int, keys: set[str]) -> dict[tuple[str, int], str]:
    """The status of every version of the organization's checklists `keys`, by (key, number)."""
    rows = ChecklistVersion.objects.filter(
        template__organization_id=organization_id, template__key__in=keys
    ).values_list("template__key", "number", "status")
    return {(key, number): status for key, number, status in rows}

"""Inspection use cases: one opens per submitted attempt, readings and evidence are recorded
while it is open (the task's qc_accept and qc_reject decide it: qc/services/decisions.py).

Whoever performed (submitted) an attempt may not inspect it: four eyes compare identities, a
person's user id or an API key's id.
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.utils import timezone

import outbox
from config.api.conditional import ensure_version
from config.principal import Principal
from config.transactions import use_case
from config.uploads import check_upload, files_kept_only_if_committed, sha256_of, store_upload
from qc import events, policy, verdicts
from qc.exceptions import (
    ChecklistUnavailable,
    FourEyes,
    InspectionClosed,
    InspectorRoleRequired,
    InvalidReadings,
)
from qc.models import (
    ChecklistItem,
    ChecklistVersion,
    Evidence,
    Inspection,
    InspectionEvent,
    ItemKind,
    Reading,
)
from qc.selectors.checklists import checklist_version_named
from workflow.models import Task

READING_FIELDS = ["value", "passed", "recorded_at", "recorded_by_label"]


def checklist_of(task: Task) -> ChecklistVersion | None:
    """The checklist version the task's template task names; None when it names none."""
    template_task = task.template_task
    if template_task is None or not template_task.checklist_key:
        return None
    key, number = template_task.checklist_key, template_task.checklist_number
    version = checklist_version_named(task.organization_id, key, number) if number else None
    if version is None or version.status == ChecklistVersion.Status.DRAFT:
        raise ChecklistUnavailable(
            f"Task {task.node_key} is inspected with checklist {key} v{number}, which is not "
            "published in this organization."
        )
    return version


def open_inspection(*, task: Task, actor: Principal) -> Inspection:
    """Open the inspection of the attempt `actor` has just submitted, in the same transaction."""
    inspection = Inspection.objects.create(
        organization_id=task.organization_id,
        task=task,
        deliverable_id=task.deliverable_id,
        attempt=task.attempt,
        checklist_version=checklist_of(task),
        performer_user_id=actor.user_id,
        performer_api_key_id=actor.api_key_id,
        performer_label=str(actor),
    )
    InspectionEvent.record(
        inspection, action="opened", actor=actor, payload={"attempt": inspection.attempt}
    )
    outbox.emit(
        **events.inspection_event(events.INSPECTION_OPENED, inspection, task, actor=str(actor))
    )
    return inspection


def require_inspector_role(actor: Principal) -> None:
    if actor.role not in policy.INSPECT:
        raise InspectorRoleRequired(
            f"Your role ({actor.role}) may not inspect: that needs the qc_inspector or admin role."
        )


def performed_by(inspection: Inspection, actor: Principal) -> bool:
    """Whether `actor` is the person or API key that performed the inspected attempt."""
    same_user = actor.user_id is not None and actor.user_id == inspection.performer_user_id
    same_key = actor.api_key_id is not None and actor.api_key_id == inspection.performer_api_key_id
    return same_user or same_key


def may_decide(task: Task, actor: Principal) -> bool:
    """Four eyes, as "what can I do now" asks it: not the performer of the open attempt."""
    inspection = Inspection.objects.filter(task=task, status=Inspection.Status.OPEN).first()
    return inspection is None or not performed_by(inspection, actor)


def refuse_performer(inspection: Inspection, actor: Principal) -> None:
    """Four eyes: refuse the person or API key that performed the attempt."""
    if performed_by(inspection, actor):
        raise FourEyes(
            f"{actor} performed attempt {inspection.attempt} of this task; someone else must "
            "inspect it."
        )


def lock_open_inspection(task: Task) -> Inspection | None:
    return (
        Inspection.objects.select_for_update()
        .filter(task=task, status=Inspection.Status.OPEN)
        .first()
    )


@dataclass
class Recording:
    """What one request records on an inspection, validated whole before anything is written."""

    inspection: Inspection
    items: dict[str, ChecklistItem]
    actor: Principal
    errors: list[dict]

    @classmethod
    def of(cls, inspection: Inspection, actor: Principal) -> "Recording":
        items = {}
        if inspection.checklist_version_id is not None:
            found = ChecklistItem.objects.filter(version_id=inspection.checklist_version_id)
            items = {item.key: item for item in found}
        return cls(inspection, items, actor, [])

    def readings(self, entries: list[dict], pointer: str) -> list[Reading]:
        """The readings of `entries` (`{"item", "value"}`), judged; their errors noted."""
        evidence = dict(
            Evidence.objects.filter(inspection=self.inspection)
            .values_list("item_id")
            .annotate(Count("id"))
        )
        rows: dict[int, Reading] = {}
        for index, entry in enumerate(entries):
            item = self.item(entry["item"], f"{pointer}/{index}/item")
            if item is None:
                continue
            if item.pk in rows:
                self.error(f"{pointer}/{index}/item", f"{item.key} is read twice.", "duplicate")
                continue
            try:
                passed = verdicts.judge(item, entry["value"], evidence=evidence.get(item.pk, 0))
            except verdicts.InvalidReading as exc:
                self.error(f"{pointer}/{index}/value", str(exc), "invalid_reading")
                continue
            rows[item.pk] = Reading(
                inspection=self.inspection,
                item=item,
                value=entry["value"],
                passed=passed,
                recorded_at=timezone.now(),
                recorded_by_label=str(self.actor),
            )
        return list(rows.values())

    def item(self, key: str, pointer: str) -> ChecklistItem | None:
        if key is None or key in self.items:
            return self.items.get(key)
        detail = (
            f"{key} is not an item of this inspection's checklist."
            if self.items
            else "This inspection has no checklist: it takes no items."
        )
        self.error(pointer, detail, "unknown_item")
        return None

    def error(self, pointer: str, detail: str, code: str) -> None:
        self.errors.append({"pointer": pointer, "detail": detail, "code": code})

    def check(self) -> None:
        """Raise the noted errors (422) before anything is written."""
        if not self.errors:
            return
        pointers = ", ".join(error["pointer"] for error in self.errors)
        detail = (
            self.errors[0]["detail"]
            if len(self.errors) == 1
            else f"{len(self.errors)} errors in: {pointers}"
        )
        raise InvalidReadings(detail, errors=self.errors)

    def failures(self) -> list[verdicts.Failure]:
        """The required items that reject the attempt, with every reading recorded so far."""
        passed = dict(
            Reading.objects.filter(inspection=self.inspection).values_list("item_id", "passed")
        )
        return verdicts.failures(self.items.values(), passed)


def save_readings(readings: list[Reading]) -> None:
    """Write readings, replacing what was read earlier for the same items."""
    Reading.objects.bulk_create(
        readings,
        update_conflicts=True,
        unique_fields=["inspection", "item"],
        update_fields=READING_FIELDS,
    )


def automatic_verdict(inspection: Inspection, failures: list[verdicts.Failure]) -> str:
    """What the checklist says of the readings; blank for a bare inspection, which has none."""
    return verdicts.verdict_of(failures) if inspection.checklist_version_id else ""


def _locked_open(inspection_id: int) -> Inspection:
    inspection = Inspection.objects.select_for_update().get(pk=inspection_id)
    if inspection.status != Inspection.Status.OPEN:
        raise InspectionClosed(
            f"Inspection {inspection.pk} is {inspection.status}; it records nothing more.",
            current_status=inspection.status,
        )
    return inspection


def _bump(inspection: Inspection, action: str, actor: Principal, payload: dict) -> None:
    inspection.version += 1
    inspection.save(update_fields=["automatic_verdict", "version", "updated_at"])
    InspectionEvent.record(inspection, action=action, actor=actor, payload=payload)


@use_case
def record_readings(
    *, inspection_id: int, actor: Principal, readings: list[dict], expected_version: int
) -> Inspection:
    """Record readings on an open inspection before it is decided; its verdict follows them."""
    require_inspector_role(actor)
    inspection = _locked_open(inspection_id)
    ensure_version(inspection.version, expected_version)
    refuse_performer(inspection, actor)
    recording = Recording.of(inspection, actor)
    rows = recording.readings(readings, "/readings")
    recording.check()
    save_readings(rows)
    inspection.automatic_verdict = automatic_verdict(inspection, recording.failures())
    _bump(inspection, "readings_recorded", actor, {"readings": readings})
    return inspection


@files_kept_only_if_committed()
@use_case
def add_evidence(
    *, inspection_id: int, actor: Principal, item_key: str, upload: UploadedFile
) -> Evidence:
    """Store a file for an evidence item of an open inspection; the item then passes."""
    check_upload(upload)
    require_inspector_role(actor)
    inspection = _locked_open(inspection_id)
    refuse_performer(inspection, actor)
    recording = Recording.of(inspection, actor)
    item = recording.item(item_key, "/item")
    if item is not None and item.kind != ItemKind.EVIDENCE:
        recording.error("/item", f"{item.key} is not an evidence item.", "not_evidence")
    recording.check()
    evidence = Evidence(
        inspection=inspection,
        item=item,
        name=upload.name[:255],
        content_type=upload.content_type,
        size=upload.size,
        sha256=sha256_of(upload),
        uploaded_by_label=str(actor),
    )
    store_upload(evidence.file, upload)
    evidence.save()
    _record_evidence_reading(inspection, item, evidence, actor)
    inspection.automatic_verdict = automatic_verdict(inspection, recording.failures())
    _bump(inspection, "evidence_added", actor, {"evidence_id": evidence.pk, "item": item.key})
    return evidence


def _record_evidence_reading(
    inspection: Inspection, item: ChecklistItem, evidence: Evidence, actor: Principal
) -> None:
    """An evidence item passes once a file is attached: its reading says so (by the file's name
    unless the inspector wrote one)."""
    reading, created = Reading.objects.get_or_create(
        inspection=inspection,
        item=item,
        defaults={"value": evidence.name, "passed": True, "recorded_by_label": str(actor)},
    )
    if not created and reading.passed is not True:
        reading.passed = True
        reading.save(update_fields=["passed"])

"""Checklist use cases: create, replace a draft's items whole, publish (immutable), retire.

A published version never changes; PostgreSQL refuses it too (qc migration 0002), so the checks
here exist to give a clear problem before the trigger would give a server error.
"""

from collections import Counter
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

import outbox
from config.actions import InvalidTransition
from config.api.conditional import ensure_version
from config.principal import Principal
from config.transactions import use_case
from qc import checklist_policy as policy
from qc import events_checklists as events
from qc.checklist_exceptions import (
    ChecklistDraftExists,
    ChecklistVersionPublished,
    InvalidChecklist,
)
from qc.models import ChecklistItem, ChecklistTemplate, ChecklistVersion, ItemKind

PUBLISH_FIELDS = ["status", "published_at", "published_by", "published_by_label"]
LIMITS = ("minimum", "maximum", "nominal", "tolerance")
# What an item may leave out, and what it then is.
ITEM_DEFAULTS = {
    "instructions": "",
    "required": True,
    "unit": "",
    **dict.fromkeys(LIMITS),
    "choices": [],
    "passing_choices": [],
}
ITEM_FIELDS = ("key", "label", "kind", *ITEM_DEFAULTS)

Problems = list[dict]
Add = Callable[[str, str, str], None]


def _numeric_problems(item: dict, add: Add) -> None:
    bounds = [field for field in ("minimum", "maximum") if item[field] is not None]
    around = [field for field in ("nominal", "tolerance") if item[field] is not None]
    if not bounds and not around:
        detail = "A numeric item needs limits: a minimum, a maximum or both, or a nominal value "
        add("minimum", detail + "with a tolerance.", "no_limits")
    elif bounds and around:
        detail = "Give a minimum and maximum, or a nominal value with a tolerance, not both."
        add(around[0], detail, "mixed_limits")
    elif around == ["nominal"]:
        add("tolerance", "A nominal value needs its tolerance.", "required")
    elif around == ["tolerance"]:
        add("nominal", "A tolerance needs its nominal value.", "required")
    if item["tolerance"] is not None and item["tolerance"] < 0:
        add("tolerance", "A tolerance cannot be negative.", "negative")
    low, high = item["minimum"], item["maximum"]
    if low is not None and high is not None and low > high:
        add("maximum", f"The maximum ({high}) is below the minimum ({low}).", "below_minimum")


def _choice_problems(item: dict, add: Add) -> None:
    choices, passing = item["choices"], item["passing_choices"]
    if not choices:
        add("choices", "A choice item needs the choices an inspector picks from.", "required")
    for field, values in (("choices", choices), ("passing_choices", passing)):
        for value, count in Counter(values).items():
            if count > 1:
                add(field, f'"{value}" is listed {count} times; list each once.', "duplicate")
    for value in dict.fromkeys(passing):
        if value not in choices:
            add("passing_choices", f'"{value}" is not one of the choices.', "unknown_choice")


def item_problems(index: int, item: dict) -> Problems:
    """What is wrong with one item (a dict of ITEM_FIELDS), pointing into `/items/<index>`."""
    problems: Problems = []

    def add(field: str, detail: str, code: str) -> None:
        problems.append({"pointer": f"/items/{index}/{field}", "detail": detail, "code": code})

    if item["kind"] == ItemKind.NUMERIC:
        _numeric_problems(item, add)
    else:
        for field in (*LIMITS, "unit"):
            if item[field] not in (None, ""):
                add(field, f"Only a numeric item has a {field}.", "not_numeric")
    if item["kind"] == ItemKind.CHOICE:
        _choice_problems(item, add)
    else:
        for field in ("choices", "passing_choices"):
            if item[field]:
                add(field, "Only a choice item has choices.", "not_choice")
    return problems


def checklist_problems(items: list[dict], *, allow_empty: bool) -> Problems:
    """Every problem of a version's items; an empty list is unfinished, not broken, in a draft."""
    if not items and not allow_empty:
        return [{"pointer": "/items", "detail": "Add at least one item.", "code": "empty"}]
    problems, seen = [], set()
    for index, item in enumerate(items):
        if item["key"] in seen:
            detail = f'The key "{item["key"]}" names an earlier item already.'
            problems.append({"pointer": f"/items/{index}/key", "detail": detail, "code": "unique"})
        seen.add(item["key"])
        problems += item_problems(index, item)
    return problems


def refuse_invalid_items(items: list[dict], *, allow_empty: bool) -> None:
    errors = checklist_problems(items, allow_empty=allow_empty)
    if errors:
        detail = (
            errors[0]["detail"] if len(errors) == 1 else f"The items have {len(errors)} problems."
        )
        raise InvalidChecklist(detail, errors=errors)


def complete_item(item: dict) -> dict:
    """An item with every field, the ones left out at their defaults."""
    return {field: item.get(field, ITEM_DEFAULTS.get(field)) for field in ITEM_FIELDS}


def items_of(version: ChecklistVersion) -> list[dict]:
    """The items of a version as a draft writes them, in order."""
    return [{field: getattr(item, field) for field in ITEM_FIELDS} for item in version.items.all()]


def _is_draft(version: ChecklistVersion) -> bool:
    return version.status == ChecklistVersion.Status.DRAFT


def _locked_version(version_id: int) -> ChecklistVersion:
    versions = ChecklistVersion.objects.select_for_update(of=("self",)).select_related("template")
    return versions.get(pk=version_id)


def _refuse_unless_draft(version: ChecklistVersion) -> None:
    if not _is_draft(version):
        raise ChecklistVersionPublished(
            f"{version} is {version.status}; start a new draft to change the checklist.",
            current_status=version.status,
        )


def _write_items(version: ChecklistVersion, items: list[dict]) -> None:
    """Replace the version's items (a draft's item rows carry no history)."""
    version.items.all().delete()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(version=version, position=position, **item)
        for position, item in enumerate(items)
    )


@use_case
def create_checklist(*, actor: Principal, key: str, name: str) -> ChecklistTemplate:
    """Create a checklist with an empty draft, version 1."""
    actor.require(policy.MANAGE, "create checklists")
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin may take the key first
            checklist = ChecklistTemplate.objects.create(
                organization_id=actor.organization_id, key=key, name=name
            )
    except IntegrityError:
        detail = f'A checklist with the key "{key}" already exists.'
        raise InvalidChecklist(
            detail, errors=[{"pointer": "/key", "detail": detail, "code": "unique"}]
        ) from None
    ChecklistVersion.objects.create(template=checklist, number=1)
    return checklist


@use_case
def start_draft(*, checklist_id: int, actor: Principal) -> ChecklistVersion:
    """Start the next version as a draft holding a copy of the latest version's items."""
    actor.require(policy.MANAGE, "start checklist drafts")
    checklist = ChecklistTemplate.objects.select_for_update().get(pk=checklist_id)
    latest = checklist.versions.order_by("-number").prefetch_related("items").first()
    if latest is not None and _is_draft(latest):  # a draft is always the newest version
        raise ChecklistDraftExists(
            f"{latest} is a draft already; edit or publish it first.", draft_id=latest.pk
        )
    draft = ChecklistVersion.objects.create(
        template=checklist, number=latest.number + 1 if latest else 1
    )
    if latest is not None:
        _write_items(draft, items_of(latest))
    return draft


@use_case
def save_draft(
    *, version_id: int, actor: Principal, expected_version: int, items: list[dict]
) -> ChecklistVersion:
    """Replace a draft's items whole; items that could never publish are refused."""
    actor.require(policy.MANAGE, "edit checklist drafts")
    version = _locked_version(version_id)
    _refuse_unless_draft(version)
    ensure_version(version.version, expected_version)
    items = [complete_item(item) for item in items]
    refuse_invalid_items(items, allow_empty=True)
    _write_items(version, items)
    version.version += 1
    version.save(update_fields=["version", "updated_at"])
    return version


@use_case
def publish_version(
    *, version_id: int, actor: Principal, expected_version: int
) -> ChecklistVersion:
    """Check every item and publish the draft for good."""
    actor.require(policy.MANAGE, "publish checklists")
    version = _locked_version(version_id)
    _refuse_unless_draft(version)
    ensure_version(version.version, expected_version)
    items = items_of(version)
    refuse_invalid_items(items, allow_empty=False)
    version.publish(at=timezone.now(), by_user_id=actor.user_id, by_label=str(actor))
    version.version += 1
    version.save(update_fields=[*PUBLISH_FIELDS, "version", "updated_at"])
    outbox.emit(
        **events.checklist_event(
            events.CHECKLIST_PUBLISHED,
            version,
            actor=str(actor),
            items=[item["key"] for item in items],
        )
    )
    return version


@use_case
def retire_version(*, version_id: int, actor: Principal, expected_version: int) -> ChecklistVersion:
    """Retire a published version: no new template names it; what already does carries on."""
    actor.require(policy.MANAGE, "retire checklists")
    version = _locked_version(version_id)
    if version.status != ChecklistVersion.Status.PUBLISHED:
        raise InvalidTransition(
            f"Only a published version can be retired; {version} is {version.status}.",
            current_status=version.status,
            allowed_actions=["publish"] if _is_draft(version) else [],
        )
    ensure_version(version.version, expected_version)
    version.retire()
    version.version += 1
    version.save(update_fields=["status", "version", "updated_at"])
    outbox.emit(**events.checklist_event(events.CHECKLIST_RETIRED, version, actor=str(actor)))
    return version

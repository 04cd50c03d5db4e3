"""Checklist use cases: a draft's items replaced whole and checked, publishing for good, retiring,
new drafts; and PostgreSQL refusing any change to a published version's items."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from config.actions import InvalidTransition
from config.api.conditional import StaleVersion
from config.roles import Role
from outbox.models import OutboxMessage
from qc.checklist_exceptions import (
    ChecklistDraftExists,
    ChecklistVersionPublished,
    InvalidChecklist,
)
from qc.models import ChecklistItem, ChecklistVersion
from qc.services import checklists as service
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.concurrency import run_concurrently
from tests.workflow.acting import principal

pytestmark = pytest.mark.django_db

ITEMS = [
    {"key": "seams", "label": "Seams closed", "kind": "pass_fail"},
    {
        "key": "chest",
        "label": "Chest width",
        "kind": "numeric",
        "unit": "cm",
        "nominal": Decimal("52"),
        "tolerance": Decimal("0.5"),
    },
    {"key": "sleeve", "label": "Sleeve", "kind": "numeric", "maximum": Decimal("63")},
    {
        "key": "colour",
        "label": "Colour",
        "kind": "choice",
        "choices": ["match", "shade", "mismatch"],
        "passing_choices": ["match", "shade"],
    },
    {"key": "remarks", "label": "Remarks", "kind": "text", "required": False},
    {"key": "photo", "label": "Photo", "kind": "evidence"},
]


@pytest.fixture
def admin(organization):
    return principal(organization, Role.ADMIN)


def draft_of(actor, key="garment-final") -> ChecklistVersion:
    return service.create_checklist(actor=actor, key=key, name="Final check").versions.get()


def saved(actor, items=ITEMS, key="garment-final") -> ChecklistVersion:
    draft = draft_of(actor, key)
    return service.save_draft(
        version_id=draft.pk, actor=actor, expected_version=draft.version, items=items
    )


def published(actor, items=ITEMS, key="garment-final") -> ChecklistVersion:
    draft = saved(actor, items, key)
    return service.publish_version(version_id=draft.pk, actor=actor, expected_version=draft.version)


def test_a_new_checklist_starts_with_an_empty_draft_numbered_one(admin):
    draft = draft_of(admin)

    assert (draft.number, draft.status, draft.version, draft.items.count()) == (1, "draft", 1, 0)


def test_a_checklist_key_is_used_once_per_organization(admin):
    draft_of(admin)

    with pytest.raises(InvalidChecklist) as refused:
        draft_of(admin)

    assert refused.value.extensions["errors"][0]["pointer"] == "/key"
    assert draft_of(principal(OrganizationFactory())).template.key == "garment-final"


@pytest.mark.parametrize("role", [Role.AGENT, Role.QC_INSPECTOR, Role.VIEWER])
def test_only_admins_define_checklists(organization, admin, role):
    draft = draft_of(admin)
    someone = principal(organization, role)

    with pytest.raises(PermissionDenied):
        service.create_checklist(actor=someone, key="other", name="Other")
    with pytest.raises(PermissionDenied):
        service.save_draft(version_id=draft.pk, actor=someone, expected_version=1, items=ITEMS)
    with pytest.raises(PermissionDenied):
        service.publish_version(version_id=draft.pk, actor=someone, expected_version=1)


def test_saving_replaces_the_items_whole_in_order_with_defaults(admin):
    draft = saved(admin)

    again = service.save_draft(
        version_id=draft.pk, actor=admin, expected_version=draft.version, items=ITEMS[3:0:-1]
    )

    assert again.version == 3
    rows = list(again.items.values("key", "position", "required", "unit", "tolerance"))
    assert [(row["key"], row["position"]) for row in rows] == [
        ("colour", 0),
        ("sleeve", 1),
        ("chest", 2),
    ]
    assert rows[2]["tolerance"] == Decimal("0.5") and rows[2]["unit"] == "cm"
    assert rows[0]["required"] is True and rows[0]["unit"] == ""


def test_saving_from_a_stale_version_changes_nothing(admin):
    draft = saved(admin)

    with pytest.raises(StaleVersion):
        service.save_draft(version_id=draft.pk, actor=admin, expected_version=1, items=[])

    assert draft.items.count() == len(ITEMS)


def numeric(**limits) -> dict:
    return {"key": "gauge", "label": "Gauge", "kind": "numeric"} | {
        name: Decimal(value) for name, value in limits.items()
    }


@pytest.mark.parametrize(
    ("item", "pointer", "code"),
    [
        (numeric(), "/items/1/minimum", "no_limits"),
        (numeric(minimum="1", nominal="2", tolerance="1"), "/items/1/nominal", "mixed_limits"),
        (numeric(nominal="2"), "/items/1/tolerance", "required"),
        (numeric(tolerance="2"), "/items/1/nominal", "required"),
        (numeric(nominal="2", tolerance="-0.1"), "/items/1/tolerance", "negative"),
        (numeric(minimum="3", maximum="2.999999"), "/items/1/maximum", "below_minimum"),
        (
            {"key": "ok", "label": "OK", "kind": "pass_fail", "maximum": Decimal(1)},
            "/items/1/maximum",
            "not_numeric",
        ),
        (
            {"key": "ok", "label": "OK", "kind": "text", "unit": "mm"},
            "/items/1/unit",
            "not_numeric",
        ),
        ({"key": "c", "label": "C", "kind": "choice"}, "/items/1/choices", "required"),
        (
            {"key": "c", "label": "C", "kind": "choice", "choices": ["a", "b", "a"]},
            "/items/1/choices",
            "duplicate",
        ),
        (
            {
                "key": "c",
                "label": "C",
                "kind": "choice",
                "choices": ["a"],
                "passing_choices": ["b"],
            },
            "/items/1/passing_choices",
            "unknown_choice",
        ),
        (
            {"key": "t", "label": "T", "kind": "text", "choices": ["a"]},
            "/items/1/choices",
            "not_choice",
        ),
        ({"key": "seams", "label": "Again", "kind": "pass_fail"}, "/items/1/key", "unique"),
    ],
)
def test_an_item_that_could_never_publish_is_refused_with_a_pointer_and_nothing_changes(
    admin, item, pointer, code
):
    draft = draft_of(admin)

    with pytest.raises(InvalidChecklist) as refused:
        service.save_draft(
            version_id=draft.pk, actor=admin, expected_version=1, items=[ITEMS[0], item]
        )

    assert [(e["pointer"], e["code"]) for e in refused.value.extensions["errors"]] == [
        (pointer, code)
    ]
    draft.refresh_from_db()
    assert (draft.version, draft.items.count()) == (1, 0)


def test_every_problem_is_reported_at_once(admin):
    draft = draft_of(admin)
    items = [numeric(), {"key": "ok", "label": "OK", "kind": "text", "unit": "mm"}]

    with pytest.raises(InvalidChecklist) as refused:
        service.save_draft(version_id=draft.pk, actor=admin, expected_version=1, items=items)

    assert refused.value.detail == "The items have 2 problems."
    assert [e["pointer"] for e in refused.value.extensions["errors"]] == [
        "/items/0/minimum",
        "/items/1/unit",
    ]


def test_publishing_freezes_the_version_and_emits_an_event(admin):
    version = published(admin)

    assert (version.status, version.version, version.published_by_label) == (
        "published",
        3,
        "admin tester",
    )
    message = OutboxMessage.objects.get(event_type="checklist.published")
    assert message.payload["items"] == [item["key"] for item in ITEMS]
    assert message.payload["checklist"]["key"] == "garment-final"
    with pytest.raises(ChecklistVersionPublished):
        service.save_draft(version_id=version.pk, actor=admin, expected_version=3, items=[])
    with pytest.raises(ChecklistVersionPublished):
        service.publish_version(version_id=version.pk, actor=admin, expected_version=3)
    assert version.items.count() == len(ITEMS)


def test_a_draft_without_items_cannot_be_published(admin):
    draft = draft_of(admin)

    with pytest.raises(InvalidChecklist) as refused:
        service.publish_version(version_id=draft.pk, actor=admin, expected_version=1)

    assert refused.value.extensions["errors"] == [
        {"pointer": "/items", "detail": "Add at least one item.", "code": "empty"}
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_retiring_takes_a_published_version_only_and_emits_an_event(admin):
    version = published(admin)
    draft = saved(admin, key="other")

    retired = service.retire_version(version_id=version.pk, actor=admin, expected_version=3)

    assert (retired.status, retired.version) == ("retired", 4)
    assert OutboxMessage.objects.filter(event_type="checklist.retired").count() == 1
    with pytest.raises(InvalidTransition):
        service.retire_version(version_id=retired.pk, actor=admin, expected_version=4)
    with pytest.raises(InvalidTransition) as refused:
        service.retire_version(version_id=draft.pk, actor=admin, expected_version=draft.version)
    assert refused.value.extensions["allowed_actions"] == ["publish"]


def test_a_new_draft_copies_the_latest_version_and_only_one_may_exist(admin):
    version = published(admin)

    draft = service.start_draft(checklist_id=version.template_id, actor=admin)

    assert (draft.number, draft.status) == (2, "draft")
    assert service.items_of(draft) == service.items_of(version)
    with pytest.raises(ChecklistDraftExists) as refused:
        service.start_draft(checklist_id=version.template_id, actor=admin)
    assert refused.value.extensions["draft_id"] == draft.pk


def outcome_of(use_case) -> str:
    try:
        use_case()
    except StaleVersion:
        return "stale"
    except InvalidChecklist:
        return "refused"
    except ChecklistVersionPublished:
        return "published already"
    return "done"


@pytest.mark.django_db(transaction=True)
def test_two_saves_from_one_version_yield_one_saved_draft(admin):
    draft = draft_of(admin)

    def save():
        return outcome_of(
            lambda: service.save_draft(
                version_id=draft.pk, actor=admin, expected_version=1, items=ITEMS[:2]
            )
        )

    assert sorted(run_concurrently(save, 2)) == ["done", "stale"]
    draft.refresh_from_db()
    assert (draft.version, draft.items.count()) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_publish_from_one_version_never_changes_what_was_published(admin):
    draft = saved(admin)
    calls = iter(
        [
            lambda: service.publish_version(version_id=draft.pk, actor=admin, expected_version=2),
            lambda: service.save_draft(
                version_id=draft.pk, actor=admin, expected_version=2, items=ITEMS[:1]
            ),
        ]
    )

    outcomes = run_concurrently(lambda: outcome_of(next(calls)), 2)

    draft.refresh_from_db()
    if draft.status == "published":  # the save came second and found it published
        assert sorted(outcomes) == ["done", "published already"]
        assert draft.items.count() == len(ITEMS)
    else:  # the save came first; the publish found a newer version
        assert sorted(outcomes) == ["done", "stale"]
        assert (draft.version, draft.items.count()) == (3, 1)


@pytest.mark.django_db(transaction=True)
def test_two_creations_of_one_key_yield_one_checklist(admin, organization):
    def create():
        return outcome_of(lambda: service.create_checklist(actor=admin, key="seams", name="S"))

    assert sorted(run_concurrently(create, 2)) == ["done", "refused"]
    assert ChecklistVersion.objects.filter(template__organization=organization).count() == 1


def refused_by_the_database(sql: str, *params) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        return "never changes" in str(error)
    return False


def test_the_database_refuses_any_change_to_a_published_versions_items(admin):
    version = published(admin)
    chest = version.items.get(key="chest")

    assert refused_by_the_database(
        "UPDATE qc_checklistitem SET tolerance = 5 WHERE id = %s", chest.pk
    )
    assert refused_by_the_database("DELETE FROM qc_checklistitem WHERE id = %s", chest.pk)
    assert refused_by_the_database(
        "INSERT INTO qc_checklistitem (version_id, key, position, label, instructions, kind,"
        " required, unit, choices, passing_choices) VALUES (%s, 'new', 9, 'New', '',"
        " 'text', true, '', '[]', '[]')",
        version.pk,
    )
    assert refused_by_the_database(
        "UPDATE qc_checklistversion SET number = 7 WHERE id = %s", version.pk
    )
    assert refused_by_the_database(
        "UPDATE qc_checklistversion SET status = 'draft' WHERE id = %s", version.pk
    )
    assert refused_by_the_database("DELETE FROM qc_checklistversion WHERE id = %s", version.pk)
    assert ChecklistItem.objects.get(pk=chest.pk).tolerance == Decimal("0.5")


def test_the_database_lets_a_draft_change_and_a_published_version_retire(admin):
    draft = saved(admin, key="draft")
    version = published(admin)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE qc_checklistitem SET label = 'Seams' WHERE version_id = %s", [draft.pk]
        )
        cursor.execute(
            "UPDATE qc_checklistversion SET status = 'retired', version = version + 1"
            " WHERE id = %s",
            [version.pk],
        )

    assert refused_by_the_database(
        "UPDATE qc_checklistversion SET status = 'published' WHERE id = %s", version.pk
    )


def test_deleting_the_account_that_published_keeps_the_version_and_its_label(organization):
    person = UserFactory()
    version = published(principal(organization, Role.ADMIN, user=person))

    person.delete()

    version.refresh_from_db()
    assert (version.status, version.published_by_id, version.published_by_label) == (
        "published",
        None,
        "admin tester",
    )

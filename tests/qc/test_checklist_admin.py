"""Checklists in the admin: created, edited item by item and published through the services; a
published version's page saves nothing; a template node names its checklist whole or not at all."""

from decimal import Decimal

import pytest
from django.test import Client

from outbox.models import OutboxMessage
from qc.models import ChecklistTemplate, ChecklistVersion
from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.qc.factories import checklist_version
from tests.workflow.admin_pages import draft_form, page_of, press
from tests.workflow.factories import template_version

pytestmark = pytest.mark.django_db

VERSION = "/admin/qc/checklistversion/{}/change/"
ITEM_FIELDS = ["position", "key", "label", "instructions", "kind", "unit"]
ITEM_FIELDS += ["minimum", "maximum", "nominal", "tolerance"]


@pytest.fixture
def staff_client(organization) -> Client:
    return signed_in_admin(staff_member(organization))


def items_form(version: ChecklistVersion, changes: dict | None = None, *added: dict) -> dict:
    """The POST of a draft's page as shown, with some fields changed (`{(index, field): value}`)."""
    items = list(version.items.order_by("position", "id"))
    data = {
        "expected_version": version.version,
        "items-TOTAL_FORMS": len(items) + len(added),
        "items-INITIAL_FORMS": len(items),
    }
    rows = [
        {"id": item.pk, **{field: getattr(item, field) for field in ITEM_FIELDS}}
        | ({"required": "on"} if item.required else {})
        | {"choices": "\n".join(item.choices), "passing_choices": "\n".join(item.passing_choices)}
        for item in items
    ]
    for index, row in enumerate([*rows, *added]):
        row = {field: "" if value is None else value for field, value in row.items()}
        data |= {f"items-{index}-{field}": value for field, value in row.items()}
        data[f"items-{index}-version"] = version.pk
    for (index, field), value in (changes or {}).items():
        data[f"items-{index}-{field}"] = value
    return data


def test_a_checklist_added_in_the_admin_starts_with_an_empty_draft(staff_client, organization):
    staff_client.post(
        "/admin/qc/checklisttemplate/add/",
        {"organization": organization.pk, "key": "seams", "name": "Seam check"},
    )

    checklist = ChecklistTemplate.objects.get(organization=organization, key="seams")
    assert list(checklist.versions.values_list("number", "status")) == [(1, "draft")]


def test_a_drafts_items_are_edited_and_saved_whole_through_the_service(staff_client, organization):
    draft = checklist_version(organization, published=False)
    url = VERSION.format(draft.pk)
    assert 'name="items-0-key"' in page_of(staff_client.get(url))
    waist = {"position": 9, "key": "waist", "label": "Waist", "kind": "numeric"}
    waist |= {"unit": "cm", "minimum": "80", "maximum": "84.5", "required": "on"}

    response = staff_client.post(
        url, items_form(draft, {(1, "tolerance"): "1.25"}, waist), follow=True
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.items.get(key="chest-width").tolerance == Decimal("1.25")
    assert draft.items.get(key="colour").passing_choices == ["navy", "black"]
    added = draft.items.get(key="waist")
    assert (added.position, added.maximum, added.required) == (5, Decimal("84.5"), True)


def test_an_item_that_could_never_publish_shows_its_problem_and_nothing_is_saved(
    staff_client, organization
):
    draft = checklist_version(organization, published=False)

    response = staff_client.post(
        VERSION.format(draft.pk),
        items_form(draft, {(1, "minimum"): "50", (2, "unit"): "cm"}),
    )

    page = page_of(response)
    assert "Give a minimum and maximum, or a nominal value with a tolerance, not both." in page
    assert "Only a choice item" not in page and "Only a numeric item has a unit." in page
    draft.refresh_from_db()
    assert draft.version == 1
    assert draft.items.get(key="chest-width").minimum is None


def test_publish_and_retire_buttons_go_through_the_services(staff_client, organization):
    draft = checklist_version(organization, published=False)
    url = VERSION.format(draft.pk)

    published = press(staff_client, url, f"/admin/qc/checklistversion/{draft.pk}/publish/")
    page = page_of(published)
    press(staff_client, url, f"/admin/qc/checklistversion/{draft.pk}/retire/")

    assert "is published; template tasks can name it." in page
    assert 'name="items-0-key"' not in page and ">Retire</button>" in page
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("retired", 3)
    assert OutboxMessage.objects.filter(event_type="checklist.published").count() == 1


def test_a_published_versions_page_saves_nothing(staff_client, organization):
    version = checklist_version(organization)

    response = staff_client.post(
        VERSION.format(version.pk), items_form(version, {(0, "label"): "Changed"}), follow=True
    )

    assert "is published; nothing was saved" in page_of(response)
    assert version.items.get(key="seams").label == "Seams"


def test_a_stale_page_is_refused(staff_client, organization):
    draft = checklist_version(organization, published=False)
    shown = items_form(draft)
    staff_client.post(VERSION.format(draft.pk), items_form(draft, {(0, "label"): "First"}))

    refused = staff_client.post(
        VERSION.format(draft.pk), {**shown, "items-0-label": "Second"}, follow=True
    )

    assert "changed this checklist version after you opened it" in page_of(refused)
    assert draft.items.get(key="seams").label == "First"


def test_start_draft_button_copies_the_latest_version(staff_client, organization):
    version = checklist_version(organization)
    page = f"/admin/qc/checklisttemplate/{version.template_id}/change/"

    press(staff_client, page, page.replace("change", "start_draft"))

    draft = version.template.versions.get(number=2)
    assert (draft.status, draft.items.count()) == ("draft", version.items.count())


def test_a_template_node_names_its_checklist_by_key_and_number_or_not_at_all(
    staff_client, organization
):
    draft = template_version(
        organization, ["inspect"], [], published=False, requires_qc=["inspect"]
    )
    url = f"/admin/workflow/templateversion/{draft.pk}/change/"

    half = staff_client.post(url, draft_form(draft, **{"tasks-0-checklist_key": "seams"}))
    staff_client.post(
        url,
        draft_form(draft, **{"tasks-0-checklist_key": "seams", "tasks-0-checklist_number": 2}),
    )

    assert "Name the checklist by its key and version number, or neither." in page_of(half)
    task = draft.tasks.get()
    assert (task.checklist_key, task.checklist_number) == ("seams", 2)

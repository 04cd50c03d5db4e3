import re

import pytest
from django.test import Client

from config.roles import Role
from outbox.models import OutboxMessage
from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.workflow.admin_pages import button_values, draft_form, page_of, press
from tests.workflow.factories import deliverable_with_tasks, project_with, template_version
from workflow import events
from workflow.models import Deliverable, Project, Task, TaskEvent, TemplateVersion

pytestmark = pytest.mark.django_db

VERSION = "/admin/workflow/templateversion/{}/change/"
TASK = "/admin/workflow/task/{}/change/"


@pytest.fixture
def staff_client(organization) -> Client:
    return signed_in_admin(staff_member(organization))


def task_of(deliverable, node_key: str) -> Task:
    return deliverable.tasks.get(node_key=node_key)


def test_another_organizations_workflow_pages_and_buttons_are_404(organization):
    theirs = OrganizationFactory()
    draft = template_version(theirs, published=False)
    deliverable = deliverable_with_tasks(theirs)
    task = task_of(deliverable, "cut")
    client = signed_in_admin(staff_member(organization))
    pages = [
        f"/admin/workflow/processtemplate/{draft.template_id}/change/",
        VERSION.format(draft.pk),
        f"/admin/workflow/project/{deliverable.project_id}/change/",
        f"/admin/workflow/deliverable/{deliverable.pk}/change/",
        TASK.format(task.pk),
    ]
    buttons = {
        f"/admin/workflow/processtemplate/{draft.template_id}/start_draft/": {},
        f"/admin/workflow/templateversion/{draft.pk}/publish/": {},
        f"/admin/workflow/project/{deliverable.project_id}/upgrade/": {"template_version": 1},
        f"/admin/workflow/task/{task.pk}/act/start/": {},
    }

    assert [client.get(url).status_code for url in pages] == [404] * len(pages)
    assert [
        client.post(url, {"expected_version": 1, **data}).status_code
        for url, data in buttons.items()
    ] == [404] * len(buttons)
    draft.refresh_from_db()
    assert (draft.status, Task.objects.get(pk=task.pk).status) == ("draft", "ready")


def test_publishing_a_draft_with_a_cycle_shows_the_path_and_changes_nothing(
    staff_client, organization
):
    draft = template_version(
        organization,
        ["cut", "sew", "press"],
        [("sew", "cut"), ("cut", "sew"), ("press", "sew")],
        published=False,
    )

    response = press(
        staff_client,
        VERSION.format(draft.pk),
        f"/admin/workflow/templateversion/{draft.pk}/publish/",
    )

    assert "The dependencies form a cycle: cut → sew → cut." in page_of(response)
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1)
    assert not draft.tasks.filter(earliest_finish__isnull=False).exists()
    assert not OutboxMessage.objects.filter(event_type=events.TEMPLATE_PUBLISHED).exists()


def test_publishing_a_valid_draft_publishes_it_through_the_service(staff_client, organization):
    draft = template_version(organization, published=False)

    response = press(
        staff_client,
        VERSION.format(draft.pk),
        f"/admin/workflow/templateversion/{draft.pk}/publish/",
    )

    assert "is published" in page_of(response)
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.published_by_label) == (
        "published",
        2,
        f"{response.wsgi_request.user.email} (admin)",
    )
    assert draft.tasks.get(node_key="pack").earliest_finish is not None
    assert OutboxMessage.objects.filter(event_type=events.TEMPLATE_PUBLISHED).count() == 1


def test_a_stale_publish_button_changes_nothing(staff_client, organization):
    draft = template_version(organization, published=False)

    response = staff_client.post(
        f"/admin/workflow/templateversion/{draft.pk}/publish/",
        {"expected_version": draft.version + 1},
        follow=True,
    )

    assert "Someone changed this template version meanwhile" in page_of(response)
    assert TemplateVersion.objects.get(pk=draft.pk).status == "draft"


def test_a_published_versions_nodes_and_edges_are_read_only(staff_client, organization):
    published = template_version(organization)
    url = VERSION.format(published.pk)

    page = page_of(staff_client.get(url))
    response = staff_client.post(url, draft_form(published, {"cut": "Cut twice"}), follow=True)

    assert 'name="tasks-0-title"' not in page
    assert 'name="dependencies-0-task"' not in page
    assert ">Retire</button>" in page and ">Publish</button>" not in page
    assert "is published; nothing was saved" in page_of(response)
    published.refresh_from_db()
    assert published.version == 2
    assert published.tasks.get(node_key="cut").title == "Cut"


def test_a_draft_is_edited_node_by_node_and_a_stale_page_is_refused(staff_client, organization):
    draft = template_version(organization, published=False)
    url = VERSION.format(draft.pk)
    assert 'name="tasks-0-title"' in page_of(staff_client.get(url))
    shown = draft_form(draft)

    staff_client.post(url, draft_form(draft, {"cut": "Cut the cloth"}, status="published"))
    refused = staff_client.post(url, {**shown, "tasks-1-title": "Sew it all"}, follow=True)

    assert "changed this template version after you opened it" in page_of(refused)
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 2)  # the status stays the machine's
    titles = dict(draft.tasks.values_list("node_key", "title"))
    assert (titles["cut"], titles["sew"]) == ("Cut the cloth", "Sew")


def test_an_edge_can_join_only_nodes_of_its_own_draft(staff_client, organization):
    draft = template_version(organization, ["cut", "sew"], [], published=False)
    elsewhere = template_version(organization, ["cut", "sew"], [], published=False)
    cut, sew = draft.tasks.order_by("position")
    foreign = elsewhere.tasks.get(node_key="cut")
    new_edge = {"dependencies-TOTAL_FORMS": 1, "dependencies-0-task": sew.pk}

    staff_client.post(
        VERSION.format(draft.pk),
        draft_form(draft, **new_edge, **{"dependencies-0-depends_on": foreign.pk}),
    )
    staff_client.post(
        VERSION.format(draft.pk),
        draft_form(draft, **new_edge, **{"dependencies-0-depends_on": cut.pk}),
    )

    edges = draft.dependencies.values_list("task__node_key", "depends_on__node_key")
    assert list(edges) == [("sew", "cut")]


def test_a_draft_edited_into_a_cycle_is_refused_with_its_path(staff_client, organization):
    draft = template_version(organization, ["cut", "sew"], [("sew", "cut")], published=False)
    cut, sew = draft.tasks.order_by("position")
    back_edge = {
        "dependencies-TOTAL_FORMS": 2,
        "dependencies-1-task": cut.pk,
        "dependencies-1-depends_on": sew.pk,
    }

    refused = staff_client.post(
        VERSION.format(draft.pk), draft_form(draft, **back_edge), follow=True
    )

    assert "cut → sew → cut" in page_of(refused)
    assert draft.dependencies.count() == 1
    draft.refresh_from_db()
    assert draft.version == 1


def test_retire_button_retires_a_published_version(staff_client, organization):
    published = template_version(organization)

    press(
        staff_client,
        VERSION.format(published.pk),
        f"/admin/workflow/templateversion/{published.pk}/retire/",
    )

    assert TemplateVersion.objects.get(pk=published.pk).status == "retired"


def test_start_draft_button_copies_the_latest_version(staff_client, organization):
    published = template_version(organization)

    template_page = f"/admin/workflow/processtemplate/{published.template_id}/change/"

    press(staff_client, template_page, template_page.replace("change", "start_draft"))

    draft = published.template.versions.get(number=2)
    assert (draft.status, draft.tasks.count()) == ("draft", 5)


def test_task_page_offers_the_allowed_actions_carrying_the_version_shown(
    staff_client, organization
):
    deliverable = deliverable_with_tasks(organization)
    member = MembershipFactory(organization=organization, role=Role.AGENT).user

    page = page_of(staff_client.get(TASK.format(task_of(deliverable, "cut").pk)))

    for action in ("Assign", "Start", "Cancel"):
        assert f">{action}</button>" in page
    assert ">Complete</button>" not in page
    assert re.search(r'act/start/.*?name="expected_version" value="1"', page, re.S)
    assert f'<option value="{member.pk}">{member.email} (Agent)</option>' in page


def test_task_buttons_act_through_the_service_and_a_stale_one_is_refused(
    staff_client, organization
):
    task = task_of(deliverable_with_tasks(organization), "cut")
    member = MembershipFactory(organization=organization, role=Role.AGENT).user
    url, act = TASK.format(task.pk), f"/admin/workflow/task/{task.pk}/act/"
    shown = page_of(staff_client.get(url))

    press(staff_client, url, f"{act}assign/", assign_to=member.pk)
    press(staff_client, url, f"{act}start/")
    cancel = {**button_values(shown, f"{act}cancel/"), "reason": "Not needed"}
    stale = staff_client.post(f"{act}cancel/", cancel, follow=True)

    assert "Someone changed this task meanwhile; nothing was done." in page_of(stale)
    task.refresh_from_db()
    assert (task.status, task.version, task.assigned_to_id) == ("in_progress", 3, member.pk)
    assert list(TaskEvent.objects.filter(task=task).values_list("action", "payload")) == [
        ("assign", {"assign_to": member.pk}),
        ("start", {}),
    ]
    assert OutboxMessage.objects.filter(event_type=events.TASK_STATUS_CHANGED).count() == 1


def test_starting_a_blocked_task_names_its_blockers(staff_client, organization):
    task = task_of(deliverable_with_tasks(organization), "sew")

    response = staff_client.post(
        f"/admin/workflow/task/{task.pk}/act/start/", {"expected_version": 1}, follow=True
    )

    assert "Task sew waits for cut (ready)" in page_of(response)
    assert Task.objects.get(pk=task.pk).status == "blocked"


def test_statuses_cannot_be_edited_in_the_admin(staff_client, organization):
    deliverable = deliverable_with_tasks(organization)
    task = task_of(deliverable, "cut")

    task_post = staff_client.post(TASK.format(task.pk), {"status": "done", "version": 9})
    deliverable_post = staff_client.post(
        f"/admin/workflow/deliverable/{deliverable.pk}/change/", {"status": "signed_off"}
    )

    assert (task_post.status_code, deliverable_post.status_code) == (403, 403)
    assert Task.objects.get(pk=task.pk).status == "ready"
    assert Deliverable.objects.get(pk=deliverable.pk).status == "in_progress"
    assert 'name="status"' not in page_of(staff_client.get(TASK.format(task.pk)))


def test_a_project_is_upgraded_to_the_newest_published_version(staff_client, organization):
    project = project_with(organization)
    newer = template_version(organization, template=project.template_version.template, number=2)
    url = f"/admin/workflow/project/{project.pk}/change/"
    assert ">Upgrade to version 2</button>" in page_of(staff_client.get(url))

    press(staff_client, url, f"/admin/workflow/project/{project.pk}/upgrade/")

    project.refresh_from_db()
    assert (project.template_version_id, project.version) == (newer.pk, 2)
    assert ">Upgrade to version" not in page_of(staff_client.get(url))


def test_a_deliverable_is_started_with_its_tasks_from_the_add_form(staff_client, organization):
    project = project_with(organization)
    project_page = page_of(staff_client.get(f"/admin/workflow/project/{project.pk}/change/"))
    assert f"/admin/workflow/deliverable/add/?project={project.pk}" in project_page

    staff_client.post(
        "/admin/workflow/deliverable/add/",
        {"project": project.pk, "name": "Order 7", "external_reference": "PO-7"},
    )

    deliverable = Deliverable.objects.get(project=project)
    assert (deliverable.name, deliverable.tasks.count()) == ("Order 7", 5)
    assert set(deliverable.tasks.values_list("status", flat=True)) == {"ready", "blocked"}


def test_a_project_is_created_from_a_published_version_of_the_organization(
    staff_client, organization
):
    version = template_version(organization)
    draft = template_version(organization, published=False)
    add = "/admin/workflow/project/add/"
    form = {"organization": organization.pk, "name": "Summer order"}

    refused = staff_client.post(add, {**form, "template_version": draft.pk})
    staff_client.post(add, {**form, "template_version": version.pk})

    assert "Select a valid choice" in page_of(refused)
    assert list(Project.objects.values_list("name", "template_version")) == [
        ("Summer order", version.pk)
    ]

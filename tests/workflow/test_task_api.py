"""Tasks over HTTP: members read, agents and admins act, other organizations see 404."""

import uuid

import pytest
from django.test import Client

from config.roles import Role
from tests.accounts.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from tests.workflow.acting import current_version, post_action
from tests.workflow.factories import deliverable_with_tasks, rewrite_task, template_version
from workflow.actions import ACTIONS
from workflow.api.tasks.serializers import ACTION_FORMS
from workflow.models import Task, TaskEvent

pytestmark = pytest.mark.django_db

S = Task.Status
REASONS = {"reason": "The customer changed the size"}


@pytest.fixture
def admin(client_for):
    return client_for(Role.ADMIN)


@pytest.fixture
def agent(client_for):
    return client_for(Role.AGENT)


@pytest.fixture
def deliverable(organization):
    return deliverable_with_tasks(organization)


@pytest.fixture
def tasks(deliverable) -> dict[str, Task]:
    return {task.node_key: task for task in deliverable.tasks.all()}


def finish(client, task: Task) -> None:
    for action in ("start", "complete"):
        assert post_action(client, task, action).status_code == 200


def status_of(task: Task) -> str:
    return Task.objects.values_list("status", flat=True).get(pk=task.pk)


def ids(client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return {task["id"] for task in response.json()["results"]}


# --- reading ---


def test_showing_a_task_gives_its_representation_and_etag_then_304(admin, deliverable, tasks):
    sew = tasks["sew"]

    response = admin.get(f"/api/v1/tasks/{sew.pk}")
    unchanged = admin.get(f"/api/v1/tasks/{sew.pk}", HTTP_IF_NONE_MATCH='"1"')

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["deliverable"] == deliverable.pk
    assert body["project"] == deliverable.project_id
    assert (body["node_key"], body["status"], body["version"]) == ("sew", "blocked", 1)
    assert body["planned_duration"] == "P1DT00H00M00S"
    assert body["assigned_to"] is None
    assert body["blocked_by"] == [tasks["cut"].pk]
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == '"1"'


def test_blocked_by_names_only_the_blockers_still_open(admin, tasks):
    finish(admin, tasks["cut"])
    finish(admin, tasks["sew"])

    press = admin.get(f"/api/v1/tasks/{tasks['press'].pk}").json()

    assert press["blocked_by"] == [tasks["embroider"].pk]


def test_events_list_the_history_newest_first(admin, member, tasks):
    cut = tasks["cut"]
    post_action(admin, cut, "assign", {"assign_to": member.pk})
    post_action(admin, cut, "start")

    page = admin.get(f"/api/v1/tasks/{cut.pk}/events").json()

    assert [event["action"] for event in page["results"]] == ["start", "assign"]
    start = page["results"][0]
    assert (start["from_status"], start["to_status"]) == ("ready", "in_progress")
    assert (start["expected_version"], start["version_after"]) == (2, 3)
    assert page["results"][1]["payload"] == {"assign_to": member.pk}


# --- each action's happy path ---


def test_assign_and_unassign_change_the_assignee_and_keep_the_status(admin, member, tasks):
    cut = tasks["cut"]

    assigned = post_action(admin, cut, "assign", {"assign_to": member.pk})
    unassigned = post_action(admin, cut, "unassign")

    assert assigned.status_code == 200
    assert assigned["ETag"] == '"2"'
    assert assigned.json()["assigned_to"] == {
        "id": member.pk,
        "email": member.email,
        "full_name": member.full_name,
    }
    assert assigned.json()["status"] == "ready"
    assert assigned.json()["assigned_at"] is not None
    assert unassigned.status_code == 200
    assert unassigned.json()["assigned_to"] is None
    assert unassigned.json()["version"] == 3
    assert status_of(cut) == S.READY


def test_start_then_complete_finishes_the_task_and_readies_what_waited_for_it(agent, tasks):
    cut = tasks["cut"]

    started = post_action(agent, cut, "start")
    completed = post_action(agent, cut, "complete")

    assert started.status_code == 200
    assert started.json()["status"] == "in_progress"
    assert started.json()["actual_start"] is not None
    assert completed.status_code == 200
    assert completed.json()["status"] == "done"
    assert completed.json()["actual_finish"] is not None
    assert completed["ETag"] == '"3"'
    assert status_of(tasks["sew"]) == status_of(tasks["embroider"]) == S.READY
    assert agent.get(f"/api/v1/tasks/{tasks['sew'].pk}").json()["blocked_by"] == []


def test_submit_sends_a_task_that_requires_qc_to_review(agent, organization):
    version = template_version(organization, ["cut"], [], requires_qc=("cut",))
    cut = deliverable_with_tasks(organization, version).tasks.get()
    post_action(agent, cut, "start")

    submitted = post_action(agent, cut, "submit")

    assert submitted.status_code == 200
    assert submitted.json()["status"] == "in_review"
    assert submitted.json()["requires_qc"] is True


def test_admins_reopen_finished_work_and_its_dependents_wait_again(admin, tasks):
    cut = tasks["cut"]
    finish(admin, cut)

    reopened = post_action(admin, cut, "reopen", REASONS)

    assert reopened.status_code == 200
    assert reopened.json()["status"] == "reopened"
    assert reopened.json()["attempt"] == 2
    assert reopened.json()["actual_finish"] is None
    assert status_of(tasks["sew"]) == S.BLOCKED
    assert TaskEvent.objects.get(task=cut, action="reopen").payload == REASONS


def test_admins_cancel_with_a_reason(admin, tasks):
    cancelled = post_action(admin, tasks["sew"], "cancel", {"reason": "Not needed for this order"})

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert status_of(tasks["sew"]) == S.CANCELLED


# --- refusals ---


def test_starting_a_blocked_task_is_409_listing_what_it_waits_for(agent, tasks):
    sew = tasks["sew"]

    response = post_action(agent, sew, "start")

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/problems/task-blocked")
    assert problem["blockers"] == [
        {"id": tasks["cut"].pk, "node_key": "cut", "title": "Cut", "status": "ready"}
    ]
    assert "cut (ready)" in problem["detail"]
    assert not TaskEvent.objects.filter(task=sew).exists()


def test_version_preconditions_for_task_actions(admin, tasks):
    cut = tasks["cut"]
    url = f"/api/v1/tasks/{cut.pk}/actions"

    missing = admin.post(url, {"action": "start"}, format="json")
    stale_body = admin.post(url, {"action": "start", "expected_version": 4}, format="json")
    stale_header = admin.post(url, {"action": "start"}, format="json", HTTP_IF_MATCH='"4"')
    untouched = current_version(cut)
    alias = admin.post(url, {"action": "start", "expected_row_version": 1}, format="json")
    by_header = admin.post(url, {"action": "complete"}, format="json", HTTP_IF_MATCH='"2"')

    assert missing.status_code == 428
    assert missing.json()["type"].endswith("/problems/precondition-required")
    assert stale_body.status_code == 409
    assert stale_body.json()["type"].endswith("/problems/version-conflict")
    assert stale_body.json()["current_version"] == 1
    assert stale_header.status_code == 412
    assert stale_header.json()["current_version"] == 1
    assert untouched == 1
    assert alias.status_code == 200
    assert alias.json()["version"] == 2
    assert by_header.status_code == 200
    assert by_header["ETag"] == '"3"'


def test_a_replayed_client_event_id_returns_the_result_without_acting_twice(admin, member, tasks):
    cut = tasks["cut"]
    event_id = str(uuid.uuid4())
    body = {"payload": {"assign_to": member.pk}, "client_event_id": event_id}

    first = post_action(admin, cut, "assign", **body, expected_version=1)
    replay = post_action(admin, cut, "assign", **body, expected_version=1)
    reused = post_action(admin, cut, "start", client_event_id=event_id)

    assert first.status_code == replay.status_code == 200
    assert "Idempotent-Replayed" not in first
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert replay["ETag"] == first["ETag"] == '"2"'
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("/problems/client-event-id-reused")
    assert reused.json()["errors"][0]["pointer"] == "/client_event_id"
    assert TaskEvent.objects.filter(task=cut).count() == 1
    assert current_version(cut) == 2


def test_assign_says_what_to_send_when_assign_to_is_missing_or_wrong(admin, tasks):
    cut = tasks["cut"]
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Role.AGENT).user

    empty = post_action(admin, cut, "assign", {})
    absent = post_action(admin, cut, "assign")
    foreign = post_action(admin, cut, "assign", {"assign_to": stranger.pk})

    assert empty.status_code == 422
    assert (
        empty.json()["detail"] == "action 'assign' requires payload.assign_to (a member's user id)"
    )
    assert empty.json()["errors"][0]["pointer"] == "/payload/assign_to"
    assert absent.status_code == 422
    assert absent.json()["errors"][0]["pointer"] == "/payload"
    assert absent.json()["detail"] == empty.json()["detail"]
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "/payload/assign_to"
    assert current_version(cut) == 1


def test_reopen_and_cancel_say_a_reason_is_needed(admin, tasks):
    response = post_action(admin, tasks["sew"], "cancel", {})

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/payload/reason"
    assert response.json()["detail"].startswith("action 'cancel' requires payload.reason")


@pytest.mark.parametrize(
    ("role", "refusal"),
    [
        (Role.VIEWER, "Your role may read tasks but take no action on them."),
        # Inspectors take the QC actions, not the work's.
        (Role.QC_INSPECTOR, "Your role (qc_inspector) may not start tasks."),
    ],
)
def test_members_who_do_not_work_tasks_read_them_but_cannot_act(client_for, role, refusal, tasks):
    client = client_for(role)
    cut = tasks["cut"]

    shown = client.get(f"/api/v1/tasks/{cut.pk}")
    refused = post_action(client, cut, "start")

    assert shown.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["detail"] == refusal
    assert status_of(cut) == S.READY


@pytest.mark.parametrize(("action", "payload"), [("cancel", REASONS), ("reopen", REASONS)])
def test_only_admins_undo_work(agent, tasks, action, payload):
    cut = tasks["cut"]
    if action == "reopen":
        finish(agent, cut)

    response = post_action(agent, cut, action, payload)

    assert response.status_code == 403
    assert response.json()["detail"] == f"Your role (agent) may not {action} tasks."


def test_another_organizations_task_is_404_on_every_endpoint(admin):
    theirs = deliverable_with_tasks(OrganizationFactory())
    task = theirs.tasks.get(node_key="cut")
    body = {"action": "start", "expected_version": 1}

    responses = [
        admin.get(f"/api/v1/tasks/{task.pk}"),
        admin.get(f"/api/v1/tasks/{task.pk}/actions"),
        admin.post(f"/api/v1/tasks/{task.pk}/actions", body, format="json"),
        admin.get(f"/api/v1/tasks/{task.pk}/events"),
        admin.get(f"/api/v1/deliverables/{theirs.pk}/tasks"),
        admin.get("/api/v1/tasks/99999999999999999999"),
        admin.get("/api/v1/deliverables/99999999999999999999/tasks"),
    ]

    assert [response.status_code for response in responses] == [404] * len(responses)
    assert all(r["Content-Type"] == "application/problem+json" for r in responses)
    assert status_of(task) == S.READY
    assert task.pk not in ids(admin, "/api/v1/tasks")


# --- what can I do now ---


def test_allowed_actions_list_only_what_is_possible_now_for_the_caller(
    admin, agent, client_for, member, tasks
):
    cut, sew = tasks["cut"], tasks["sew"]

    def allowed(client, task):
        return client.get(f"/api/v1/tasks/{task.pk}/actions").json()["allowed_actions"]

    assert admin.get(f"/api/v1/tasks/{cut.pk}/actions").json() == {
        "status": "ready",
        "version": 1,
        "allowed_actions": ["assign", "start", "cancel"],
    }
    assert allowed(agent, cut) == ["assign", "start"]
    assert allowed(client_for(Role.VIEWER), cut) == []
    assert allowed(admin, sew) == ["assign", "cancel"]
    post_action(admin, cut, "assign", {"assign_to": member.pk})
    post_action(admin, cut, "start")
    assert allowed(agent, cut) == ["assign", "unassign", "complete"]
    post_action(admin, cut, "complete")
    assert allowed(admin, cut) == ["reopen"]
    assert allowed(agent, cut) == []


# --- lists and filters ---


def test_filters_narrow_the_list(admin, organization, member, deliverable, tasks):
    other = deliverable_with_tasks(organization)
    post_action(admin, tasks["cut"], "assign", {"assign_to": member.pk})
    finish(admin, tasks["cut"])
    rewrite_task(tasks["pack"], kind="delivery")
    post_action(admin, tasks["sew"], "start")
    post_action(admin, tasks["cut"], "reopen", REASONS)  # sew has started: it becomes stale
    deliverable_with_tasks(OrganizationFactory())  # another organization's, never listed
    mine = {task.pk for task in tasks.values()}
    theirs = set(other.tasks.values_list("pk", flat=True))
    blocked = {tasks[key].pk for key in ("embroider", "press", "pack")}
    blocked |= set(other.tasks.filter(status=S.BLOCKED).values_list("pk", flat=True))

    assert ids(admin, "/api/v1/tasks") == mine | theirs
    assert ids(admin, "/api/v1/tasks?status=reopened&status=in_progress") == {
        tasks["cut"].pk,
        tasks["sew"].pk,
    }
    assert ids(admin, f"/api/v1/tasks?assigned_to={member.pk}") == {tasks["cut"].pk}
    assert ids(admin, "/api/v1/tasks?blocked=true") == blocked
    assert ids(admin, "/api/v1/tasks?blocked=false") == (mine | theirs) - blocked
    assert ids(admin, "/api/v1/tasks?stale=true") == {tasks["sew"].pk}
    assert ids(admin, "/api/v1/tasks?kind=delivery") == {tasks["pack"].pk}
    assert ids(admin, f"/api/v1/tasks?deliverable={other.pk}") == theirs
    assert ids(admin, f"/api/v1/tasks?project={deliverable.project_id}") == mine
    assert ids(admin, f"/api/v1/deliverables/{deliverable.pk}/tasks") == mine
    assert ids(admin, f"/api/v1/deliverables/{other.pk}/tasks?blocked=false") == (theirs - blocked)


@pytest.mark.parametrize("query", ["status=sleeping", "blocked=maybe", "assigned_to=1.5"])
def test_invalid_filter_is_422_pointing_at_it(admin, tasks, query):
    response = admin.get(f"/api/v1/tasks?{query}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == f"/{query.split('=')[0]}"


def test_pages_follow_the_cursor_newest_first(admin, tasks):
    first = admin.get("/api/v1/tasks?limit=3").json()
    second = admin.get(first["next"]).json()

    listed = [task["id"] for task in first["results"] + second["results"]]
    assert listed == sorted((task.pk for task in tasks.values()), reverse=True)
    assert second["next"] is None


@pytest.mark.parametrize(
    ("url", "queries"),
    # The tasks with their assignees, then the open blockers of the whole page; the
    # deliverable's list first checks the deliverable is the caller's.
    [("/api/v1/tasks?limit=50", 2), ("/api/v1/deliverables/{}/tasks?limit=50", 3)],
)
def test_a_page_of_fifty_tasks_costs_a_fixed_number_of_queries(
    admin, organization, url, queries, django_assert_max_num_queries
):
    nodes = [f"step-{n}" for n in range(50)]
    chain = list(zip(nodes[1:], nodes, strict=False))
    deliverable = deliverable_with_tasks(organization, template_version(organization, nodes, chain))
    assignees = [MembershipFactory(organization=organization).user for _ in range(3)]
    for index, task in enumerate(deliverable.tasks.all()):
        rewrite_task(task, assigned_to=assignees[index % 3])
    admin.get("/api/v1/me")  # warm the key cache, as in steady state

    with django_assert_max_num_queries(queries):
        results = admin.get(url.format(deliverable.pk)).json()["results"]

    assert len(results) == 50
    assert all(task["assigned_to"] is not None for task in results)
    assert sum(1 for task in results if task["blocked_by"]) == 49


def test_an_action_checks_the_task_is_visible_in_one_narrow_query_before_its_use_case(
    admin, tasks, django_assert_num_queries
):
    admin.get("/api/v1/me")
    version = current_version(tasks["cut"])

    # The visibility check, the use case (savepoint, lock, blockers, guard, update, event,
    # outbox, release) and the answer's two reads; the representation is not read beforehand.
    with django_assert_num_queries(11):
        response = post_action(admin, tasks["cut"], "start", expected_version=version)

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"


def test_assigning_reads_the_assignees_membership_once(
    admin, organization, tasks, django_assert_num_queries
):
    agent = MembershipFactory(organization=organization, role=Role.AGENT).user
    admin.get("/api/v1/me")
    version = current_version(tasks["cut"])

    # The visibility check, the use case (savepoint, lock; the assignee's role and capacity in
    # one read; the release of any earlier allocation, the overlapping ones, the new one's
    # insert in its own savepoint; update, event, outbox; release) and the answer's two reads.
    with django_assert_num_queries(15):
        response = post_action(
            admin, tasks["cut"], "assign", {"assign_to": agent.pk}, expected_version=version
        )

    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == agent.pk


def test_showing_a_task_costs_two_queries(admin, tasks, django_assert_max_num_queries):
    admin.get("/api/v1/me")

    with django_assert_max_num_queries(2):
        assert admin.get(f"/api/v1/tasks/{tasks['press'].pk}").json()["blocked_by"] == [
            tasks["sew"].pk,
            tasks["embroider"].pk,
        ]


# --- the documented request bodies ---


def test_every_action_example_is_a_valid_body_for_its_own_action():
    bodies = [example.value for example in ACTION_FORMS.examples]

    assert [body["action"] for body in bodies] == list(ACTIONS)
    for body in bodies:
        serializer = ACTION_FORMS.by_action[body["action"]](data=body)
        assert serializer.is_valid(), (body, serializer.errors)


def test_browsable_api_prefills_the_action_box_with_a_body_allowed_now(organization, tasks):
    agent = UserFactory(backup_tokens=["agt123"])
    MembershipFactory(user=agent, organization=organization, role=Role.AGENT)
    client = Client()
    client.post(
        "/api/auth/login/", {"username": agent.email, "password": PASSWORD, "otp_token": "agt123"}
    )

    page = client.get(f"/api/v1/tasks/{tasks['sew'].pk}/actions", HTTP_ACCEPT="text/html")

    html = page.content.decode()
    assert page.status_code == 200
    assert "&quot;action&quot;: &quot;assign&quot;" in html
    assert "&quot;expected_version&quot;: 1" in html

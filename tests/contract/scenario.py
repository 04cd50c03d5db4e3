"""The whole product, driven as an integrator drives it: through the generated client.

Each step is one use of the product through `serviceflow_client` (the package `make client`
generates, imported by tests/contract/test_generated_client.py), chaining ids from response to
request and checking what the integrator relies on.
"""

import uuid
from http import HTTPStatus

import attrs

PACKAGE = "serviceflow_client"  # the name the imports below spell
# A template file as kept in version control: the template's key and name, and its draft's body.
TEMPLATE = {
    "key": "alteration",
    "name": "Alteration",
    "signoff_roles": ["qc_inspector", "admin"],
    "nodes": [
        {
            "node_key": "hem",
            "title": "Take up the hem",
            "planned_duration": "PT2H",
            "requires_qc": True,
        }
    ],
    "edges": [],
}


def succeeded(response, status: HTTPStatus = HTTPStatus.OK):
    assert response.status_code == status, response.content
    return response.parsed


def register_webhook(admin, url: str) -> str:
    """Register the receiver for every event; return the signing secret, shown this once."""
    from serviceflow_client.api.webhooks import webhooks_create
    from serviceflow_client.models import WebhookCreateInRequest

    body = WebhookCreateInRequest(url=url)
    webhook = succeeded(webhooks_create.sync_detailed(client=admin, body=body), HTTPStatus.CREATED)

    assert webhook.secret.startswith("whsec_")
    return webhook.secret


def client_with_new_key(admin, name: str, role: str):
    """Issue a key through the API; return a client holding it, checked to act with its role."""
    from serviceflow_client.api.accounts import me_retrieve
    from serviceflow_client.api.api_keys import api_keys_create
    from serviceflow_client.models import ApiKeyCreateInRequest, RoleEnum

    body = ApiKeyCreateInRequest(name=name, role=RoleEnum(role))
    issued = succeeded(api_keys_create.sync_detailed(client=admin, body=body), HTTPStatus.CREATED)
    client = attrs.evolve(admin, token=issued.key)
    me = succeeded(me_retrieve.sync_detailed(client=client))

    assert (me.api_key.id, me.role) == (issued.id, role)
    return client


def work_a_ticket(agent):
    """Open a ticket (retried with its Idempotency-Key), edit it, lose a race, close it."""
    from serviceflow_client.api.tickets import (
        tickets_act,
        tickets_create,
        tickets_list,
        tickets_partial_update,
    )
    from serviceflow_client.models import (
        CloseTicketActionActionEnum,
        CloseTicketActionRequest,
        OpenTicketActionActionEnum,
        OpenTicketActionRequest,
        PatchedTicketUpdateInRequest,
        PriorityEnum,
        RequesterInRequest,
        ResolvePayloadRequest,
        ResolveTicketActionActionEnum,
        ResolveTicketActionRequest,
        StaleVersionProblem,
        StatusEnum,
        TicketCreateInRequest,
    )

    body = TicketCreateInRequest(
        subject="The hem is too long", requester=RequesterInRequest(email="dana@example.com")
    )
    retry_key = str(uuid.uuid4())
    created = tickets_create.sync_detailed(client=agent, body=body, idempotency_key=retry_key)
    retried = tickets_create.sync_detailed(client=agent, body=body, idempotency_key=retry_key)

    assert (created.status_code, retried.status_code) == (HTTPStatus.CREATED, HTTPStatus.CREATED)
    assert "Idempotent-Replayed" not in created.headers
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.parsed.id == created.parsed.id
    assert [t.id for t in succeeded(tickets_list.sync_detailed(client=agent)).results] == [
        created.parsed.id
    ]

    key, read = created.parsed.key, created.headers["ETag"]
    high = PatchedTicketUpdateInRequest(priority=PriorityEnum.HIGH)
    urgent = PatchedTicketUpdateInRequest(priority=PriorityEnum.URGENT)
    edited = tickets_partial_update.sync_detailed(key, client=agent, body=high, if_match=read)
    stale = tickets_partial_update.sync_detailed(key, client=agent, body=urgent, if_match=read)

    assert (edited.status_code, edited.headers["ETag"]) == (HTTPStatus.OK, '"2"')
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert isinstance(stale.parsed, StaleVersionProblem)
    assert stale.parsed.type_.endswith("/problems/precondition-failed")
    assert stale.parsed.current_version == 2

    ticket = edited.parsed
    for request in (
        OpenTicketActionRequest(action=OpenTicketActionActionEnum.OPEN),
        ResolveTicketActionRequest(
            action=ResolveTicketActionActionEnum.RESOLVE,
            payload=ResolvePayloadRequest(resolution="Taken up by 2 cm."),
        ),
        CloseTicketActionRequest(action=CloseTicketActionActionEnum.CLOSE),
    ):
        request.expected_version = ticket.version
        ticket = succeeded(tickets_act.sync_detailed(key, client=agent, body=request))

    assert (ticket.status, ticket.priority) == (StatusEnum.CLOSED, PriorityEnum.HIGH)
    return ticket


def import_and_publish_template(admin) -> int:
    """Import the template file (create the template, send its draft) and publish it."""
    from serviceflow_client.api.templates import (
        template_versions_publish,
        template_versions_update,
        templates_create,
    )
    from serviceflow_client.models import (
        TemplateCreateInRequest,
        TemplateDraftInRequest,
        TemplateVersionStatusEnum,
    )

    named = TemplateCreateInRequest(key=TEMPLATE["key"], name=TEMPLATE["name"])
    template = succeeded(
        templates_create.sync_detailed(client=admin, body=named, idempotency_key=str(uuid.uuid4())),
        HTTPStatus.CREATED,
    )
    [draft] = template.versions
    graph = TemplateDraftInRequest.from_dict(
        {field: value for field, value in TEMPLATE.items() if field not in ("key", "name")}
    )
    saved = template_versions_update.sync_detailed(
        draft.id, client=admin, body=graph, if_match=f'"{draft.version}"'
    )
    published = succeeded(
        template_versions_publish.sync_detailed(
            draft.id, client=admin, if_match=saved.headers["ETag"]
        )
    )

    assert saved.status_code == HTTPStatus.OK, saved.content
    assert published.status == TemplateVersionStatusEnum.PUBLISHED
    return published.id


def start_deliverable(admin, version_id: int):
    """Start a project on the version and a deliverable in it; return its id and its one task."""
    from serviceflow_client.api.deliverables import projects_deliverables_create
    from serviceflow_client.api.projects import projects_create
    from serviceflow_client.api.tasks import deliverables_tasks_list
    from serviceflow_client.models import (
        DeliverableCreateInRequest,
        ProjectCreateInRequest,
        TaskStatusEnum,
    )

    body = ProjectCreateInRequest(name="Autumn alterations", template_version=version_id)
    project = succeeded(projects_create.sync_detailed(client=admin, body=body), HTTPStatus.CREATED)
    deliverable = succeeded(
        projects_deliverables_create.sync_detailed(
            str(project.id), client=admin, body=DeliverableCreateInRequest(name="Order 17")
        ),
        HTTPStatus.CREATED,
    )
    tasks = succeeded(deliverables_tasks_list.sync_detailed(deliverable.id, client=admin)).results

    assert [(task.node_key, task.status) for task in tasks] == [("hem", TaskStatusEnum.READY)]
    return deliverable.id, tasks[0]


def work_the_task(admin, agent, inspector, task, tailor_email: str) -> None:
    """Assign the task to the tailor; the agent key works it, the inspector's rejects then accepts.

    Four eyes: the agent key performs every attempt, so only another key with an inspecting role
    may decide it (qc/policy.py).
    """
    from serviceflow_client.api.accounts import members_list
    from serviceflow_client.api.tasks import tasks_act
    from serviceflow_client.models import (
        AssignTaskActionActionEnum,
        AssignTaskActionRequest,
        AssignTaskPayloadRequest,
        DefectInRequest,
        QcAcceptTaskActionActionEnum,
        QcAcceptTaskActionRequest,
        QcAcceptTaskPayloadRequest,
        QcRejectTaskActionActionEnum,
        QcRejectTaskActionRequest,
        QcRejectTaskPayloadRequest,
        SeverityEnum,
        StartTaskActionActionEnum,
        StartTaskActionRequest,
        SubmitTaskActionActionEnum,
        SubmitTaskActionRequest,
        TaskStatusEnum,
    )

    members = succeeded(members_list.sync_detailed(client=admin)).results
    [tailor] = [member for member in members if member.email == tailor_email]
    assign = AssignTaskActionRequest(
        action=AssignTaskActionActionEnum.ASSIGN,
        payload=AssignTaskPayloadRequest(assign_to=tailor.id),
    )
    start = StartTaskActionRequest(action=StartTaskActionActionEnum.START)
    submit = SubmitTaskActionRequest(action=SubmitTaskActionActionEnum.SUBMIT)
    reject = QcRejectTaskActionRequest(
        action=QcRejectTaskActionActionEnum.QC_REJECT,
        payload=QcRejectTaskPayloadRequest(
            reason="The hem is uneven.",
            defects=[DefectInRequest(code="uneven-hem", severity=SeverityEnum.MAJOR)],
        ),
    )
    accept = QcAcceptTaskActionRequest(
        action=QcAcceptTaskActionActionEnum.QC_ACCEPT,
        payload=QcAcceptTaskPayloadRequest(readings=[]),
    )
    # The rework is a second attempt: started and submitted again.
    steps = [
        (admin, assign),
        (agent, start),
        (agent, submit),
        (inspector, reject),
        (agent, start),
        (agent, submit),
        (inspector, accept),
    ]
    statuses = []
    for client, request in steps:
        request.expected_version = task.version
        task = succeeded(tasks_act.sync_detailed(str(task.id), client=client, body=request))
        statuses.append(task.status)

    assert statuses == [
        TaskStatusEnum.READY,
        TaskStatusEnum.IN_PROGRESS,
        TaskStatusEnum.IN_REVIEW,
        TaskStatusEnum.REWORK,
        TaskStatusEnum.IN_PROGRESS,
        TaskStatusEnum.IN_REVIEW,
        TaskStatusEnum.DONE,
    ]
    assert (task.assigned_to.id, task.attempt) == (tailor.id, 2)


def sign_off(admin, inspector, deliverable_id: int) -> None:
    """Sign for both roles the template names; the second signature signs the deliverable off."""
    from serviceflow_client.api.deliverables import deliverables_signoffs_create
    from serviceflow_client.models import DeliverableStatusEnum, RoleEnum, SignOffInRequest

    for client, role in ((inspector, RoleEnum.QC_INSPECTOR), (admin, RoleEnum.ADMIN)):
        sheet = succeeded(
            deliverables_signoffs_create.sync_detailed(
                deliverable_id, client=client, body=SignOffInRequest(role=role)
            ),
            HTTPStatus.CREATED,
        )

    assert (sheet.outstanding_roles, sheet.deliverable.status) == (
        [],
        DeliverableStatusEnum.SIGNED_OFF,
    )

"""The workflow as an integrator drives it, step by step, as the README shows it."""

import uuid

from config.roles import Role
from tests.accounts.factories import MembershipFactory

GRAPH = {
    "nodes": [
        {"node_key": "cut", "title": "Cut the fabric", "planned_duration": "PT6H"},
        {"node_key": "sew", "title": "Sew", "planned_duration": "P2D"},
        {"node_key": "embroider", "title": "Embroider", "planned_duration": "P1D"},
        {
            "node_key": "inspect",
            "title": "Inspect",
            "planned_duration": "PT2H",
            "requires_qc": True,
        },
    ],
    "edges": [
        {"task": "sew", "depends_on": "cut"},
        {"task": "embroider", "depends_on": "cut"},
        {"task": "inspect", "depends_on": "sew"},
        {"task": "inspect", "depends_on": "embroider"},
    ],
    "signoff_roles": ["qc_inspector", "admin"],
}


def test_template_to_project_to_deliverable_to_work_done(client_for, organization):
    admin, agent = client_for(Role.ADMIN), client_for(Role.AGENT)
    worker = MembershipFactory(organization=organization, role=Role.AGENT).user

    template = admin.post(
        "/api/v1/templates", {"key": "garment", "name": "Garment"}, format="json"
    ).json()
    draft = template["versions"][0]
    saved = admin.put(
        f"/api/v1/template-versions/{draft['id']}", GRAPH, format="json", HTTP_IF_MATCH='"1"'
    )
    assert saved.status_code == 200, saved.json()
    published = admin.post(
        f"/api/v1/template-versions/{draft['id']}/publish", HTTP_IF_MATCH=saved["ETag"]
    )
    assert published.json()["status"] == "published"

    project = admin.post(
        "/api/v1/projects",
        {"name": "Spring order", "template_version": draft["id"]},
        format="json",
    ).json()
    started = admin.post(
        f"/api/v1/projects/{project['id']}/deliverables",
        {"name": "Order 1001", "external_reference": "SO-1001"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert started.status_code == 201, started.json()
    deliverable = started.json()

    ready = agent.get(f"/api/v1/deliverables/{deliverable['id']}/tasks?status=ready").json()
    assert [task["node_key"] for task in ready["results"]] == ["cut"]
    cut = ready["results"][0]

    def act(task, action, **body):
        response = agent.post(
            f"/api/v1/tasks/{task['id']}/actions",
            {"action": action, "expected_version": task["version"], **body},
            format="json",
        )
        assert response.status_code == 200, response.json()
        return response.json()

    cut = act(cut, "assign", payload={"assign_to": worker.pk})
    cut = act(cut, "start")
    blocked = agent.get(f"/api/v1/deliverables/{deliverable['id']}/tasks?blocked=true").json()
    sew = next(task for task in blocked["results"] if task["node_key"] == "sew")
    refused = agent.post(
        f"/api/v1/tasks/{sew['id']}/actions",
        {"action": "start", "expected_version": sew["version"]},
        format="json",
    )
    assert refused.status_code == 409
    assert [b["node_key"] for b in refused.json()["blockers"]] == ["cut"]

    act(cut, "complete")

    now_ready = agent.get(f"/api/v1/deliverables/{deliverable['id']}/tasks?status=ready").json()
    assert sorted(task["node_key"] for task in now_ready["results"]) == ["embroider", "sew"]
    history = agent.get(f"/api/v1/tasks/{cut['id']}/events").json()["results"]
    assert [event["action"] for event in history] == ["complete", "start", "assign"]

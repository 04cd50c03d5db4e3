"""The published schema is a contract: fuzz every operation of a live server against it."""

import json
import os
import zlib

import hypothesis
import pytest
import requests
import schemathesis
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import create_api_key
from config.roles import Role
from outbox.services import drain
from tests.accounts.factories import OrganizationFactory
from tests.e2e.processes import gunicorn

# The headers of the HTTP contract (docs/integrators.md): where a response carries one, the
# document must say so for that operation and status.
CONTRACT_HEADERS = (
    "ETag",
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "X-Request-ID",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)


@schemathesis.check
def headers_are_documented(ctx, response, case) -> None:
    """Every contract header the server sent is documented for this operation and status."""
    documented = case.operation.definition.raw["responses"].get(str(response.status_code))
    if documented is None:  # another method's 405, say: status_code_conformance judges it
        return
    names = {name.lower() for name in documented.get("headers", {})}
    sent = [name for name in CONTRACT_HEADERS if name.lower() in response.headers]  # lowercased
    undocumented = [name for name in sent if name.lower() not in names]
    assert not undocumented, (
        f"{case.operation.label} {response.status_code} sends {undocumented} undocumented"
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    headers_are_documented,
]
# Per operation and phase: enough to reach every branch of the inputs, small enough for CI.
EXAMPLES_PER_OPERATION = 8


def published_schema() -> dict:
    """The schema /api/schema/ serves, generated in-process so pytest can collect from it."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(published_schema())


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory) -> str:
    """The project under gunicorn, as deployed, on the test database; yield its base URL."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PRIVATE_MEDIA_ROOT": str(tmp_path_factory.mktemp("private")),
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        # The fuzzer sends far more than a client may; limits are tested on their own.
        "API_THROTTLE_PRINCIPAL_RATE": "100000/min",
        "API_THROTTLE_ANONYMOUS_RATE": "100000/min",
        "API_KEY_MAX_FAILURES_PER_MINUTE": "100000",
    }
    with gunicorn(env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def seeded(server, django_db_blocker) -> dict:
    """An organization with one of everything, made through the API; return real path values.

    Made once for all operations (the fuzzer only talks HTTP), and flushed at the end.
    """
    with django_db_blocker.unblock():
        organization = OrganizationFactory()
        key = create_api_key(organization_id=organization.pk, name="fuzzer", role=Role.ADMIN)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key.plaintext}"
    try:
        with django_db_blocker.unblock():
            yield {"session": session, "paths": _seed(session, f"{server}/api/v1")}
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def _seed(session: requests.Session, base: str) -> dict:
    def post(path: str, **kwargs) -> dict:
        response = session.post(f"{base}/{path}", **kwargs)
        assert response.status_code in (201, 202), response.text
        return response.json()

    ticket = post(
        "tickets", json={"subject": "Printer on fire", "requester": {"email": "dana@example.com"}}
    )
    post(f"tickets/{ticket['key']}/comments", json={"body": "On our way."})
    attachment = post(
        f"tickets/{ticket['key']}/attachments", files={"file": ("log.txt", b"hi", "text/plain")}
    )
    webhook = post("webhooks", json={"url": "http://127.0.0.1:9/hook"})
    post(f"webhooks/{webhook['id']}/ping")
    spare_key = post("api-keys", json={"name": "spare", "role": "agent"})
    drain.drain()  # fans the ping out into a delivery
    delivery = session.get(f"{base}/webhooks/{webhook['id']}/deliveries").json()["results"][0]
    workflow = _seed_workflow(session, base, post)
    return {
        **workflow,
        "key": ticket["key"],
        "attachment_id": attachment["id"],
        "/webhooks/": webhook["id"],
        "/deliveries/": delivery["id"],
        # Not the key the fuzzer authenticates with: revoking it would end the run.
        "/api-keys/": spare_key["id"],
        "/notifications/": 1,
    }


def _seed_workflow(session: requests.Session, base: str, post) -> dict:
    """A published template, a project and a started deliverable with its tasks."""
    draft = post("templates", json={"key": "garment", "name": "Garment"})["versions"][0]
    graph = {
        "nodes": [
            {"node_key": "cut", "title": "Cut", "planned_duration": "PT6H"},
            {"node_key": "sew", "title": "Sew", "planned_duration": "P1D"},
        ],
        "edges": [{"task": "sew", "depends_on": "cut"}],
        "signoff_roles": ["admin"],
    }
    saved = session.put(
        f"{base}/template-versions/{draft['id']}", json=graph, headers={"If-Match": '"1"'}
    )
    assert saved.status_code == 200, saved.text
    published = session.post(
        f"{base}/template-versions/{draft['id']}/publish",
        headers={"If-Match": saved.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    project = post("projects", json={"name": "Spring", "template_version": draft["id"]})
    deliverable = post(f"projects/{project['id']}/deliverables", json={"name": "Order 1"})
    task = session.get(f"{base}/deliverables/{deliverable['id']}/tasks").json()["results"][0]
    return {
        "/template-versions/": draft["id"],
        "/projects/": project["id"],
        "/deliverables/": deliverable["id"],
        "deliverable_id": deliverable["id"],
        "/tasks/": task["id"],
    }


def real_path_parameters(case, paths: dict) -> dict:
    """Values naming existing objects, for the path parameters of `case`."""
    values = {}
    for name in case.path_parameters:
        by_resource = next((v for k, v in paths.items() if k in case.path and name == "id"), None)
        values[name] = paths.get(name, by_resource)
    return values


def aims_at_real_objects(case) -> bool:
    """Two positive cases in three name existing objects; the rest and negative ones do not."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return False
    return zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 3 != 0


@schema.parametrize()
@pytest.mark.django_db  # only so the test database exists: the data is the module's, committed
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
)
def test_every_operation_keeps_its_contract(case, server, seeded):
    if case.path_parameters and aims_at_real_objects(case):
        case.path_parameters = real_path_parameters(case, seeded["paths"])
    case.call_and_validate(
        base_url=server,
        session=seeded["session"],
        checks=CHECKS,
    )

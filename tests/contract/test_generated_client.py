"""The client `make client` generates from the committed contract runs the whole product.

gunicorn, a Celery worker and beat run as deployed, on PostgreSQL and Redis. The client knows only
docs/openapi.yaml; a webhook it registers receives the events, and each is verified and parsed the
way an integrator would (tests/contract/webhook_receiver.py), without the server's code.
"""

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest

from accounts.services import add_member_by_email, create_api_key
from config.roles import Role
from outbox.models import Delivery, OutboxMessage
from tests.contract.client_generation import generate_client
from tests.contract.scenario import (
    PACKAGE,
    client_with_new_key,
    import_and_publish_template,
    register_webhook,
    sign_off,
    start_deliverable,
    work_a_ticket,
    work_the_task,
)
from tests.contract.webhook_receiver import (
    event_schema_names,
    histories_of,
    once_per_event,
    signature_is_valid,
    unparsed,
    unverified,
)
from tests.e2e.processes import gunicorn, running, wait_for


class GeneratedClient(NamedTuple):
    package: ModuleType
    models: ModuleType
    document: Path  # the one it was generated from


@pytest.fixture
def sdk(tmp_path_factory, monkeypatch) -> GeneratedClient:
    """The package `make client` generates, imported."""
    home = tmp_path_factory.mktemp("client")
    document = generate_client(home / PACKAGE)
    monkeypatch.syspath_prepend(str(home))
    for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
        del sys.modules[name]
    package = importlib.import_module(PACKAGE)
    return GeneratedClient(package, importlib.import_module(f"{PACKAGE}.models"), document)


@pytest.fixture
def live_stack(worker_env, tmp_path):
    """The Procfile's worker and beat, and gunicorn, on this test's database; yield the base URL."""
    with running(["worker", "beat"], worker_env, tmp_path), gunicorn(worker_env) as base_url:
        yield base_url


@pytest.fixture
def tailor(organization) -> str:
    """A member to assign work to; return their e-mail."""
    email = "tailor@example.com"
    add_member_by_email(
        organization_id=organization.pk, email=email, role=Role.AGENT, actor="setup"
    )
    return email


@pytest.fixture
def admin_key(organization) -> str:
    """What an organization hands an integrator: an admin API key."""
    return create_api_key(
        organization_id=organization.pk, name="integration", role=Role.ADMIN
    ).plaintext


@pytest.mark.django_db(transaction=True)
def test_generated_client_runs_the_scenario_and_verifies_and_parses_every_webhook(
    sdk, live_stack, admin_key, tailor, webhook_sink
):
    # An undocumented status raises: the contract names every status the server answers with.
    admin = sdk.package.AuthenticatedClient(
        base_url=live_stack, token=admin_key, raise_on_unexpected_status=True
    )
    secret = register_webhook(admin, webhook_sink.url)
    agent = client_with_new_key(admin, "shop floor", Role.AGENT)
    inspector = client_with_new_key(admin, "quality desk", Role.QC_INSPECTOR)
    ticket = work_a_ticket(agent)
    version_id = import_and_publish_template(admin)
    deliverable_id, task = start_deliverable(admin, version_id)
    work_the_task(admin, agent, inspector, task, tailor)
    sign_off(admin, inspector, deliverable_id)

    wait_for(everything_delivered, timeout=60)
    assert unverified(secret, list(webhook_sink.received)) == []
    requests = once_per_event(webhook_sink.received)
    # The check can fail: a body changed in transit does not verify.
    assert not signature_is_valid(secret, requests[0]["headers"], requests[0]["body"] + b" ")
    assert unparsed(sdk.models, event_schema_names(sdk.document), requests) == {}
    histories = histories_of(requests)
    assert histories["ticket", str(ticket.id)] == [
        "ticket.opened",
        "ticket.updated",
        *["ticket.status_changed"] * 3,
    ]
    assert histories["task", str(task.id)] == ["task.assigned", *["task.status_changed"] * 6]
    assert histories["deliverable", str(deliverable_id)] == [
        "deliverable.started",
        "deliverable.ready_for_signoff",
        "deliverable.signed_off",
    ]
    assert histories["template_version", str(version_id)] == ["template.published"]
    # One inspection per attempt.
    assert sorted(events for (kind, _), events in histories.items() if kind == "inspection") == [
        ["qc.inspection_opened", "qc.accepted"],
        ["qc.inspection_opened", "qc.rejected"],
    ]


def everything_delivered() -> bool:
    """Every committed event has left the outbox and reached the receiver."""
    pending_messages = OutboxMessage.objects.exclude(state=OutboxMessage.State.PUBLISHED)
    pending_deliveries = Delivery.objects.exclude(state=Delivery.State.DELIVERED)
    return not pending_messages.exists() and not pending_deliveries.exists()

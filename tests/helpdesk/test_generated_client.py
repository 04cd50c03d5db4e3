"""A Python client generated from the OpenAPI schema works against a live server."""

import importlib
import subprocess
import sys

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from accounts.services import create_api_key
from config.roles import Role


@pytest.fixture
def generated_client(tmp_path, monkeypatch):
    """Generate the `sfclient` package from the current schema and import it."""
    schema = tmp_path / "openapi.yaml"
    schema.write_bytes(OpenApiYamlRenderer().render(SchemaGenerator().get_schema(public=True)))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / "sfclient"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n == "sfclient" or n.startswith("sfclient.")]:
        del sys.modules[name]
    return importlib.import_module("sfclient")


@pytest.mark.django_db(transaction=True)
def test_generated_client_creates_reads_acts_on_and_lists_tickets(
    generated_client, live_server, organization
):
    from sfclient.api.tickets import (
        tickets_actions_create,
        tickets_create,
        tickets_list,
        tickets_retrieve,
    )
    from sfclient.models import (
        OpenTicketActionActionEnum,
        OpenTicketActionRequest,
        RequesterInRequest,
        TicketCreateInRequest,
        TicketsListStatusItem,
    )

    key = create_api_key(organization_id=organization.pk, name="sdk", role=Role.AGENT).plaintext
    client = generated_client.AuthenticatedClient(base_url=live_server.url, token=key)
    body = TicketCreateInRequest(
        subject="Printer jam", requester=RequesterInRequest(email="a@b.example")
    )

    created = tickets_create.sync_detailed(client=client, body=body, idempotency_key="sdk-1")
    replayed = tickets_create.sync_detailed(client=client, body=body, idempotency_key="sdk-1")
    shown = tickets_retrieve.sync(key=created.parsed.key, client=client)
    opened = tickets_actions_create.sync(
        key=created.parsed.key,
        client=client,
        body=OpenTicketActionRequest(action=OpenTicketActionActionEnum.OPEN, expected_version=1),
    )
    listed = tickets_list.sync(client=client, status=[TicketsListStatusItem.OPEN])

    assert created.status_code == 201
    assert created.headers["ETag"] == '"1"'
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.parsed.id == created.parsed.id
    assert shown.subject == "Printer jam"
    assert (opened.status, opened.version) == ("open", 2)
    assert [ticket.key for ticket in listed.results] == [created.parsed.key]

"""The embedded default (SQLite, no servers) runs the outbox end to end, as `make run` does."""

import json
import subprocess
import sys

from django.conf import settings

from tests.config.environments import clean_env, run_embedded

SCRIPT = """
import json, django
django.setup()
from django.db import transaction
import outbox
from accounts.models import Organization
from outbox.models import OutboxMessage
from outbox.services.drain import drain
organization = Organization.objects.create(slug="embedded", name="Embedded")
for n in range(3):
    with transaction.atomic():
        outbox.emit(organization_id=organization.pk, event_type="thing.happened",
                    aggregate_type="thing", aggregate_id=n % 2, payload={"n": n})
drain()
print(json.dumps(list(OutboxMessage.objects.order_by("id").values_list("state", "feed_position"))))
"""


TICKETS_SCRIPT = """
import json, django
django.setup()
from config.roles import Role
from config.principal import Principal
from accounts.services import create_organization
from config import cache
from helpdesk.services.tickets import open_ticket
organization = create_organization(slug="acme", name="Acme", admin_email="a@example.com")
actor = Principal(organization.pk, organization.slug, Role.AGENT, label="agent")
keys = [open_ticket(actor=actor, subject="s", requester_email="c@example.com").key for _ in "abc"]
print(json.dumps({"keys": keys, "counts": [cache.count("hits", 60) for _ in "ab"]}))
"""


def test_embedded_database_numbers_tickets_and_counts_in_memory(tmp_path):
    result = json.loads(run_embedded(tmp_path, TICKETS_SCRIPT))

    assert result == {"keys": ["ACME-1", "ACME-2", "ACME-3"], "counts": [1, 2]}


def test_embedded_database_drains_and_sequences_the_outbox(tmp_path):
    assert json.loads(run_embedded(tmp_path, SCRIPT)) == [
        ["published", 1],
        ["published", 2],
        ["published", 3],
    ]


SEND_TASK_SCRIPT = """
import django
django.setup()
from config.celery import app
app.send_task("outbox.tasks.drain_outbox")
print("sent")
"""


def test_embedded_transport_keeps_all_its_folders_under_var(tmp_path):
    elsewhere, var = tmp_path / "working-directory", tmp_path / "var"
    elsewhere.mkdir()
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SERVICEFLOW_VAR_DIR=str(var),
        PYTHONPATH=str(settings.BASE_DIR),
    )

    sent = subprocess.run(
        [sys.executable, "-c", SEND_TASK_SCRIPT],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert sent.returncode == 0, sent.stderr
    assert list(elsewhere.iterdir()) == []
    assert (var / "celery" / "control" / "celery.exchange").exists()
    assert len(list((var / "celery" / "queue").iterdir())) == 1

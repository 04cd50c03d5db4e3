"""The embedded default (SQLite, no servers) runs the outbox end to end, as `make run` does."""

import json
import subprocess
import sys

from django.conf import settings

from tests.config.test_settings import clean_env

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


def test_embedded_database_drains_and_sequences_the_outbox(tmp_path):
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.base")
    run = {
        "cwd": settings.BASE_DIR,
        "env": env,
        "capture_output": True,
        "text": True,
        "timeout": 120,
    }

    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
    drained = subprocess.run([sys.executable, "-c", SCRIPT], **run)

    assert migrated.returncode == 0, migrated.stderr
    assert drained.returncode == 0, drained.stderr
    assert json.loads(drained.stdout.splitlines()[-1]) == [
        ["published", 1],
        ["published", 2],
        ["published", 3],
    ]

"""A drainer that dies between publishing and marking: the message is published again,
and a consumer's effect still happens once."""

import subprocess
import sys

import pytest
from django.conf import settings

from accounts.models import Role
from accounts.services import create_api_key
from outbox.models import Notification, OutboxMessage
from outbox.notifications import CONSUMER_NAME, create_notifications
from outbox.publishers.consumers import apply_once
from outbox.services.drain import drain_batch
from tests.accounts.factories import MembershipFactory
from tests.outbox.publishers import CONSUMERS, DIE, RECORDING, RecordingPublisher

DRAIN_ONCE = (
    "import django; django.setup(); from outbox.services.drain import drain_batch; drain_batch()"
)


@pytest.mark.django_db(transaction=True)
def test_drainer_killed_before_marking_republishes_and_the_effect_happens_once(
    organization, recording, process_env
):
    MembershipFactory(organization=organization, role=Role.ADMIN)
    create_api_key(organization_id=organization.pk, name="ci", role=Role.AGENT)
    message = OutboxMessage.objects.get()

    crashed = subprocess.run(
        [sys.executable, "-c", DRAIN_ONCE],
        cwd=settings.BASE_DIR,
        timeout=60,
        capture_output=True,
        env={
            **process_env,
            "OUTBOX_PUBLISHERS": f"{RECORDING},{CONSUMERS},{DIE}",
        },
    )

    assert crashed.returncode == 137
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("pending", 0)
    assert len(RecordingPublisher.published()) == 1  # it did leave the process
    assert not Notification.objects.exists()  # the effect died with the transaction

    drain_batch()

    message.refresh_from_db()
    assert message.state == "published"
    assert len(RecordingPublisher.published()) == 2  # at least once: published again
    assert Notification.objects.count() == 1
    assert apply_once(CONSUMER_NAME, create_notifications, message) is False  # a redelivery
    assert Notification.objects.count() == 1

"""A drainer that dies between publishing and recording: once its lease expires the message is
published again, and a consumer's effect still happens once."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.services import create_api_key
from config.roles import Role
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
def test_drainer_killed_before_recording_republishes_after_its_lease_and_the_effect_happens_once(
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
    assert message.claimed_until > timezone.now()  # the dead drainer's lease
    assert len(RecordingPublisher.published()) == 1  # it did leave the process
    assert Notification.objects.count() == 1  # the consumer committed with its receipt
    assert drain_batch() == 0  # nobody takes it while the lease lasts

    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    drain_batch()

    message.refresh_from_db()
    assert (message.state, message.claimed_until) == ("published", None)
    assert len(RecordingPublisher.published()) == 2  # at least once: published again
    assert Notification.objects.count() == 1  # the receipt made the redelivery a no-op
    assert apply_once(CONSUMER_NAME, create_notifications, message) is False
    assert Notification.objects.count() == 1

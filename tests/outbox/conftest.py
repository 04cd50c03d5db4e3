import pytest

from tests.outbox.publishers import FlakyPublisher, RecordingPublisher, recorder

RECORDING = "tests.outbox.publishers.RecordingPublisher"
FLAKY = "tests.outbox.publishers.FlakyPublisher"
CONSUMERS = "outbox.publishers.consumers.InProcessConsumers"
DIE = "tests.outbox.publishers.DieAfterPublishing"


@pytest.fixture(autouse=True)
def _fresh_recordings():
    recorder().delete(RecordingPublisher.key)
    FlakyPublisher.failing = set()
    yield
    recorder().delete(RecordingPublisher.key)


@pytest.fixture
def recording(settings):
    """Publish to the recording publisher (and the in-process consumers) only."""
    settings.OUTBOX_PUBLISHERS = [CONSUMERS, RECORDING]
    return RecordingPublisher


@pytest.fixture
def flaky(settings):
    settings.OUTBOX_PUBLISHERS = [CONSUMERS, RECORDING, FLAKY]
    return FlakyPublisher

import pytest

from config.roles import Role
from tests.qc.factories import checklist_version, qc_deliverable
from tests.workflow.acting import act, finish, member, tasks_of


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Evidence files of a test go to its own directory."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def performer(organization):
    """The agent who does and submits the work."""
    return member(organization, Role.AGENT)


@pytest.fixture
def inspector(organization):
    return member(organization, Role.QC_INSPECTOR)


@pytest.fixture
def checklist(organization):
    """The garment checklist (tests/qc/factories.GARMENT_ITEMS), published."""
    return checklist_version(organization)


@pytest.fixture
def garment(organization, checklist):
    """cut → sew / embroider → press → pack; sew is inspected with `checklist`, embroider bare."""
    return tasks_of(qc_deliverable(organization, {"sew": checklist, "embroider": None}))


@pytest.fixture
def in_review(garment, performer):
    """The sew task, submitted for review by `performer` (attempt 1)."""
    finish(garment["cut"], performer)
    act(garment["sew"], "start", performer)
    act(garment["sew"], "submit", performer)
    return garment["sew"]

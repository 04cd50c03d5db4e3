"""Demo workflow for `make run`: a template from a file, a project and a deliverable under way."""

from pathlib import Path

from django.db import transaction

from accounts.models import Organization
from config.api.parsing import parse
from config.principal import Principal
from config.roles import Role
from workflow.api.templates.serializers import TemplateDocumentIn
from workflow.models import Project, Task
from workflow.services import template_files
from workflow.services.bootstrap import start_deliverable
from workflow.services.projects import create_project
from workflow.services.tasks import apply_task_action

TEMPLATE_FILE = Path(__file__).with_name("demo_files") / "garment-order.yaml"
DEMO_REFERENCE = "SO-1001"
# Everything upstream of the sewing: sew and attach-trims, inspected, are qc/demo.py's to show.
FINISHED = ["brief", "measure", "pattern", "order-fabric", "order-trims", "cut"]


@transaction.atomic
def load_demo_workflow(organization: Organization) -> None:
    """Import the demo template, start one deliverable and finish its first tasks; once only."""
    if Project.objects.filter(organization=organization).exists():
        return
    actor = Principal(organization.pk, organization.slug, Role.ADMIN, label="demo")
    with TEMPLATE_FILE.open(encoding="utf-8") as stream:
        document = template_files.load_document(stream, "yaml")
    version = template_files.import_template(
        actor=actor, document=parse(TemplateDocumentIn, document), publish=True
    ).version
    project = create_project(actor=actor, name="Spring collection", template_version_id=version.pk)
    deliverable = start_deliverable(
        project_id=project.pk,
        actor=actor,
        name="Linen jacket for D. Reyes",
        external_reference=DEMO_REFERENCE,
    )
    for node_key in FINISHED:
        for action in ("start", "complete"):
            task = Task.objects.get(deliverable=deliverable, node_key=node_key)
            apply_task_action(
                task_id=task.pk,
                actor=actor,
                action=action,
                payload={},
                expected_version=task.version,
            )

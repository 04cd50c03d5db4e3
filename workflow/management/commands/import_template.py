from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from config.api.parsing import parse
from config.api.problems import validation_errors
from config.principal import Principal
from config.roles import Role
from workflow.api.templates.serializers import TemplateDocumentIn
from workflow.exceptions import InvalidTemplate
from workflow.services import template_files

ACTOR = "manage.py import_template"


class Command(BaseCommand):
    help = (
        "Import a process template from a YAML or JSON file. Content equal to the template's "
        "latest version changes nothing; other content becomes its draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The template file (.yaml, .yml or .json).")
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--format", choices=template_files.FORMATS, help="Else by extension.")
        parser.add_argument("--publish", action="store_true", help="Publish the imported draft.")

    def handle(self, *args, file: str, organization: str, format: str | None, **options):
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"No organization {organization!r}.")
        actor = Principal(found.pk, found.slug, Role.ADMIN, label=ACTOR)
        try:
            with open(file, encoding="utf-8") as stream:
                raw = template_files.load_document(stream, template_files.format_of(file, format))
            outcome = template_files.import_template(
                actor=actor, document=parse(TemplateDocumentIn, raw), publish=options["publish"]
            )
        except (OSError, ValueError) as exc:  # unreadable, unknown format, malformed JSON or YAML
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(_listed(file, validation_errors(exc.detail))) from None
        except InvalidTemplate as exc:
            raise CommandError(_listed(file, exc.extensions["errors"])) from None
        self.stdout.write(_summary(outcome))


def _listed(file: str, errors: list[dict]) -> str:
    lines = [f"{error['pointer'] or '(document)'}: {error['detail']}" for error in errors]
    return "\n".join([f"{file} is not a valid template:", *lines])


def _summary(outcome: template_files.ImportOutcome) -> str:
    version = outcome.version
    if not outcome.changed and not outcome.published:
        return (
            f"{version.template.key}: unchanged, the same as v{version.number} ({version.status})."
        )
    made = "created with" if outcome.template_created else "now has"
    return f"{version.template.key}: {made} v{version.number}, {version.status}."

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from workflow.selectors.templates import list_template_versions_for
from workflow.services import template_files


class Command(BaseCommand):
    help = "Write a version of a process template as a YAML or JSON file (default: the latest)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` names a template version here, not the Django version every command shows.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("key", help="The template's key.")
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument(
            "--version", type=int, dest="number", metavar="N", help="The version number."
        )
        parser.add_argument("--format", choices=template_files.FORMATS)
        parser.add_argument("--output", help="The file to write; else standard output (YAML).")

    def handle(self, *args, key: str, organization: str, number: int | None, **options):
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"No organization {organization!r}.")
        versions = list_template_versions_for(found.pk).filter(template__key=key)
        version = versions.filter(number=number) if number else versions.order_by("-number")
        version = version.first()
        if version is None:
            which = f"version {number} of " if number else ""
            raise CommandError(f"No {which}template {key!r} in {organization!r}.")
        output = options["output"]
        try:
            file_format = template_files.format_of(output or "-.yaml", options["format"])
        except template_files.UnknownFormat as exc:
            raise CommandError(str(exc)) from None
        text = template_files.render_document(template_files.export_document(version), file_format)
        if output is None:
            self.stdout.write(text, ending="")
            return
        with open(output, "w", encoding="utf-8") as stream:
            stream.write(text)
        self.stderr.write(f"Wrote {key} v{version.number} ({version.status}) to {output}.")

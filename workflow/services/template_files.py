"""Templates as files (YAML or JSON) kept in version control: reading, writing, importing.

A file is the body of `PUT /api/v1/template-versions/{id}` (nodes, each naming its checklist or
none, edges, sign-off roles) plus the template's `key` and `name`. Importing a file whose content
equals the template's latest version changes nothing, so a file can be imported on every deploy.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml
from django.utils.duration import duration_iso_string

from config.principal import Principal
from config.transactions import use_case
from workflow.models import ProcessTemplate, TemplateVersion
from workflow.selectors.templates import CHECKLIST_FIELDS, content_of, with_graph
from workflow.services import templates as template_service

FORMATS = ("yaml", "json")
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class UnknownFormat(ValueError):
    """The file's format is neither named nor recognisable from its extension."""


@dataclass(frozen=True)
class ImportOutcome:
    version: TemplateVersion
    template_created: bool
    changed: bool
    published: bool


def format_of(path: str, named: str | None) -> str:
    """The format named, else the one the file's extension says."""
    found = named or _EXTENSIONS.get(Path(path).suffix.lower())
    if found not in FORMATS:
        raise UnknownFormat(f"Name the format of {path} with --format ({' or '.join(FORMATS)}).")
    return found


def load_document(stream: IO[str], file_format: str):
    """Parse a template file; what it holds is validated by the caller."""
    return yaml.safe_load(stream) if file_format == "yaml" else json.load(stream)


def render_document(document: dict, file_format: str) -> str:
    """The text of a template file, fields in the order a reader expects them."""
    if file_format == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_document(version: TemplateVersion) -> dict:
    """The file of a version read `with_graph`: what importing it would write."""
    content = content_of(version)
    return {
        "key": version.template.key,
        "name": version.template.name,
        "signoff_roles": content["signoff_roles"],
        "nodes": [_file_node(node) for node in content["nodes"]],
        "edges": content["edges"],
    }


def _file_node(node: dict) -> dict:
    """A node as its file writes it: ISO duration, and the checklist as `{key, version}`."""
    key, number = node["checklist_key"], node["checklist_number"]
    return {
        **{field: value for field, value in node.items() if field not in CHECKLIST_FIELDS},
        "planned_duration": duration_iso_string(node["planned_duration"]),
        "checklist": {"key": key, "version": number} if key else None,
    }


def same_content(version: TemplateVersion, content: dict) -> bool:
    """Whether a version read `with_graph` holds `content` (validated nodes, edges, roles)."""
    stored = content_of(version)
    nodes = [template_service.draft_row(node) for node in content["nodes"]]

    def edge_set(edges):
        return {(edge["task"], edge["depends_on"]) for edge in edges}

    return (
        stored["nodes"] == nodes
        and edge_set(stored["edges"]) == edge_set(content["edges"])
        and sorted(stored["signoff_roles"]) == sorted(content["signoff_roles"])
    )


@use_case
def import_template(*, actor: Principal, document: dict, publish: bool = False) -> ImportOutcome:
    """Make the template's latest version hold the document's content, as a draft or published.

    A template that does not exist is created; content equal to the latest version's is left
    as it is; other content replaces the draft, or becomes a new draft after the latest version.
    """
    content = {name: document[name] for name in ("nodes", "edges", "signoff_roles")}
    template = (
        ProcessTemplate.objects.select_for_update()
        .filter(organization_id=actor.organization_id, key=document["key"])
        .first()
    )
    created = template is None
    if created:
        template = template_service.create_template(
            actor=actor, key=document["key"], name=document["name"]
        )
    # The name is the template's, set when it was created: the ETags of templates and projects
    # do not cover a rename, so a file cannot make one.
    version = with_graph(template.versions.order_by("-number")).first()
    changed = version is None or not same_content(version, content)
    if changed:
        if version is None or not version.is_draft:
            version = template_service.start_draft(template_id=template.pk, actor=actor)
        version = template_service.save_draft(
            version_id=version.pk, actor=actor, expected_version=version.version, **content
        )
    published = publish and version.is_draft
    if published:
        version = template_service.publish_version(
            version_id=version.pk, actor=actor, expected_version=version.version
        )
    return ImportOutcome(version, created, changed, published)

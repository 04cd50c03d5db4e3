"""Process template use cases: create, edit a draft whole, publish (immutable), retire.

A published version never changes; PostgreSQL refuses it too (migration 0002), so the checks here
exist to give a clear problem before the trigger would give a server error.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.duration import duration_iso_string

import outbox
from config.actions import InvalidTransition
from config.api.conditional import ensure_version
from config.principal import Principal
from config.transactions import use_case
from workflow import events, graph, hooks, policy
from workflow.exceptions import InvalidTemplate, TemplateDraftExists, TemplateVersionPublished
from workflow.models import ProcessTemplate, TemplateDependency, TemplateTask, TemplateVersion
from workflow.selectors.templates import NODE_FIELDS, content_of, edges_of, with_graph

SCHEDULE_FIELDS = ["earliest_start", "earliest_finish", "slack", "is_critical"]
PUBLISH_FIELDS = ["status", "published_at", "published_by", "published_by_label"]
# An empty draft is unfinished rather than broken: it is what a new template starts with.
UNFINISHED = frozenset({"empty"})


def as_graph(nodes: list[dict], edges: list[dict]) -> tuple[list[graph.Node], list[graph.Edge]]:
    """The graph of a draft's content (node dicts with `node_key` and `planned_duration`)."""
    return (
        [graph.Node(node["node_key"], node["planned_duration"]) for node in nodes],
        [graph.Edge(edge["task"], edge["depends_on"]) for edge in edges],
    )


def graph_problems(
    nodes: list[graph.Node], edges: list[graph.Edge], *, allow_empty: bool = False
) -> list[dict]:
    """Every problem of a graph as `{pointer, detail, code}`; a cycle adds its `path`."""
    return [
        {
            "pointer": problem.pointer,
            "detail": problem.detail,
            "code": problem.code,
            **({"path": " → ".join(problem.path)} if problem.path else {}),
        }
        for problem in graph.problems(nodes, edges)
        if not (allow_empty and problem.code in UNFINISHED)
    ]


def refuse_broken_graph(
    nodes: list[graph.Node], edges: list[graph.Edge], *, allow_empty: bool
) -> None:
    errors = graph_problems(nodes, edges, allow_empty=allow_empty)
    if errors:
        detail = (
            errors[0]["detail"] if len(errors) == 1 else f"The graph has {len(errors)} problems."
        )
        raise InvalidTemplate(detail, errors=errors)


def _locked_version(version_id: int, *, with_its_graph: bool = False) -> TemplateVersion:
    versions = TemplateVersion.objects.select_for_update(of=("self",)).select_related("template")
    return (with_graph(versions) if with_its_graph else versions).get(pk=version_id)


def _refuse_unless_draft(version: TemplateVersion) -> None:
    if not version.is_draft:
        raise TemplateVersionPublished(
            f"{version} is {version.status}; start a new draft to change the template.",
            current_status=version.status,
        )


def draft_row(node: dict) -> dict:
    """The columns a node writes; a node may leave out its checklist (it names none)."""
    return {field: node[field] for field in NODE_FIELDS} | {
        "checklist_key": node.get("checklist_key", ""),
        "checklist_number": node.get("checklist_number"),
    }


def _write_graph(version: TemplateVersion, nodes: list[dict], edges: list[dict]) -> None:
    """Replace the version's tasks and dependencies (a draft's task rows carry no history)."""
    version.tasks.all().delete()  # its dependencies go with it
    tasks = TemplateTask.objects.bulk_create(
        TemplateTask(version=version, position=position, **draft_row(node))
        for position, node in enumerate(nodes)
    )
    by_key = {task.node_key: task for task in tasks}
    TemplateDependency.objects.bulk_create(
        TemplateDependency(
            version=version, task=by_key[edge["task"]], depends_on=by_key[edge["depends_on"]]
        )
        for edge in edges
    )


@use_case
def create_template(*, actor: Principal, key: str, name: str) -> ProcessTemplate:
    """Create a template with an empty draft, version 1."""
    actor.require(policy.MANAGE, "create templates")
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin may take the key first
            template = ProcessTemplate.objects.create(
                organization_id=actor.organization_id, key=key, name=name
            )
    except IntegrityError:
        detail = f'A template with the key "{key}" already exists.'
        raise InvalidTemplate(
            detail, errors=[{"pointer": "/key", "detail": detail, "code": "unique"}]
        ) from None
    TemplateVersion.objects.create(template=template, number=1)
    return template


@use_case
def start_draft(*, template_id: int, actor: Principal) -> TemplateVersion:
    """Start the next version as a draft holding a copy of the latest version's graph."""
    actor.require(policy.MANAGE, "start template drafts")
    template = ProcessTemplate.objects.select_for_update().get(pk=template_id)
    latest = with_graph(template.versions.order_by("-number")).first()
    if latest is not None and latest.is_draft:  # a draft is always the newest version
        raise TemplateDraftExists(
            f"{latest} is a draft already; edit or publish it first.", draft_id=latest.pk
        )
    draft = TemplateVersion.objects.create(
        template=template,
        number=latest.number + 1 if latest else 1,
        signoff_roles=list(latest.signoff_roles) if latest else [],
    )
    if latest is not None:
        content = content_of(latest)
        _write_graph(draft, content["nodes"], content["edges"])
    return draft


@use_case
def save_draft(
    *,
    version_id: int,
    actor: Principal,
    expected_version: int,
    nodes: list[dict],
    edges: list[dict],
    signoff_roles: list[str],
) -> TemplateVersion:
    """Replace a draft's graph and sign-off roles; a graph that could never publish is refused.

    A node names its checklist by `checklist_key` and `checklist_number`; qc checks the names
    when the draft is published.
    """
    actor.require(policy.MANAGE, "edit template drafts")
    version = _locked_version(version_id)
    _refuse_unless_draft(version)
    ensure_version(version.version, expected_version)
    refuse_broken_graph(*as_graph(nodes, edges), allow_empty=True)
    _write_graph(version, nodes, edges)
    version.signoff_roles = list(signoff_roles)
    version.version += 1
    version.save(update_fields=["signoff_roles", "version", "updated_at"])
    return version


@use_case
def publish_version(*, version_id: int, actor: Principal, expected_version: int) -> TemplateVersion:
    """Validate the draft's whole graph, store its schedule, and publish it for good."""
    actor.require(policy.MANAGE, "publish templates")
    version = _locked_version(version_id, with_its_graph=True)
    _refuse_unless_draft(version)
    ensure_version(version.version, expected_version)
    tasks = list(version.tasks.all())
    nodes, edges = as_graph(
        [{f: getattr(t, f) for f in NODE_FIELDS} for t in tasks], edges_of(version)
    )
    refuse_broken_graph(nodes, edges, allow_empty=False)
    if errors := hooks.template_problems(version, sorted(tasks, key=lambda t: t.position)):
        detail = errors[0]["detail"] if len(errors) == 1 else f"{len(errors)} tasks cannot publish."
        raise InvalidTemplate(detail, errors=errors)
    # Before the status changes: after it, the database refuses any change to the tasks.
    planned = graph.plan(nodes, edges)
    _store_schedule(tasks, planned)
    version.publish(at=timezone.now(), by_user_id=actor.user_id, by_label=str(actor))
    version.version += 1
    version.save(update_fields=[*PUBLISH_FIELDS, "version", "updated_at"])
    finish = max(task.earliest_finish for task in tasks)
    outbox.emit(
        **events.template_event(
            events.TEMPLATE_PUBLISHED,
            version,
            actor=str(actor),
            signoff_roles=list(version.signoff_roles),
            critical_path=planned.critical_path,
            planned_duration=duration_iso_string(finish),
        )
    )
    return version


def _store_schedule(tasks: list[TemplateTask], planned: graph.Plan) -> None:
    rank = {key: place for place, key in enumerate(planned.order)}
    for task in tasks:
        task.rank = rank[task.node_key]
        scheduled = planned.schedules[task.node_key]
        task.earliest_start = scheduled.earliest_start
        task.earliest_finish = scheduled.earliest_finish
        task.slack = scheduled.slack
        task.is_critical = scheduled.critical
    TemplateTask.objects.bulk_update(tasks, [*SCHEDULE_FIELDS, "rank"])


@use_case
def retire_version(*, version_id: int, actor: Principal, expected_version: int) -> TemplateVersion:
    """Retire a published version; it stays as published, for what already runs from it."""
    actor.require(policy.MANAGE, "retire templates")
    version = _locked_version(version_id)
    if version.status != TemplateVersion.Status.PUBLISHED:
        raise InvalidTransition(
            f"Only a published version can be retired; {version} is {version.status}.",
            current_status=version.status,
            allowed_actions=["publish"] if version.is_draft else [],
        )
    ensure_version(version.version, expected_version)
    version.retire()
    version.version += 1
    version.save(update_fields=["status", "version", "updated_at"])
    return version

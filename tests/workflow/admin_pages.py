"""Driving the admin's pages as a browser does: read a page, fill its form, press its buttons."""

import re

from django.test import Client
from django.utils.duration import duration_string

from workflow.models import TemplateVersion
from workflow.selectors.templates import NODE_FIELDS


def page_of(response) -> str:
    return response.content.decode()


def button_values(page: str, button_url: str) -> dict:
    """The hidden values a page's button posts (the version the page showed)."""
    form = re.search(rf'<form[^>]*action="{re.escape(button_url)}".*?</form>', page, re.S)
    assert form, f"no button posting to {button_url}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[0]))


def press(client: Client, page_url: str, button_url: str, **fields):
    """Open a page and press one of its buttons, with `fields` filled in."""
    shown = button_values(page_of(client.get(page_url)), button_url)
    return client.post(button_url, {**shown, **fields}, follow=True)


def draft_form(version: TemplateVersion, titles: dict | None = None, **fields) -> dict:
    """The POST of a draft's page as shown, with some nodes retitled (`{node_key: title}`)."""
    titles = titles or {}
    tasks = list(version.tasks.order_by("position", "id"))
    edges = list(version.dependencies.order_by("id"))
    data = {
        "expected_version": version.version,
        "signoff_roles": version.signoff_roles,
        "tasks-TOTAL_FORMS": len(tasks),
        "tasks-INITIAL_FORMS": len(tasks),
        "dependencies-TOTAL_FORMS": len(edges),
        "dependencies-INITIAL_FORMS": len(edges),
        **fields,
    }
    for i, task in enumerate(tasks):
        row = {field: getattr(task, field) for field in NODE_FIELDS}
        row |= {"id": task.pk, "version": version.pk, "position": task.position}
        row |= {"planned_duration": duration_string(task.planned_duration)}
        row["title"] = titles.get(task.node_key, task.title)
        for flag in ("is_milestone", "requires_qc"):
            if not row[flag]:
                del row[flag]  # an unticked checkbox is not posted
        data |= {f"tasks-{i}-{field}": value for field, value in row.items()}
    for i, edge in enumerate(edges):
        row = {"id": edge.pk, "version": version.pk, "task": edge.task_id}
        row["depends_on"] = edge.depends_on_id
        data |= {f"dependencies-{i}-{field}": value for field, value in row.items()}
    return data

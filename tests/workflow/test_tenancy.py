"""Another organization's workflow objects do not exist for you: every endpoint answers 404."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.accounts.factories import OrganizationFactory
from tests.workflow.factories import deliverable_with_tasks, template_version
from workflow.models import Deliverable, ProcessTemplate, Project, Task, TemplateVersion

WORKFLOW_PREFIXES = ("/api/v1/templates", "/api/v1/template-versions", "/api/v1/projects")
WORKFLOW_PREFIXES += ("/api/v1/deliverables", "/api/v1/tasks")
BODY = {"name": "x", "template_version": 1, "action": "start", "expected_version": 1}


def workflow_operations() -> list[tuple[str, str]]:
    """Every workflow operation that names an object in its path, from the OpenAPI document."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, item in document["paths"].items()
        if path.startswith(WORKFLOW_PREFIXES) and "{" in path
        for method in ("get", "post", "put", "patch", "delete")
        if method in item
    ]


def test_every_endpoint_naming_another_organizations_object_is_404(client_for):
    elsewhere = OrganizationFactory()
    deliverable = deliverable_with_tasks(elsewhere, template_version(elsewhere))
    draft = template_version(elsewhere, published=False)
    objects = {
        "/api/v1/templates/{key}": ProcessTemplate.objects.get(pk=draft.template_id).key,
        "/api/v1/template-versions/{id}": draft.pk,
        "/api/v1/projects/{id}": deliverable.project_id,
        "/api/v1/deliverables/{id}": deliverable.pk,
        "/api/v1/deliverables/{deliverable_id}": deliverable.pk,
        "/api/v1/tasks/{id}": deliverable.tasks.first().pk,
    }
    admin = client_for()
    answers = {}
    for path, method in workflow_operations():
        prefix = re.match(r"^(.*?\{\w+\})", path)[1]
        url = path.replace(prefix, re.sub(r"\{\w+\}", str(objects[prefix]), prefix))
        headers = {"HTTP_IF_MATCH": '"1"'} if method != "get" else {}
        call = getattr(admin, method)
        response = call(url, BODY, format="json", **headers) if method != "get" else call(url)
        answers[f"{method.upper()} {path}"] = response.status_code

    assert len(answers) >= 14
    assert answers == dict.fromkeys(answers, 404)
    assert (draft.version, Project.objects.get(pk=deliverable.project_id).version) == (1, 1)
    assert Task.objects.filter(deliverable=deliverable).exclude(version=1).count() == 0


@pytest.mark.parametrize(
    "url", ["/api/v1/templates", "/api/v1/projects", "/api/v1/tasks"], ids=lambda url: url[8:]
)
def test_lists_show_nothing_of_another_organization(client_for, url):
    elsewhere = OrganizationFactory()
    deliverable_with_tasks(elsewhere)

    assert client_for().get(url).json()["results"] == []
    assert Deliverable.objects.count() == 1 and TemplateVersion.objects.count() == 1

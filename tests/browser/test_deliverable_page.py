"""The deliverable page in a real Chromium: signed in with a TOTP code, its graph and figures."""

import json
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from config.roles import Role
from tests.accounts.admin_sessions import staff_member
from tests.accounts.factories import MembershipFactory
from tests.browser.pages import console_errors, sign_in
from tests.workflow.acting import act, finish, principal, tasks_of
from tests.workflow.factories import deliverable_with_tasks, rewrite_task, template_version
from workflow.models import Task, TaskDependency
from workflow.selectors import dashboard as selectors
from workflow.selectors.projects import list_deliverables_for, task_count_field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOUR = timedelta(hours=1)
SCREENSHOT = settings.VAR_DIR / "screenshots" / "deliverable-page.png"
# A kitchen fit-out: the survey opens three branches that meet at fitting the cabinets.
NODES = [
    "survey",
    "design",
    "order-cabinets",
    "order-worktop",
    "strip-out",
    "plumbing",
    "electrics",
    "fit-cabinets",
    "fit-worktop",
    "tiling",
    "handover",
]
EDGES = [
    ("design", "survey"),
    ("strip-out", "survey"),
    ("order-cabinets", "design"),
    ("order-worktop", "design"),
    ("plumbing", "strip-out"),
    ("electrics", "strip-out"),
    ("fit-cabinets", "order-cabinets"),
    ("fit-cabinets", "plumbing"),
    ("fit-cabinets", "electrics"),
    ("fit-worktop", "fit-cabinets"),
    ("fit-worktop", "order-worktop"),
    ("tiling", "fit-worktop"),
    ("handover", "tiling"),
]
PLANNED_HOURS = {"order-cabinets": 120, "electrics": 16, "fit-cabinets": 16, "handover": 4}
PACKAGE = json.loads((settings.BASE_DIR / "package.json").read_text())["dependencies"]

GRAPH_AS_DRAWN = """
const container = document.getElementById("deliverable-graph");
const cy = container.cytoscape;
const key = (element) => element.data("key");
const swatch = getComputedStyle(document.querySelector("[data-critical-swatch]"));
return {
  nodes: cy.nodes().map(key),
  edges: cy.edges().map((edge) => [key(edge.source()), key(edge.target())]),
  critical: cy.nodes(".critical").map(key),
  criticalEdges: cy.edges(".critical").map((edge) => [key(edge.source()), key(edge.target())]),
  borders: Object.fromEntries(cy.nodes().map((node) => [key(node), node.style("border-color")])),
  criticalColour: swatch.borderTopColor,
  x: Object.fromEntries(cy.nodes().map((node) => [key(node), node.position("x")])),
  versions: {cytoscape: cytoscape.version, dagre: dagre.version},
  counted: [container.dataset.nodes, container.dataset.edges],
};
"""
CENTRE_OF_NODE = """
const cy = document.getElementById("deliverable-graph").cytoscape;
return cy.nodes(`[key = "${arguments[0]}"]`).renderedPosition();
"""


@pytest.fixture
def kitchen(organization):
    """Survey, design and strip-out done; cabinets ordered late, plumbing in review, the worktop
    order cancelled, electrics under way; the fitting waits."""
    with transaction.atomic():  # a task's rewrite and its event are committed together
        return _kitchen_of(organization)


def _kitchen_of(organization):
    version = template_version(organization, NODES, EDGES, requires_qc=("plumbing",))
    tasks = tasks_of(deliverable_with_tasks(organization, version))
    for key, hours in PLANNED_HOURS.items():
        rewrite_task(tasks[key], planned_duration=hours * HOUR)
    admin = principal(organization)
    ana, ben = (MembershipFactory(organization=organization, role=Role.AGENT).user for _ in "ab")
    for key in ("survey", "design", "strip-out"):
        finish(tasks[key], admin)
    act(tasks["order-cabinets"], "assign", admin, {"assign_to": ana.pk})
    act(tasks["order-cabinets"], "start", admin)
    rewrite_task(tasks["order-cabinets"], planned_finish=timezone.now() - 2 * 24 * HOUR)
    act(tasks["order-worktop"], "cancel", admin, {"reason": "The customer brings their own"})
    act(tasks["plumbing"], "start", admin)
    act(tasks["plumbing"], "submit", admin)
    act(tasks["electrics"], "assign", admin, {"assign_to": ben.pk})
    act(tasks["electrics"], "start", admin)
    return tasks["survey"].deliverable


def shown(browser, selector: str) -> list[str]:
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def moment(browser, selector: str) -> datetime:
    return datetime.fromisoformat(
        browser.find_element(By.CSS_SELECTOR, selector).get_attribute("datetime")
    )


def hours_of(load: selectors.AssigneeLoad) -> str:
    return f"{load.planned_duration_left / HOUR:g} h"


def test_staff_see_the_deliverable_drawn_with_its_figures_and_open_a_task_from_it(
    browser, site, organization, kitchen
):
    sign_in(browser, site, staff_member(organization))
    browser.get(f"{site}/admin/workflow/deliverable/{kitchen.pk}/change/")
    WebDriverWait(browser, 10).until(
        lambda _: browser.find_element(By.ID, "deliverable-graph").get_attribute("data-rendered")
    )
    drawn = browser.execute_script(GRAPH_AS_DRAWN)
    counted = list_deliverables_for(organization.pk).get(pk=kitchen.pk)
    expected = selectors.dashboard_of(selectors.read_graph(counted, timezone.now()))

    tasks = tasks_of(kitchen)
    dependencies = TaskDependency.objects.filter(task__deliverable=kitchen)
    assert sorted(drawn["nodes"]) == sorted(tasks)
    assert sorted(map(tuple, drawn["edges"])) == sorted(
        (edge.depends_on.node_key, edge.task.node_key)
        for edge in dependencies.select_related("task", "depends_on")
    )
    assert drawn["counted"] == [str(len(tasks)), str(dependencies.count())]
    assert all(drawn["x"][blocker] < drawn["x"][task] for blocker, task in drawn["edges"])
    critical = [plan.task.node_key for plan in expected.graph.critical_path]
    assert critical == ["order-cabinets", "fit-cabinets", "fit-worktop", "tiling", "handover"]
    assert sorted(drawn["critical"]) == sorted(critical)
    assert sorted(map(tuple, drawn["criticalEdges"])) == sorted(pairwise(critical))
    red = drawn["criticalColour"].replace(" ", "")
    assert {key for key, colour in drawn["borders"].items() if colour == red} == set(critical)
    assert drawn["versions"] == {name: PACKAGE[name] for name in ("cytoscape", "dagre")}

    figure = lambda name: shown(browser, f'[data-figure="{name}"]')[0]  # noqa: E731
    assert figure("percent_complete_by_count") == f"{expected.percent_complete_by_count} %"
    assert figure("percent_complete_by_duration") == f"{expected.percent_complete_by_duration} %"
    assert figure("overdue") == str(len(expected.overdue)) == "1"
    assert (
        moment(browser, '[data-figure="projected_finish"] time')
        - moment(browser, '[data-figure="as_of"]')
        == expected.graph.projected_finish - expected.graph.as_of
    )
    counts = {
        cell.get_attribute("data-status-count"): int(cell.text)
        for cell in browser.find_elements(By.CSS_SELECTOR, "[data-status-count]")
    }
    assert counts == {
        status: getattr(counted, task_count_field(status)) for status in Task.Status.values
    } | {"total": len(tasks)}
    assert shown(browser, '[data-list="load"] tbody tr') == [
        f"{load.full_name or 'Unassigned'} {load.open_tasks} {hours_of(load)}"
        for load in expected.load
    ]
    assert shown(browser, '[data-list="blocked"] li')[0] == (
        "Fit Cabinets waits for Order Cabinets (in progress), Plumbing (in review), "
        "Electrics (in progress)"
    )
    assert shown(browser, '[data-list="overdue"] li')[0].startswith("Order Cabinets (in progress)")
    assert console_errors(browser) == []

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, max(height, 900))
    assert browser.save_screenshot(str(SCREENSHOT))

    centre = browser.execute_script(CENTRE_OF_NODE, "fit-cabinets")
    graph = browser.find_element(By.ID, "deliverable-graph")
    ActionChains(browser).move_to_element_with_offset(
        graph, centre["x"] - graph.size["width"] / 2, centre["y"] - graph.size["height"] / 2
    ).click().perform()
    task_page = f"{site}/admin/workflow/task/{tasks['fit-cabinets'].pk}/change/"
    WebDriverWait(browser, 10).until(lambda _: browser.current_url == task_page)

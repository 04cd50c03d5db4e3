"""The admin pages of a deliverable's work in a real Chromium, signed in once with a TOTP code:
the deliverable's graph and figures, its project's allocation calendar, a member's workload."""

import json
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from config.roles import Role
from tests.accounts.admin_sessions import staff_member
from tests.accounts.factories import MembershipFactory
from tests.browser.pages import console_errors, save_screenshot, shown, sign_in
from tests.workflow.acting import act, finish, principal, tasks_of
from tests.workflow.factories import deliverable_with_tasks, on_day, rewrite_task, template_version
from workflow.models import Task, TaskDependency
from workflow.selectors import dashboard as selectors
from workflow.selectors.projects import list_deliverables_for, task_count_field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOUR = timedelta(hours=1)
CALENDAR_DAYS = 14
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
    """Survey, design and strip-out done; cabinets ordered late (Ana, these three days), plumbing
    in review, the worktop order cancelled, electrics under way (Ben, tomorrow); the fitting
    waits (Ben, in three and four days)."""
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
    for key, person, window in (
        # From this midnight, so it holds now whenever the test runs, to the day after next.
        ("order-cabinets", ana, {"start": on_day(0, 0)["start"], "end": on_day(2)["end"]}),
        ("electrics", ben, on_day(1)),
        ("fit-cabinets", ben, {"start": on_day(3)["start"], "end": on_day(4)["end"]}),
    ):
        act(tasks[key], "assign", admin, {"assign_to": person.pk, "window": window})
    act(tasks["order-cabinets"], "start", admin)
    rewrite_task(tasks["order-cabinets"], planned_finish=timezone.now() - 2 * 24 * HOUR)
    act(tasks["order-worktop"], "cancel", admin, {"reason": "The customer brings their own"})
    act(tasks["plumbing"], "start", admin)
    act(tasks["plumbing"], "submit", admin)
    act(tasks["electrics"], "start", admin)
    return tasks["survey"].deliverable


def moment(browser, selector: str) -> datetime:
    return datetime.fromisoformat(
        browser.find_element(By.CSS_SELECTOR, selector).get_attribute("datetime")
    )


def hours_of(load: selectors.AssigneeLoad) -> str:
    return f"{load.planned_duration_left / HOUR:g} h"


def shown_at(when: datetime) -> str:
    """A moment as the admin pages write it, in the site's time zone."""
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def cells(row) -> list[str]:
    return [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]


def rows(browser, selector: str) -> list[list[str]]:
    return [cells(row) for row in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_staff_signed_in_once_see_the_deliverable_its_calendar_and_a_members_workload(
    browser, site, organization, kitchen
):
    sign_in(browser, site, staff_member(organization))

    see_the_deliverable_drawn_with_its_figures_and_open_a_task_from_it(
        browser, site, organization, kitchen
    )
    see_who_holds_which_task_on_each_day(browser, site, kitchen)
    see_a_members_tasks_with_their_windows(browser, site, organization, kitchen)


def see_the_deliverable_drawn_with_its_figures_and_open_a_task_from_it(
    browser, site, organization, kitchen
):
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

    save_screenshot(browser, "deliverable-page")

    centre = browser.execute_script(CENTRE_OF_NODE, "fit-cabinets")
    graph = browser.find_element(By.ID, "deliverable-graph")
    ActionChains(browser).move_to_element_with_offset(
        graph, centre["x"] - graph.size["width"] / 2, centre["y"] - graph.size["height"] / 2
    ).click().perform()
    task_page = f"{site}/admin/workflow/task/{tasks['fit-cabinets'].pk}/change/"
    WebDriverWait(browser, 10).until(lambda _: browser.current_url == task_page)


def see_who_holds_which_task_on_each_day(browser, site, kitchen):
    tasks = tasks_of(kitchen)
    ana, ben = (tasks[key].assigned_to for key in ("order-cabinets", "electrics"))
    calendar = reverse("admin:workflow_allocation_calendar", args=[kitchen.project_id])
    browser.get(f"{site}{calendar}")

    today = timezone.localdate()
    assert [
        day.get_attribute("data-day")
        for day in browser.find_elements(By.CSS_SELECTOR, "[data-day]")
    ] == [str(today + timedelta(days=n)) for n in range(CALENDAR_DAYS)]
    held = {
        int(row.get_attribute("data-member")): cells(row)
        for row in browser.find_elements(By.CSS_SELECTOR, "tr[data-member]")
    }
    free = [""] * CALENDAR_DAYS
    assert held.pop(ana.pk) == ["order-cabinets"] * 3 + free[3:]
    assert held.pop(ben.pk) == ["", "electrics", "", "fit-cabinets", "fit-cabinets", *free[5:]]
    assert all(days == free for days in held.values()), "nobody else holds a task"
    assert console_errors(browser) == []
    save_screenshot(browser, "allocation-calendar")


def see_a_members_tasks_with_their_windows(browser, site, organization, kitchen):
    """Reached from the calendar, as staff do: the member's name leads to their workload."""
    cabinets = tasks_of(kitchen)["order-cabinets"]
    ana = cabinets.assigned_to
    browser.find_element(By.CSS_SELECTOR, f'tr[data-member="{ana.pk}"] th a').click()
    workload = reverse("admin:workflow_allocation_workload", args=[ana.pk])
    WebDriverWait(browser, 10).until(lambda _: browser.current_url == f"{site}{workload}")
    window = cabinets.allocations.get(released_at__isnull=True)
    start, end = shown_at(window.window_start), shown_at(window.window_end)

    assert shown(browser, "h1") == [f"Workload of {ana.full_name}"]
    assert shown(browser, ".workload h2") == [f"{organization.name}: Agent, capacity 1"]
    assert shown(browser, ".workload .counts") == [
        "1 open allocation (1 now, 0 overdue); 1 open task (1 overdue)"
    ]
    assert rows(browser, ".allocations tbody tr") == [
        ["order-cabinets Order Cabinets", "In progress", start, end, window.allocated_by_label, ""]
    ]
    assert rows(browser, ".tasks tbody tr") == [
        [
            "order-cabinets Order Cabinets",
            "In progress",
            shown_at(cabinets.planned_finish),
            f"{start} \N{EN DASH} {end}",
            "overdue",
        ]
    ]
    assert console_errors(browser) == []
    save_screenshot(browser, "member-workload")

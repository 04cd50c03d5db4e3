"""The task-graph rules of a template version: examples, properties, and graphs of real size."""

import random
import sys
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.graph import (
    Edge,
    GraphError,
    InvalidGraph,
    Node,
    blockers_of,
    plan,
    problems,
)

HOUR = timedelta(hours=1)
BOUNDED = settings(max_examples=100, deadline=None)


def tasks(*keys: str) -> list[Node]:
    return [Node(key, HOUR) for key in keys]


def then(*keys: str) -> list[Edge]:
    """Edges along a chain of keys: each depends on the one before."""
    return [Edge(task=after, depends_on=before) for before, after in pairwise(keys)]


def work_pairs(edges: list[Edge]) -> set[tuple[str, str]]:
    return {(edge.depends_on, edge.task) for edge in edges}


# Examples


def test_a_valid_graph_has_no_problems():
    assert problems(tasks("cut", "sew", "press"), then("cut", "sew", "press")) == []


def test_an_empty_graph_points_at_the_node_list():
    assert [(e.pointer, e.code) for e in problems([], [])] == [("/nodes", "empty")]


def test_a_duplicate_key_points_at_its_second_use():
    [error] = problems(tasks("cut", "sew", "cut"), [])

    assert (error.pointer, error.code) == ("/nodes/2/node_key", "duplicate_node")
    assert "/nodes/0" in error.detail


def test_a_self_edge_points_at_the_edge():
    [error] = problems(tasks("cut", "sew"), [*then("cut", "sew"), Edge("sew", "sew")])

    assert (error.pointer, error.code) == ("/edges/1", "self_edge")


def test_an_unknown_node_points_at_the_field_that_names_it():
    found = problems(tasks("cut", "sew"), [*then("cut", "sew"), Edge("sew", "dye")])

    assert [(e.pointer, e.code) for e in found] == [("/edges/1/depends_on", "unknown_node")]
    assert '"dye"' in found[0].detail


def test_a_repeated_edge_points_at_the_repeat():
    found = problems(tasks("cut", "sew"), then("cut", "sew") * 2)

    assert [(e.pointer, e.code) for e in found] == [("/edges/1", "duplicate_edge")]


def test_a_cycle_is_written_in_work_order_and_points_at_an_edge_on_it():
    edges = [*then("cut", "sew", "press"), Edge(task="cut", depends_on="press")]

    [error] = problems(tasks("cut", "sew", "press"), edges)

    assert error.code == "cycle"
    assert error.detail == "The dependencies form a cycle: cut → sew → press → cut."
    assert error.path == ("cut", "sew", "press", "cut")
    assert error.pointer == "/edges/2"


def test_each_tangle_reports_its_own_cycle():
    edges = [*then("a", "b", "a"), *then("c", "d", "e", "c"), *then("b", "c")]

    found = problems(tasks("a", "b", "c", "d", "e"), edges)

    assert [e.path for e in found] == [("a", "b", "a"), ("c", "d", "e", "c")]


def test_every_problem_is_reported_at_once_nodes_then_edges_then_cycles():
    nodes = tasks("cut", "sew", "cut", "press")
    edges = [
        *then("cut", "sew", "cut"),
        Edge("press", "press"),
        Edge("ghost", "sew"),
        Edge("sew", "cut"),
    ]

    found = problems(nodes, edges)

    assert [(e.pointer, e.code) for e in found] == [
        ("/nodes/2/node_key", "duplicate_node"),
        ("/edges/2", "self_edge"),
        ("/edges/3/task", "unknown_node"),
        ("/edges/4", "duplicate_edge"),
        ("/edges/1", "cycle"),
    ]


def test_the_same_input_gives_the_same_problems():
    nodes, edges = tasks("a", "b", "c"), [*then("a", "b", "c", "a"), Edge("b", "b")]

    assert problems(nodes, edges) == problems(list(nodes), list(edges))


def test_a_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        plan([Node("cut", HOUR), Node("sew", -HOUR)], [])


def test_ready_nodes_are_ordered_as_they_were_given():
    nodes = tasks("press", "cut", "sew", "pack")

    assert plan(nodes, then("sew", "press")).order == ["cut", "sew", "press", "pack"]


def test_ordering_a_cycle_raises_with_its_problems():
    with pytest.raises(InvalidGraph) as raised:
        plan(tasks("a", "b"), then("a", "b", "a"))

    assert isinstance(raised.value, ValueError)
    assert [e.code for e in raised.value.problems] == ["cycle"]


def test_scheduling_an_unknown_node_raises():
    with pytest.raises(ValueError, match="ghost"):
        plan(tasks("a"), [Edge("a", "ghost")])


def test_a_diamond_is_scheduled_by_hand():
    #        ┌─ frame (3h) ─┐
    # design (2h)            assemble (4h)
    #        └─ paint (1h) ─┘
    nodes = [
        Node("design", 2 * HOUR),
        Node("frame", 3 * HOUR),
        Node("paint", 1 * HOUR),
        Node("assemble", 4 * HOUR),
    ]
    edges = [*then("design", "frame", "assemble"), *then("design", "paint", "assemble")]

    planned = plan(nodes, edges)
    schedules = planned.schedules

    def hours(key: str) -> tuple[float, ...]:
        s = schedules[key]
        times = (s.earliest_start, s.earliest_finish, s.latest_start, s.latest_finish, s.slack)
        return tuple(t / HOUR for t in times)

    assert hours("design") == (0, 2, 0, 2, 0)
    assert hours("frame") == (2, 5, 2, 5, 0)
    assert hours("paint") == (2, 3, 4, 5, 2)
    assert hours("assemble") == (5, 9, 5, 9, 0)
    assert [key for key, s in schedules.items() if s.critical] == ["design", "frame", "assemble"]
    assert planned.critical_path == ["design", "frame", "assemble"]


def test_the_critical_path_starts_at_a_node_without_blockers_despite_zero_durations():
    nodes = [Node("kickoff", timedelta(0)), Node("cut", HOUR), Node("done", timedelta(0))]

    assert plan(nodes, then("kickoff", "cut", "done")).critical_path == ["kickoff", "cut", "done"]


def test_an_empty_graph_has_no_schedule_and_no_critical_path():
    planned = plan([], [])
    assert (planned.order, planned.schedules, planned.critical_path) == ([], {}, [])


def test_blockers_of_maps_each_task_to_its_direct_blockers():
    edges = [*then("cut", "sew", "pack"), *then("press", "pack")]

    assert blockers_of(edges) == {"sew": {"cut"}, "pack": {"sew", "press"}}


# Graphs of real size


def test_a_chain_longer_than_the_recursion_limit_is_handled():
    keys = [f"step-{i}" for i in range(max(10_000, sys.getrecursionlimit() + 1))]
    nodes, edges = tasks(*keys), then(*keys)

    assert problems(nodes, edges) == []
    planned = plan(nodes, edges)
    assert planned.order == keys
    assert planned.critical_path == keys
    assert planned.schedules[keys[-1]].earliest_finish == len(keys) * HOUR


def test_a_ring_longer_than_the_recursion_limit_is_one_cycle():
    keys = [f"step-{i}" for i in range(10_000)]

    [error] = problems(tasks(*keys), then(*keys, keys[0]))

    assert error.path == (*keys, keys[0])


def test_ten_thousand_nodes_and_thirty_thousand_edges_validate_and_schedule():
    shuffle = random.Random(7)
    keys = [f"task-{i}" for i in range(10_000)]
    shuffle.shuffle(keys)
    pairs = set()
    while len(pairs) < 30_000:
        before = shuffle.randrange(len(keys) - 1)
        pairs.add((before, shuffle.randrange(before + 1, min(before + 50, len(keys)))))
    nodes = [Node(key, shuffle.randrange(8) * HOUR) for key in sorted(keys)]
    edges = [Edge(task=keys[after], depends_on=keys[before]) for before, after in pairs]

    assert problems(nodes, edges) == []
    planned = plan(nodes, edges)
    path = planned.critical_path
    finish = max(s.earliest_finish for s in planned.schedules.values())
    assert sum((n.duration for n in nodes if n.key in set(path)), timedelta(0)) == finish


# Properties


@st.composite
def dags(draw) -> tuple[list[Node], list[Edge]]:
    """A random DAG: edges only go forward in a random permutation of the input order."""
    size = draw(st.integers(min_value=1, max_value=25))
    keys = [f"n{i}" for i in range(size)]
    rank = draw(st.permutations(keys))
    hours = draw(st.lists(st.integers(0, 12), min_size=size, max_size=size))
    nodes = [Node(key, h * HOUR) for key, h in zip(keys, hours, strict=True)]
    forward = [(i, j) for i in range(size) for j in range(i + 1, size)]
    chosen = draw(st.lists(st.sampled_from(forward), unique=True, max_size=60)) if forward else []
    return nodes, [Edge(task=rank[j], depends_on=rank[i]) for i, j in chosen]


@st.composite
def dags_with_one_cycle(draw) -> tuple[list[Node], list[Edge], Edge]:
    """A DAG plus one edge from a descendant back to an ancestor along an existing path."""
    nodes, edges = draw(dags().filter(lambda graph: graph[1]))
    following: dict[str, list[str]] = {}
    for edge in edges:
        following.setdefault(edge.depends_on, []).append(edge.task)
    ancestor = draw(st.sampled_from(sorted(following)))
    descendant = draw(st.sampled_from(following[ancestor]))
    while following.get(descendant) and draw(st.booleans()):
        descendant = draw(st.sampled_from(following[descendant]))
    back = Edge(task=ancestor, depends_on=descendant)
    position = draw(st.integers(0, len(edges)))
    return nodes, [*edges[:position], back, *edges[position:]], back


@BOUNDED
@given(dags())
def test_a_dag_has_no_problems_and_an_order_that_respects_every_edge(graph):
    nodes, edges = graph

    order = plan(nodes, edges).order

    assert problems(nodes, edges) == []
    assert sorted(order) == sorted(node.key for node in nodes)
    place = {key: i for i, key in enumerate(order)}
    assert all(place[edge.depends_on] < place[edge.task] for edge in edges)


@BOUNDED
@given(dags_with_one_cycle())
def test_an_injected_cycle_is_reported_as_a_real_cycle_through_the_injected_edge(graph):
    nodes, edges, back = graph

    found: list[GraphError] = problems(nodes, edges)

    [error] = found
    assert error.code == "cycle"
    assert error.path[0] == error.path[-1]
    steps = set(pairwise(error.path))
    assert steps <= work_pairs(edges)
    assert (back.depends_on, back.task) in steps
    pointed = edges[int(error.pointer.removeprefix("/edges/"))]
    assert (pointed.depends_on, pointed.task) in steps
    assert " → ".join(error.path) in error.detail
    with pytest.raises(ValueError):
        plan(nodes, edges)


@BOUNDED
@given(dags())
def test_the_schedule_and_critical_path_obey_cpm(graph):
    nodes, edges = graph
    duration = {node.key: node.duration for node in nodes}

    planned = plan(nodes, edges)
    schedules, path = planned.schedules, planned.critical_path

    project_finish = max(s.earliest_finish for s in schedules.values())
    for key, s in schedules.items():
        assert s.slack >= timedelta(0)
        assert s.earliest_finish == s.earliest_start + duration[key]
        assert s.latest_finish == s.latest_start + duration[key]
        assert s.latest_finish <= project_finish
        assert s.critical == (s.slack == timedelta(0))
    for edge in edges:
        assert schedules[edge.task].earliest_start >= schedules[edge.depends_on].earliest_finish
        assert schedules[edge.depends_on].latest_finish <= schedules[edge.task].latest_start
    assert all(schedules[key].critical for key in path)
    assert sum((duration[key] for key in path), timedelta(0)) == project_finish
    assert set(pairwise(path)) <= work_pairs(edges)
    assert path[0] not in blockers_of(edges)
    assert not any(edge.depends_on == path[-1] for edge in edges)

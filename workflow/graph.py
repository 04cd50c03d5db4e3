"""The task graph of a template version: validation, topological order and the critical path.

Pure functions, no database. An `Edge(task=b, depends_on=a)` means `b` cannot start before `a` is
done; work flows a → b, and cycle paths are written in that direction ("cut → sew → cut").
Every algorithm here is linear in nodes + edges and iterative, so a chain of ten thousand tasks
cannot reach Python's recursion limit.
"""

import heapq
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

ZERO = timedelta(0)


# Nodes, edges and schedules are tuples, not dataclasses: a deliverable's dashboard makes tens of
# thousands of them per read, and a tuple is made several times faster.
class Node(NamedTuple):
    key: Hashable  # a template's node key, or a task's id
    duration: timedelta


class Edge(NamedTuple):
    task: Hashable
    depends_on: Hashable


@dataclass(frozen=True, slots=True)
class GraphError:
    pointer: str
    detail: str
    code: str
    # For a cycle: the node keys in work order, closed on itself (first == last).
    path: tuple[str, ...] = ()


class Schedule(NamedTuple):
    earliest_start: timedelta
    earliest_finish: timedelta
    latest_start: timedelta
    latest_finish: timedelta
    slack: timedelta
    critical: bool


class InvalidGraph(ValueError):
    """The graph cannot be ordered or scheduled; `problems` says why."""

    def __init__(self, problems: list[GraphError]) -> None:
        super().__init__(" ".join(problem.detail for problem in problems))
        self.problems = problems


@dataclass
class _Graph:
    """Nodes as indexes in input order, with adjacency lists of neighbour indexes; `edge_at` gives
    the input index of the edge (task, depends_on), as problems point at it."""

    keys: list[str]
    durations: list[timedelta]
    dependents: list[list[int]]
    blockers: list[list[int]]
    edge_at: dict[tuple[int, int], int]


def problems(nodes: Sequence[Node], edges: Sequence[Edge]) -> list[GraphError]:
    """Return every problem of the graph at once, in a stable order: nodes, edges, then cycles."""
    found: list[GraphError] = []
    if not nodes:
        found.append(GraphError("/nodes", "A template version needs at least one task.", "empty"))
    position: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.key in position:
            detail = f'Task key "{node.key}" is already used by /nodes/{position[node.key]}.'
            found.append(GraphError(f"/nodes/{i}/node_key", detail, "duplicate_node"))
        else:
            position[node.key] = i
    usable = []
    seen: set[tuple[str, str]] = set()
    for i, edge in enumerate(edges):
        edge_problems = _edge_problems(i, edge, position, seen)
        seen.add((edge.task, edge.depends_on))
        found.extend(edge_problems)
        if not edge_problems:
            usable.append(i)
    found.extend(_cycles(_indexed(nodes, edges, position, usable)))
    return found


@dataclass(frozen=True, slots=True)
class Plan:
    """A graph's order, its CPM schedule, and one critical path, from one pass over the graph."""

    order: list[Hashable]
    schedules: dict[Hashable, Schedule]
    critical_path: list[Hashable]


def plan(nodes: Sequence[Node], edges: Sequence[Edge]) -> Plan:
    """Order and schedule the graph as offsets from the start of the deliverable."""
    graph = _graph(nodes, edges)
    order = _order(graph, nodes, edges)
    earliest_start = _earliest_starts(graph, order)
    finish = _finishes(graph, earliest_start)
    project_finish = max(finish, default=ZERO)
    latest_start = _latest_starts(graph, order, project_finish)
    schedules = {}
    for i, key in enumerate(graph.keys):
        slack = latest_start[i] - earliest_start[i]
        schedules[key] = Schedule(
            earliest_start=earliest_start[i],
            earliest_finish=finish[i],
            latest_start=latest_start[i],
            latest_finish=latest_start[i] + graph.durations[i],
            slack=slack,
            critical=slack == ZERO,
        )
    return Plan(
        order=[graph.keys[i] for i in order],
        schedules=schedules,
        critical_path=_critical_path(graph, earliest_start, finish, project_finish),
    )


def _critical_path(
    graph: _Graph, earliest_start: list[timedelta], finish: list[timedelta], project_finish
) -> list[Hashable]:
    """One chain of zero-slack nodes, start node to end node, as long as the project."""
    if not graph.keys:
        return []
    # Walk back from an end node that finishes last, always through a blocker that finishes
    # exactly when the current node starts: such a blocker always exists and has zero slack.
    current = next(
        i for i in range(len(graph.keys)) if finish[i] == project_finish and not graph.dependents[i]
    )
    chain = [current]
    while graph.blockers[current]:
        current = next(b for b in graph.blockers[current] if finish[b] == earliest_start[current])
        chain.append(current)
    return [graph.keys[i] for i in reversed(chain)]


def blockers_of(edges: Sequence[Edge]) -> dict[str, set[str]]:
    """Map each node that has blockers to the keys of its direct blockers."""
    blockers: defaultdict[str, set[str]] = defaultdict(set)
    for edge in edges:
        blockers[edge.task].add(edge.depends_on)
    return dict(blockers)


def _edge_problems(
    i: int, edge: Edge, position: dict[str, int], seen: set[tuple[str, str]]
) -> list[GraphError]:
    found = [
        GraphError(f"/edges/{i}/{field}", f'No task has the key "{key}".', "unknown_node")
        for field, key in (("task", edge.task), ("depends_on", edge.depends_on))
        if key not in position
    ]
    if edge.task == edge.depends_on:
        detail = f'Task "{edge.task}" cannot depend on itself.'
        found.append(GraphError(f"/edges/{i}", detail, "self_edge"))
    elif (edge.task, edge.depends_on) in seen:
        detail = f'"{edge.task}" already depends on "{edge.depends_on}".'
        found.append(GraphError(f"/edges/{i}", detail, "duplicate_edge"))
    return found


def _graph(nodes: Sequence[Node], edges: Sequence[Edge]) -> _Graph:
    """Index a graph for ordering; refuse duplicate keys and unknown nodes."""
    position = {node.key: i for i, node in enumerate(nodes)}
    if len(position) < len(nodes) or not position.keys() >= {key for edge in edges for key in edge}:
        raise InvalidGraph(problems(nodes, edges))
    return _indexed(nodes, edges, position, range(len(edges)))


def _indexed(
    nodes: Sequence[Node], edges: Sequence[Edge], position: dict[str, int], usable: Iterable[int]
) -> _Graph:
    """Build the adjacency lists from the edges at the `usable` indexes."""
    durations = [node.duration for node in nodes]
    if any(duration < ZERO for duration in durations):
        # A negative duration would let CPM schedule a task to end before it starts.
        key = next(node.key for node in nodes if node.duration < ZERO)
        raise ValueError(f"Task {key!r} has a negative duration.")
    dependents: list[list[int]] = [[] for _ in nodes]
    blockers: list[list[int]] = [[] for _ in nodes]
    edge_at = {}
    for i in usable:
        task_key, blocker_key = edges[i]
        task, blocker = position[task_key], position[blocker_key]
        dependents[blocker].append(task)
        blockers[task].append(blocker)
        edge_at[task, blocker] = i
    return _Graph([node.key for node in nodes], durations, dependents, blockers, edge_at)


def _order(graph: _Graph, nodes: Sequence[Node], edges: Sequence[Edge]) -> list[int]:
    """Kahn's algorithm; a heap of indexes breaks ties by input order."""
    waiting = [len(blockers) for blockers in graph.blockers]
    ready = [i for i, count in enumerate(waiting) if count == 0]
    order = []
    while ready:
        current = heapq.heappop(ready)
        order.append(current)
        for dependent in graph.dependents[current]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) < len(graph.keys):
        raise InvalidGraph(problems(nodes, edges))
    return order


def _earliest_starts(graph: _Graph, order: list[int]) -> list[timedelta]:
    """CPM's forward pass: a node starts when its last blocker finishes."""
    earliest_start = [ZERO] * len(graph.keys)
    durations, dependents = graph.durations, graph.dependents
    for current in order:
        finish = earliest_start[current] + durations[current]
        for dependent in dependents[current]:
            if finish > earliest_start[dependent]:
                earliest_start[dependent] = finish
    return earliest_start


def _latest_starts(graph: _Graph, order: list[int], project_finish: timedelta) -> list[timedelta]:
    """CPM's backward pass: a node must finish by the time its first dependent must start."""
    latest_finish = [project_finish] * len(graph.keys)
    latest_start = [ZERO] * len(graph.keys)
    durations, blockers = graph.durations, graph.blockers
    for current in reversed(order):
        start = latest_start[current] = latest_finish[current] - durations[current]
        for blocker in blockers[current]:
            if start < latest_finish[blocker]:
                latest_finish[blocker] = start
    return latest_start


def _finishes(graph: _Graph, starts: list[timedelta]) -> list[timedelta]:
    return [start + duration for start, duration in zip(starts, graph.durations, strict=True)]


def _cycles(graph: _Graph) -> list[GraphError]:
    """Report one shortest cycle per strongly connected component that has one."""
    found = []
    for component in _tangled_components(graph):
        path, closing_edge = _shortest_cycle_through(min(component), graph, component)
        keys = tuple(graph.keys[i] for i in path)
        detail = f"The dependencies form a cycle: {' → '.join(keys)}."
        found.append(GraphError(f"/edges/{closing_edge}", detail, "cycle", keys))
    return found


def _tangled_components(graph: _Graph) -> list[set[int]]:
    """Tarjan's strongly connected components of more than one node, iteratively, by first node."""
    index = [-1] * len(graph.keys)
    low = [0] * len(graph.keys)
    on_stack = [False] * len(graph.keys)
    stack: list[int] = []
    components: list[set[int]] = []
    counter = 0
    for root in range(len(graph.keys)):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, iter(graph.dependents[root]))]
        while work:
            current, neighbours = work[-1]
            for neighbour in neighbours:
                if index[neighbour] == -1:
                    index[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append(neighbour)
                    on_stack[neighbour] = True
                    work.append((neighbour, iter(graph.dependents[neighbour])))
                    break
                if on_stack[neighbour]:
                    low[current] = min(low[current], index[neighbour])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[current])
                if low[current] == index[current]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack[member] = False
                        component.add(member)
                        if member == current:
                            break
                    if len(component) > 1:
                        components.append(component)
    return sorted(components, key=min)


def _shortest_cycle_through(
    source: int, graph: _Graph, component: set[int]
) -> tuple[list[int], int]:
    """Breadth-first search inside one component; return the closed path and its closing edge."""
    parent: dict[int, int | None] = {source: None}
    queue = deque([source])
    while queue:
        current = queue.popleft()
        for neighbour in graph.dependents[current]:
            if neighbour == source:
                path = [current]
                while (previous := parent[path[-1]]) is not None:
                    path.append(previous)
                return [*reversed(path), source], graph.edge_at[source, current]
            if neighbour in component and neighbour not in parent:
                parent[neighbour] = current
                queue.append(neighbour)
    raise AssertionError("A strongly connected component of several nodes has a cycle.")

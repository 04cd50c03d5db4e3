"""Count, time and profile requests of each kind, in a process configured as the web one.

`python -m tests.benchmarks.in_process <spec.json> <results.json>`, with the environment of the
server being measured (its settings module, database, Redis, log level). The WSGI application is
called as gunicorn calls it, one request at a time. Per kind: warm-up requests, then requests
timed without a profiler, then a few counted (SQL statements reaching PostgreSQL, Redis round
trips), then requests under cProfile, saved as `<side>-<kind>.prof` with a text summary.
"""

import cProfile
import io
import json
import pstats
import sys
import time
from contextlib import contextmanager
from pathlib import Path

TOP = 15


def main(spec_path: str, results_path: str) -> None:
    from config.wsgi import application  # sets Django up with the environment's settings
    from tests.benchmarks.exchanges import Kind, exchange

    spec = json.loads(Path(spec_path).read_text())
    folder = Path(spec["profiles"])
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for fields in spec["kinds"]:
        kind = Kind(**fields)
        for _ in range(spec["warm"]):
            exchange(application, kind)
        started = time.perf_counter()
        for _ in range(spec["timed"]):
            exchange(application, kind)
        wall = (time.perf_counter() - started) / spec["timed"]
        with counting() as counts:
            for _ in range(spec["counted"]):
                exchange(application, kind)
                counts.setdefault("one", list(counts["statements"]))
        results[kind.name] = {
            "in_process_ms": round(wall * 1000, 2),
            **per_request(counts, spec["counted"]),
            **profiled(application, kind, spec, folder / f"{spec['side']}-{kind.name}"),
        }
    Path(results_path).write_text(json.dumps(results, indent=2))


def per_request(counts: dict, requests: int) -> dict:
    one = counts["one"]
    transactions = sum(sql.startswith("COMMIT") for sql in counts["statements"])
    return {
        # What reached PostgreSQL: every cursor execution, the connection's health check
        # included, plus the BEGIN and COMMIT psycopg sends around a transaction.
        "sql_statements": round((counts["executed"] + 2 * transactions) / requests, 2),
        "transactions": round(transactions / requests, 2),
        "redis_round_trips": round(counts["redis"] / requests, 2),
        "statements_of_one_request": [sql.split()[0] for sql in one],
    }


@contextmanager
def counting():
    """Count SQL executions and Redis round trips (a command or a pipeline); keep Django's SQL."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from redis.connection import AbstractConnection

    counts = {"executed": 0, "redis": 0}
    send, execute = AbstractConnection.send_packed_command, psycopg.Cursor.execute

    def counted_send(self, command, check_health=True):
        counts["redis"] += 1
        return send(self, command, check_health)

    def counted_execute(self, *args, **kwargs):
        counts["executed"] += 1
        return execute(self, *args, **kwargs)

    AbstractConnection.send_packed_command = counted_send
    psycopg.Cursor.execute = counted_execute
    try:
        with CaptureQueriesContext(connection) as captured:
            counts["statements"] = _Statements(captured)
            yield counts
    finally:
        AbstractConnection.send_packed_command = send
        psycopg.Cursor.execute = execute


class _Statements:
    """The SQL Django logged so far (BEGIN and COMMIT included), as a sequence of strings."""

    def __init__(self, captured) -> None:
        self.captured = captured

    def __len__(self) -> int:
        return len(self.captured)

    def __iter__(self):
        return (query["sql"] for query in self.captured.captured_queries)


def profiled(application, kind, spec: dict, stem: Path) -> dict:
    from tests.benchmarks.breakdown import by_concern, top_cumulative
    from tests.benchmarks.exchanges import exchange

    requests = spec["profiled"]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        exchange(application, kind)
    profiler.disable()
    elapsed = time.perf_counter() - started
    profiler.dump_stats(stem.with_suffix(".prof"))
    stats = pstats.Stats(str(stem.with_suffix(".prof")))
    stem.with_suffix(".txt").write_text(_summary(stats))
    return {
        "profiled_requests": requests,
        "profiled_ms": round(elapsed / requests * 1000, 2),
        "breakdown_ms": {
            concern: round(seconds / requests * 1000, 3)
            for concern, seconds in by_concern(stats).items()
        },
        "top_cumulative": top_cumulative(stats, TOP),
        "profile": str(stem.with_suffix(".prof")),
    }


def _summary(stats: pstats.Stats) -> str:
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(40)
    return out.getvalue()


if __name__ == "__main__":
    main(*sys.argv[1:3])

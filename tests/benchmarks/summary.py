"""The one table of a `make bench` run: the endpoints beside plain DRF, then the other figures.

Each benchmark keeps its own way of measuring (tests/benchmarks/test_*.py); the rows after the
endpoints only read what the others recorded in the session (results.RECORDED) and set each
figure beside issue 13's target.
"""


def endpoint_table(rows: dict[str, dict]) -> str:
    """The endpoints of test_api_overhead, a line per side, the ratio and target on the API's.

    `1-by-1 ms` is a request's time in process, one at a time, no concurrency: its cost alone.
    """
    header = (
        f"{'endpoint':<64} {'side':<5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'SQL/req':>7} {'Redis/req':>9} {'1-by-1 ms':>9} {'ratio':>6}  target"
    )
    lines = [header, "-" * len(header)]
    for row in rows.values():
        for side in ("api", "plain"):
            found = row[side]
            lines.append(
                f"{row['endpoint'] if side == 'api' else '':<64} {side:<5} "
                f"{found['requests_per_second']:>7} {found['p50_ms']:>7} "
                f"{found['p99_ms']:>7} {found['errors'] + found['socket_errors']:>6} "
                f"{found['sql_statements_per_request']:>7} "
                f"{found['redis_round_trips_per_request']:>9} {found['in_process_ms']:>9} "
                + (f"{row['ratio']:>6}  {_verdict(row)}" if side == "api" else "")
            )
    return "\n".join(lines)


def _verdict(row: dict) -> str:
    measured = f"{row['measured']}x"
    if "p50_vs_10k" in row:
        measured += f", p50 {row['p50_vs_10k']}x"
    return f"{row['target']}: {measured} ({'met' if row['met'] else 'not met'})"


def _row(figure: str, value: str, target: str, met: bool | None, against: str = "") -> dict:
    return {"figure": figure, "value": value, "against": against, "target": target, "met": met}


def _ticket_creation(found: dict) -> list[dict]:
    api, floor = found["api"], found["three_inserts"]
    return [
        _row(
            "ticket create, sync workers, no worker/beat (test_ticket_load)",
            f"{api['requests_per_second']} req/s",
            "",
            None,
            f"{floor['requests_per_second']} req/s three INSERTs "
            f"({found['api_vs_three_inserts']}x)",
        )
    ]


def _task_actions(found: dict) -> list[dict]:
    """Task actions beside ticket actions, through httpx threads; the verdict against the plain
    baseline is the task action row of the endpoint table."""
    task = found["task"]["requests_per_second"]
    against = f"{found['ticket']['requests_per_second']} req/s ticket actions "
    against += f"({found['task_vs_ticket']}x)"
    return [_row("task action (test_workflow_load)", f"{task} req/s", "", None, against)]


def _bootstrap(found: dict) -> list[dict]:
    return [
        _row(
            f"deliverable bootstrap, {size.replace('_', ' ')}",
            f"{figures['api']['median_s']} s median",
            figures["goal"],
            figures["goal_by_median"] == "met",
            f"{figures['database_copy_only']['median_s']} s database copy only",
        )
        for size, figures in found.items()
    ]


def _dashboard(found: dict) -> list[dict]:
    return [
        _row(
            f"dashboard of {found['tasks']:,} tasks, {name.replace('_', ' ')}",
            f"p50 {found[name]['p50_ms']} ms",
            found["goal"],
            found[f"goal_by_p50_{name.removeprefix('one_reader_')}"] == "met",
            f"p50 {found['floor']['p50_ms']} ms its SQL alone",
        )
        for name in ("one_reader_shared", "one_reader_computing")
    ]


def _outbox(recorded: dict) -> list[dict]:
    rows = []
    for workers in (1, 2):
        found = recorded.get(f"throughput_{workers}_worker")
        if found:
            rate = found["messages_per_second"]
            goal = workers == 2
            rows.append(
                _row(
                    f"outbox to webhooks, {workers} worker process{'es' if workers > 1 else ''}",
                    f"{rate} events/s delivered",
                    ">= 1,000 events/s" if goal else "",
                    rate >= 1000 if goal else None,
                    f"{found['drained_per_second']} events/s drained, "
                    f"{found['events_per_cpu_second']} events per worker CPU-second",
                )
            )
    found = recorded.get("latency_ms_at_100_per_second")
    if found:
        rows.append(
            _row(
                "commit-to-delivery at 100 writes/s",
                f"p50 {found['p50']} ms, p99 {found['p99']} ms",
                "p50 < 100 ms, p99 < 1 s",
                found["p50"] < 100 and found["p99"] < 1000,
            )
        )
    return rows


def other_rows(recorded: dict) -> list[dict]:
    """Rows for every other benchmark that ran in this session."""
    rows = []
    if "ticket_creation" in recorded:
        rows += _ticket_creation(recorded["ticket_creation"])
    if "task_actions" in recorded:
        rows += _task_actions(recorded["task_actions"])
    if "workflow_bootstrap" in recorded:
        rows += _bootstrap(recorded["workflow_bootstrap"])
    if "deliverable_dashboard" in recorded:
        rows += _dashboard(recorded["deliverable_dashboard"])
    return rows + _outbox(recorded)


def render(rows: list[dict]) -> str:
    width = max((len(row["figure"]) for row in rows), default=10)
    lines = []
    for row in rows:
        verdict = {True: "met", False: "not met", None: "-"}[row["met"]]
        target = f"{row['target']} ({verdict})" if row["target"] else ""
        lines.append(f"{row['figure']:<{width}}  {row['value']:<26} {target:<34} {row['against']}")
    return "\n".join(lines)

"""`manage.py pgstat prepare|report`: the pg_stat_statements loop of `make pgstat`.

`prepare` makes the cluster keep statement statistics (pg_stat_statements preloaded: a restart
the first time, done here for a local cluster) and resets them; `make pgstat` then runs the
Postman collection with auto_explain switched on for its connections only (PGOPTIONS); `report`
prints the top statements by total time and by calls, and the EXPLAIN (ANALYZE, BUFFERS) plan
auto_explain logged for each of the top five, matched by the statement's shape (PostgreSQL 15
can neither EXPLAIN a normalized statement nor log query ids, so the plans are the run's own).
"""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# The workload's statements in the test databases (not the tests' schema set-up and teardown).
_TOP = """
SELECT queryid, calls, total_exec_time, mean_exec_time, rows, query FROM pg_stat_statements
WHERE dbid IN (SELECT oid FROM pg_database WHERE datname LIKE 'test_%%')
  AND query ~* '^[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|WITH)[[:space:]]'
"""
TOP_BY_TOTAL_TIME = _TOP + "ORDER BY total_exec_time DESC LIMIT %s"
TOP_BY_CALLS = _TOP + "ORDER BY calls DESC LIMIT %s"
_PLAN_START = re.compile(r"LOG:\s+duration: [\d.]+ ms\s+plan:\s*$")


# Constants as the statement's text had them, and as pg_stat_statements replaced them ($1).
_CONSTANT = re.compile(
    r"'(?:[^']|'')*'|\$\d+|\b\d+(?:\.\d+)?\b|\b(?:NULL|TRUE|FALSE)\b", re.IGNORECASE
)


def statement_shape(sql: str) -> str:
    """The statement with every constant made `?`: a run's query and its normalized form agree."""
    return " ".join(_CONSTANT.sub("?", sql).split())


def logged_plans(lines: list[str]) -> dict[str, dict]:
    """The JSON plans auto_explain wrote in a server log, by statement shape (the last of each;
    PostgreSQL 15's auto_explain logs no query id)."""
    plans, index = {}, 0
    while index < len(lines):
        if not _PLAN_START.search(lines[index]):
            index += 1
            continue
        body, index = [], index + 1
        while index < len(lines) and (lines[index].startswith(("\t", " ")) or lines[index] == ""):
            body.append(lines[index])
            index += 1
        try:
            plan = json.loads("\n".join(body))
        except json.JSONDecodeError:
            continue
        if "Query Text" in plan:
            plans[statement_shape(plan["Query Text"])] = plan
    return plans


def outline(node: dict, depth: int = 0) -> list[str]:
    """One line per plan node: what it reads, how, rows, time and buffers, as EXPLAIN's text."""
    target = "".join(
        f" {word} {node[key]}"
        for word, key in (("on", "Relation Name"), ("using", "Index Name"))
        if key in node
    )
    line = (
        f"{'  ' * depth}-> {node['Node Type']}{target} (rows={node.get('Actual Rows')} "
        f"loops={node.get('Actual Loops')} time={node.get('Actual Total Time')} ms "
        f"hit={node.get('Shared Hit Blocks')} read={node.get('Shared Read Blocks')})"
    )
    return [line, *(text for child in node.get("Plans", []) for text in outline(child, depth + 1))]


class Command(BaseCommand):
    help = "Prepare pg_stat_statements for a run, or report its top statements with their plans."

    def add_arguments(self, parser) -> None:
        parser.add_argument("step", choices=["prepare", "report"])
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--explain", type=int, default=5)
        parser.add_argument(
            "--log", default="", help="The server log (default: Debian's, of the newest cluster)"
        )

    def handle(self, *args, step: str, top: int, explain: int, log: str, **options) -> None:
        with self._connect() as connection:
            if step == "prepare":
                self._prepare(connection)
            else:
                self._report(connection, top, explain, Path(log) if log else _debian_log())

    def _connect(self) -> psycopg.Connection:
        database = settings.DATABASES["default"]
        if "postgresql" not in database["ENGINE"]:
            raise CommandError("pgstat needs PostgreSQL (DATABASE_URL).")
        parameters = {"dbname": "postgres", "autocommit": True}
        for name, key in {"HOST": "host", "PORT": "port", "USER": "user"}.items():
            if database[name]:
                parameters[key] = database[name]
        if database.get("PASSWORD"):
            parameters["password"] = database["PASSWORD"]
        return psycopg.connect(**parameters)

    def _prepare(self, connection: psycopg.Connection) -> None:
        preloaded = connection.execute("SHOW shared_preload_libraries").fetchone()[0]
        if "pg_stat_statements" not in preloaded:
            libraries = ",".join(filter(None, [preloaded, "pg_stat_statements"]))
            connection.execute(f"ALTER SYSTEM SET shared_preload_libraries = '{libraries}'")
            connection.close()
            _restart_local_cluster()
            connection = self._connect()
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        connection.execute("SELECT pg_stat_statements_reset()")
        self.stdout.write("pg_stat_statements is reset; run the workload now.")

    def _report(self, connection, top: int, explain: int, log: Path) -> None:
        by_time = connection.execute(TOP_BY_TOTAL_TIME, (top,)).fetchall()
        by_calls = connection.execute(TOP_BY_CALLS, (top,)).fetchall()
        for title, rows in (("by total time", by_time), ("by calls", by_calls)):
            self.stdout.write(f"\nTop {len(rows)} statements {title}:")
            self.stdout.write(f"{'calls':>8} {'total ms':>10} {'mean ms':>8} {'rows':>8}  query")
            for _, calls, total, mean, count, query in rows:
                text = " ".join(query.split())[:140]
                self.stdout.write(f"{calls:>8} {total:>10.1f} {mean:>8.3f} {count:>8}  {text}")
        plans = logged_plans(log.read_text(errors="replace").splitlines()) if log.exists() else {}
        for _, _, _, _, _, query in by_time[:explain]:
            self.stdout.write(f"\nEXPLAIN (ANALYZE, BUFFERS) of: {' '.join(query.split())[:200]}")
            plan = plans.get(statement_shape(query))
            if plan is None:
                self.stdout.write("  (no plan logged for it: was the run made by make pgstat?)")
                continue
            for line in outline(plan["Plan"]):
                self.stdout.write(line)


def _debian_log() -> Path:
    logs = sorted(Path("/var/log/postgresql").glob("postgresql-*-main.log"))
    return logs[-1] if logs else Path("/var/log/postgresql/postgresql.log")


def _restart_local_cluster() -> None:
    """Restart the local Debian cluster so that a preloaded library takes effect."""
    pg_ctlcluster = shutil.which("pg_ctlcluster")
    if pg_ctlcluster is None:
        raise CommandError(
            "shared_preload_libraries now names pg_stat_statements: restart PostgreSQL, then "
            "run this again."
        )
    version = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name))[-1].name
    command = [pg_ctlcluster, "--skip-systemctl-redirect", version, "main", "restart"]
    subprocess.run(command, check=True)  # noqa: S603  (fixed arguments, a local tool)
    time.sleep(2)

"""The Dockerfile passes hadolint and builds the image docs/deploy.md describes; its entry point
runs the Procfile's processes. No Docker engine runs here, so the entry point is run directly."""

import contextlib
import fnmatch
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.app_environment import BASE_DIR
from tests.deploy.tools import tool
from tests.e2e.processes import free_port, wait_for

DOCKERFILE = BASE_DIR / "Dockerfile"
ENTRYPOINT = BASE_DIR / "deploy" / "docker-entrypoint.sh"
BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|pip|uv|gcc|cc|make|build-essential)\b")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (keyword.upper(), " ".join(arguments.split()))
        for keyword, _, arguments in (line.strip().partition(" ") for line in joined.splitlines())
        if keyword
    ]


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions by its name; global ARG defaults resolved in the FROM lines."""
    defaults, named, current = {}, {}, None
    for keyword, arguments in instructions(DOCKERFILE.read_text()):
        if keyword == "ARG" and current is None:
            name, _, value = arguments.partition("=")
            defaults[name] = value
        elif keyword == "FROM":
            image, _, name = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m[1]], arguments).partition(
                " AS "
            )
            current = named[name] = [("FROM", image)]
        else:
            current.append((keyword, arguments))
    return named


def arguments_of(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [arguments for k, arguments in stage if k == keyword]


def test_hadolint_finds_nothing_to_fix():
    linted = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_builder_installs_the_locked_dependencies_without_dev_ones_and_collects_static():
    builder = stages()["builder"]
    runs = arguments_of(builder, "RUN")

    assert "pyproject.toml uv.lock ./" in arguments_of(builder, "COPY")
    assert any("uv sync --frozen --no-dev" in run for run in runs)
    assert any("manage.py collectstatic --noinput" in run for run in runs)


def test_the_final_image_is_slim_python_with_no_build_tools_running_as_a_user():
    final = list(stages().values())[-1]
    [image] = arguments_of(final, "FROM")
    [user] = arguments_of(final, "USER")

    assert image.startswith("python:3.11-slim")
    assert not any(BUILD_TOOLS.search(run) for run in arguments_of(final, "RUN"))
    assert all("/uv" not in copied for copied in arguments_of(final, "COPY"))
    assert user.split(":")[0] not in {"root", "0"}


def test_the_image_starts_the_entry_point_serves_on_its_port_and_checks_its_health():
    final = list(stages().values())[-1]
    environment = dict(
        assignment.split("=", 1) for env in arguments_of(final, "ENV") for assignment in env.split()
    )

    assert arguments_of(final, "ENTRYPOINT") == ['["/app/deploy/docker-entrypoint.sh"]']
    assert arguments_of(final, "CMD") == ['["web"]']
    assert arguments_of(final, "EXPOSE") == [environment["PORT"]]
    [healthcheck] = arguments_of(final, "HEALTHCHECK")
    assert healthcheck.endswith('CMD ["/app/deploy/docker-entrypoint.sh", "healthcheck"]')
    assert os.access(ENTRYPOINT, os.X_OK)


def ignored_by_docker(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` out: the last pattern matching it or a parent decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        globs = [glob, glob.removeprefix("**/")] if glob.startswith("**/") else [glob]
        if any(fnmatch.fnmatchcase(c, g) for c in candidates for g in globs):
            ignored = not negated
    return ignored


def test_the_build_context_holds_the_app_and_none_of_the_local_state():
    lines = (BASE_DIR / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    needed = [
        "pyproject.toml",
        "uv.lock",
        "Procfile",
        "manage.py",
        "config/settings/base.py",
        "helpdesk/models.py",
        "templates/base.html",
        "static/serviceflow.css",
        "deploy/docker-entrypoint.sh",
    ]
    local = [
        ".git/HEAD",
        ".venv/bin/python",
        "var/secret_key",
        "node_modules/x",
        "tests/conftest.py",
    ]

    assert [path for path in needed if ignored_by_docker(path, patterns)] == []
    assert [path for path in local if not ignored_by_docker(path, patterns)] == []
    assert ignored_by_docker("config/__pycache__/urls.cpython-311.pyc", patterns)


# --- The entry point, run as the image runs it ---------------------------------------------


def entrypoint_environment(base: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {
        **base,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "SERVICEFLOW_VAR_DIR": str(tmp_path / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


def procfile_argv(process: str, env: dict[str, str]) -> list[str]:
    """The words a shell makes of the Procfile line, ${VARIABLE:-default}s expanded."""
    line = next(
        line
        for line in (BASE_DIR / "Procfile").read_text().splitlines()
        if line.startswith(f"{process}:")
    )
    words = subprocess.run(
        ["/bin/sh", "-c", f'printf "%s\\0" {line.partition(":")[2]}'],
        env=env,
        capture_output=True,
        check=True,
    )
    return words.stdout.decode().rstrip("\0").split("\0")


def argv_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")
    except FileNotFoundError:
        return []


def runs_the_procfile_line(process: subprocess.Popen, expected: list[str]) -> bool:
    """The entry point's own process became the Procfile's program (a Python script)."""
    argv = argv_of(process.pid)
    return len(argv) > 1 and Path(argv[1]).name == expected[0] and argv[2:] == expected[1:]


def start(argument: str, env: dict[str, str], stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """Run the entry point; pass stderr=PIPE only when the test reads it (a full pipe blocks)."""
    return subprocess.Popen(
        [str(ENTRYPOINT), argument],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        cwd="/",
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    """Stop the process and anything it left behind, should it not have exec'd."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sent)
        try:
            process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


def healthcheck(env: dict[str, str]) -> int:
    return subprocess.run(
        [str(ENTRYPOINT), "healthcheck"], env=env, capture_output=True, timeout=30, check=False
    ).returncode


def test_web_execs_the_procfile_line_and_the_health_check_follows_it(process_env, tmp_path):
    env = {
        **entrypoint_environment(process_env, tmp_path),
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
    }
    web = start("web", env)
    try:
        wait_for(lambda: healthcheck(env) == 0, timeout=60, interval=0.5)
        assert runs_the_procfile_line(web, procfile_argv("web", env))
    finally:
        stop(web)

    assert healthcheck(env) != 0


@pytest.mark.parametrize("process", ["worker", "beat"])
def test_worker_and_beat_exec_their_procfile_lines(process, process_env, tmp_path):
    env = {**entrypoint_environment(process_env, tmp_path), "CELERY_BROKER_URL": "memory://"}
    started = start(process, env)
    try:
        wait_for(lambda: runs_the_procfile_line(started, procfile_argv(process, env)))
    finally:
        stop(started)


def test_the_worker_starts_with_an_empty_metrics_folder(process_env, tmp_path):
    env = {**entrypoint_environment(process_env, tmp_path), "CELERY_BROKER_URL": "memory://"}
    stale = tmp_path / "metrics" / "counter_12345.db"
    stale.parent.mkdir()
    stale.write_bytes(b"left by the previous run")
    worker = start("worker", env)
    try:
        wait_for(lambda: runs_the_procfile_line(worker, procfile_argv("worker", env)))
    finally:
        stop(worker)

    assert stale.parent.is_dir()
    assert not stale.exists()


def test_await_migrations_returns_once_the_database_has_every_migration(process_env, tmp_path):
    env = entrypoint_environment(process_env, tmp_path)

    waited = subprocess.run(
        [str(ENTRYPOINT), "await-migrations"], env=env, capture_output=True, timeout=60
    )

    assert waited.returncode == 0, waited.stderr.decode()


def test_await_migrations_waits_while_the_database_lacks_migrations(tmp_path):
    # No DATABASE_URL: an empty SQLite file under var/, with no migration applied.
    env = entrypoint_environment(
        {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, tmp_path
    )
    waiting = start("await-migrations", env, stderr=subprocess.PIPE)
    try:
        line = waiting.stderr.readline().decode()
    finally:
        stop(waiting)

    assert line.startswith("Waiting for the migrations of this release")

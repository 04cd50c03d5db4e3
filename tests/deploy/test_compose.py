"""compose.yaml: valid Compose, and every service, file and address it names is really there.

No Docker engine runs here, so the file is checked against the Compose Specification's schema
(the copy check-jsonschema ships) and its cross-references are followed by hand; where the
`docker compose` plugin exists it checks the file too.
"""

import shutil
import subprocess
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.app_environment import BASE_DIR, variables_the_app_reads
from tests.deploy.tools import tool

COMPOSE = BASE_DIR / "compose.yaml"
APP_SERVICES = {"migrate", "web", "worker", "beat"}


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def mounts(service: str) -> list[tuple[str, str]]:
    """(source, target) of each volume of a service, in the short syntax compose.yaml uses."""
    return [tuple(volume.split(":")[:2]) for volume in services()[service].get("volumes", [])]


def mounted_file(service: str, target: str) -> dict:
    """Load the repository file a service sees at `target`, through its bind mounts."""
    for source, mounted_at in mounts(service):
        if source.startswith("./") and PurePosixPath(target).is_relative_to(mounted_at):
            relative = PurePosixPath(target).relative_to(mounted_at)
            return yaml.safe_load((BASE_DIR / source / relative).read_text())
    raise AssertionError(f"{service} has nothing mounted at {target}")


def container_port(service: str) -> str:
    [mapping] = services()[service]["ports"][:1]
    return mapping.rsplit(":", 1)[1]


def test_compose_yaml_is_valid_against_the_compose_specification():
    checked = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr


def docker_with_compose() -> str | None:
    docker = shutil.which("docker")
    found = docker and subprocess.run([docker, "compose", "version"], capture_output=True)
    return docker if found and found.returncode == 0 else None


def test_docker_compose_accepts_the_file_where_its_plugin_is_installed():
    docker = docker_with_compose()
    if not docker:
        pytest.skip("no `docker compose` plugin here; the schema test above checks the file")

    checked = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr


def test_every_dependency_volume_and_mounted_file_exists():
    declared_volumes = set(compose()["volumes"])

    for name, service in services().items():
        depends_on = service.get("depends_on", {})
        assert set(depends_on) <= set(services()), name
        for source, _ in mounts(name):
            if source.startswith("./"):
                assert (BASE_DIR / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared_volumes, f"{name} mounts undeclared volume {source}"
        if "build" in service:
            assert (BASE_DIR / service["build"] / "Dockerfile").exists()


def test_the_app_processes_start_from_the_image_after_the_migrations():
    for name in APP_SERVICES:
        assert services()[name]["build"] == "."
        assert services()[name]["command"] == [name]
    for name in APP_SERVICES - {"migrate"}:
        assert services()[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services()["migrate"]["restart"] == "no"


def test_the_app_processes_are_given_only_variables_the_app_reads():
    for name in APP_SERVICES:
        assert set(services()[name]["environment"]) <= variables_the_app_reads(), name


def test_prometheus_scrapes_web_and_worker_where_they_listen_and_loads_the_alerts():
    config = mounted_file("prometheus", "/etc/prometheus/prometheus.yml")
    targets = {
        job["job_name"]: target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    worker_environment = services()["worker"]["environment"]

    assert targets == {
        "serviceflow-web": f"web:{container_port('web')}",
        "serviceflow-worker": f"worker:{worker_environment['CELERY_METRICS_PORT']}",
    }
    for rule_file in config["rule_files"]:
        assert mounted_file("prometheus", f"/etc/prometheus/{rule_file}")["groups"]
    assert "web" in services()["web"]["environment"]["DJANGO_ALLOWED_HOSTS"].split(",")


def test_grafana_loads_the_dashboard_from_the_prometheus_it_is_given():
    datasources = mounted_file("grafana", "/etc/grafana/provisioning/datasources/prometheus.yml")
    providers = mounted_file("grafana", "/etc/grafana/provisioning/dashboards/serviceflow.yml")
    [datasource] = datasources["datasources"]
    [provider] = providers["providers"]
    dashboards_folder = dict((target, source) for source, target in mounts("grafana"))[
        provider["options"]["path"]
    ]
    dashboard = yaml.safe_load((BASE_DIR / dashboards_folder / "serviceflow.json").read_text())
    url = urlsplit(datasource["url"])

    assert (url.hostname, str(url.port)) == ("prometheus", container_port("prometheus"))
    used = {
        target["datasource"]["uid"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    }
    assert used == {datasource["uid"]}


def test_the_processes_export_traces_to_the_collector_which_exports_them_on():
    collector = mounted_file("otel-collector", "/etc/otelcol/config.yaml")
    endpoint = urlsplit(services()["web"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"])
    receiver = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"]

    assert endpoint.hostname == "otel-collector"
    assert receiver.endswith(f":{endpoint.port}")
    for pipeline in collector["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline.get(kind, [])) <= set(collector[kind]), kind


def test_the_stores_answer_where_make_test_looks_for_them():
    # `make services` and the test settings expect PostgreSQL (user postgres, no password),
    # Redis and RabbitMQ (guest) on 127.0.0.1 at their standard ports.
    assert services()["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
    assert services()["postgres"]["environment"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert services()["redis"]["ports"] == ["127.0.0.1:6379:6379"]
    assert "127.0.0.1:5672:5672" in services()["rabbitmq"]["ports"]
    assert all(
        port.startswith("127.0.0.1:") for s in services().values() for port in s.get("ports", [])
    )

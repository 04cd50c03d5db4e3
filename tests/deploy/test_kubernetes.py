"""deploy/k8s: the base and each overlay build into valid objects that run the app as intended."""

from pathlib import Path

import pytest

from tests.deploy.app_environment import BASE_DIR, variables_the_app_reads
from tests.deploy.kustomize import build, containers, find, kustomization_of, pod_specs
from tests.deploy.tools import library

K8S = BASE_DIR / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(path for path in (K8S / "overlays").iterdir() if path.is_dir())
BUILDS = [BASE, *OVERLAYS]
# An old Kubernetes release still in service when these were written, and the newest one
# kubernetes-validate 1.37 knows: the manifests use no API that is not in both.
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]
# The production settings refuse to start without these (config/settings/production.py).
REQUIRED_SETTINGS = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOWED_HOSTS", "TRUSTED_PROXIES"}
REQUIRED_SECRETS = {"DJANGO_SECRET_KEY", "SERVICEFLOW_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"}
# PostgreSQL's default max_connections (100) less its reserved ones and room for the migration
# Job, the init containers of a rollout and an operator's psql (docs/deploy.md, "Sizing").
DATABASE_CONNECTION_BUDGET = 90


def build_id(folder: Path) -> str:
    return str(folder.relative_to(K8S))


def deployment(objects: list[dict], component: str) -> dict:
    return find(objects, "Deployment", f"serviceflow-{component}")


def only_container(workload: dict) -> dict:
    [container] = workload["spec"]["template"]["spec"]["containers"]
    return container


def selects(selector: dict, workload: dict) -> bool:
    labels = workload["spec"]["template"]["metadata"]["labels"]
    return selector.items() <= labels.items()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_every_built_object_is_valid_against_the_kubernetes_schemas(folder, version):
    kubernetes_validate = library("kubernetes_validate")

    for obj in build(folder):
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_each_kustomization_lists_every_manifest_beside_it_and_only_existing_ones(folder):
    kustomization = kustomization_of(folder)
    patches = [patch["path"] for patch in kustomization.get("patches", [])]
    listed = [*kustomization.get("resources", []), *patches]

    assert all((folder / entry).exists() for entry in listed)
    manifests = {path.name for path in folder.glob("*.yaml")} - {"kustomization.yaml"}
    assert manifests <= set(listed)


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_web_and_worker_are_probed_autoscaled_and_kept_available_in_disruptions(folder):
    objects = build(folder)
    web, worker = deployment(objects, "web"), deployment(objects, "worker")

    web_container = only_container(web)
    assert web_container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web_container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # The worker serves no HTTP but its metrics listener, opened once it consumes.
    worker_container = only_container(worker)
    metrics_port = {e["name"]: e["value"] for e in worker_container["env"]}["CELERY_METRICS_PORT"]
    assert worker_container["ports"] == [{"name": "metrics", "containerPort": int(metrics_port)}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert worker_container[probe]["httpGet"]["port"] == "metrics"

    autoscaled = {
        hpa["spec"]["scaleTargetRef"]["name"]
        for hpa in objects
        if hpa["kind"] == "HorizontalPodAutoscaler"
    }
    assert autoscaled == {"serviceflow-web", "serviceflow-worker"}
    budgets = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    assert sorted(
        d["metadata"]["name"]
        for budget in budgets
        for d in objects
        if d["kind"] == "Deployment" and selects(budget["spec"]["selector"]["matchLabels"], d)
    ) == ["serviceflow-web", "serviceflow-worker"]


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_beat_is_one_replica_replaced_rather_than_rolled(folder):
    objects = build(folder)
    beat = deployment(objects, "beat")

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert only_container(beat)["args"] == ["beat"]
    assert "initContainers" in beat["spec"]["template"]["spec"]


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_migrations_run_in_a_job_that_every_app_pod_waits_for(folder):
    objects = build(folder)
    job = find(objects, "Job", "serviceflow-migrate")

    assert only_container(job)["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    for component in ("web", "worker", "beat"):
        spec = deployment(objects, component)["spec"]["template"]["spec"]
        assert [c["args"] for c in spec["initContainers"]] == [["await-migrations"]]


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_every_container_has_requests_and_limits_and_runs_unprivileged(folder):
    objects = build(folder)

    for container in containers(objects):
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys(), container["name"]
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys(), container["name"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for spec in pod_specs(objects):
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_settings_come_from_one_config_map_and_one_secret_of_variables_the_app_reads(folder):
    objects = build(folder)
    config_maps = [o for o in objects if o["kind"] == "ConfigMap"]
    secrets = [o for o in objects if o["kind"] == "Secret"]
    [config_map], [secret] = config_maps, secrets
    names = set(config_map["data"]) | set(secret["stringData"])
    names |= {e["name"] for container in containers(objects) for e in container.get("env", [])}

    assert names <= variables_the_app_reads()
    assert not set(config_map["data"]) & set(secret["stringData"])
    assert set(secret["stringData"]) >= REQUIRED_SECRETS
    assert config_map["data"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    for container in containers(objects):
        assert container["envFrom"] == [
            {"configMapRef": {"name": config_map["metadata"]["name"]}},
            {"secretRef": {"name": secret["metadata"]["name"]}},
        ]


@pytest.mark.parametrize("folder", OVERLAYS, ids=build_id)
def test_an_overlay_sets_everything_the_production_settings_require(folder):
    objects = build(folder)
    config_map = next(o for o in objects if o["kind"] == "ConfigMap")

    assert set(config_map["data"]) >= REQUIRED_SETTINGS
    assert all(container["image"] != "serviceflow" for container in containers(objects))


@pytest.mark.django_db
@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_the_app_answers_the_probes_with_the_allowed_hosts_it_is_given(folder, client, settings):
    objects = build(folder)
    config_map = next(o for o in objects if o["kind"] == "ConfigMap")
    settings.ALLOWED_HOSTS = config_map["data"]["DJANGO_ALLOWED_HOSTS"].split(",")
    web = only_container(deployment(objects, "web"))

    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        request = web[probe]["httpGet"]
        host = {h["name"]: h["value"] for h in request["httpHeaders"]}["Host"]
        assert client.get(request["path"], HTTP_HOST=host).status_code == 200
    # Without the header the kubelet sends the pod's address, which no site lists.
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 400


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_the_web_service_sends_to_the_web_pods_on_their_probed_port(folder):
    objects = build(folder)
    service = find(objects, "Service", "serviceflow-web")
    web = deployment(objects, "web")

    assert selects(service["spec"]["selector"], web)
    assert not selects(service["spec"]["selector"], deployment(objects, "worker"))
    [port] = service["spec"]["ports"]
    assert port["targetPort"] == only_container(web)["readinessProbe"]["httpGet"]["port"]
    assert port["targetPort"] in {p["name"] for p in only_container(web)["ports"]}


@pytest.mark.parametrize("folder", BUILDS, ids=build_id)
def test_at_full_scale_the_processes_stay_within_the_database_connection_budget(folder):
    objects = build(folder)
    data = next(o for o in objects if o["kind"] == "ConfigMap")["data"]

    def most(component: str) -> int:
        return find(objects, "HorizontalPodAutoscaler", f"serviceflow-{component}")["spec"][
            "maxReplicas"
        ]

    # Django keeps one connection per thread; a worker's children each one, its main process
    # one; beat one plus the connection that holds its lock (config/beat.py).
    web = most("web") * int(data["WEB_CONCURRENCY"]) * int(data["GUNICORN_THREADS"])
    workers = most("worker") * (int(data["CELERY_CONCURRENCY"]) + 1)
    beat = 2

    assert web + workers + beat <= DATABASE_CONNECTION_BUDGET

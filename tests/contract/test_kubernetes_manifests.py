"""deploy/kubernetes, checked without a cluster: every document of the base and of each overlay against
the Kubernetes and CRD schemas (kubeconform, offline), the same processes as docker-compose.yml, a
KafkaTopic for every topic, secrets by reference only, databases reachable from their service only."""

from __future__ import annotations

import copy
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from relais_dev import capacity, kubernetes, kubeschemas
from relais_dev.stack import repo_root
from relais_shared.manifest import load_manifests

ROOT = repo_root()
BASE = ROOT / "deploy" / "kubernetes" / "base" / "generated"


@pytest.fixture(scope="module")
def tools() -> Path:
    tools = kubeschemas.tools_dir(ROOT)
    assert (tools / "bin" / "kubeconform").exists(), "`make install` installs kubeconform and the schemas"
    return tools


def built(overlay: str) -> list[dict[str, Any]]:
    """The overlay's documents (built once per process: kustomize takes a tenth of a second or more)."""
    return copy.deepcopy(_built(overlay))


@cache
def _built(overlay: str) -> list[dict[str, Any]]:
    result = kubeschemas.build(ROOT, overlay)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


@pytest.mark.usefixtures("tools")
@pytest.mark.parametrize("overlay", kubeschemas.OVERLAYS)
def test_every_document_of_the_base_and_overlays_follows_its_kubernetes_or_crd_schema(overlay: str) -> None:
    result = kubeschemas.build(ROOT, overlay)
    assert result.returncode == 0, result.stderr
    checked = kubeschemas.kubeconform(ROOT, result.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in checked.stdout
    kinds = {doc["kind"] for doc in yaml.safe_load_all(result.stdout) if doc}
    assert {"Deployment", "Job", "KafkaTopic", "Kafka", "KafkaNodePool", "ScaledObject"} <= kinds


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: c, image: i, replica: 2}]
"""
TOPIC = """
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata: {name: t, labels: {strimzi.io/cluster: relais}}
spec: {topicName: t, partitions: "twelve"}
"""
SCALER = """
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: s}
spec: {scaleTargetRef: {name: d}, triggers: [{type: kafka, metadata: {}}], maxReplicas: 3}
"""
UNKNOWN = """
apiVersion: example.org/v1
kind: Gadget
metadata: {name: g}
"""


@pytest.mark.usefixtures("tools")
@pytest.mark.parametrize(
    "document", [DEPLOYMENT, TOPIC, SCALER, UNKNOWN], ids=["kubernetes", "strimzi", "keda", "no-schema"]
)
def test_the_validator_refuses_a_wrong_field_and_a_kind_it_has_no_schema_for(document: str) -> None:
    checked = kubeschemas.kubeconform(ROOT, document)
    assert checked.returncode != 0, checked.stdout
    assert "Valid: 0" in checked.stdout


def compose_processes() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    scripts = {cmd for m in load_manifests().values() for cmd in m.commands().values()}
    return {
        name: service["command"]
        for name, service in services.items()
        if service.get("command") and service["command"][0] in scripts
    }


def generated_documents() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(BASE.glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc and "kind" in doc]
    return documents


def test_docker_compose_starts_the_same_processes_as_the_kubernetes_deployments() -> None:
    deployments = {
        name: doc["spec"]["template"]["spec"]["containers"][0]["command"]
        for name, doc in of_kind(generated_documents(), "Deployment").items()
    }
    assert deployments == compose_processes()
    # Compose's one migrate container runs what the Jobs run per service.
    jobs = of_kind(generated_documents(), "Job")
    with_database = {m.name for m in load_manifests().values() if m.has_database}
    assert {job["spec"]["template"]["spec"]["containers"][0]["command"][2] for job in jobs.values()} == (
        with_database
    )
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "relais-ops migrate" in " ".join(compose["migrate"]["command"])


def catalogue() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "contracts" / "topics.yaml").read_text())


def test_every_topic_and_dead_letter_topic_of_the_catalogue_is_a_kafka_topic() -> None:
    assert kubernetes.missing_topics(ROOT, catalogue()) == []


def test_a_topic_missing_from_the_strimzi_resources_fails_the_check(tmp_path: Path) -> None:
    target = tmp_path / "deploy" / "kubernetes" / "base" / "generated"
    target.mkdir(parents=True)
    shutil.copy(BASE / "kafka-topics.yaml", target)
    documents = list(yaml.safe_load_all((target / "kafka-topics.yaml").read_text()))
    kept = [doc for doc in documents if doc["spec"]["topicName"] != "relais.referral.events"]
    (target / "kafka-topics.yaml").write_text(yaml.safe_dump_all(kept))
    problems = kubernetes.missing_topics(tmp_path, catalogue())
    assert problems == [
        "kubernetes: topic relais.referral.events has no KafkaTopic in "
        "deploy/kubernetes/base/generated/kafka-topics.yaml"
    ]


@pytest.mark.usefixtures("tools")
@pytest.mark.parametrize("overlay", kubeschemas.OVERLAYS)
def test_secrets_are_referred_to_by_name_and_never_written_in_a_manifest(overlay: str) -> None:
    documents = built(overlay)
    assert not of_kind(documents, "Secret")
    for doc in documents:
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            for variable in container.get("env", []):
                secretive = any(w in variable["name"] for w in ("KEY", "SECRET", "PASSWORD", "DATABASE_URL"))
                assert not (secretive and "value" in variable), (doc["metadata"]["name"], variable)


@pytest.mark.usefixtures("tools")
def test_each_development_database_admits_only_the_pods_of_its_own_service() -> None:
    policies = of_kind(built("overlays/dev"), "NetworkPolicy")
    services = [m.name for m in load_manifests().values() if m.has_database]
    assert services
    for service in services:
        policy = policies[f"{service}-postgres"]["spec"]
        assert policy["podSelector"] == {"matchLabels": {"relais.fr/database": service}}
        assert policy["ingress"] == [
            {
                "from": [{"podSelector": {"matchLabels": {"relais.fr/service": service}}}],
                "ports": [{"protocol": "TCP", "port": 5432}],
            }
        ]


def test_only_the_portal_and_the_apis_admit_traffic_from_outside_the_namespace() -> None:
    policies = of_kind(generated_documents(), "NetworkPolicy")
    admitting = {
        name
        for name, policy in policies.items()
        if "Ingress" in policy["spec"]["policyTypes"] and policy["spec"].get("ingress")
    }
    expected = {
        f"{m.name}-{process}-ingress"
        for m in load_manifests().values()
        for process in ("api", "web")
        if process in m.processes
    }
    assert admitting == expected
    for name in admitting:
        assert policies[name]["spec"]["podSelector"]["matchLabels"]["relais.fr/process"] in {"api", "web"}


def test_api_and_web_processes_are_probed_on_the_health_and_readiness_endpoints() -> None:
    for name, doc in of_kind(generated_documents(), "Deployment").items():
        container = doc["spec"]["template"]["spec"]["containers"][0]
        if name.endswith(("-api", "-web")):
            assert container["livenessProbe"]["httpGet"]["path"] == "/health"
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["resources"]["requests"]["memory"].endswith("Mi")
        assert container["resources"]["limits"]["memory"].endswith("Mi")


def test_temporal_values_use_postgresql_by_secret_and_the_shards_and_replicas_of_the_national_plan() -> None:
    values = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "temporal" / "values.yaml").read_text())
    persistence = values["server"]["config"]["persistence"]
    plan = capacity.plan(capacity.COUNTRY, capacity.BenchFigures.load(capacity.bench_path(ROOT)))
    assert persistence["numHistoryShards"] == plan.history_shards
    for service in ("frontend", "history", "matching"):
        assert values["server"][service]["replicaCount"] == plan.temporal_replicas[service]
    for store in persistence["datastores"].values():
        assert store["sql"]["pluginName"] == "postgres12"
        assert "password" not in store["sql"] and store["sql"]["existingSecret"]

"""The contract check itself: it passes on the repository and catches drift and bad examples."""

import json
import shutil
from pathlib import Path

from relais_dev import contracts
from relais_dev.stack import repo_root


def test_contracts_in_the_repository_match_the_code() -> None:
    assert contracts.check(repo_root()) == []


def copy_of_contracts(tmp_path: Path) -> Path:
    """The contracts, what the Kubernetes manifests are generated from and into, and the Keycloak realm."""
    root = repo_root()
    shutil.copytree(root / "contracts", tmp_path / "contracts")
    (tmp_path / "bench" / "results").mkdir(parents=True)
    shutil.copy(root / "bench" / "results" / "latest.json", tmp_path / "bench" / "results")
    shutil.copytree(
        root / "deploy" / "kubernetes",
        tmp_path / "deploy" / "kubernetes",
        ignore=shutil.ignore_patterns("tools"),
    )
    (tmp_path / "deploy" / "keycloak").mkdir(parents=True)
    shutil.copy(root / "deploy" / "keycloak" / "relais-realm.json", tmp_path / "deploy" / "keycloak")
    return tmp_path


def test_a_copy_of_what_the_check_reads_passes_it(tmp_path: Path) -> None:
    assert contracts.check(copy_of_contracts(tmp_path)) == []


def test_the_check_fails_when_a_schema_drifts_from_the_code(tmp_path: Path) -> None:
    root = copy_of_contracts(tmp_path)
    schema_path = root / "contracts/events/referral/referral.submitted.v1.schema.json"
    schema = json.loads(schema_path.read_text())
    del schema["properties"]["qpv_resident"]
    schema_path.write_text(json.dumps(schema))
    assert any("drift" in p and "referral.submitted.v1" in p for p in contracts.check(root))


def test_the_check_fails_when_an_example_breaks_its_schema(tmp_path: Path) -> None:
    root = copy_of_contracts(tmp_path)
    example_path = root / "contracts/events/referral/examples/referral.submitted.v1.json"
    example = json.loads(example_path.read_text())
    example["data"]["first_name"] = "Inès"  # personal data has no place in an event
    example_path.write_text(json.dumps(example))
    assert any("example" in p and "invalid" in p for p in contracts.check(root))


def test_the_check_fails_when_an_event_type_is_missing_from_the_topic_catalogue(tmp_path: Path) -> None:
    root = copy_of_contracts(tmp_path)
    catalogue = root / "contracts/topics.yaml"
    lines = catalogue.read_text().splitlines(keepends=True)
    catalogue.write_text("".join(line for line in lines if "referral.acknowledged.v1" not in line))
    problems = contracts.check(root)
    assert any("catalogue" in p and "referral.acknowledged.v1" in p for p in problems)
    assert any("drift" in p and "topics.yaml" in p for p in problems)  # it is generated from the manifests


def test_the_check_fails_when_a_topic_has_no_strimzi_kafka_topic(tmp_path: Path) -> None:
    root = copy_of_contracts(tmp_path)
    topics = root / "deploy/kubernetes/base/generated/kafka-topics.yaml"
    documents = topics.read_text().split("---\n")
    topics.write_text("---\n".join(d for d in documents if "topicName: relais.training.events" not in d))
    problems = contracts.check(root)
    assert "kubernetes: topic relais.training.events has no KafkaTopic in " in "\n".join(problems)
    assert any("drift" in p and "kafka-topics.yaml" in p for p in problems)  # generated from the catalogue

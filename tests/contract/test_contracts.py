"""The contract check itself: it passes on the repository and catches drift and bad examples."""

import json
import shutil
from pathlib import Path

from relais_dev import contracts
from relais_dev.stack import repo_root


def test_contracts_in_the_repository_match_the_code() -> None:
    assert contracts.check(repo_root()) == []


def copy_of_contracts(tmp_path: Path) -> Path:
    shutil.copytree(repo_root() / "contracts", tmp_path / "contracts")
    return tmp_path


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

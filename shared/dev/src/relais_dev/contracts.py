"""Generation and drift check of ``contracts/``: event JSON Schemas, envelope, OpenAPI, AsyncAPI, and of
the Kubernetes manifests generated from the same manifests and catalogue (``relais_dev.kubernetes``).

``relais contracts generate`` writes what the code declares; ``relais contracts check`` fails when the
files and the code disagree, when an event type has no valid example, when the topic catalogue does
not list exactly the event types the services publish, or when a topic of the catalogue has no
Strimzi ``KafkaTopic``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from relais_dev.keycloak import compose_realm
from relais_shared.envelope import Envelope, EventData, dataschema_for
from relais_shared.kafka import TopicCatalogue
from relais_shared.manifest import ServiceManifest, load_manifests


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def event_schema(model: type[EventData]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = dataschema_for(model.event_type)
    schema["title"] = model.event_type
    schema["x-topic"] = model.topic
    schema["x-source"] = model.source
    return schema


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "contracts/envelope.schema.json"
    return schema


CATALOGUE_HEADER = """\
# Topic catalogue of Relais: one topic per producing service, keyed by aggregate id.
# Generated from the services' manifests by `relais contracts generate`: change a manifest, not this file.
# `relais stack up` / `relais-ops topics` create every topic listed here and each group's dead-letter topic.
"""


def catalogue_document(manifests: dict[str, ServiceManifest]) -> str:
    """``contracts/topics.yaml``: each service's topic(s) with their event types, and its consumer groups."""
    topics: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for manifest in manifests.values():
        for topic, event_types in manifest.topics.items():
            topics[topic] = {
                "owner": manifest.name,
                "key": manifest.topic_key,
                "partitions": manifest.partitions,
                "event_types": event_types,
            }
        for group in manifest.consumer_groups:
            groups[group.name] = {
                "service": manifest.name,
                "purpose": group.purpose,
                "subscribes": list(group.subscribes),
                "dead_letter_topic": group.dead_letter_topic,
            }
    body = yaml.safe_dump(
        {"topics": topics, "consumer_groups": groups}, sort_keys=False, allow_unicode=True, width=110
    )
    return CATALOGUE_HEADER + body


def expected_files(root: Path) -> dict[Path, str]:
    from relais_dev import kubernetes

    manifests = load_manifests()
    catalogue = catalogue_document(manifests)
    files: dict[Path, str] = {
        root / "contracts" / "envelope.schema.json": _dump(envelope_schema()),
        root / "contracts" / "topics.yaml": catalogue,
        # The OpenID Connect realm docker-compose.yml imports: roles and demo accounts follow the code.
        root / "deploy" / "keycloak" / "relais-realm.json": _dump(compose_realm()),
        **kubernetes.expected_files(root, manifests, yaml.safe_load(catalogue)),
    }
    files.update({root / relative: content for relative, content in _documents_of_the_code().items()})
    return files


@functools.cache
def _documents_of_the_code() -> dict[str, str]:
    """The OpenAPI, AsyncAPI and event schemas the services' code declares, by path in the repository.

    They depend on the code alone, which does not change within a process: computed once, so that the
    check's own tests, which run it on several copies of the repository, pay for FastAPI's OpenAPI
    generation (most of a check's time) once.
    """
    documents: dict[str, str] = {}
    for name, manifest in load_manifests().items():
        documents[f"contracts/openapi/{name}.json"] = _dump(manifest.create_app().openapi())
        if manifest.asyncapi is not None:
            documents[f"contracts/asyncapi/{name}.json"] = _dump(manifest.asyncapi())
        for model in manifest.events.all().values():
            documents[dataschema_for(model.event_type)] = _dump(event_schema(model))
    return documents


def generate(root: Path) -> list[Path]:
    written = []
    for path, content in expected_files(root).items():
        if not path.exists() or path.read_text() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            written.append(path)
    return written


def check(root: Path) -> list[str]:
    problems: list[str] = []
    for path, content in expected_files(root).items():
        if not path.exists():
            problems.append(f"missing: {path.relative_to(root)} (run `make contracts`)")
        elif path.read_text() != content:
            problems.append(f"drift: {path.relative_to(root)} differs from the code (run `make contracts`)")
    catalogue = TopicCatalogue.load(root / "contracts" / "topics.yaml")
    problems.extend(_kafka_topics_missing(root))
    envelope = envelope_schema()
    published: set[str] = set()
    for manifest in load_manifests().values():
        for event_type, model in manifest.events.all().items():
            published.add(event_type)
            try:
                if catalogue.topic_for(event_type) != model.topic:
                    problems.append(
                        f"catalogue: {event_type} is listed under another topic than {model.topic}"
                    )
            except KeyError:
                problems.append(f"catalogue: {event_type} is in no topic of contracts/topics.yaml")
            problems.extend(_check_example(root, event_type, event_schema(model), envelope))
    for topic in catalogue.topics.values():
        for event_type in topic.event_types:
            if event_type not in published and not _declared_elsewhere(root, event_type):
                problems.append(f"catalogue: {event_type} has no schema under contracts/events")
    return problems


def _kafka_topics_missing(root: Path) -> list[str]:
    """Every topic of the committed catalogue (and each dead-letter topic) is a Strimzi ``KafkaTopic``."""
    from relais_dev import kubernetes

    catalogue = yaml.safe_load((root / "contracts" / "topics.yaml").read_text())
    return kubernetes.missing_topics(root, catalogue)


def _declared_elsewhere(root: Path, event_type: str) -> bool:
    """Events owned by services not built yet are contracts first: a hand-written schema suffices."""
    return (root / dataschema_for(event_type)).exists()


def _check_example(
    root: Path, event_type: str, schema: dict[str, Any], envelope: dict[str, Any]
) -> list[str]:
    domain = event_type.split(".", 1)[0]
    example_path = root / "contracts" / "events" / domain / "examples" / f"{event_type}.json"
    if not example_path.exists():
        return [f"example: {example_path.relative_to(root)} is missing"]
    example = json.loads(example_path.read_text())
    problems = []
    for label, validated, against in (("envelope", example, envelope), ("data", example.get("data"), schema)):
        try:
            jsonschema.validate(validated, against)
        except jsonschema.ValidationError as exc:
            problems.append(f"example: {example_path.relative_to(root)} {label} invalid: {exc.message}")
    if example.get("type") != event_type:
        problems.append(f"example: {example_path.relative_to(root)} has type {example.get('type')}")
    return problems

"""The referral service's manifest for the platform (contracts, CLI, demo data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relais_referral.settings import ReferralSettings
from relais_shared.manifest import ConsumerGroup, ServiceManifest


def _create_app() -> Any:
    from relais_referral.api.app import create_app

    return create_app()


def _asyncapi() -> dict[str, Any]:
    from faststream.specification import AsyncAPI

    from relais_referral.events.consumer import WorkflowBridge, register_subscribers
    from relais_referral.events.contracts import TOPIC, registry
    from relais_referral.events.evaluation_reminders import EvaluatorReminders
    from relais_referral.events.external import LifeEventsFromPartners
    from relais_referral.service_layer.context import PactContext
    from relais_referral.settings import ReferralSettings
    from relais_shared.db import make_engine, make_sessionmaker
    from relais_shared.envelope import Envelope
    from relais_shared.kafka import TopicCatalogue, catalogue_path, make_broker

    settings = ReferralSettings()
    # The documented server is the development default, not this machine's: the committed contract must
    # not change with RELAIS_KAFKA_BOOTSTRAP (a stack on other ports failed `make contracts-check`).
    broker = make_broker(str(ReferralSettings.model_fields["kafka_bootstrap"].default), "referral")
    register_subscribers(
        broker,
        sessions=make_sessionmaker(make_engine(settings.database_url)),
        catalogue=TopicCatalogue.load(catalogue_path()),
        bridge=WorkflowBridge(  # documented, never called
            None, settings.task_queue, default_departement=settings.default_departement
        ),
        life_events=LifeEventsFromPartners(PactContext.from_settings(settings)),
        max_retries=0,
        backoff_s=0,
        evaluation_reminders=EvaluatorReminders(None, settings.portal_url),  # documented, never called
    )
    for event_type, model in registry.all().items():
        # Documentation of what the outbox relay publishes on the service's topic.
        broker.publisher(TOPIC, title=f"{TOPIC}:{event_type}", description=model.__doc__, schema=Envelope)
    spec = AsyncAPI(broker, title="Relais — referral events", version="0.1.0", schema_version="3.0.0")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document


def _demo() -> Any:
    from relais_referral.demo import load_demo_data

    return load_demo_data


def _demo_hint() -> str:
    from relais_referral.demo import org_id

    name = "Mission locale Nantes Métropole"
    return f"par exemple {name} : uv run relais token --org {org_id(name)} --role counsellor"


def _events() -> Any:
    from relais_referral.events.contracts import registry

    return registry


MANIFEST = ServiceManifest(
    name="referral",
    label="Orientations",
    settings=ReferralSettings,
    processes=("api", "consumer", "relay", "worker"),
    create_app=_create_app,
    service_dir=Path(__file__).resolve().parents[2],
    events=_events(),
    topic_key="aggregate id of the event's subject (referral id, or jobseeker id for journey events)",
    consumer_groups=(
        ConsumerGroup(
            "referral-inbox",
            "projection of each organisation's incoming referrals (inbox)",
            ("relais.referral.events",),
        ),
        ConsumerGroup(
            "referral-workflow-bridge",
            "turns referral and journey events into ReferralWorkflow / JourneyWorkflow starts and signals",
            ("relais.referral.events",),
        ),
        ConsumerGroup(
            "referral-life-events",
            "hires (clauses) and enrolments confirmed, cancelled or abandoned (training) in journeys",
            ("relais.clauses.events", "relais.training.events"),
        ),
        ConsumerGroup(
            "referral-evaluation-reminders",
            "mails the evaluators of a joint evaluation campaign invited or reminded of a deadline "
            "(evaluation.evaluator_invited.v1, evaluation.evaluator_reminded.v1), at their address in "
            "the directory",
            ("relais.evaluation.events",),
        ),
    ),
    asyncapi=_asyncapi,
    demo_loader=_demo,
    demo_hint=_demo_hint,
)

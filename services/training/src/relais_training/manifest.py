"""The training service's manifest for the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relais_shared.manifest import ConsumerGroup, ServiceManifest
from relais_training.app import create_app
from relais_training.events import registry
from relais_training.settings import TrainingSettings


def _demo() -> Any:
    from relais_training.demo import load_demo_data

    return load_demo_data


def _demo_hint() -> str:
    from relais_training.demo import provider_id

    return f"formation : uv run relais token --org {provider_id()} --role training_provider"


MANIFEST = ServiceManifest(
    name="training",
    label="Formation",
    settings=TrainingSettings,
    processes=("api", "consumer", "relay", "worker"),
    demo_loader=_demo,
    demo_hint=_demo_hint,
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
    events=registry,
    topic_key="enrolment id",
    consumer_groups=(
        ConsumerGroup(
            "training-referrals",
            "enrols the people referred to a session (referral.submitted.v1), anonymises the erased"
            " (jobseeker.erased.v1), re-keys a merged duplicate's enrolments (jobseeker.merged.v1)",
            ("relais.referral.events",),
        ),
    ),
)

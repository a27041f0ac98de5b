"""The clauses service's manifest for the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relais_clauses.adapters.events.published import registry
from relais_clauses.app import create_app
from relais_clauses.settings import ClausesSettings
from relais_shared.manifest import ConsumerGroup, ServiceManifest


def _demo() -> Any:
    from relais_clauses.demo import load_demo_data

    return load_demo_data


def _demo_hint() -> str:
    from relais_clauses.demo import BUYERS, CONTRACTORS, facilitator_id, party_id

    return (
        f"clauses : uv run relais token --org {facilitator_id()} --role facilitator"
        f" (acheteur {BUYERS[0]} : --org {party_id(BUYERS[0])} --kind buyer --role buyer ;"
        f" titulaire {CONTRACTORS[0]} : --org {party_id(CONTRACTORS[0])} --kind employer --role employer)"
    )


MANIFEST = ServiceManifest(
    name="clauses",
    label="Clauses sociales",
    settings=ClausesSettings,
    processes=("api", "consumer", "relay", "worker"),
    demo_loader=_demo,
    demo_hint=_demo_hint,
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
    events=registry,
    topic_key="contract id, or work contract id for hires and hours",
    consumer_groups=(
        ConsumerGroup(
            "clauses-obligation-monitor",
            "starts the ObligationMonitorWorkflow of each registered contract",
            ("relais.clauses.events",),
        ),
        ConsumerGroup(
            "clauses-erasure",
            "anonymises the participants the referral service erased (jobseeker.erased.v1), re-keys a merged"
            " duplicate's participant (jobseeker.merged.v1)",
            ("relais.referral.events",),
        ),
    ),
)

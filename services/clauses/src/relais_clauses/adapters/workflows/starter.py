"""Kafka → Temporal: a registered contract starts its obligation monitor (once, whatever redeliveries)."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from relais_clauses.adapters.db.models import infra
from relais_clauses.adapters.events.published import TOPIC, ContractRegisteredV1
from relais_clauses.adapters.workflows.monitor import MonitorInput, ObligationMonitorWorkflow
from relais_shared.consumer import reliable_subscriber
from relais_shared.envelope import IncomingEnvelope

MONITOR_GROUP = "clauses-obligation-monitor"


def monitor_id(contract_id: str) -> str:
    return f"obligation-{contract_id}"


def subscribe_monitor_starts(
    broker: Any,
    *,
    client: Client,
    task_queue: str,
    sessions: async_sessionmaker[AsyncSession],
    dead_letter_topic: str,
    max_retries: int,
    backoff_s: float,
) -> None:
    async def start(session: AsyncSession, envelope: IncomingEnvelope) -> None:
        if envelope.type != ContractRegisteredV1.event_type:
            return
        contract_id = str(envelope.data["contract_id"])
        # One monitor per contract, ever: a redelivered event, or one replayed after the monitor ended,
        # starts nothing new.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await client.start_workflow(
                ObligationMonitorWorkflow.run,
                MonitorInput(contract_id=contract_id),
                id=monitor_id(contract_id),
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )

    reliable_subscriber(
        broker,
        topics=(TOPIC,),
        group_id=MONITOR_GROUP,
        dead_letter_topic=dead_letter_topic,
        sessions=sessions,
        processed=infra.processed_events,
        contracts={ContractRegisteredV1.event_type: ContractRegisteredV1},
        handler=start,
        max_retries=max_retries,
        backoff_s=backoff_s,
    )

"""Subscribers of the referral service: the inbox projection and the Kafka→Temporal bridge.

Two consumer groups, each with its own offsets and dead-letter topic, so that a slow Temporal never
delays the inbox and a poison message in one never blocks the other.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from relais_referral.db.models import infra
from relais_referral.domain.calendar import end_of_day
from relais_referral.events.contracts import TOPIC, ReferralAcknowledgedV1, ReferralSubmittedV1
from relais_referral.service_layer.handlers import project_inbox
from relais_referral.workflows.referral import AcknowledgedSignal, ReferralWorkflow, ReferralWorkflowInput
from relais_shared.consumer import reliable_subscriber
from relais_shared.envelope import IncomingEnvelope, read_data
from relais_shared.kafka import TopicCatalogue

INBOX_GROUP = "referral-inbox"
BRIDGE_GROUP = "referral-workflow-bridge"


def workflow_id(referral_id: object) -> str:
    return f"referral-{referral_id}"


class WorkflowBridge:
    """Turns referral events into workflow starts and signals."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def __call__(self, session: AsyncSession, envelope: IncomingEnvelope) -> None:
        if envelope.type == ReferralSubmittedV1.event_type:
            event = read_data(envelope, ReferralSubmittedV1)
            try:
                await self.client.start_workflow(
                    ReferralWorkflow.run,
                    ReferralWorkflowInput(
                        referral_id=str(event.referral_id),
                        sender_org_id=str(event.sender_org_id),
                        receiver_org_id=str(event.receiver_org_id),
                        acknowledgement_due=event.acknowledgement_due,
                        acknowledgement_deadline=end_of_day(event.acknowledgement_due),
                    ),
                    id=workflow_id(event.referral_id),
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                pass  # a redelivery after the start but before the commit: harmless
        elif envelope.type == ReferralAcknowledgedV1.event_type:
            ack = read_data(envelope, ReferralAcknowledgedV1)
            handle = self.client.get_workflow_handle(workflow_id(ack.referral_id))
            await handle.signal(
                ReferralWorkflow.acknowledged, AcknowledgedSignal(by_org_id=str(ack.receiver_org_id))
            )


def subscribe_inbox(
    broker: KafkaBroker,
    *,
    sessions: async_sessionmaker[AsyncSession],
    dead_letter_topic: str,
    max_retries: int,
    backoff_s: float,
    topics: tuple[str, ...] = (TOPIC,),
    group_id: str = INBOX_GROUP,
) -> None:
    """The inbox projection; another topic or group only for replays (the benchmark replays a backlog)."""
    reliable_subscriber(
        broker,
        topics=topics,
        group_id=group_id,
        dead_letter_topic=dead_letter_topic,
        sessions=sessions,
        processed=infra.processed_events,
        handler=project_inbox,
        max_retries=max_retries,
        backoff_s=backoff_s,
    )


def register_subscribers(
    broker: KafkaBroker,
    *,
    sessions: async_sessionmaker[AsyncSession],
    catalogue: TopicCatalogue,
    bridge: WorkflowBridge | None,
    max_retries: int,
    backoff_s: float,
) -> None:
    subscribe_inbox(
        broker,
        sessions=sessions,
        dead_letter_topic=catalogue.consumer_groups[INBOX_GROUP].dead_letter_topic,
        max_retries=max_retries,
        backoff_s=backoff_s,
    )
    if bridge is not None:
        reliable_subscriber(
            broker,
            topics=(TOPIC,),
            group_id=BRIDGE_GROUP,
            dead_letter_topic=catalogue.consumer_groups[BRIDGE_GROUP].dead_letter_topic,
            sessions=sessions,
            processed=infra.processed_events,
            handler=bridge,
            max_retries=max_retries,
            backoff_s=backoff_s,
        )

"""Subscribers of the referral service: the inbox projection, the Kafka→Temporal bridge, life events, and
the evaluation campaigns' reminders to mail.

Separate consumer groups, each with its own offsets and dead-letter topic, so that a slow Temporal
never delays the inbox and a poison message in one never blocks the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from relais_referral.db.models import infra
from relais_referral.events import contracts as c
from relais_referral.events import evaluation_reminders as reminders
from relais_referral.events.external import CONTRACTS as EXTERNAL_CONTRACTS
from relais_referral.events.external import TOPICS as EXTERNAL_TOPICS
from relais_referral.events.external import LifeEventsFromPartners
from relais_referral.service_layer.projections import project_inbox
from relais_referral.service_layer.timers import journey_signal_needed, journey_timers, referral_timers
from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.messages import (
    JourneySnapshot,
    JourneyWorkflowInput,
    ReferralWorkflowInput,
    StatusChanged,
)
from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.consumer import PermanentError, is_transient, producer_context, reliable_subscriber
from relais_shared.envelope import IncomingEnvelope
from relais_shared.kafka import TopicCatalogue

INBOX_GROUP = "referral-inbox"
BRIDGE_GROUP = "referral-workflow-bridge"
LIFE_EVENTS_GROUP = "referral-life-events"
EVALUATION_REMINDERS_GROUP = "referral-evaluation-reminders"

# The inbox is projected a batch at a time (two statements per batch): larger batches catch up faster.
INBOX_BATCH = 2000

REFERRAL_EVENTS = {
    t for t in c.registry.all() if t.startswith("referral.") and t != c.ReferralEscalatedV1.event_type
}
JOURNEY_EVENTS = {t for t in c.registry.all() if t.startswith(("journey.", "jobseeker."))} | {
    c.ReferralSubmittedV1.event_type,
    c.ReferralAcceptedV1.event_type,
    c.ReferralReturnedToSenderV1.event_type,
    c.ReferralWithdrawnV1.event_type,
    c.ReferralObsoleteV1.event_type,
    c.ReferralClosedV1.event_type,
}


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise PermanentError(f"not an aggregate id: {value!r}") from exc


def _leaves(group: BaseExceptionGroup[Exception]) -> list[Exception]:
    found: list[Exception] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


def workflow_id(referral_id: object) -> str:
    return f"referral-{referral_id}"


def journey_workflow_id(jobseeker_id: object) -> str:
    return f"journey-{jobseeker_id}"


class WorkflowBridge:
    """Turns events into workflow starts and signals; timers are read from the database, the truth.

    A batch of events at a time: the database is read once per referral and per person the batch names
    (their latest state covers every event about them), then the Temporal calls go out concurrently,
    each in a span of the trace of the event that asked for it. Any failure rolls the batch back and the
    subscriber handles its events one by one.
    """

    # Temporal calls in flight at once: a batch no longer waits for each round trip in turn.
    CONCURRENCY = 16

    def __init__(self, client: Client, task_queue: str, *, default_departement: str) -> None:
        self.client = client
        self.task_queue = task_queue
        # The ``default_departement`` setting, for a receiver whose directory entry has no département;
        # no default here, so that no caller can quietly put every such referral on Nantes' calendar.
        self.default_departement = default_departement

    async def __call__(self, session: AsyncSession, envelopes: Sequence[IncomingEnvelope]) -> None:
        referrals: dict[uuid.UUID, IncomingEnvelope] = {}
        people: dict[uuid.UUID, IncomingEnvelope] = {}
        for envelope in envelopes:  # the last event about each one carries the trace on
            if envelope.type in REFERRAL_EVENTS:
                referrals[_uuid(envelope.subject)] = envelope
            jobseeker_id = envelope.data.get("jobseeker_id") if envelope.type in JOURNEY_EVENTS else None
            if jobseeker_id:
                people[_uuid(str(jobseeker_id))] = envelope
        calls: list[tuple[IncomingEnvelope, Callable[[], Awaitable[None]]]] = []
        # In id order (one lock order for every consumer instance); the session runs one query at a time.
        for referral_id, envelope in sorted(referrals.items()):
            call = await self._referral(session, referral_id)
            if call is not None:
                calls.append((envelope, call))
        for jobseeker_id, envelope in sorted(people.items()):
            call = await self._journey(session, jobseeker_id)
            if call is not None:
                calls.append((envelope, call))
        gate = asyncio.Semaphore(self.CONCURRENCY)
        tracer = trace.get_tracer(__name__)

        async def run(envelope: IncomingEnvelope, call: Callable[[], Awaitable[None]]) -> None:
            async with gate:
                with tracer.start_as_current_span(
                    f"{envelope.type} to workflow",
                    context=producer_context(envelope),  # None: the current span (one message alone)
                    kind=SpanKind.CONSUMER,
                    attributes={"messaging.consumer.group.name": BRIDGE_GROUP},
                ):
                    await call()

        try:
            async with asyncio.TaskGroup() as group:
                for envelope, call in calls:
                    group.create_task(run(envelope, call))
        except ExceptionGroup as failed:
            # The subscriber tells an outage (wait, retry) from a bad message by the exception itself.
            leaves = _leaves(failed)
            raise next((exc for exc in leaves if is_transient(exc)), leaves[0]) from failed

    async def _referral(
        self, session: AsyncSession, referral_id: uuid.UUID
    ) -> Callable[[], Awaitable[None]] | None:
        """Signal-with-start from the database's state: a lost or late event still ends in the right clock."""
        timers = await referral_timers(session, referral_id, self.default_departement)
        if timers is None:
            return None
        d = timers.deadlines
        state = {
            "status": timers.status,
            "outcome_due_at": timers.outcome_due_at,
            "decision_due_at": timers.decision_due_at,
            "had_appointment": timers.had_appointment,
        }
        workflow_input = ReferralWorkflowInput(
            referral_id=str(referral_id),
            sender_org_id=str(timers.sender_org_id),
            receiver_org_id=str(timers.receiver_org_id),
            reminder_at=d.reminder_at,
            manager_escalation_at=d.manager_escalation_at,
            coordination_escalation_at=d.coordination_escalation_at,
            expiry_at=d.expiry_at,
            **state,
        )
        # Already started and closed (accepted, refused…): one run per referral, never a second.
        return self._signal_with_start(
            ReferralWorkflow.run,
            workflow_input,
            workflow_id(referral_id),
            ("status_changed", StatusChanged(**state)),
            WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )

    async def _journey(
        self, session: AsyncSession, jobseeker_id: uuid.UUID
    ) -> Callable[[], Awaitable[None]] | None:
        timers = await journey_timers(session, jobseeker_id)
        if timers is None or not await journey_signal_needed(session, jobseeker_id, timers):
            return None  # unknown person, or timers the workflow already holds
        snapshot = JourneySnapshot(
            version=timers.version,
            in_pact=timers.in_pact,
            unaccompanied_since=timers.unaccompanied_since,
            unaccompanied_due_at=timers.unaccompanied_due_at,
            follow_ups_at=timers.follow_ups_at,
        )
        # The first event of a person starts their journey workflow; one that ended (exit and every
        # follow-up done) has nothing left to time, one that failed starts again.
        return self._signal_with_start(
            JourneyWorkflow.run,
            JourneyWorkflowInput(jobseeker_id=str(jobseeker_id)),
            journey_workflow_id(jobseeker_id),
            ("journey_changed", snapshot),
            WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )

    def _signal_with_start(
        self,
        run: Any,
        workflow_input: Any,
        workflow_id: str,
        signal: tuple[str, Any],
        reuse: WorkflowIDReusePolicy,
    ) -> Callable[[], Awaitable[None]]:
        """The Temporal call, to make later: signal the workflow, starting it first if it is not running;
        a closed one that the reuse policy keeps closed is left alone."""

        async def call() -> None:
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await self.client.start_workflow(
                    run,
                    workflow_input,
                    id=workflow_id,
                    task_queue=self.task_queue,
                    id_reuse_policy=reuse,
                    start_signal=signal[0],
                    start_signal_args=[signal[1]],
                )

        return call


def subscribe_inbox(
    broker: KafkaBroker,
    *,
    sessions: async_sessionmaker[AsyncSession],
    dead_letter_topic: str,
    max_retries: int,
    backoff_s: float,
    topics: tuple[str, ...] = (c.TOPIC,),
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
        contracts=c.registry.all(),
        batch_handler=project_inbox,
        max_retries=max_retries,
        backoff_s=backoff_s,
        batch_size=INBOX_BATCH,
    )


def register_subscribers(
    broker: KafkaBroker,
    *,
    sessions: async_sessionmaker[AsyncSession],
    catalogue: TopicCatalogue,
    bridge: WorkflowBridge | None,
    life_events: LifeEventsFromPartners | None,
    max_retries: int,
    backoff_s: float,
    evaluation_reminders: reminders.EvaluatorReminders | None = None,
) -> None:
    def subscribe(group: str, topics: tuple[str, ...], contracts: Mapping[str, Any], **handler: Any) -> None:
        reliable_subscriber(
            broker,
            topics=topics,
            group_id=group,
            dead_letter_topic=catalogue.consumer_groups[group].dead_letter_topic,
            sessions=sessions,
            processed=infra.processed_events,
            contracts=contracts,
            max_retries=max_retries,
            backoff_s=backoff_s,
            **handler,
        )

    subscribe_inbox(
        broker,
        sessions=sessions,
        dead_letter_topic=catalogue.consumer_groups[INBOX_GROUP].dead_letter_topic,
        max_retries=max_retries,
        backoff_s=backoff_s,
    )
    if bridge is not None:
        subscribe(BRIDGE_GROUP, (c.TOPIC,), c.registry.all(), batch_handler=bridge)
    if life_events is not None:
        subscribe(LIFE_EVENTS_GROUP, EXTERNAL_TOPICS, EXTERNAL_CONTRACTS, handler=life_events)
    if evaluation_reminders is not None:
        subscribe(
            EVALUATION_REMINDERS_GROUP, reminders.TOPICS, reminders.CONTRACTS, handler=evaluation_reminders
        )

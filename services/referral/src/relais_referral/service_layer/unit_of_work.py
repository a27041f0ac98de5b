"""Unit of work: one transaction that commits state and the outbox rows of the events it caused.

Built on the kernel's ``SqlUnitOfWork``; it attaches the referral service's repositories, turns the
aggregates' domain events into integration events, and writes the audit log in the same transaction.
Handlers see only the repositories and these methods, so their unit tests run on a fake.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.caseload import CaseloadRepository
from relais_referral.db.models import infra
from relais_referral.db.offer import NeedRepository, OfferRepository
from relais_referral.db.people import DirectoryRepository, JobseekerRepository, TaskRepository
from relais_referral.db.privacy import PrivacyRepository
from relais_referral.db.repository import JourneyRepository, PolicyRepository, ReferralRepository
from relais_referral.domain.events import DomainEvent
from relais_referral.events.mapping import journey_integration_event, to_integration_event
from relais_shared.audit import record_access
from relais_shared.auth import Principal
from relais_shared.envelope import EventData
from relais_shared.unit_of_work import SqlUnitOfWork


class UnitOfWork(SqlUnitOfWork):
    outbox = infra.outbox
    processed_events = infra.processed_events
    referrals: ReferralRepository
    journeys: JourneyRepository
    policies: PolicyRepository
    directory: DirectoryRepository
    jobseekers: JobseekerRepository
    tasks: TaskRepository
    offer: OfferRepository
    needs: NeedRepository
    caseload: CaseloadRepository
    privacy: PrivacyRepository

    def bind(self, session: AsyncSession) -> None:
        super().bind(session)
        self.referrals = ReferralRepository(session)
        self.journeys = JourneyRepository(session)
        self.policies = PolicyRepository(session)
        self.directory = DirectoryRepository(session)
        self.jobseekers = JobseekerRepository(session)
        self.tasks = TaskRepository(session)
        self.offer = OfferRepository(session)
        self.needs = NeedRepository(session)
        self.caseload = CaseloadRepository(session)
        self.privacy = PrivacyRepository(session)

    def publish(self, event: DomainEvent | EventData, *, event_id: uuid.UUID | None = None) -> None:
        """Stage an event (a domain event is mapped to its contract); it goes to the outbox in this
        transaction."""
        super().publish(
            event if isinstance(event, EventData) else to_integration_event(event), event_id=event_id
        )

    async def audit(
        self,
        principal: Principal,
        *,
        action: str,
        resource_type: str,
        resource_id: str | None,
        outcome: str = "allowed",
        detail: str | None = None,
    ) -> None:
        """Who read or changed personal data, in the same transaction as what they did."""
        await record_access(
            self.session,
            infra.audit_log,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=outcome,
            detail=detail,
        )

    async def audit_each(
        self, principal: Principal, *, action: str, resource_type: str, resource_ids: list[str]
    ) -> None:
        """One audit line per person a read returned (a page of a search), in one statement."""
        if resource_ids:
            await self.session.execute(
                infra.audit_log.insert(),
                [
                    {
                        "actor_sub": principal.sub,
                        "actor_org_id": principal.org_id,
                        "action": action,
                        "resource_type": resource_type,
                        "resource_id": resource_id,
                        "outcome": "allowed",
                    }
                    for resource_id in resource_ids
                ],
            )

    async def flush_events(self) -> None:
        """What handlers staged, then the events the journeys and the referrals recorded, in order."""
        for journey in self.journeys.seen:
            for event in journey.events:
                super().publish(journey_integration_event(event), event_id=event.event_id)
            journey.events.clear()
        for referral in self.referrals.seen:
            for event in referral.events:
                self.publish(event)
            referral.events.clear()
        await super().flush_events()

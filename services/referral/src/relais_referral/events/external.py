"""Events of other services that change a journey: hired (clauses), training abandoned (training).

The referral service reads them with its own tolerant models (it never imports another service's
code); the producers own the contracts under ``contracts/events/clauses`` and ``.../training``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.domain.errors import DomainError
from relais_referral.domain.journey import LifeEvent
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_shared.consumer import PermanentError
from relais_shared.envelope import IncomingEnvelope

TOPICS = ("relais.clauses.events", "relais.training.events")
PARTICIPANT_HIRED = "clauses.participant_hired.v1"
ENROLMENT_ABANDONED = "training.enrolment_abandoned.v1"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ParticipantHired(_Tolerant):
    jobseeker_id: uuid.UUID
    contract_type: str
    weekly_hours: float | None = None
    hired_at: datetime
    employer_org_id: uuid.UUID | None = None  # the contractor the facilitator referred the person to


class EnrolmentAbandoned(_Tolerant):
    jobseeker_id: uuid.UUID
    abandoned_at: datetime


# The partners' events this service reads, and the tolerant model each one's data must satisfy.
CONTRACTS: dict[str, type[BaseModel]] = {
    PARTICIPANT_HIRED: ParticipantHired,
    ENROLMENT_ABANDONED: EnrolmentAbandoned,
}


class LifeEventsFromPartners:
    """Applies partners' life events to the journey in the consumer's transaction."""

    def __init__(self, context: PactContext) -> None:
        self.context = context

    async def __call__(self, session: AsyncSession, envelope: IncomingEnvelope) -> None:
        from relais_referral.service_layer.journeys import record_life_event
        from relais_referral.service_layer.referrals import accept_on_hire
        from relais_referral.service_layer.unit_of_work import UnitOfWork

        employer: uuid.UUID | None = None
        if envelope.type == PARTICIPANT_HIRED:
            hired = ParticipantHired.model_validate(envelope.data)
            person, kind, employer = hired.jobseeker_id, LifeEvent.HIRED, hired.employer_org_id
            extra = {"contract_type": hired.contract_type, "weekly_hours": hired.weekly_hours}
        elif envelope.type == ENROLMENT_ABANDONED:
            person, kind = (
                EnrolmentAbandoned.model_validate(envelope.data).jobseeker_id,
                LifeEvent.TRAINING_ABANDONED,
            )
            extra = {}
        else:
            return  # other events of these topics do not concern journeys
        uow = UnitOfWork.within(session)  # commits with the consumer's processed_events row
        try:
            if employer is not None:  # the referral that brought the candidate is taken in charge first
                await accept_on_hire(uow, person, employer, self.context)
            await record_life_event(
                uow, None, person, kind, self.context, event_id=uuid.uuid5(envelope.id, "journey"), **extra
            )
        except (NotFound, DomainError) as exc:
            raise PermanentError(f"{envelope.type} for an unknown or closed journey: {exc}") from exc
        await uow.flush_events()

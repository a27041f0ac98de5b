"""Events of other services that change a journey: hired (clauses); from the training service, an
enrolment confirmed (the referral asking for the seat is taken in charge), waitlisted (the referral is
acknowledged: the provider answered, the person waits for a seat), cancelled or abandoned (the person
goes back to their counsellor, who re-orients them).

The referral service reads them with its own tolerant models (it never imports another service's
code); the producers own the contracts under ``contracts/events/clauses`` and ``.../training``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from opentelemetry import metrics
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.domain.errors import DomainError
from relais_referral.domain.journey import LifeEvent
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_shared.consumer import PermanentError
from relais_shared.envelope import IncomingEnvelope
from relais_shared.telemetry import get_logger

if TYPE_CHECKING:
    from relais_referral.service_layer.unit_of_work import UnitOfWork

TOPICS = ("relais.clauses.events", "relais.training.events")
PARTICIPANT_HIRED = "clauses.participant_hired.v1"
ENROLMENT_ABANDONED = "training.enrolment_abandoned.v1"
ENROLMENT_CONFIRMED = "training.enrolment_confirmed.v1"
ENROLMENT_CANCELLED = "training.enrolment_cancelled.v1"
ENROLMENT_WAITLISTED = "training.enrolment_waitlisted.v1"


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
    referral_id: uuid.UUID | None = None  # the referral that asked for the seat, if any


class EnrolmentConfirmed(_Tolerant):
    jobseeker_id: uuid.UUID
    provider_org_id: uuid.UUID
    referral_id: uuid.UUID | None = None


class EnrolmentCancelled(_Tolerant):
    jobseeker_id: uuid.UUID
    cause: str  # withdrawn, session_cancelled, session_unavailable, session_started, waitlist_closed
    referral_id: uuid.UUID | None = None


class EnrolmentWaitlisted(_Tolerant):
    provider_org_id: uuid.UUID
    referral_id: uuid.UUID | None = None
    position: int


log = get_logger(__name__)

_NOT_FOLLOWED = metrics.get_meter(__name__).create_counter(
    "relais.referral.partner_events_not_followed",
    unit="{event}",
    description="Partners' events about a person the pact's journeys do not follow (nothing to record)",
)

# The partners' events this service reads, and the tolerant model each one's data must satisfy.
CONTRACTS: dict[str, type[BaseModel]] = {
    PARTICIPANT_HIRED: ParticipantHired,
    ENROLMENT_ABANDONED: EnrolmentAbandoned,
    ENROLMENT_CONFIRMED: EnrolmentConfirmed,
    ENROLMENT_CANCELLED: EnrolmentCancelled,
    ENROLMENT_WAITLISTED: EnrolmentWaitlisted,
}


class LifeEventsFromPartners:
    """Applies partners' life events to the journey in the consumer's transaction."""

    def __init__(self, context: PactContext) -> None:
        self.context = context

    async def __call__(self, session: AsyncSession, envelope: IncomingEnvelope) -> None:
        from relais_referral.service_layer.journeys import record_life_event
        from relais_referral.service_layer.referrals import (
            accept_on_enrolment,
            accept_on_hire,
            acknowledge_on_waitlist,
            end_training,
        )
        from relais_referral.service_layer.unit_of_work import UnitOfWork

        uow = UnitOfWork.within(session)  # commits with the consumer's processed_events row
        journey_event_id = uuid.uuid5(envelope.id, "journey")
        try:
            if envelope.type == PARTICIPANT_HIRED:
                hired = ParticipantHired.model_validate(envelope.data)
                if not await self._follows(uow, hired.jobseeker_id, envelope):
                    return
                if hired.employer_org_id is not None:  # the referral that brought the candidate first
                    await accept_on_hire(uow, hired.jobseeker_id, hired.employer_org_id, self.context)
                await record_life_event(
                    uow,
                    None,
                    hired.jobseeker_id,
                    LifeEvent.HIRED,
                    self.context,
                    event_id=journey_event_id,
                    contract_type=hired.contract_type,
                    weekly_hours=hired.weekly_hours,
                )
            elif envelope.type == ENROLMENT_CONFIRMED:
                confirmed = EnrolmentConfirmed.model_validate(envelope.data)
                if confirmed.referral_id is None:
                    return  # enrolled by the provider directly: no referral to answer
                await accept_on_enrolment(uow, confirmed.referral_id, confirmed.provider_org_id, self.context)
            elif envelope.type == ENROLMENT_WAITLISTED:
                waitlisted = EnrolmentWaitlisted.model_validate(envelope.data)
                if waitlisted.referral_id is None:
                    return  # put on the waitlist by the provider directly: no referral to answer
                await acknowledge_on_waitlist(
                    uow, waitlisted.referral_id, waitlisted.provider_org_id, self.context
                )
            elif envelope.type in (ENROLMENT_ABANDONED, ENROLMENT_CANCELLED):
                ended: EnrolmentAbandoned | EnrolmentCancelled
                if envelope.type == ENROLMENT_ABANDONED:
                    ended = EnrolmentAbandoned.model_validate(envelope.data)
                    cause = "abandoned"
                else:
                    ended = EnrolmentCancelled.model_validate(envelope.data)
                    cause = ended.cause
                person = await self._holder(uow, ended.jobseeker_id, ended.referral_id)
                if not await self._follows(uow, person, envelope):
                    return
                await end_training(
                    uow, person, ended.referral_id, cause, self.context, event_id=journey_event_id
                )
            else:
                return  # other events of these topics do not concern journeys
        except (NotFound, DomainError) as exc:
            raise PermanentError(f"{envelope.type} for an unknown or closed journey: {exc}") from exc
        await uow.flush_events()

    @staticmethod
    async def _holder(uow: UnitOfWork, jobseeker_id: uuid.UUID, referral_id: uuid.UUID | None) -> uuid.UUID:
        """The person an event's referral now belongs to: a merge of two records of one person moves the
        duplicate's referrals to the kept record, while the training service still names the duplicate
        (its waitlisted referral would otherwise wait for ever, no clock running on it)."""
        referral = await uow.referrals.get(referral_id) if referral_id else None
        return referral.jobseeker_id if referral is not None else jobseeker_id

    async def _follows(self, uow: UnitOfWork, jobseeker_id: uuid.UUID, envelope: IncomingEnvelope) -> bool:
        """Whether a journey follows the person. A facilitator hires whoever they found eligible and a
        provider enrols whoever applies: many came through no referral of the pact, and their hire or
        training is the partner's business alone; a person who left the pact is followed up by their
        référent's own records (the situations at 3, 6 and 12 months), and their hire is often the one
        that made them leave. Such an event is skipped — not dead-lettered: the dead-letter topic is for
        what cannot be processed, and an operator would find it full of ordinary hires."""
        journey = await uow.journeys.get(jobseeker_id, self.context.coordination_org_id)
        if journey is not None and journey.in_pact:  # after an exit, the référent records what follows
            return True
        _NOT_FOLLOWED.add(1, {"cloudevents.event_type": envelope.type})  # counted; a line each on debug only
        log.debug(
            "event about a person no journey follows: skipped", event_id=str(envelope.id), type=envelope.type
        )
        return False

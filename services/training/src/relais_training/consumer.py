"""What the training service reads of the referral service's events: a referral to a training provider
that names one of its sessions (the request for a seat), an erased person (anonymised here), and two
records of one person merged (the duplicate's enrolments become the kept record's).

Read with this service's own tolerant models (it never imports another service's code); the referral
service owns the contracts under ``contracts/events/referral`` and ``.../jobseeker``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from relais_shared.consumer import PermanentError
from relais_shared.envelope import IncomingEnvelope
from relais_shared.errors import NotFound
from relais_shared.telemetry import get_logger
from relais_training import service_layer as handlers

log = get_logger(__name__)

GROUP = "training-referrals"
REFERRAL_TOPIC = "relais.referral.events"
SUBMITTED = "referral.submitted.v1"
ERASED = "jobseeker.erased.v1"
MERGED = "jobseeker.merged.v1"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ReferralSubmitted(_Tolerant):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    training_session_id: uuid.UUID | None = None


class JobseekerErased(_Tolerant):
    jobseeker_id: uuid.UUID
    erased_at: datetime


class JobseekerMerged(_Tolerant):
    jobseeker_id: uuid.UUID  # the kept record
    duplicate_id: uuid.UUID  # the record the referral service deleted
    merged_at: datetime


async def handle(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    uow = handlers.UnitOfWork.within(session)  # commits with the consumer's processed_events row
    if envelope.type == SUBMITTED:
        referral = ReferralSubmitted.model_validate(envelope.data)
        if referral.training_session_id is None:
            return  # a referral that asks for no session: not a request for a seat
        try:
            enrolment = await handlers.enrol_from_referral(
                uow,
                handlers.ReferralForSession(
                    referral_id=referral.referral_id,
                    jobseeker_id=referral.jobseeker_id,
                    sender_org_id=referral.sender_org_id,
                    provider_org_id=referral.receiver_org_id,
                    session_id=referral.training_session_id,
                ),
            )
        except NotFound as exc:
            # The referral stays with the provider, whose deadlines run: nobody is lost meanwhile.
            raise PermanentError(f"referral to a session not of its receiver: {exc}") from exc
        log.info("enrolment from a referral", enrolment_id=str(enrolment.id), status=enrolment.status)
    elif envelope.type == ERASED:
        erased = JobseekerErased.model_validate(envelope.data)
        count = await handlers.anonymise(uow, erased.jobseeker_id)
        log.info("enrolments anonymised", count=count)
    elif envelope.type == MERGED:
        merged = JobseekerMerged.model_validate(envelope.data)
        count = await handlers.merge(uow, merged.jobseeker_id, merged.duplicate_id)
        log.info("enrolments of a merged duplicate re-keyed", count=count)
    await uow.flush_events()


# The events this consumer handles, and the tolerant model each one's data must satisfy.
CONTRACTS: dict[str, type[BaseModel]] = {
    SUBMITTED: ReferralSubmitted,
    ERASED: JobseekerErased,
    MERGED: JobseekerMerged,
}

"""``jobseeker.merged.v1`` (from the referral service): the pact coordination merged two records of one
person. What this service holds under the duplicate's id — the participant, their eligibility decisions,
their work contracts and so their hours — becomes the kept record's, so that a report counts the person
once and a later hire names a person the referral service knows.

Read by the ``clauses-erasure`` subscriber (``erasure.py``), the one of this service on the referral topic.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from relais_clauses.adapters.db.repository import ClausesRepository
from relais_shared.envelope import IncomingEnvelope
from relais_shared.telemetry import get_logger

MERGED = "jobseeker.merged.v1"

log = get_logger(__name__)


class JobseekerMerged(BaseModel):
    """The referral service's contract, read tolerantly (this service never imports another's code)."""

    model_config = ConfigDict(extra="ignore")
    jobseeker_id: uuid.UUID  # the kept record
    duplicate_id: uuid.UUID  # the record the referral service deleted
    merged_at: datetime


async def rekey(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    """Idempotent: once merged, the duplicate's id names nothing here, and a redelivery changes nothing."""
    merged = JobseekerMerged.model_validate(envelope.data)
    if await ClausesRepository(session).merge_participants(merged.jobseeker_id, merged.duplicate_id):
        log.info("participant of a merged duplicate re-keyed", event_id=str(envelope.id))

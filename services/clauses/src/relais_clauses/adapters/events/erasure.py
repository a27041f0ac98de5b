"""``jobseeker.erased.v1`` (from the referral service): what this service holds on the person is anonymised.

A participant keeps its opaque id, its work contracts and its hours — the clause's figures must not
change after the fact — but loses what describes them (sex, age band, QPV residence) and the references
of the proofs of their eligibility; the criteria stay, as categories.

The same subscriber (group ``clauses-erasure``, this service's one on the referral topic) applies
``jobseeker.merged.v1`` too (``merge.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_clauses.adapters.db.models import infra
from relais_clauses.adapters.db.repository import ClausesRepository
from relais_clauses.adapters.events.merge import MERGED, JobseekerMerged, rekey
from relais_shared.consumer import reliable_subscriber
from relais_shared.envelope import IncomingEnvelope

ERASED = "jobseeker.erased.v1"
ERASURE_GROUP = "clauses-erasure"
REFERRAL_TOPIC = "relais.referral.events"


class JobseekerErased(BaseModel):
    """The referral service's contract, read tolerantly (this service never imports another's code)."""

    model_config = ConfigDict(extra="ignore")
    jobseeker_id: uuid.UUID
    erased_at: datetime


async def anonymise(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    if envelope.type != ERASED:
        return  # the referral topic carries many events; only this one concerns this service
    person = JobseekerErased.model_validate(envelope.data).jobseeker_id
    await ClausesRepository(session).anonymise_participant(person)


async def handle(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    """The referral service's events about people: an erasure, a merge of two records."""
    if envelope.type == MERGED:
        await rekey(session, envelope)
    else:
        await anonymise(session, envelope)


# The events this subscriber handles, and the tolerant model each one's data must satisfy.
CONTRACTS: dict[str, type[BaseModel]] = {ERASED: JobseekerErased, MERGED: JobseekerMerged}


def subscribe_erasures(
    broker: Any,
    *,
    sessions: async_sessionmaker[AsyncSession],
    dead_letter_topic: str,
    max_retries: int,
    backoff_s: float,
) -> None:
    reliable_subscriber(
        broker,
        topics=(REFERRAL_TOPIC,),
        group_id=ERASURE_GROUP,
        dead_letter_topic=dead_letter_topic,
        sessions=sessions,
        processed=infra.processed_events,
        contracts=CONTRACTS,
        handler=handle,
        max_retries=max_retries,
        backoff_s=backoff_s,
    )

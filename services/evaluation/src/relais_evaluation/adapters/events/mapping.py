"""From an event to the facts it brings to the store (the only place that sees a jobseeker id).

The id is turned into its pseudonym here, at once, and goes no further: no fact, row, log line or span
of this service carries it.
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from relais_evaluation.adapters.events import contracts as c
from relais_evaluation.domain import facts as f
from relais_evaluation.domain.pseudonym import subject_key
from relais_shared.envelope import IncomingEnvelope, read_data


def _axes(event: c._Axes) -> dict[str, str]:
    values: dict[str, Any] = event.model_dump(include=set(f.AXES))
    return {
        axis: ("yes" if value else "no") if isinstance(value, bool) else str(value)[:40]
        for axis, value in values.items()
        if value is not None
    }


# A follow-up answer is placed a little before its horizon: the exits' figure at +N months reads the latest
# situation up to exit + N months, computed by PostgreSQL in its session's time zone, which can fall up to
# three days and an hour before the same sum in UTC (an exit on 1 March in UTC is 28 February west of
# Greenwich: three months on, 28 May there, 1 June in UTC; a summer time change adds the hour — searched
# minute by minute over five years in the zones of France and its overseas territories). Four days keep
# the answer inside its horizon whatever the server's zone; a hire in those four days still counts after
# it, as later news.
FOLLOW_UP_MARGIN = timedelta(days=4)


def follow_up_time(exited_at: datetime, months: int) -> datetime:
    """When the référent's answer at ``months`` after an exit counts as observed (see the margin)."""
    at = exited_at.astimezone(UTC)
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, monthrange(year, month)[1])) - FOLLOW_UP_MARGIN


def answer_id(event_id: uuid.UUID, recorded_at: datetime) -> uuid.UUID:
    """The fact's id of a follow-up answer. Answers for one horizon share their time, and the store keeps
    the situation with the greatest (time, id): the id starts with the answer's recording time in
    milliseconds (UUIDv7's layout, which PostgreSQL compares byte by byte), so the latest answer wins; its
    other bits are the event's, so a redelivery or a rebuild gives the same id."""
    millis = int(recorded_at.timestamp() * 1000) & ((1 << 48) - 1)
    return uuid.UUID(int=(millis << 80) | (event_id.int & ((1 << 80) - 1)))


def facts_of(envelope: IncomingEnvelope, pact_key: str) -> list[f.Fact]:
    model = c.CONTRACTS.get(envelope.type)
    if model is None:
        return []
    event: BaseModel = read_data(envelope, model)

    def subject(jobseeker_id: uuid.UUID) -> str:
        return subject_key(pact_key, jobseeker_id)

    def seen(jobseeker_id: uuid.UUID, at: datetime, **attributes: str) -> f.PersonObserved:
        return f.PersonObserved(subject(jobseeker_id), at, attributes)

    def referral(event: Any, jobseeker: uuid.UUID | None = None, **values: Any) -> f.ReferralObserved:
        return f.ReferralObserved(event.referral_id, subject(jobseeker) if jobseeker else None, values)

    eid = envelope.id
    match event:
        case c.ReferralSubmitted():
            attributes = {**_axes(event), "departement": event.receiver_departement}
            who = subject(event.jobseeker_id)
            return [
                f.PersonObserved(who, event.submitted_at, attributes),
                referral(
                    event,
                    event.jobseeker_id,
                    sender_org_id=event.sender_org_id,
                    receiver_org_id=event.receiver_org_id,
                    departement=event.receiver_departement,
                    submitted_at=event.submitted_at,
                    acknowledgement_due=event.acknowledgement_due,
                    age_band=attributes.get("age_band"),
                    qpv_resident=attributes.get("qpv_resident"),
                ),
                f.SupportResumed(eid, who, event.submitted_at),
            ]
        case c.ReferralAcknowledged():
            return [
                referral(event, receiver_org_id=event.receiver_org_id, acknowledged_at=event.acknowledged_at)
            ]
        # The receiver's first answer acknowledges the referral (the referral service lets it fix an
        # appointment, accept or refuse without a separate acknowledgement): the earliest one counts.
        case c.AppointmentScheduled():
            return [
                referral(event, appointment_scheduled_at=event.appointment_at, acknowledged_at=envelope.time)
            ]
        case c.AppointmentOutcomeRecorded():
            # Seen at the appointment, not when the receiver got round to recording it (the 30 days of
            # the first appointment honoured run to the meeting), unless recorded before its date (met
            # sooner); older events only have the recording.
            seen_at = None
            if event.outcome == "seen":
                seen_at = min(event.appointment_at or event.recorded_at, event.recorded_at)
            return [referral(event, seen_at=seen_at, no_shows=event.no_shows)]
        case c.ReferralAccepted():
            return [
                referral(
                    event,
                    event.jobseeker_id,
                    accepted_at=event.accepted_at,
                    acknowledged_at=event.accepted_at,
                )
            ]
        case c.ReferralReturned():
            # A refusal answers the referral; an expiry is the absence of any answer.
            answered = event.returned_at if event.status == "refused" else None
            return [
                referral(
                    event,
                    event.jobseeker_id,
                    returned_at=event.returned_at,
                    return_status=event.status,
                    reason_code=event.reason_code,
                    **({"acknowledged_at": answered} if answered else {}),
                )
            ]
        case c.ReferralWithdrawn():
            return [referral(event, event.jobseeker_id, withdrawn_at=event.withdrawn_at)]
        case c.ReferralObsolete():
            return [referral(event, event.jobseeker_id, obsolete_at=event.obsolete_at)]
        case c.ReferralClosed():
            return [
                referral(event, event.jobseeker_id, closed_at=event.closed_at, closed_outcome=event.outcome)
            ]
        case c.ReferralEscalated():
            at = event.escalated_at if event.level == "coordination" else None
            return [referral(event, escalated_to_coordination_at=at)]
        case c.ReferentChanged():
            if event.referent_org_id is None:
                return [seen(event.jobseeker_id, event.changed_at)]
            return [f.SupportResumed(eid, subject(event.jobseeker_id), event.changed_at)]
        case c.LifeEventRecorded():
            if event.kind != "hired":
                return [seen(event.jobseeker_id, event.recorded_at)]
            situation = f.hire_situation(event.contract_type)
            return [f.SituationObserved(eid, subject(event.jobseeker_id), event.recorded_at, situation)]
        case c.PactExited():
            who = subject(event.jobseeker_id)
            return [
                f.PersonExited(eid, who, event.exited_at, event.outcome, event.referent_org_id),
                f.SupportResumed(eid, who, event.exited_at),
            ]
        case c.ExitFollowedUp():
            at = follow_up_time(event.exited_at, event.horizon_months)
            fact_id = answer_id(eid, event.recorded_at)
            who = subject(event.jobseeker_id)
            return [f.SituationObserved(fact_id, who, at, event.observed_situation)]
        case c.JobseekerUnaccompanied():
            return [f.SpellDetected(subject(event.jobseeker_id), event.since, event.detected_at)]
        case c.NeedIdentified():
            attributes = _axes(event)
            if event.departement:
                attributes["departement"] = event.departement
            at = datetime.combine(event.identified_on, datetime.min.time(), tzinfo=envelope.time.tzinfo)
            return [seen(event.jobseeker_id, at, **attributes)]
        case c.AttributesChanged():
            return [seen(event.jobseeker_id, event.changed_at, **_axes(event))]
        case c.JobseekerMerged():
            return [f.PersonsMerged(subject(event.jobseeker_id), subject(event.duplicate_id))]
        case c.JobseekerErased():
            # The person leaves the pact's records: a spell without support still open ends that day (a
            # person erased is no longer someone the pact has left alone), then the link goes.
            who = subject(event.jobseeker_id)
            return [f.SupportResumed(eid, who, event.erased_at or envelope.time), f.PersonErased(who)]
        case c.EnrolmentConfirmed():
            values = {
                "provider_org_id": event.provider_org_id,
                "confirmed_at": event.confirmed_at,
                "starts_on": event.starts_on,
            }
            return [f.EnrolmentObserved(event.enrolment_id, subject(event.jobseeker_id), values)]
        case c.EnrolmentCompleted():
            values = {"completed_at": event.completed_at, "certified": event.certified}
            facts: list[f.Fact] = [
                f.EnrolmentObserved(event.enrolment_id, subject(event.jobseeker_id), values)
            ]
            if event.certified:
                who = subject(event.jobseeker_id)
                facts.append(f.SituationObserved(eid, who, event.completed_at, "qualifying_training"))
            return facts
        case c.EnrolmentAbandoned():
            values = {"abandoned_at": event.abandoned_at, "abandon_reason": event.reason_code}
            return [f.EnrolmentObserved(event.enrolment_id, subject(event.jobseeker_id), values)]
        case c.EnrolmentCancelled():
            values = {"cancelled_at": event.cancelled_at}
            return [f.EnrolmentObserved(event.enrolment_id, subject(event.jobseeker_id), values)]
        case c.ContractRegistered():
            values = event.model_dump(exclude={"contract_id"})
            return [f.ContractObserved(event.contract_id, values)]
        case c.HoursDeclared():
            return [
                f.HoursDeclared(
                    event.work_contract_id, event.period, event.version, event.contract_id, event.hours
                )
            ]
        case c.ParticipantHired():
            who = subject(event.jobseeker_id)
            situation = f.hire_situation(event.contract_type)
            return [
                f.ParticipantHired(
                    event.work_contract_id, who, event.contract_type, event.hired_at, event.employer_org_id
                ),
                f.SituationObserved(eid, who, event.hired_at, situation),
            ]
    return []

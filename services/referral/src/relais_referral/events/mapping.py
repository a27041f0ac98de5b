"""Explicit mapping from domain events to integration events: the domain class never goes on the wire."""

from __future__ import annotations

from dataclasses import asdict

from relais_referral.domain import events as d
from relais_referral.domain.situations import Situation
from relais_referral.events import contracts as c
from relais_shared.envelope import EventData


def journey_integration_event(event: d.JourneyEvent) -> EventData:
    at = event.occurred_at
    match event:
        case d.ReferentChanged():
            return c.JourneyReferentChangedV1(
                jobseeker_id=event.jobseeker_id,
                previous_referent_org_id=event.previous_referent_org_id,
                referent_org_id=event.referent_org_id,
                cause=event.cause,
                changed_at=at,
            )
        case d.LifeEventRecorded():
            return c.JourneyLifeEventRecordedV1(
                jobseeker_id=event.jobseeker_id,
                kind=event.kind,
                contract_type=event.contract_type,
                weekly_hours=event.weekly_hours,
                recorded_at=at,
            )
        case d.PactExited():
            return c.JourneyExitedV1(
                jobseeker_id=event.jobseeker_id,
                outcome=Situation(event.outcome),
                referent_org_id=event.referent_org_id,
                exited_at=at,
            )
        case d.ExitFollowedUp():
            return c.JourneyExitFollowedUpV1(
                jobseeker_id=event.jobseeker_id,
                horizon_months=event.horizon_months,
                observed_situation=Situation(event.situation),
                exited_at=event.exited_at,
                referent_org_id=event.referent_org_id,
                recorded_at=at,
            )
        case d.PersonUnaccompanied():
            return c.JobseekerUnaccompaniedV1(
                jobseeker_id=event.jobseeker_id,
                since=event.since,
                working_days=event.working_days,
                detected_at=at,
            )
    raise TypeError(f"no contract for {type(event).__name__}")


def to_integration_event(event: d.DomainEvent) -> EventData:
    at = event.occurred_at
    match event:
        case d.ReferralSubmitted():
            return c.ReferralSubmittedV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                sender_org_id=event.sender_org_id,
                receiver_org_id=event.receiver_org_id,
                submitted_at=at,
                acknowledgement_due=event.acknowledgement_due,
                receiver_departement=event.receiver_departement,
                **asdict(event.axes),
                training_session_id=event.training_session_id,
            )
        case d.ReferralAcknowledged():
            return c.ReferralAcknowledgedV1(
                referral_id=event.referral_id, receiver_org_id=event.by_org_id, acknowledged_at=at
            )
        case d.AppointmentScheduled():
            return c.ReferralAppointmentScheduledV1(
                referral_id=event.referral_id,
                receiver_org_id=event.receiver_org_id,
                appointment_at=event.appointment_at,
                outcome_due_at=event.outcome_due_at,
            )
        case d.AppointmentOutcomeRecorded():
            return c.ReferralAppointmentOutcomeRecordedV1(
                referral_id=event.referral_id,
                receiver_org_id=event.receiver_org_id,
                outcome=event.outcome,
                no_shows=event.no_shows,
                recorded_at=at,
                appointment_at=event.appointment_at,
            )
        case d.ReferralAccepted():
            return c.ReferralAcceptedV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                sender_org_id=event.sender_org_id,
                receiver_org_id=event.receiver_org_id,
                accepted_at=at,
            )
        case d.ReferralReturnedToSender():
            return c.ReferralReturnedToSenderV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                sender_org_id=event.sender_org_id,
                receiver_org_id=event.receiver_org_id,
                status=event.status,
                reason_code=event.reason_code,
                reason_shared_with_jobseeker=event.reason_shared_with_jobseeker,
                reorient_due=event.reorient_due,
                returned_at=at,
            )
        case d.ReferralWithdrawn():
            return c.ReferralWithdrawnV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                sender_org_id=event.sender_org_id,
                receiver_org_id=event.receiver_org_id,
                withdrawn_at=at,
            )
        case d.ReferralMadeObsolete():
            return c.ReferralObsoleteV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                receiver_org_id=event.receiver_org_id,
                cause=event.cause,
                obsolete_at=at,
            )
        case d.ReferralClosed():
            return c.ReferralClosedV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                receiver_org_id=event.receiver_org_id,
                outcome=event.outcome,
                closed_at=at,
            )
        case d.ReferralEscalated():
            return c.ReferralEscalatedV1(
                referral_id=event.referral_id,
                receiver_org_id=event.receiver_org_id,
                level=event.level,
                escalated_at=at,
            )
    raise TypeError(f"no integration event for {type(event).__name__}")

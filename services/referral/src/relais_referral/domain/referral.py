"""The referral aggregate (orientation) and its state machine.

A referral hands a jobseeker from a sending organisation to a receiving one. Warm hand-off: the sender
stays référent until the receiver accepts. Each transition is allowed only to the organisation whose
turn it is; system transitions (expiry, obsolescence) come from the referral's workflow or from life
events. Deadlines are computed by the caller in working days and passed in, so this module stays pure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from relais_referral.domain.errors import ACTIONS, InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.domain.events import (
    AppointmentOutcomeRecorded,
    AppointmentScheduled,
    DomainEvent,
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralClosed,
    ReferralMadeObsolete,
    ReferralReturnedToSender,
    ReferralSubmitted,
    ReferralWithdrawn,
)
from relais_referral.domain.jobseeker import EqualityAxes

# Kinds of organisation that accompany nobody: a public buyer follows its contracts' clauses, the
# pact's coordination the whole pact. A person is never referred to them.
NOT_RECEIVING = frozenset({"buyer", "pact_coordination"})


class ReferralStatus(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    OBSOLETE = "obsolete"


class RefusalReason(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    NO_CAPACITY = "no_capacity"
    UNREACHABLE = "unreachable"
    DECLINED_BY_JOBSEEKER = "declined_by_jobseeker"
    BETTER_SUITED_ELSEWHERE = "better_suited_elsewhere"
    DUPLICATE = "duplicate"
    OTHER = "other"


class AppointmentOutcome(StrEnum):
    SEEN = "seen"
    NO_SHOW = "no_show"
    EXCUSED = "excused"


OPEN_STATUSES = frozenset(
    {ReferralStatus.SUBMITTED, ReferralStatus.ACKNOWLEDGED, ReferralStatus.APPOINTMENT_SCHEDULED}
)
AWAITING_ANSWER = frozenset({ReferralStatus.SUBMITTED, ReferralStatus.ACKNOWLEDGED})

STATUS_LABELS_FR = {
    ReferralStatus.SUBMITTED: "Envoyée",
    ReferralStatus.ACKNOWLEDGED: "Réception confirmée",
    ReferralStatus.APPOINTMENT_SCHEDULED: "Rendez-vous fixé",
    ReferralStatus.ACCEPTED: "Prise en charge",
    ReferralStatus.CLOSED: "Clôturée",
    ReferralStatus.REFUSED: "Refusée",
    ReferralStatus.WITHDRAWN: "Retirée",
    ReferralStatus.EXPIRED: "Expirée",
    ReferralStatus.OBSOLETE: "Sans objet",
}
REFUSAL_LABELS_FR = {
    RefusalReason.NOT_ELIGIBLE: "Ne remplit pas les critères",
    RefusalReason.NO_CAPACITY: "Plus de place disponible",
    RefusalReason.UNREACHABLE: "Personne injoignable",
    RefusalReason.DECLINED_BY_JOBSEEKER: "La personne a décliné",
    RefusalReason.BETTER_SUITED_ELSEWHERE: "Mieux accompagnée ailleurs",
    RefusalReason.DUPLICATE: "Doublon",
    RefusalReason.OTHER: "Autre motif",
}


@dataclass
class Referral:
    id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: ReferralStatus
    submitted_at: datetime
    acknowledgement_due: date
    motive: str
    submitted_by: str
    policy_version: int = 1
    appointment_at: datetime | None = None
    appointment_outcome: str | None = None
    outcome_recorded_at: datetime | None = None
    no_shows: int = 0
    refusal_reason: RefusalReason | None = None
    refusal_comment: str | None = None
    refusal_shared: bool = False
    outcome: str | None = None
    # The training session a referral to a training provider asks a seat in (an id of the training
    # service: the provider's enrolment confirms the referral).
    training_session_id: uuid.UUID | None = None
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    # ------------------------------------------------------------------ creation
    @classmethod
    def submit(
        cls,
        *,
        referral_id: uuid.UUID,
        jobseeker_id: uuid.UUID,
        sender_org_id: uuid.UUID,
        receiver_org_id: uuid.UUID,
        receiver_departement: str,
        motive: str,
        submitted_by: str,
        now: datetime,
        acknowledgement_due: date,
        axes: EqualityAxes,
        policy_version: int = 1,
        training_session_id: uuid.UUID | None = None,
        receiver_kind: str | None = None,
    ) -> Referral:
        if sender_org_id == receiver_org_id:
            raise InvalidReferral("Une structure ne peut pas s'adresser une orientation à elle-même.")
        if receiver_kind in NOT_RECEIVING:
            raise InvalidReferral(
                "Un acheteur public ou la coordination du pacte n'accompagne personne : "
                "choisissez une structure d'accompagnement, de formation ou un employeur."
            )
        if training_session_id is not None and receiver_kind != "training_provider":
            raise InvalidReferral(
                "Seule une orientation vers un organisme de formation demande une place en session."
            )
        referral = cls(
            id=referral_id,
            jobseeker_id=jobseeker_id,
            sender_org_id=sender_org_id,
            receiver_org_id=receiver_org_id,
            status=ReferralStatus.SUBMITTED,
            submitted_at=now,
            acknowledgement_due=acknowledgement_due,
            motive=motive,
            submitted_by=submitted_by,
            policy_version=policy_version,
            training_session_id=training_session_id,
        )
        referral.events.append(
            ReferralSubmitted(
                referral_id=referral_id,
                occurred_at=now,
                jobseeker_id=jobseeker_id,
                sender_org_id=sender_org_id,
                receiver_org_id=receiver_org_id,
                acknowledgement_due=acknowledgement_due,
                receiver_departement=receiver_departement,
                axes=axes,
                training_session_id=training_session_id,
            )
        )
        return referral

    # ------------------------------------------------------------------ queries
    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def can_schedule(self) -> bool:
        """Before any appointment, after a no-show, or to move an appointment whose outcome is not in."""
        return self.status in AWAITING_ANSWER or self.awaits_appointment_outcome

    @property
    def awaits_appointment_outcome(self) -> bool:
        return self.status is ReferralStatus.APPOINTMENT_SCHEDULED and self.appointment_outcome is None

    def involves(self, org_id: uuid.UUID) -> bool:
        return org_id in (self.sender_org_id, self.receiver_org_id)

    # ------------------------------------------------------------------ guards
    def _receiver_only(self, org_id: uuid.UUID, action: str) -> None:
        if org_id != self.receiver_org_id:
            raise NotAllowed(
                f"Seule la structure qui reçoit l'orientation peut {ACTIONS.get(action, action)}."
            )

    def _require(self, allowed: frozenset[ReferralStatus] | set[ReferralStatus], action: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(self.status, action)

    # ------------------------------------------------------------------ receiver's turn
    def acknowledge(self, *, by_org_id: uuid.UUID, now: datetime) -> None:
        """Accusé de réception by the receiving organisation."""
        self._receiver_only(by_org_id, "acknowledge")
        self._require({ReferralStatus.SUBMITTED}, "acknowledge")
        self.status = ReferralStatus.ACKNOWLEDGED
        self.events.append(ReferralAcknowledged(referral_id=self.id, occurred_at=now, by_org_id=by_org_id))

    def schedule_appointment(
        self, *, by_org_id: uuid.UUID, appointment_at: datetime, outcome_due_at: datetime, now: datetime
    ) -> None:
        """A first meeting, a new date for it, or a re-invitation after a no-show; acknowledges implicitly."""
        self._receiver_only(by_org_id, "schedule an appointment for")
        if not self.can_schedule:
            raise InvalidTransition(self.status, "schedule an appointment for")
        if appointment_at < now:
            raise InvalidReferral("Un rendez-vous ne peut pas être fixé dans le passé.")
        self.status = ReferralStatus.APPOINTMENT_SCHEDULED
        self.appointment_at = appointment_at
        self.appointment_outcome = None
        self.events.append(
            AppointmentScheduled(
                referral_id=self.id,
                occurred_at=now,
                receiver_org_id=self.receiver_org_id,
                appointment_at=appointment_at,
                outcome_due_at=outcome_due_at,
            )
        )

    def record_appointment_outcome(
        self,
        *,
        by_org_id: uuid.UUID,
        outcome: AppointmentOutcome,
        now: datetime,
        max_no_shows: int,
        reorient_due: date,
    ) -> None:
        """Seen → the receiver decides; no-show → re-invitation, or back to the sender at the limit."""
        self._receiver_only(by_org_id, "record the appointment outcome of")
        if not self.awaits_appointment_outcome:
            raise InvalidTransition(self.status, "record the appointment outcome of")
        held = outcome is not AppointmentOutcome.EXCUSED  # an excuse is often given beforehand
        if held and self.appointment_at is not None and now < self.appointment_at:
            # Seen or not seen is known once the meeting's time has come, not before.
            raise InvalidReferral(
                "La présence ou l'absence à un rendez-vous se saisit une fois l'heure du rendez-vous "
                "passée (une absence excusée, avant)."
            )
        if outcome is AppointmentOutcome.NO_SHOW:
            self.no_shows += 1
        self.appointment_outcome = outcome.value
        self.outcome_recorded_at = now
        self.events.append(
            AppointmentOutcomeRecorded(
                referral_id=self.id,
                occurred_at=now,
                receiver_org_id=self.receiver_org_id,
                outcome=outcome.value,
                no_shows=self.no_shows,
                appointment_at=self.appointment_at,
            )
        )
        if outcome is AppointmentOutcome.SEEN:
            return  # stays scheduled: the receiver now accepts or refuses
        if self.no_shows >= max_no_shows:
            self._return_to_sender(
                ReferralStatus.REFUSED,
                RefusalReason.UNREACHABLE,
                "Absences répétées au rendez-vous",
                shared=True,
                now=now,
                reorient_due=reorient_due,
            )
        else:
            self.status = ReferralStatus.ACKNOWLEDGED  # to be re-invited
            self.appointment_at = None

    def accept(self, *, by_org_id: uuid.UUID, now: datetime) -> None:
        """Prise en charge: the receiver takes the person in charge (who becomes référent: the journey)."""
        self._receiver_only(by_org_id, "accept")
        self._require(OPEN_STATUSES, "accept")
        self.status = ReferralStatus.ACCEPTED
        self.events.append(
            ReferralAccepted(
                referral_id=self.id,
                occurred_at=now,
                jobseeker_id=self.jobseeker_id,
                sender_org_id=self.sender_org_id,
                receiver_org_id=self.receiver_org_id,
            )
        )

    def refuse(
        self,
        *,
        by_org_id: uuid.UUID,
        reason: RefusalReason,
        comment: str | None,
        shared_with_jobseeker: bool,
        now: datetime,
        reorient_due: date,
    ) -> None:
        self._receiver_only(by_org_id, "refuse")
        self._require(OPEN_STATUSES, "refuse")
        if reason is RefusalReason.OTHER and not (comment and comment.strip()):
            raise InvalidReferral("Un commentaire est obligatoire quand le motif est « autre ».")
        self._return_to_sender(
            ReferralStatus.REFUSED, reason, comment, shared_with_jobseeker, now, reorient_due
        )

    def close(self, *, by_org_id: uuid.UUID, outcome: str, now: datetime) -> None:
        """End of the accompaniment that this referral started, with its outcome."""
        self._receiver_only(by_org_id, "close")
        self._require({ReferralStatus.ACCEPTED}, "close")
        self.status = ReferralStatus.CLOSED
        self.outcome = outcome
        self.events.append(
            ReferralClosed(
                referral_id=self.id,
                occurred_at=now,
                jobseeker_id=self.jobseeker_id,
                receiver_org_id=self.receiver_org_id,
                outcome=outcome,
            )
        )

    # ------------------------------------------------------------------ sender's turn
    def withdraw(self, *, by_org_id: uuid.UUID, now: datetime) -> None:
        if by_org_id != self.sender_org_id:
            raise NotAllowed("Seule la structure qui a envoyé l'orientation peut la retirer.")
        self._require(OPEN_STATUSES, "withdraw")
        self.status = ReferralStatus.WITHDRAWN
        self.events.append(
            ReferralWithdrawn(
                referral_id=self.id,
                occurred_at=now,
                jobseeker_id=self.jobseeker_id,
                sender_org_id=self.sender_org_id,
                receiver_org_id=self.receiver_org_id,
            )
        )

    # ------------------------------------------------------------------ system
    def expire(self, *, now: datetime, reorient_due: date) -> None:
        """No answer by the expiry deadline: back to the sender."""
        self._require(AWAITING_ANSWER, "expire")
        self._return_to_sender(ReferralStatus.EXPIRED, None, None, False, now, reorient_due)

    def make_obsolete(self, *, cause: str, now: datetime) -> None:
        """Another referral of the person succeeded, or a life event (hired, moved, exit) ended the need."""
        self._require(OPEN_STATUSES, "make obsolete")
        self.status = ReferralStatus.OBSOLETE
        self.events.append(
            ReferralMadeObsolete(
                referral_id=self.id,
                occurred_at=now,
                jobseeker_id=self.jobseeker_id,
                receiver_org_id=self.receiver_org_id,
                cause=cause,
            )
        )

    def _return_to_sender(
        self,
        status: ReferralStatus,
        reason: RefusalReason | None,
        comment: str | None,
        shared: bool,
        now: datetime,
        reorient_due: date,
    ) -> None:
        self.status = status
        self.refusal_reason = reason
        self.refusal_comment = comment
        self.refusal_shared = shared
        self.events.append(
            ReferralReturnedToSender(
                referral_id=self.id,
                occurred_at=now,
                jobseeker_id=self.jobseeker_id,
                sender_org_id=self.sender_org_id,
                receiver_org_id=self.receiver_org_id,
                status=status.value,
                reason_code=reason.value if reason else None,
                reason_shared_with_jobseeker=shared,
                reorient_due=reorient_due,
            )
        )

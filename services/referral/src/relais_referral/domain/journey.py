"""The jobseeker's journey in the pact (parcours): référent, follow-up group, open referrals, tasks.

Rules (DOMAIN.md): one référent at a time; accepting a referral makes the receiver référent and keeps the
former one in the follow-up group; a referral that comes back (refused, expired, repeated no-show) gives
the sender a "re-orient" task; a person with no référent and no open referral gets a coordination task —
nobody is ever left without someone responsible. Pure Python: the service layer loads and saves it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from relais_referral.domain.calendar import paris_date
from relais_referral.domain.deadlines import add_months
from relais_referral.domain.errors import FollowUpNotDue, InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.domain.events import (
    ExitFollowedUp,
    JourneyEvent,
    LifeEventRecorded,
    PactExited,
    PersonUnaccompanied,
    ReferentChanged,
)
from relais_referral.domain.situations import FOLLOW_UP_MONTHS, Situation

SITUATION_CODES = frozenset(s.value for s in Situation)


class TaskKind(StrEnum):
    REORIENT = "reorient"
    ASSIGN_REFERENT = "assign_referent"
    ESCALATION = "escalation"
    APPOINTMENT_OUTCOME = "appointment_outcome"
    OUTCOME_FOLLOW_UP = "outcome_follow_up"
    FIRST_CONTACT = "first_contact"  # a référent designated by the coordination: contact the person


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


TASK_LABELS_FR = {
    TaskKind.REORIENT: "Réorienter la personne",
    TaskKind.ASSIGN_REFERENT: "Désigner un référent de parcours",
    TaskKind.ESCALATION: "Orientation sans réponse",
    TaskKind.APPOINTMENT_OUTCOME: "Saisir le résultat du rendez-vous",
    TaskKind.OUTCOME_FOLLOW_UP: "Situation de la personne après sa sortie",
    TaskKind.FIRST_CONTACT: "Prendre contact : la coordination vous a désigné référent",
}
COORDINATION_KINDS = frozenset({TaskKind.ASSIGN_REFERENT})


class LifeEvent(StrEnum):
    HIRED = "hired"
    MOVED_OUT = "moved_out"
    TRAINING_ABANDONED = "training_abandoned"


@dataclass
class Task:
    id: uuid.UUID
    kind: TaskKind
    org_id: uuid.UUID
    jobseeker_id: uuid.UUID
    due: date | None
    referral_id: uuid.UUID | None = None
    status: TaskStatus = TaskStatus.OPEN
    note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.OPEN


@dataclass(frozen=True)
class JourneyEntry:
    at: datetime
    kind: str
    org_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    detail: str | None = None


# Organisations that take a person in charge for one step, not for their journey: they never become its
# référent de parcours (the accompanying structures do — France Travail, the Mission locale, the PLIE, Cap
# emploi, the département…).
STEP_ONLY_KINDS = frozenset({"training_provider", "employer"})


@dataclass(frozen=True)
class OpenReferral:
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID


@dataclass
class Journey:
    jobseeker_id: uuid.UUID
    referent_org_id: uuid.UUID | None
    coordination_org_id: uuid.UUID
    follow_up: set[uuid.UUID] = field(default_factory=set)
    open_referrals: dict[uuid.UUID, OpenReferral] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    in_pact: bool = True
    exit_outcome: str | None = None
    exited_at: datetime | None = None  # the latest exit, while out of the pact
    # The situations the référent recorded since that exit, by horizon (months after it).
    exit_follow_ups: dict[int, str] = field(default_factory=dict)
    history: list[JourneyEntry] = field(default_factory=list)
    # What happened, for the unit of work to publish (mapped to contracts in events/mapping.py).
    events: list[JourneyEvent] = field(default_factory=list, repr=False, compare=False)

    def _referent_becomes(self, org_id: uuid.UUID | None, cause: str, now: datetime) -> None:
        previous, self.referent_org_id = self.referent_org_id, org_id
        if previous != org_id:
            self.events.append(ReferentChanged(self.jobseeker_id, now, previous, org_id, cause))
            if previous is not None:  # no longer its person to contact: its first-contact task goes
                self._finish_tasks({TaskKind.FIRST_CONTACT}, previous, status=TaskStatus.CANCELLED)

    # ------------------------------------------------------------------ invariant
    def is_accompanied(self) -> bool:
        """The pact's promise: a référent, an open referral or an open coordination task."""
        if not self.in_pact:
            return True
        return (
            self.referent_org_id is not None
            or bool(self.open_referrals)
            or any(t.is_open and t.kind in COORDINATION_KINDS for t in self.tasks)
        )

    def has_open_referral_to(self, org_id: uuid.UUID) -> bool:
        return any(r.receiver_org_id == org_id for r in self.open_referrals.values())

    # ------------------------------------------------------------------ helpers
    def _log(
        self,
        at: datetime,
        kind: str,
        org: uuid.UUID | None = None,
        referral: uuid.UUID | None = None,
        detail: str | None = None,
    ) -> None:
        self.history.append(JourneyEntry(at, kind, org, referral, detail))

    def add_task(
        self, kind: TaskKind, org: uuid.UUID, due: date | None, referral: uuid.UUID | None = None
    ) -> Task:
        """A task given by the referral's clock (escalations) rather than by the journey's own rules."""
        return self._task(kind, org, due, referral)

    def _task(
        self,
        kind: TaskKind,
        org: uuid.UUID,
        due: date | None,
        referral: uuid.UUID | None = None,
        note: str | None = None,
    ) -> Task:
        task = Task(uuid.uuid4(), kind, org, self.jobseeker_id, due, referral, note=note)
        self.tasks.append(task)
        return task

    def _finish_tasks(
        self, kinds: set[TaskKind], org: uuid.UUID | None = None, status: TaskStatus = TaskStatus.DONE
    ) -> None:
        for task in self.tasks:
            if task.is_open and task.kind in kinds and (org is None or task.org_id == org):
                task.status = status

    def _contact_made(self, org_id: uuid.UUID | None) -> None:
        """The organisation acted on the person itself: a first-contact task it holds is done. What counts
        as contact (docs/domain.md): fixing an appointment on a referral it received for the person, the
        person seen at it, taking them in charge, referring them, recording a life event or their exit."""
        if org_id is not None:
            self._finish_tasks({TaskKind.FIRST_CONTACT}, org_id)

    def _require_in_pact(self, action: str) -> None:
        if not self.in_pact:
            raise InvalidTransition("out of the pact", action)

    def _nobody_left(self, now: datetime, due: date) -> None:
        alone = self.referent_org_id is None and not self.open_referrals
        if alone and not any(t.is_open and t.kind in COORDINATION_KINDS for t in self.tasks):
            self._task(TaskKind.ASSIGN_REFERENT, self.coordination_org_id, due)
            self._log(now, "unaccompanied", self.coordination_org_id)

    # ------------------------------------------------------------------ referrals
    def referral_submitted(
        self, referral_id: uuid.UUID, sender: uuid.UUID, receiver: uuid.UUID, now: datetime
    ) -> None:
        self._require_in_pact("refer")
        if self.has_open_referral_to(receiver):
            raise InvalidTransition("already referred to this organisation", "refer again")
        self.open_referrals[referral_id] = OpenReferral(sender, receiver)
        self._finish_tasks({TaskKind.REORIENT}, sender)
        self._finish_tasks(set(COORDINATION_KINDS))
        self._contact_made(sender)
        self._log(now, "referral_submitted", receiver, referral_id)

    def referral_accepted(
        self, referral_id: uuid.UUID, now: datetime, *, takes_over: bool = True
    ) -> list[uuid.UUID]:
        """The receiver becomes référent; returns the other open referrals, now obsolete.

        A receiver that does not accompany a journey (``takes_over`` false: a training provider seats
        the person on a session, an employer hires them) joins the follow-up group instead: the référent
        stays — the sender if nobody was — and the other open referrals go on (a seat or a job answers
        only its own referral)."""
        if not takes_over:
            self._taken_in_charge_for_a_step(referral_id, now)
            return []
        accepted = self.open_referrals.pop(referral_id)
        if self.referent_org_id is not None and self.referent_org_id != accepted.receiver_org_id:
            self.follow_up.add(self.referent_org_id)
        self._referent_becomes(accepted.receiver_org_id, "referral_accepted", now)
        self.follow_up.discard(accepted.receiver_org_id)
        self._finish_tasks(set(COORDINATION_KINDS))
        self._finish_referral_tasks(referral_id)
        self._contact_made(accepted.receiver_org_id)
        self._log(now, "referral_accepted", accepted.receiver_org_id, referral_id)
        others = list(self.open_referrals)
        self.open_referrals.clear()
        return others

    def _taken_in_charge_for_a_step(self, referral_id: uuid.UUID, now: datetime) -> None:
        accepted = self.open_referrals.pop(referral_id)
        if self.referent_org_id is None:  # the warm hand-off: whoever asked is responsible
            self._referent_becomes(accepted.sender_org_id, "referral_accepted", now)
            self.follow_up.discard(accepted.sender_org_id)
        if accepted.receiver_org_id != self.referent_org_id:
            self.follow_up.add(accepted.receiver_org_id)
        self._finish_tasks(set(COORDINATION_KINDS))
        self._finish_referral_tasks(referral_id)
        self._log(now, "referral_accepted", accepted.receiver_org_id, referral_id)

    def referral_returned(
        self,
        referral_id: uuid.UUID,
        status: str,
        *,
        reorient_due: date,
        unaccompanied_due: date,
        now: datetime,
        detail: str | None = None,
    ) -> None:
        returned = self.open_referrals.pop(referral_id)
        self._finish_referral_tasks(referral_id)
        self._task(TaskKind.REORIENT, returned.sender_org_id, reorient_due, referral_id)
        self._log(now, f"referral_{status}", returned.receiver_org_id, referral_id, detail)
        self._nobody_left(now, unaccompanied_due)

    # The receiver's steps: each resolves what waited for it, and is a line of the person's history
    # (organisation, referral and codes only; the appointment's date stays on the referral).
    def referral_acknowledged(self, referral_id: uuid.UUID, receiver: uuid.UUID, now: datetime) -> None:
        self._finish_referral_tasks(referral_id, {TaskKind.ESCALATION})  # "no answer" is resolved
        self._log(now, "referral_acknowledged", receiver, referral_id)

    def appointment_scheduled(self, referral_id: uuid.UUID, receiver: uuid.UUID, now: datetime) -> None:
        """A first appointment, a new date or a re-invitation after a no-show."""
        self._finish_referral_tasks(referral_id, {TaskKind.ESCALATION})
        self._contact_made(receiver)
        self._log(now, "referral_appointment_scheduled", receiver, referral_id)

    def appointment_outcome_recorded(
        self, referral_id: uuid.UUID, receiver: uuid.UUID, outcome: str, now: datetime
    ) -> None:
        """``outcome``: seen, no_show or excused."""
        self._finish_referral_tasks(referral_id, {TaskKind.APPOINTMENT_OUTCOME})
        if outcome == "seen":
            self._contact_made(receiver)
        self._log(now, "referral_appointment_outcome", receiver, referral_id, outcome)

    def referral_closed(
        self, referral_id: uuid.UUID, receiver: uuid.UUID, outcome: str, now: datetime
    ) -> None:
        """The accompaniment that the referral started ended, with its outcome (a code)."""
        self._log(now, "referral_closed", receiver, referral_id, outcome)

    def _finish_referral_tasks(self, referral_id: uuid.UUID, kinds: set[TaskKind] | None = None) -> None:
        for task in self.tasks:
            if (
                task.is_open
                and task.referral_id == referral_id
                and task.kind in (kinds or {TaskKind.ESCALATION, TaskKind.APPOINTMENT_OUTCOME})
            ):
                task.status = TaskStatus.DONE

    def referral_ended(
        self,
        referral_id: uuid.UUID,
        receiver: uuid.UUID,
        status: str,
        now: datetime,
        unaccompanied_due: date,
        detail: str | None = None,
    ) -> None:
        """Withdrawn or obsolete (``detail``: its cause, a code): no task for the sender, but nobody may be
        left alone. An obsolete referral may already have left ``open_referrals`` (the acceptance of
        another one cleared them): its receiver comes from the event."""
        self.open_referrals.pop(referral_id, None)
        self._finish_referral_tasks(referral_id)
        self._log(now, f"referral_{status}", receiver, referral_id, detail)
        self._nobody_left(now, unaccompanied_due)

    # ------------------------------------------------------------------ référent
    def release(self, *, by_org_id: uuid.UUID, now: datetime, unaccompanied_due: date) -> None:
        """The référent ends its accompaniment without an exit from the pact."""
        self._require_in_pact("release")
        if by_org_id != self.referent_org_id:
            raise NotAllowed("Seule la structure référente peut mettre fin à son accompagnement.")
        if any(r.sender_org_id == by_org_id for r in self.open_referrals.values()):
            # Warm hand-off: the sender stays responsible until the receiver answers.
            raise InvalidTransition("waiting for an answer to its own referral", "release")
        self.follow_up.add(by_org_id)
        self._referent_becomes(None, "released", now)
        self._log(now, "referent_released", by_org_id)
        self._nobody_left(now, unaccompanied_due)

    def assign_referent(self, *, org_id: uuid.UUID, now: datetime, contact_due: date) -> None:
        """The pact coordination designates a référent for a person left without one; the référent is
        given a task to contact them by ``contact_due`` (nobody else told it of the person)."""
        self._require_in_pact("assign a référent")
        if self.referent_org_id is not None:
            raise InvalidTransition("has a référent", "assign a référent")
        self._referent_becomes(org_id, "assigned_by_coordination", now)
        self.follow_up.discard(org_id)
        self._finish_tasks(set(COORDINATION_KINDS))
        self._task(TaskKind.FIRST_CONTACT, org_id, contact_due)
        self._log(now, "referent_assigned", org_id)

    # ------------------------------------------------------------------ life events and exit
    def life_event(
        self,
        kind: LifeEvent,
        *,
        now: datetime,
        reorient_due: date,
        unaccompanied_due: date,
        by_org_id: uuid.UUID | None,
        contract_type: str | None = None,
        weekly_hours: float | None = None,
        event_id: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        """Returns the open referrals that the event makes obsolete.

        ``by_org_id`` is the declaring organisation (the référent, or the coordination for a person
        without one); None when the event comes from a partner service (a hire, an abandoned training)."""
        self._require_in_pact("record a life event")
        if by_org_id is not None and by_org_id != (self.referent_org_id or self.coordination_org_id):
            raise NotAllowed("Seule la structure référente déclare un événement de parcours.")
        detail = (
            f"{contract_type} {weekly_hours:g}h"
            if contract_type and weekly_hours is not None
            else contract_type
        )
        self._contact_made(by_org_id)
        self._log(now, f"life_event_{kind.value}", None, None, detail)
        self.events.append(
            LifeEventRecorded(
                self.jobseeker_id, now, kind.value, contract_type, weekly_hours, event_id=event_id
            )
        )
        if kind is LifeEvent.TRAINING_ABANDONED:
            owner = self.referent_org_id or self.coordination_org_id
            self._task(TaskKind.REORIENT, owner, reorient_due, note="Formation abandonnée")
            self._nobody_left(now, unaccompanied_due)
            return []
        if kind is LifeEvent.MOVED_OUT:
            return self.exit(outcome="moved_out", now=now, follow_ups=[], by_org_id=None)
        ended = list(self.open_referrals)
        self.open_referrals.clear()
        self._nobody_left(now, unaccompanied_due)
        return ended

    def back_from_training(
        self, *, provider: uuid.UUID, counsellor: uuid.UUID, referral_id: uuid.UUID, now: datetime
    ) -> None:
        """A training the person was referred to ended early (abandoned, enrolment or session cancelled):
        if the training provider became référent by enrolling them, the counsellor who referred them is
        référent again (the provider stays in the follow-up group)."""
        self._require_in_pact("back from training")
        if self.referent_org_id != provider:
            return  # the person moved on since (another référent): they keep them
        self.follow_up.add(provider)
        self._referent_becomes(counsellor, "training_ended", now)
        self.follow_up.discard(counsellor)
        self._log(now, "referent_back_from_training", counsellor, referral_id)

    def training_cancelled(self, *, now: datetime, reorient_due: date, unaccompanied_due: date) -> None:
        """The training provider cancelled the session or the enrolment: the référent re-orients."""
        self._require_in_pact("training cancelled")
        owner = self.referent_org_id or self.coordination_org_id
        self._task(TaskKind.REORIENT, owner, reorient_due, note="Formation annulée")
        self._log(now, "training_cancelled", owner)
        self._nobody_left(now, unaccompanied_due)

    def report_unaccompanied(
        self, *, since: date, working_days: int, now: datetime, event_id: uuid.UUID
    ) -> bool:
        """The journey's timer rang: reported only if nobody is responsible still."""
        if not self.in_pact or self.referent_org_id or self.open_referrals:
            return False
        self.events.append(
            PersonUnaccompanied(self.jobseeker_id, now, since, working_days, event_id=event_id)
        )
        return True

    def exit(
        self, *, outcome: str, now: datetime, follow_ups: list[date], by_org_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """Sortie du pacte, with its outcome; the référent is asked for the situation at +3, +6, +12 months.

        Returns the open referrals that the exit makes obsolete."""
        self._require_in_pact("exit")
        if by_org_id is not None and by_org_id != self.referent_org_id:
            raise NotAllowed("Seule la structure référente enregistre une sortie.")
        owner = self.referent_org_id
        self.in_pact = False
        self.exit_outcome = outcome
        self.exited_at, self.exit_follow_ups = now, {}
        self._contact_made(by_org_id)
        # Out of the pact, nobody is left to contact (a move out, declared by whoever knew).
        self._finish_tasks(
            {
                TaskKind.REORIENT,
                TaskKind.ESCALATION,
                TaskKind.APPOINTMENT_OUTCOME,
                TaskKind.FIRST_CONTACT,
                *COORDINATION_KINDS,
            },
            status=TaskStatus.CANCELLED,
        )
        self._log(now, "exit", owner, None, outcome)
        self.events.append(PactExited(self.jobseeker_id, now, outcome, owner))
        if owner is not None:
            for due in follow_ups:
                self._task(TaskKind.OUTCOME_FOLLOW_UP, owner, due)
        ended = list(self.open_referrals)
        self.open_referrals.clear()
        return ended

    def follow_up_due(self, horizon_months: int) -> date:
        """The day the follow-up at ``horizon_months`` after the exit falls due (and may be recorded)."""
        assert self.exited_at is not None
        return add_months(paris_date(self.exited_at), horizon_months)

    def record_follow_up(
        self, *, horizon_months: int, situation: str, by_org_id: uuid.UUID, now: datetime
    ) -> bool:
        """The référent's answer to "what is the person doing N months after their exit?" (suivi à 3, 6,
        12 mois). One answer per horizon: recording it again replaces it; the same answer again changes
        nothing and publishes nothing (returns False). Closes that horizon's follow-up task."""
        if self.in_pact or self.exited_at is None:
            raise InvalidTransition("in the pact", "record a follow-up")
        if by_org_id != self.referent_org_id:
            raise NotAllowed("Seule la structure référente enregistre le suivi après la sortie.")
        if horizon_months not in FOLLOW_UP_MONTHS or situation not in SITUATION_CODES:
            raise InvalidReferral("Le suivi se fait à 3, 6 ou 12 mois, avec une situation du pacte.")
        due = self.follow_up_due(horizon_months)
        if paris_date(now) < due:
            # The evaluation reads the answer as the situation at that horizon: given sooner, it would
            # say what the person does at six months when they have been out for one.
            raise FollowUpNotDue(horizon_months, due)
        for task in self.tasks:
            if task.is_open and task.kind is TaskKind.OUTCOME_FOLLOW_UP and task.due == due:
                task.status = TaskStatus.DONE
        if self.exit_follow_ups.get(horizon_months) == situation:
            return False
        self.exit_follow_ups[horizon_months] = situation
        self._log(now, f"exit_follow_up_{horizon_months}", by_org_id, None, situation)
        self.events.append(
            ExitFollowedUp(self.jobseeker_id, now, horizon_months, situation, self.exited_at, by_org_id)
        )
        return True

"""Property-based test: random actions and life events never leave anybody unaccompanied.

After every step, each jobseeker in the pact has a référent, an open referral or an open coordination
task, and every forbidden transition (wrong organisation, wrong state) has been refused.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relais_referral.domain.errors import DomainError, InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.domain.handoff import apply_to_journey
from relais_referral.domain.jobseeker import EqualityAxes
from relais_referral.domain.journey import Journey, LifeEvent
from relais_referral.domain.referral import (
    AWAITING_ANSWER,
    OPEN_STATUSES,
    AppointmentOutcome,
    Referral,
    ReferralStatus,
    RefusalReason,
)

ORGS = [uuid.UUID(int=i) for i in range(1, 6)]
COORDINATION = uuid.UUID(int=99)
DUE = date(2026, 12, 15)

# The test's own oracle of who may do what, written independently of the aggregate.
RECEIVER_ACTIONS = {
    "acknowledge": {ReferralStatus.SUBMITTED},
    "schedule": AWAITING_ANSWER,  # or to move an appointment whose outcome is not in (see `act`)
    "outcome": {ReferralStatus.APPOINTMENT_SCHEDULED},  # only once per appointment (see `act`)
    "accept": OPEN_STATUSES,
    "refuse": OPEN_STATUSES,
    "close": {ReferralStatus.ACCEPTED},
}
SENDER_ACTIONS = {"withdraw": OPEN_STATUSES}


class Pact(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        self.journeys: dict[uuid.UUID, Journey] = {}
        self.referrals: dict[uuid.UUID, Referral] = {}
        self.counter = 1000

    def new_id(self) -> uuid.UUID:
        """Deterministic ids, so that Hypothesis replays pick the same people and referrals."""
        self.counter += 1
        return uuid.UUID(int=self.counter)

    # ------------------------------------------------------------------ plumbing
    def tick(self) -> datetime:
        self.now += timedelta(hours=5)
        return self.now

    def settle(self, referral: Referral) -> None:
        """Feed the referral's events to its journey, as the service layer does in one transaction."""
        journey = self.journeys[referral.jobseeker_id]
        while referral.events:
            event = referral.events.pop(0)
            for other_id in apply_to_journey(journey, event, now=self.now, unaccompanied_due=DUE):
                other = self.referrals[other_id]
                other.make_obsolete(cause="another_referral_accepted", now=self.now)
                self.settle(other)

    # ------------------------------------------------------------------ rules
    @rule(org=st.sampled_from(ORGS))
    def register(self, org: uuid.UUID) -> None:
        person = self.new_id()
        self.journeys[person] = Journey(person, org, COORDINATION)

    @precondition(lambda self: self.journeys)
    @rule(data=st.data(), receiver=st.sampled_from(ORGS))
    def submit(self, data: st.DataObject, receiver: uuid.UUID) -> None:
        person = data.draw(st.sampled_from(sorted(self.journeys)))
        journey = self.journeys[person]
        sender = journey.referent_org_id or COORDINATION
        expected_refusal = not journey.in_pact or sender == receiver or journey.has_open_referral_to(receiver)
        try:
            referral = Referral.submit(
                referral_id=self.new_id(),
                jobseeker_id=person,
                sender_org_id=sender,
                receiver_org_id=receiver,
                receiver_departement="44",
                motive="m",
                submitted_by="c",
                now=self.tick(),
                acknowledgement_due=DUE,
                axes=EqualityAxes(),
            )
            self.settle(referral)  # in the service layer both commit together, or neither does
            self.referrals[referral.id] = referral
        except (InvalidReferral, InvalidTransition):
            assert expected_refusal
            return
        assert not expected_refusal

    @precondition(lambda self: self.referrals)
    @rule(
        data=st.data(),
        action=st.sampled_from(sorted([*RECEIVER_ACTIONS, *SENDER_ACTIONS, "expire"])),
        actor_is_right=st.booleans(),
        outcome=st.sampled_from(list(AppointmentOutcome)),
        reason=st.sampled_from(list(RefusalReason)),
    )
    def act(
        self,
        data: st.DataObject,
        action: str,
        actor_is_right: bool,
        outcome: AppointmentOutcome,
        reason: RefusalReason,
    ) -> None:
        referral = self.referrals[data.draw(st.sampled_from(sorted(self.referrals)))]
        if not self.journeys[referral.jobseeker_id].in_pact and referral.is_open:
            return
        status = referral.status
        right = referral.receiver_org_id if action in RECEIVER_ACTIONS else referral.sender_org_id
        actor = (
            right if actor_is_right else next(o for o in [*ORGS, COORDINATION] if not referral.involves(o))
        )
        allowed_states = {**RECEIVER_ACTIONS, **SENDER_ACTIONS, "expire": AWAITING_ANSWER}[action]
        outcome_pending = (
            status is ReferralStatus.APPOINTMENT_SCHEDULED and referral.appointment_outcome is None
        )
        allowed = status in allowed_states
        if action == "outcome":
            allowed = outcome_pending
        if action == "schedule":
            allowed = status in AWAITING_ANSWER or outcome_pending
        now = self.tick()
        try:
            match action:
                case "acknowledge":
                    referral.acknowledge(by_org_id=actor, now=now)
                case "schedule":
                    referral.schedule_appointment(
                        by_org_id=actor,
                        appointment_at=now + timedelta(hours=1),  # held before the next step (5 h)
                        outcome_due_at=now + timedelta(days=3),
                        now=now,
                    )
                case "outcome":
                    referral.record_appointment_outcome(
                        by_org_id=actor, outcome=outcome, now=now, max_no_shows=2, reorient_due=DUE
                    )
                case "accept":
                    referral.accept(by_org_id=actor, now=now)
                case "refuse":
                    referral.refuse(
                        by_org_id=actor,
                        reason=reason,
                        comment="motif précisé",
                        now=now,
                        shared_with_jobseeker=True,
                        reorient_due=DUE,
                    )
                case "close":
                    referral.close(by_org_id=actor, outcome="durable_employment", now=now)
                case "withdraw":
                    referral.withdraw(by_org_id=actor, now=now)
                case "expire":
                    referral.expire(now=now, reorient_due=DUE)
        except NotAllowed:
            assert action != "expire" and not actor_is_right, "the right organisation was refused"
            assert referral.status is status, "a refused action changed the state"
            return
        except InvalidTransition:
            assert not allowed, f"{action} refused from {status}"
            assert referral.status is status
            return
        assert action == "expire" or actor_is_right, f"{action} by an uninvolved organisation was accepted"
        assert allowed, f"{action} accepted from {status}"
        self.settle(referral)

    @precondition(lambda self: self.journeys)
    @rule(
        data=st.data(),
        kind=st.sampled_from(["release", "hired", "moved_out", "training_abandoned", "exit", "assign"]),
    )
    def life(self, data: st.DataObject, kind: str) -> None:
        journey = self.journeys[data.draw(st.sampled_from(sorted(self.journeys)))]
        now = self.tick()
        try:
            if kind == "release":
                journey.release(by_org_id=journey.referent_org_id or ORGS[0], now=now, unaccompanied_due=DUE)
            elif kind == "assign":
                journey.assign_referent(org_id=data.draw(st.sampled_from(ORGS)), now=now, contact_due=DUE)
            else:
                if kind == "exit":
                    ended = journey.exit(
                        outcome="durable_employment",
                        now=now,
                        follow_ups=[DUE],
                        by_org_id=journey.referent_org_id,
                    )
                else:
                    declared_by = data.draw(st.sampled_from([None, journey.referent_org_id, ORGS[0]]))
                    ended = journey.life_event(
                        LifeEvent(kind),
                        now=now,
                        reorient_due=DUE,
                        unaccompanied_due=DUE,
                        by_org_id=declared_by,
                    )
                for referral_id in ended:
                    referral = self.referrals[referral_id]
                    referral.make_obsolete(cause=kind, now=now)
                    referral.events.clear()  # the journey already let go of these referrals
        except DomainError:
            return

    # ------------------------------------------------------------------ invariants
    @invariant()
    def nobody_is_left_unaccompanied(self) -> None:
        for person, journey in self.journeys.items():
            assert journey.is_accompanied(), (
                f"{person} has no référent, no open referral and no coordination task"
            )

    @invariant()
    def open_referrals_and_journeys_agree(self) -> None:
        for referral in self.referrals.values():
            journey = self.journeys[referral.jobseeker_id]
            assert (referral.id in journey.open_referrals) == referral.is_open

    @invariant()
    def one_referent_at_most_and_never_in_its_own_follow_up_group(self) -> None:
        for journey in self.journeys.values():
            assert journey.referent_org_id not in journey.follow_up


# Examples per run: the suite's profile (conftest.py); each a run of up to 40 steps.
Pact.TestCase.settings = settings(settings.default, stateful_step_count=40)
TestNobodyIsLeftUnaccompanied = Pact.TestCase

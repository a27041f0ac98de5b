"""Every referral transition adds one line to the person's journey, with codes only (README, issue 10).

Real referral aggregates are driven through each transition; every event they record is applied to the
journey as the service layer does (``apply_to_journey``). The last test fails when a new kind of referral
event appears that no path here produces: a new transition must say which journey line it writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from relais_referral.domain.events import DomainEvent, ReferralEscalated
from relais_referral.domain.handoff import apply_to_journey
from relais_referral.domain.jobseeker import EqualityAxes
from relais_referral.domain.journey import Journey, JourneyEntry
from relais_referral.domain.referral import AppointmentOutcome, Referral, RefusalReason

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DUE = date(2026, 12, 14)
SENDER, RECEIVER = uuid.uuid4(), uuid.uuid4()
COMMENT = "Texte libre du refus"
Step = Callable[[Referral], None]


def acknowledge(r: Referral) -> None:
    r.acknowledge(by_org_id=RECEIVER, now=NOW)


def schedule(r: Referral) -> None:
    at = NOW  # the meeting is now: its outcome may be recorded at NOW
    r.schedule_appointment(by_org_id=RECEIVER, appointment_at=at, outcome_due_at=at, now=NOW)


def outcome(kind: AppointmentOutcome) -> Step:
    def step(r: Referral) -> None:
        r.record_appointment_outcome(
            by_org_id=RECEIVER, outcome=kind, now=NOW, max_no_shows=2, reorient_due=DUE
        )

    return step


def accept(r: Referral) -> None:
    r.accept(by_org_id=RECEIVER, now=NOW)


def close(r: Referral) -> None:
    r.close(by_org_id=RECEIVER, outcome="durable_employment", now=NOW)


def refuse(r: Referral) -> None:
    r.refuse(
        by_org_id=RECEIVER,
        reason=RefusalReason.OTHER,
        comment=COMMENT,
        shared_with_jobseeker=False,
        now=NOW,
        reorient_due=DUE,
    )


def withdraw(r: Referral) -> None:
    r.withdraw(by_org_id=SENDER, now=NOW)


def expire(r: Referral) -> None:
    r.expire(now=NOW, reorient_due=DUE)


def make_obsolete(r: Referral) -> None:
    r.make_obsolete(cause="hired", now=NOW)


PATHS: dict[str, tuple[list[Step], list[tuple[str, str | None]]]] = {
    "seen then accepted and closed": (
        [acknowledge, schedule, outcome(AppointmentOutcome.SEEN), accept, close],
        [
            ("referral_acknowledged", None),
            ("referral_appointment_scheduled", None),
            ("referral_appointment_outcome", "seen"),
            ("referral_accepted", None),
            ("referral_closed", "durable_employment"),
        ],
    ),
    "excused then two no-shows: returned as unreachable": (
        [
            schedule,
            outcome(AppointmentOutcome.EXCUSED),
            schedule,
            outcome(AppointmentOutcome.NO_SHOW),
            schedule,
            outcome(AppointmentOutcome.NO_SHOW),
        ],
        [
            ("referral_appointment_scheduled", None),
            ("referral_appointment_outcome", "excused"),
            ("referral_appointment_scheduled", None),
            ("referral_appointment_outcome", "no_show"),
            ("referral_appointment_scheduled", None),
            ("referral_appointment_outcome", "no_show"),
            ("referral_refused", "unreachable"),
        ],
    ),
    "refused": ([refuse], [("referral_refused", "other")]),
    "withdrawn": ([withdraw], [("referral_withdrawn", None)]),
    "expired": ([expire], [("referral_expired", None)]),
    "obsolete": ([make_obsolete], [("referral_obsolete", "hired")]),
}


def run_path(steps: list[Step]) -> tuple[Referral, list[JourneyEntry], set[type[DomainEvent]]]:
    journey = Journey(uuid.uuid4(), SENDER, coordination_org_id=uuid.uuid4())
    referral = Referral.submit(
        referral_id=uuid.uuid4(),
        jobseeker_id=journey.jobseeker_id,
        sender_org_id=SENDER,
        receiver_org_id=RECEIVER,
        receiver_departement="44",
        motive="Motif libre",
        submitted_by="c1",
        now=NOW,
        acknowledgement_due=DUE,
        axes=EqualityAxes(),
    )
    seen: set[type[DomainEvent]] = set()
    for step in [lambda r: None, *steps]:
        step(referral)
        for event in referral.events:
            seen.add(type(event))
            apply_to_journey(journey, event, now=NOW, unaccompanied_due=DUE)
        referral.events.clear()
    return referral, journey.history, seen


@pytest.mark.parametrize("path", PATHS)
def test_each_referral_transition_adds_one_journey_line_with_codes_only(path: str) -> None:
    steps, expected = PATHS[path]
    referral, history, _ = run_path(steps)
    assert [(e.kind, e.detail) for e in history] == [("referral_submitted", None), *expected]
    assert {(e.org_id, e.referral_id) for e in history} == {(RECEIVER, referral.id)}
    assert not any(e.detail and ("libre" in e.detail or "Absences" in e.detail) for e in history)


def test_every_kind_of_referral_event_is_covered_by_a_journey_line() -> None:
    produced = set().union(*(run_path(steps)[2] for steps, _ in PATHS.values()))
    # An escalation is a deadline passing, not a transition: it gives a task, not a line.
    assert produced == set(DomainEvent.__subclasses__()) - {ReferralEscalated}

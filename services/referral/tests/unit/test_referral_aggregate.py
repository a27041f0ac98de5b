import uuid
from datetime import UTC, date, datetime

import pytest

from relais_referral.domain.errors import InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.domain.events import ReferralAcknowledged, ReferralSubmitted
from relais_referral.domain.jobseeker import EqualityAxes, age_band
from relais_referral.domain.referral import AppointmentOutcome, Referral, ReferralStatus
from relais_referral.events.contracts import ReferralAppointmentOutcomeRecordedV1
from relais_referral.events.mapping import to_integration_event

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def submitted(
    sender: uuid.UUID | None = None, receiver: uuid.UUID | None = None, receiver_kind: str | None = None
) -> Referral:
    return Referral.submit(
        referral_id=uuid.uuid4(),
        jobseeker_id=uuid.uuid4(),
        sender_org_id=sender or uuid.uuid4(),
        receiver_org_id=receiver or uuid.uuid4(),
        receiver_departement="44",
        motive="Accompagnement",
        submitted_by="c1",
        now=NOW,
        acknowledgement_due=date(2026, 12, 4),
        axes=EqualityAxes(age_band="under_26", qpv_resident=True),
        receiver_kind=receiver_kind,
    )


def test_submitting_records_a_submitted_event_with_no_personal_data() -> None:
    referral = submitted()
    assert referral.status is ReferralStatus.SUBMITTED
    [event] = referral.events
    assert isinstance(event, ReferralSubmitted)
    fields = set(vars(event))
    assert not fields & {"first_name", "last_name", "birth_date", "email", "phone", "motive"}


def test_an_organisation_cannot_refer_a_person_to_itself() -> None:
    org = uuid.uuid4()
    with pytest.raises(InvalidReferral):
        submitted(org, org)


@pytest.mark.parametrize("kind", ["buyer", "pact_coordination"])
def test_a_person_is_never_referred_to_a_public_buyer_or_to_the_pact_coordination(kind: str) -> None:
    with pytest.raises(InvalidReferral, match="n'accompagne personne"):
        submitted(receiver_kind=kind)
    assert submitted(receiver_kind="mission_locale").status is ReferralStatus.SUBMITTED


def test_only_the_receiving_organisation_acknowledges() -> None:
    referral = submitted()
    with pytest.raises(NotAllowed):
        referral.acknowledge(by_org_id=referral.sender_org_id, now=NOW)
    referral.acknowledge(by_org_id=referral.receiver_org_id, now=NOW)
    assert referral.status is ReferralStatus.ACKNOWLEDGED
    assert isinstance(referral.events[-1], ReferralAcknowledged)


def test_a_referral_is_acknowledged_once() -> None:
    referral = submitted()
    referral.acknowledge(by_org_id=referral.receiver_org_id, now=NOW)
    with pytest.raises(InvalidTransition):
        referral.acknowledge(by_org_id=referral.receiver_org_id, now=NOW)


@pytest.mark.parametrize(
    ("birth", "band"),
    [
        (date(2001, 11, 28), "under_26"),
        (date(2000, 11, 30), "26_49"),
        (date(1976, 12, 1), "26_49"),
        (date(1976, 11, 30), "50_plus"),
        (None, None),
    ],
)
def test_age_band_is_computed_on_the_day_of_the_event(birth: date | None, band: str | None) -> None:
    assert age_band(birth, date(2026, 11, 30)) == band


def test_a_refused_action_is_explained_to_the_user_in_french() -> None:
    referral = submitted()
    with pytest.raises(
        NotAllowed, match=r"^Seule la structure qui reçoit l'orientation peut en accuser réception\.$"
    ):
        referral.acknowledge(by_org_id=referral.sender_org_id, now=NOW)
    referral.acknowledge(by_org_id=referral.receiver_org_id, now=NOW)
    with pytest.raises(
        InvalidTransition, match=r"^Impossible d'en accuser réception : la réception de l'orientation"
    ):
        referral.acknowledge(by_org_id=referral.receiver_org_id, now=NOW)


def test_every_action_and_state_a_transition_can_refuse_has_its_french_words() -> None:
    import re
    from pathlib import Path

    from relais_referral.domain import errors

    source = "".join(
        (Path(errors.__file__).parent / name).read_text() for name in ("referral.py", "journey.py")
    )
    actions = set(re.findall(r'_(?:require|receiver_only)\([^()]*?, "([^"]+)"\)', source))
    actions |= set(re.findall(r'_require_in_pact\("([^"]+)"\)', source))
    states = {str(status) for status in ReferralStatus}
    for state, action in re.findall(r'InvalidTransition\("([^"]+)", "([^"]+)"\)', source):
        states.add(state)
        actions.add(action)
    assert len(actions) > 10
    assert actions - errors.ACTIONS.keys() == set()
    assert states - errors.STATES.keys() == set()


def test_the_outcome_of_an_appointment_names_the_appointment_it_is_about() -> None:
    # Recorded three days after the meeting: the event says when the person was seen.
    referral = submitted()
    receiver = referral.receiver_org_id
    referral.acknowledge(by_org_id=receiver, now=NOW)
    meeting = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    referral.schedule_appointment(
        by_org_id=receiver, appointment_at=meeting, outcome_due_at=datetime(2026, 12, 2, tzinfo=UTC), now=NOW
    )
    later = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    referral.record_appointment_outcome(
        by_org_id=receiver,
        outcome=AppointmentOutcome.SEEN,
        now=later,
        max_no_shows=2,
        reorient_due=date(2026, 12, 10),
    )
    contract = to_integration_event(referral.events[-1])
    assert isinstance(contract, ReferralAppointmentOutcomeRecordedV1)
    assert (contract.outcome, contract.appointment_at, contract.recorded_at) == ("seen", meeting, later)

"""From events to facts: pseudonyms only, and rows merged the same whatever order events come in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from relais_dev.stack import repo_root
from relais_evaluation.adapters.events.mapping import facts_of
from relais_evaluation.domain import facts as f
from relais_evaluation.domain.pseudonym import subject_key
from relais_shared.envelope import IncomingEnvelope, dataschema_for

JOBSEEKER = uuid.UUID("0e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8")
KEY = "unit-pact-key"


def envelope(event_type: str, **data: object) -> IncomingEnvelope:
    return IncomingEnvelope(
        type=event_type, source="referral", subject="x", dataschema=dataschema_for(event_type), data=data
    )


def test_the_pseudonym_is_a_keyed_hash_the_same_for_every_spelling_of_the_id() -> None:
    key = subject_key(KEY, JOBSEEKER)
    assert key == subject_key(KEY, str(JOBSEEKER).upper())
    assert key != subject_key("another-key", JOBSEEKER)
    assert str(JOBSEEKER) not in key and len(key) == 64


def test_no_fact_carries_the_jobseeker_id() -> None:
    submitted = envelope(
        "referral.submitted.v1",
        referral_id=str(uuid.uuid4()),
        jobseeker_id=str(JOBSEEKER),
        sender_org_id=str(uuid.uuid4()),
        receiver_org_id=str(uuid.uuid4()),
        submitted_at="2027-01-04T09:00:00+01:00",
        acknowledgement_due="2027-01-11",
        receiver_departement="44",
        age_band="under_26",
        qpv_resident=True,
        disability=True,
    )
    facts = facts_of(submitted, KEY)
    assert str(JOBSEEKER) not in repr(facts)
    person = next(x for x in facts if isinstance(x, f.PersonObserved))
    assert person.subject == subject_key(KEY, JOBSEEKER)
    # An axis the producer adds later is read (tolerant reader); a boolean becomes yes/no.
    assert person.attributes == {
        "age_band": "under_26",
        "qpv_resident": "yes",
        "disability": "yes",
        "departement": "44",
    }


def test_a_person_is_seen_at_the_appointment_not_when_its_outcome_was_recorded() -> None:
    # Met on 8 February, recorded on 12 March: the 30 days of the first appointment honoured run to the
    # meeting. An event published before the field existed has only the recording.
    common = {"referral_id": str(uuid.uuid4()), "receiver_org_id": str(uuid.uuid4()), "no_shows": 0}
    recorded = {**common, "outcome": "seen", "recorded_at": "2027-03-12T16:00:00+01:00"}
    outcome = "referral.appointment_outcome_recorded.v1"
    [late] = facts_of(envelope(outcome, **recorded, appointment_at="2027-02-08T09:30:00+01:00"), KEY)
    assert isinstance(late, f.ReferralObserved)
    assert late.values["seen_at"] == datetime(2027, 2, 8, 8, 30, tzinfo=UTC)
    [older] = facts_of(envelope(outcome, **recorded), KEY)
    assert isinstance(older, f.ReferralObserved)
    assert older.values["seen_at"] == datetime(2027, 3, 12, 15, tzinfo=UTC)
    # Recorded before the appointment's date: the person came sooner, by the recording at the latest.
    sooner = {**recorded, "recorded_at": "2027-02-01T10:00:00+01:00"}
    [early] = facts_of(envelope(outcome, **sooner, appointment_at="2027-02-08T09:30:00+01:00"), KEY)
    assert isinstance(early, f.ReferralObserved)
    assert early.values["seen_at"] == datetime(2027, 2, 1, 9, tzinfo=UTC)
    [missed] = facts_of(envelope(outcome, **{**recorded, "outcome": "no_show"}), KEY)
    assert isinstance(missed, f.ReferralObserved)
    assert missed.values.get("seen_at") is None


def test_the_receivers_first_answer_acknowledges_the_referral_but_an_expiry_does_not() -> None:
    # The referral service lets the receiver fix an appointment, accept or refuse straight away.
    ids = {"referral_id": str(uuid.uuid4()), "receiver_org_id": str(uuid.uuid4())}
    fixed = envelope(
        "referral.appointment_scheduled.v1",
        **ids,
        appointment_at="2027-01-20T09:00:00+01:00",
        outcome_due_at="2027-01-21T23:00:00+01:00",
    )
    fixed.time = datetime(2027, 1, 12, 10, tzinfo=UTC)
    ends = {**ids, "jobseeker_id": str(JOBSEEKER), "sender_org_id": str(uuid.uuid4())}
    accepted = envelope("referral.accepted.v1", **ends, accepted_at="2027-01-13T10:00:00+00:00")
    returned = {
        **ends,
        "reason_shared_with_jobseeker": False,
        "reorient_due": "2027-02-20",
        "returned_at": "2027-02-10T10:00:00+00:00",
    }
    refused = envelope(
        "referral.returned_to_sender.v1", **returned, status="refused", reason_code="no_capacity"
    )
    expired = envelope("referral.returned_to_sender.v1", **returned, status="expired")

    def acknowledged(event: IncomingEnvelope) -> object:
        [fact] = [x for x in facts_of(event, KEY) if isinstance(x, f.ReferralObserved)]
        return fact.values.get("acknowledged_at")

    assert acknowledged(fixed) == datetime(2027, 1, 12, 10, tzinfo=UTC)  # when fixed, not the meeting
    assert acknowledged(accepted) == datetime(2027, 1, 13, 10, tzinfo=UTC)
    assert acknowledged(refused) == datetime(2027, 2, 10, 10, tzinfo=UTC)
    assert acknowledged(expired) is None


def test_an_event_of_a_type_the_store_does_not_use_gives_no_fact() -> None:
    assert facts_of(envelope("clauses.penalty_decided.v1", contract_id="x"), KEY) == []
    assert facts_of(envelope("something.new.v1"), KEY) == []


def test_a_hire_after_an_exit_is_a_situation_of_the_person() -> None:
    hired = envelope(
        "journey.life_event_recorded.v1",
        jobseeker_id=str(JOBSEEKER),
        kind="hired",
        contract_type="CDI",
        recorded_at="2027-04-15T09:00:00Z",
    )
    assert [x.situation for x in facts_of(hired, KEY) if isinstance(x, f.SituationObserved)] == ["cdi"]


times = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
partial_rows = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "submitted_at": times,
            "acknowledged_at": times,
            "seen_at": times,
            "no_shows": st.integers(0, 3),
            "departement": st.just("44"),
        },
    ),
    min_size=1,
    max_size=6,
)


@given(partial_rows, st.randoms())
def test_a_referral_merged_from_its_events_is_the_same_in_any_order(rows: list[dict], rng: object) -> None:
    def merged(order: list[dict]) -> dict:
        result: dict = {}
        for row in order:
            result = f.merge(f.REFERRAL_RULES, result, row)
        return result

    shuffled = list(rows)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert merged(rows) == merged(shuffled)


def test_the_ingestion_reads_every_other_services_topic_of_the_catalogue() -> None:
    from relais_dev.stack import repo_root
    from relais_evaluation.adapters.events.consumer import INGESTED_TOPICS
    from relais_shared.kafka import TopicCatalogue, catalogue_path

    catalogue = TopicCatalogue.load(catalogue_path(repo_root()))
    others = {t.name for t in catalogue.topics.values() if t.owner != "evaluation"}
    assert set(INGESTED_TOPICS) == others


def test_every_event_type_of_the_catalogue_is_read_or_knowingly_skipped() -> None:
    from relais_dev.stack import repo_root
    from relais_evaluation.adapters.events.contracts import CONTRACTS
    from relais_shared.kafka import TopicCatalogue, catalogue_path

    catalogue = TopicCatalogue.load(catalogue_path(repo_root()))
    published = {e for t in catalogue.topics.values() if t.owner != "evaluation" for e in t.event_types}
    assert published - set(CONTRACTS) == set()


def _published_example(event_type: str) -> IncomingEnvelope:
    domain = event_type.split(".")[0]
    path = repo_root() / "contracts" / "events" / domain / "examples" / f"{event_type}.json"
    return IncomingEnvelope.model_validate(json.loads(path.read_text()))


def test_a_referral_and_a_correction_as_published_bring_every_equality_axis_of_the_person() -> None:
    for event_type in ("referral.submitted.v1", "jobseeker.attributes_changed.v1"):
        [person] = [
            x for x in facts_of(_published_example(event_type), KEY) if isinstance(x, f.PersonObserved)
        ]
        assert set(f.AXES) <= set(person.attributes), event_type
        assert {person.attributes[a] for a in ("long_term_unemployed", "minimum_income", "disability")} <= {
            "yes",
            "no",
        }


def test_a_correction_is_observed_at_its_time_so_that_it_wins_over_the_referral_before_it() -> None:
    changed = _published_example("jobseeker.attributes_changed.v1")
    [person] = facts_of(changed, KEY)
    assert isinstance(person, f.PersonObserved)
    assert person.at == datetime.fromisoformat(changed.data["changed_at"])
    assert person.attributes["nationality_category"] == changed.data["nationality_category"]
    assert str(changed.data["jobseeker_id"]) not in repr(person)

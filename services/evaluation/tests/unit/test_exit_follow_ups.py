"""The référent's follow-up after an exit (journey.exit_followed_up.v1) is the situation observed at its
horizon, the latest answer wins, and the referral service's situation vocabulary is the evaluation's."""

from __future__ import annotations

import json
import uuid
from calendar import monthrange
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from relais_dev.stack import repo_root
from relais_evaluation.adapters.events.mapping import answer_id, facts_of, follow_up_time
from relais_evaluation.domain import facts as f
from relais_evaluation.domain.exits import SITUATIONS
from relais_evaluation.domain.pseudonym import subject_key
from relais_shared.envelope import IncomingEnvelope, dataschema_for

KEY = "unit-pact-key"
JOBSEEKER = uuid.UUID("0e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8")
EXIT = datetime(2027, 6, 30, 15, 0, tzinfo=UTC)


def _schema(event_type: str) -> dict:
    path = repo_root() / "contracts" / "events" / event_type.split(".")[0] / f"{event_type}.schema.json"
    return dict(json.loads(path.read_text()))


def test_the_referral_services_situation_vocabulary_is_the_evaluations() -> None:
    for event_type in ("journey.exited.v1", "journey.exit_followed_up.v1"):
        published = set(_schema(event_type)["$defs"]["Situation"]["enum"])
        assert published == set(SITUATIONS), event_type


def follow_up(situation: str, recorded_at: datetime, months: int = 6) -> IncomingEnvelope:
    event_type = "journey.exit_followed_up.v1"
    return IncomingEnvelope(
        type=event_type,
        source="referral",
        subject=str(JOBSEEKER),
        dataschema=dataschema_for(event_type),
        data={
            "jobseeker_id": str(JOBSEEKER),
            "horizon_months": months,
            "observed_situation": situation,
            "exited_at": EXIT.isoformat(),
            "referent_org_id": str(uuid.uuid4()),
            "recorded_at": recorded_at.isoformat(),
        },
    )


def test_a_follow_up_is_the_situation_observed_within_its_horizon_under_the_persons_pseudonym() -> None:
    [fact] = facts_of(follow_up("civic_service", datetime(2028, 1, 4, 9, 30, tzinfo=UTC)), KEY)
    assert isinstance(fact, f.SituationObserved)
    assert (fact.subject, fact.situation) == (subject_key(KEY, JOBSEEKER), "civic_service")
    # Within six months of the exit (the +6 figure reads it), after three (the +3 figure does not).
    assert datetime(2027, 9, 30, 15, 0, tzinfo=UTC) < fact.at <= datetime(2027, 12, 30, 15, 0, tzinfo=UTC)
    assert str(JOBSEEKER) not in repr(fact)


def test_a_later_answer_for_the_same_horizon_wins_and_a_redelivery_gives_the_same_fact() -> None:
    first = follow_up("cdi", datetime(2027, 12, 30, 9, 0, tzinfo=UTC))
    second = follow_up("volunteering", datetime(2027, 12, 30, 9, 0, 1, tzinfo=UTC))
    facts = [facts_of(e, KEY)[0] for e in (second, first)]
    assert isinstance(facts[0], f.SituationObserved) and isinstance(facts[1], f.SituationObserved)
    assert facts[0].at == facts[1].at
    # The store keeps the greatest (time, id), ids compared byte by byte as PostgreSQL does.
    latest = max(facts, key=lambda x: (x.at, x.event_id.bytes))
    assert isinstance(latest, f.SituationObserved) and latest.situation == "volunteering"
    assert facts_of(first, KEY) == facts_of(first, KEY)


def _plus_months_in(zone: str, exited_at: datetime, months: int) -> datetime:
    """``exited_at + make_interval(months => n)`` as PostgreSQL computes it in a session's time zone."""
    local = exited_at.astimezone(ZoneInfo(zone))
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    naive = local.replace(tzinfo=None, year=year, month=month, day=min(local.day, monthrange(year, month)[1]))
    return naive.replace(tzinfo=ZoneInfo(zone))


def test_an_exit_on_the_first_of_march_in_utc_counts_its_follow_up_west_of_greenwich_too() -> None:
    # 28 February in Guadeloupe and Miquelon: three months on is 28 May there, 1 June in UTC.
    exited_at = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    for zone in ("America/Guadeloupe", "America/Miquelon"):
        assert follow_up_time(exited_at, 3) <= _plus_months_in(zone, exited_at, 3), zone


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from([3, 6, 12]),
    st.sampled_from(
        ["UTC", "Europe/Paris", "Indian/Reunion", "America/Guadeloupe", "America/Miquelon", "Pacific/Noumea"]
    ),
)
def test_a_follow_up_counts_at_its_horizon_and_not_at_the_one_before_whatever_the_servers_zone(
    exit_utc: datetime, months: int, zone: str
) -> None:
    exited_at = exit_utc.replace(tzinfo=UTC)
    at = follow_up_time(exited_at, months)
    assert at <= _plus_months_in(zone, exited_at, months)
    before = {3: 0, 6: 3, 12: 6}[months]
    assert at > exited_at + timedelta(days=31 * before)
    assert answer_id(uuid.uuid4(), exited_at).version is not None  # a well-formed UUID

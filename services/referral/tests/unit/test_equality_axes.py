"""The equality axes (DOMAIN.md, Indicators): derived in one pure function, they are all a referral or a
correction tells the other services of a person — categorical codes, never identity nor free text."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime

import pytest

from relais_referral.domain.events import ReferralSubmitted
from relais_referral.domain.jobseeker import EqualityAxes, equality_axes
from relais_referral.events import contracts as c
from relais_referral.events.mapping import to_integration_event
from relais_referral.service_layer import caseload as h
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.referrals import SubmitReferral, submit_referral

from .fakes import FakeUnitOfWork, counsellor

ON = date(2026, 12, 5)
AXES = {f.name for f in fields(EqualityAxes)}
FORBIDDEN = {  # identity, free text, and the raw situation codes (health data) behind the flags
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "postcode",
    "commune",
    "motive",
    "situation",
    "nationality",
    "comment",
    "note",
    "text",
}


@dataclass
class Facts:
    birth_date: date | None = None
    sex: str | None = None
    qpv_resident: bool | None = None
    nationality_category: str | None = None
    education_level: str | None = None
    situation: list[str] = field(default_factory=list)


def test_the_axes_are_the_persons_categories_with_the_age_band_of_the_day() -> None:
    person = Facts(date(2000, 12, 6), "F", False, "non_eu", "3", ["long_term_unemployed", "rsa"])
    assert equality_axes(person, ON) == EqualityAxes(
        age_band="under_26",
        sex="F",
        qpv_resident=False,
        nationality_category="non_eu",
        education_level="3",
        long_term_unemployed=True,
        minimum_income=True,
        disability=False,
    )
    assert equality_axes(person, date(2026, 12, 6)).age_band == "26_49"


@pytest.mark.parametrize(
    ("situation", "minimum_income", "disability"),
    [
        (["rsa"], True, False),
        (["ass"], True, False),
        (["aah"], True, True),  # the AAH is both a minimum income and a recognised disability
        (["disability_recognised"], False, True),
        (["over_50", "qpv"], False, False),
    ],
)
def test_minimum_income_and_disability_are_yes_no_flags_read_from_the_situation_codes(
    situation: list[str], minimum_income: bool, disability: bool
) -> None:
    axes = equality_axes(Facts(situation=situation), ON)
    assert (axes.minimum_income, axes.disability) == (minimum_income, disability)
    assert axes.long_term_unemployed is False


def test_a_person_with_nothing_recorded_has_unknown_categories_and_no_ticked_situation() -> None:
    assert equality_axes(Facts(), ON) == EqualityAxes(
        long_term_unemployed=False, minimum_income=False, disability=False
    )


@pytest.mark.parametrize(("answer", "codes", "qpv"), [(None, ["qpv"], True), (False, ["qpv"], True)])
def test_the_qpv_situation_code_makes_a_qpv_resident(
    answer: bool | None, codes: list[str], qpv: bool
) -> None:
    assert equality_axes(Facts(qpv_resident=answer, situation=codes), ON).qpv_resident is qpv


async def _submitted(uow: FakeUnitOfWork, **facts: object) -> c.ReferralSubmittedV1:
    sender, receiver = uow.organisation("mission_locale"), uow.organisation("plie")
    ctx = PactContext(coordination_org_id=uow.organisation("pact_coordination"), departement="44")
    person = uow.person(sender, **facts)
    async with uow:
        await submit_referral(uow, counsellor(sender), SubmitReferral(person, receiver, "Parcours"), ctx)
    [event] = uow.events(ReferralSubmitted)
    data = to_integration_event(event)
    assert isinstance(data, c.ReferralSubmittedV1)
    return data


async def test_a_submitted_referral_carries_every_axis_of_the_person_and_nothing_of_their_identity() -> None:
    uow = FakeUnitOfWork()
    event = await _submitted(
        uow,
        birth_date=date(1970, 1, 1),
        sex="M",
        qpv_resident=True,
        nationality_category="eu",
        education_level="6_plus",
        situation=["aah"],
        first_name="Karim",
        email="karim@example.org",
    )
    wire = event.model_dump(mode="json")
    assert {k: wire[k] for k in AXES} == {
        "age_band": "50_plus",
        "sex": "M",
        "qpv_resident": True,
        "nationality_category": "eu",
        "education_level": "6_plus",
        "long_term_unemployed": False,
        "minimum_income": True,
        "disability": True,
    }
    assert "Karim" not in event.model_dump_json() and "1970" not in event.model_dump_json()


@pytest.mark.parametrize("event", [c.ReferralSubmittedV1, c.JobseekerAttributesChangedV1])
def test_the_events_with_the_axes_have_only_opaque_ids_dates_and_codes(event: type) -> None:
    fields = set(event.model_fields)
    assert not fields & FORBIDDEN
    assert fields >= AXES
    schema = event.model_json_schema()
    for name in AXES:  # each axis is a closed list of codes or a yes/no flag: no room for free text
        options = schema["properties"][name]["anyOf"]
        values = [o for o in options if o.get("type") != "null"]
        assert values == [{"type": "boolean"}] or all("enum" in o or "$ref" in o for o in values), name


def test_no_event_of_the_referral_service_names_an_identity_or_free_text_field() -> None:
    for event_type, model in c.registry.all().items():
        assert not set(model.model_fields) & FORBIDDEN, event_type


async def test_correcting_an_axis_announces_all_axes_with_the_opaque_id_only() -> None:
    uow = FakeUnitOfWork()
    org = uow.organisation("mission_locale")
    person = uow.person(org, sex="F", situation=["rsa"])
    async with uow:
        await h.correct_jobseeker(
            uow,
            counsellor(org),
            h.CorrectJobseeker(person, {"nationality_category": "non_eu", "situation": ["aah"]}),
        )
    [event] = uow.events(c.JobseekerAttributesChangedV1)
    assert event.jobseeker_id == person
    assert (event.nationality_category, event.sex, event.minimum_income, event.disability) == (
        "non_eu",
        "F",
        True,
        True,
    )
    assert event.changed_at <= datetime.now(UTC)
    [correction] = await uow.caseload.corrections(person)
    assert correction.fields == ["nationality_category", "situation"]
    assert correction.previous == {"nationality_category": None, "situation": ["rsa"]}
    assert uow.audited_details[-1] == "fields: nationality_category,situation"


async def test_correcting_identity_only_or_a_code_that_changes_no_axis_announces_nothing() -> None:
    uow = FakeUnitOfWork()
    org = uow.organisation("mission_locale")
    person = uow.person(org, situation=["rsa"])
    async with uow:
        await h.correct_jobseeker(
            uow,
            counsellor(org),
            h.CorrectJobseeker(person, {"email": "ines@example.org", "situation": ["ass", "over_50"]}),
        )
    assert uow.events(c.JobseekerAttributesChangedV1) == []
    assert [c.fields for c in await uow.caseload.corrections(person)] == [["email", "situation"]]


def test_an_unknown_nationality_category_is_no_contract_value() -> None:
    with pytest.raises(ValueError):
        c.JobseekerAttributesChangedV1(
            jobseeker_id=uuid.uuid4(), changed_at=datetime.now(UTC), nationality_category="algerian"
        )

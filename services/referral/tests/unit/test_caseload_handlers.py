"""Caseload handlers on the fakes: who may do what, what is recorded, what is published (and what never)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.jobseeker import normalised_name
from relais_referral.events.contracts import JobseekerMergedV1
from relais_referral.service_layer import caseload as h
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.referrals import SubmitReferral, submit_referral
from relais_shared.auth import Principal
from relais_shared.errors import Conflict

from .fakes import FakeUnitOfWork, counsellor


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def ctx(uow: FakeUnitOfWork) -> PactContext:
    return PactContext(coordination_org_id=uow.organisation("pact_coordination"), departement="44")


def _role(org: uuid.UUID, role: str) -> Principal:
    return Principal(sub=f"{role}-{org.hex[:4]}", org_id=org, org_kind="plie", roles=frozenset({role}))


async def _refer(
    uow: FakeUnitOfWork, ctx: PactContext, person: uuid.UUID, sender: uuid.UUID, receiver: uuid.UUID
):  # type: ignore[no-untyped-def]
    async with uow:
        return await submit_referral(
            uow, counsellor(sender), SubmitReferral(person, receiver, "Parcours"), ctx
        )


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        (("Éloïse", "Lefèvre-Dürr"), "eloise lefevre durr"),
        (("  INÈS ", "le floc'h"), "ines le floc h"),
        (("Lœtitia", "Ægir"), "loetitia aegir"),
    ],
)
def test_a_normalised_name_ignores_accents_case_punctuation_and_spacing(
    parts: tuple[str, str], key: str
) -> None:
    assert normalised_name(*parts) == key


async def test_a_correction_changes_only_what_differs_and_keeps_the_previous_values(
    uow: FakeUnitOfWork,
) -> None:
    org = uow.organisation("mission_locale")
    person = uow.person(org, first_name="Ines", email="ines@example.org")
    async with uow:
        row = await h.correct_jobseeker(
            uow,
            counsellor(org),
            h.CorrectJobseeker(
                person, {"first_name": "Inès", "email": "ines@example.org", "birth_date": date(2004, 5, 2)}
            ),
        )
    assert (row.first_name, row.birth_date) == ("Inès", date(2004, 5, 2))
    [correction] = await uow.caseload.corrections(person)
    assert correction.fields == ["birth_date", "first_name"]
    assert correction.previous == {"first_name": "Ines", "birth_date": "2004-05-01"}
    assert correction.by_org_id == org
    assert uow.audited[-1] == ("correct", "jobseeker", str(person))
    assert uow.audited_details[-1] == "fields: birth_date,first_name"  # names of fields, never values
    assert uow.published == []


async def test_a_correction_that_changes_nothing_leaves_no_history(uow: FakeUnitOfWork) -> None:
    org = uow.organisation("mission_locale")
    person = uow.person(org)
    async with uow:
        await h.correct_jobseeker(uow, counsellor(org), h.CorrectJobseeker(person, {"last_name": "Morel"}))
    assert await uow.caseload.corrections(person) == []


async def test_an_organisation_that_may_not_see_the_person_corrects_nothing_and_reads_no_history(
    uow: FakeUnitOfWork,
) -> None:
    person = uow.person(uow.organisation("mission_locale"))
    stranger = uow.organisation("plie")
    with pytest.raises(NotFound):
        await h.correct_jobseeker(uow, counsellor(stranger), h.CorrectJobseeker(person, {"first_name": "X"}))
    with pytest.raises(NotFound):
        await h.correction_history(uow, counsellor(stranger), person)
    assert uow.people[person].first_name == "Inès"
    with pytest.raises(NotAllowed):
        await h.correct_jobseeker(
            uow, _role(stranger, "evaluator"), h.CorrectJobseeker(person, {"first_name": "X"})
        )


async def test_the_search_returns_only_visible_people_and_audits_each_person_found(
    uow: FakeUnitOfWork,
) -> None:
    org, other = uow.organisation("mission_locale"), uow.organisation("plie")
    mine = uow.person(org, first_name="Éloïse")
    uow.person(other, first_name="Éloïse")
    found, total = await h.search_jobseekers(uow, counsellor(org), h.SearchJobseekers(name="ELOISE"))
    assert [f.row.id for f in found] == [mine] and total == 1
    assert uow.audited == [("search", "jobseeker", str(mine))]  # the person found, never the criteria
    with pytest.raises(NotAllowed):
        await h.search_jobseekers(uow, _role(org, "coordinator"), h.SearchJobseekers())


async def test_a_persons_referrals_are_only_those_the_caller_is_party_to(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    sender, plie, cap = (uow.organisation(k) for k in ("mission_locale", "plie", "cap_emploi"))
    person = uow.person(sender)
    to_plie = await _refer(uow, ctx, person, sender, plie)
    to_cap = await _refer(uow, ctx, person, sender, cap)
    assert {r.id for r, _ in await h.referrals_of(uow, counsellor(sender), person)} == {to_plie.id, to_cap.id}
    assert [r.id for r, _ in await h.referrals_of(uow, counsellor(plie), person)] == [to_plie.id]
    with pytest.raises(NotFound):
        await h.referrals_of(uow, counsellor(uow.organisation("outsider")), person)


async def test_notes_are_for_the_sender_and_receiver_only_and_publish_nothing(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    sender, receiver, third = (uow.organisation(k) for k in ("mission_locale", "plie", "cap_emploi"))
    referral = await _refer(uow, ctx, uow.person(sender), sender, receiver)
    published = len(uow.published)
    async with uow:
        await h.add_note(uow, counsellor(sender), referral.id, "Sa fille est malade")
    async with uow:
        await h.add_note(uow, counsellor(receiver), referral.id, "Bien noté")
    assert [n.text for n in await h.notes(uow, counsellor(receiver), referral.id)] == [
        "Sa fille est malade",
        "Bien noté",
    ]
    assert len(uow.published) == published  # a note is no event
    assert "Sa fille est malade" not in repr(uow.audited) + repr(uow.audited_details)
    with pytest.raises(NotFound):
        await h.add_note(uow, counsellor(third), referral.id, "Coucou")
    with pytest.raises(NotFound):
        await h.notes(uow, counsellor(third), referral.id)


async def test_likely_duplicates_count_everyone_but_name_only_those_the_caller_may_see(
    uow: FakeUnitOfWork,
) -> None:
    org, other = uow.organisation("mission_locale"), uow.organisation("plie")
    seen = uow.person(org, first_name="INES", last_name="morel")
    uow.person(other)  # Inès Morel, same birth date, followed by the PLIE only
    uow.person(org, birth_date=date(2004, 5, 2))  # another birth date: someone else
    new = uow.person(org)
    duplicates = await h.likely_duplicates(uow, counsellor(org), uow.people[new])  # type: ignore[arg-type]
    assert duplicates == h.Duplicates(2, (seen,))


async def test_the_coordination_merges_a_duplicate_with_one_event_of_opaque_ids(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    ml, plie = uow.organisation("mission_locale"), uow.organisation("plie")
    kept, duplicate = uow.person(ml), uow.person(plie)
    referral = await _refer(uow, ctx, duplicate, plie, ml)
    async with uow:
        await h.merge_jobseekers(
            uow, _role(ctx.coordination_org_id, "coordinator"), h.MergeJobseekers(kept, duplicate), ctx
        )
    assert duplicate not in uow.people
    assert uow.referrals.rows[referral.id].jobseeker_id == kept
    [merged] = uow.events(JobseekerMergedV1)
    assert (merged.jobseeker_id, merged.duplicate_id, merged.merged_by_org_id) == (
        kept,
        duplicate,
        ctx.coordination_org_id,
    )
    assert set(JobseekerMergedV1.model_fields) == {
        "jobseeker_id",
        "duplicate_id",
        "merged_at",
        "merged_by_org_id",
    }


async def test_only_the_pact_coordination_merges_and_never_a_record_with_itself(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    ml = uow.organisation("mission_locale")
    kept, duplicate = uow.person(ml), uow.person(ml)
    for principal in (_role(ml, "coordinator"), _role(ctx.coordination_org_id, "counsellor")):
        with pytest.raises(NotAllowed):
            await h.merge_jobseekers(uow, principal, h.MergeJobseekers(kept, duplicate), ctx)
    coordinator = _role(ctx.coordination_org_id, "coordinator")
    with pytest.raises(Conflict):
        await h.merge_jobseekers(uow, coordinator, h.MergeJobseekers(kept, kept), ctx)
    with pytest.raises(NotFound):
        await h.merge_jobseekers(uow, coordinator, h.MergeJobseekers(kept, uuid.uuid4()), ctx)
    assert duplicate in uow.people and uow.published == []

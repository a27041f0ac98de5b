"""Data-protection rights on the fake unit of work: who may erase and export, what an erasure leaves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from relais_referral.domain.errors import NotAllowed
from relais_referral.events.contracts import JobseekerErasedV1
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.privacy import (
    Erased,
    EraseJobseeker,
    erase_jobseeker,
    export_jobseeker,
    read_audit,
    retention_cutoffs,
)
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


def member(org: uuid.UUID, *roles: str) -> Principal:
    return Principal(sub="someone", org_id=org, org_kind="plie", roles=frozenset(roles))


async def erase(
    uow: FakeUnitOfWork, principal: Principal | None, person: uuid.UUID, ctx: PactContext
) -> None:
    async with uow:
        await erase_jobseeker(uow, principal, EraseJobseeker(person), ctx)


async def test_the_referent_erases_identity_and_free_texts_announcing_only_the_opaque_id(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    referent, plie = uow.organisation("mission_locale"), uow.organisation("plie")
    person = uow.person(referent=referent)
    async with uow:
        referral = await submit_referral(
            uow, counsellor(referent), SubmitReferral(person, plie, "Motif confidentiel"), ctx
        )
    referral.withdraw(by_org_id=referent, now=datetime.now(UTC))  # no referral left open

    await erase(uow, counsellor(referent), person, ctx)

    erased = uow.people[person]
    assert (erased.first_name, erased.last_name, erased.birth_date, erased.email, erased.phone) == (
        "",
        "",
        None,
        None,
        None,
    )
    assert erased.erased_at is not None and uow.referrals.rows[referral.id].motive == ""
    [event] = uow.events(JobseekerErasedV1)
    assert event.model_dump(mode="json").keys() == {"jobseeker_id", "erased_at", "reason"}
    assert event.jobseeker_id == person and event.reason == "request"
    assert uow.audited[-1] == ("erase", "jobseeker", str(person))


async def test_the_pact_coordination_erases_a_person_it_does_not_follow(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    person = uow.person(referent=uow.organisation("cap_emploi"))
    await erase(uow, member(ctx.coordination_org_id, "coordinator"), person, ctx)
    assert uow.people[person].erased_at is not None and uow.events(JobseekerErasedV1)


async def test_a_third_organisation_gets_not_found_and_erases_nothing(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    person = uow.person(referent=uow.organisation("mission_locale"))
    with pytest.raises(NotFound):
        await erase(uow, counsellor(uow.organisation("plie")), person, ctx)
    assert uow.people[person].last_name == "Morel" and not uow.events(JobseekerErasedV1)


async def test_an_organisation_that_sees_the_person_but_is_not_referent_is_refused(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    referent, plie = uow.organisation("mission_locale"), uow.organisation("plie")
    person = uow.person(referent=referent)
    async with uow:
        await submit_referral(uow, counsellor(referent), SubmitReferral(person, plie, "Parcours"), ctx)
    with pytest.raises(NotAllowed):
        await erase(uow, counsellor(plie), person, ctx)
    assert uow.people[person].erased_at is None


async def test_an_erasure_is_refused_while_a_referral_is_open(uow: FakeUnitOfWork, ctx: PactContext) -> None:
    referent, plie = uow.organisation("mission_locale"), uow.organisation("plie")
    person = uow.person(referent=referent)
    async with uow:
        await submit_referral(uow, counsellor(referent), SubmitReferral(person, plie, "Parcours"), ctx)
    with pytest.raises(Conflict):
        await erase(uow, counsellor(referent), person, ctx)
    assert uow.people[person].last_name == "Morel" and not uow.events(JobseekerErasedV1)


async def test_after_an_erasure_the_referent_is_told_gone_and_anyone_else_not_found(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    referent = uow.organisation("mission_locale")
    person = uow.person(referent=referent)
    await erase(uow, counsellor(referent), person, ctx)
    with pytest.raises(Erased):
        await export_jobseeker(uow, counsellor(referent), person, ctx)
    with pytest.raises(Erased):
        await export_jobseeker(uow, member(ctx.coordination_org_id, "dpo"), person, ctx)
    with pytest.raises(NotFound):
        await export_jobseeker(uow, counsellor(uow.organisation("plie")), person, ctx)
    with pytest.raises(Erased):  # a second erasure changes nothing and announces nothing again
        await erase(uow, counsellor(referent), person, ctx)
    assert len(uow.events(JobseekerErasedV1)) == 1


async def test_the_export_is_for_an_organisation_that_sees_the_person_or_the_pacts_dpo(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    referent = uow.organisation("mission_locale")
    person = uow.person(referent=referent)
    assert (await export_jobseeker(uow, counsellor(referent), person, ctx))["person"].last_name == "Morel"
    assert await export_jobseeker(uow, member(ctx.coordination_org_id, "dpo"), person, ctx)
    for outsider in (counsellor(uow.organisation("plie")), member(referent, "dpo")):
        with pytest.raises(NotFound):
            await export_jobseeker(uow, outsider, person, ctx)
    assert [a for a in uow.audited if a[0] == "export"] == [("export", "jobseeker", str(person))] * 2


async def test_the_pacts_dpo_reads_the_whole_audit_log_another_dpo_only_its_organisations_lines(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    plie, other = uow.organisation("plie"), uow.organisation("cap_emploi")
    seen: list[dict[str, object]] = []

    async def audit_lines(**filters: object) -> list[dict[str, object]]:
        seen.append(filters)
        return []

    uow.privacy.audit_lines = audit_lines  # type: ignore[method-assign]
    await read_audit(uow, member(ctx.coordination_org_id, "dpo"), ctx, organisation_id=None)
    await read_audit(uow, member(plie, "dpo"), ctx, organisation_id=None)
    assert [f["organisation_id"] for f in seen] == [None, plie]
    with pytest.raises(NotFound):
        await read_audit(uow, member(plie, "dpo"), ctx, organisation_id=other)
    with pytest.raises(NotAllowed):
        await read_audit(uow, member(ctx.coordination_org_id, "coordinator"), ctx)


def test_retention_cutoffs_count_calendar_months_per_legal_basis_back_from_today_in_paris() -> None:
    now = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # already the 6th in Paris
    per_basis, default = retention_cutoffs({"consent": 12, "*": 24}, now)
    assert per_basis["consent"].isoformat() == "2025-12-06T00:00:00+01:00"
    assert default.isoformat() == "2024-12-06T00:00:00+01:00"

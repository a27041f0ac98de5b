"""Caseload handlers: find one's people, correct their details, read their referrals, exchange notes on a
referral, warn of likely duplicates and merge them (pact coordination)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from relais_referral.db.models import JobseekerCorrectionRow, JobseekerRow, ReferralNoteRow
from relais_referral.domain.calendar import paris_date
from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.jobseeker import equality_axes
from relais_referral.events.contracts import JobseekerAttributesChangedV1, JobseekerMergedV1
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.auth import Principal
from relais_shared.errors import Conflict

# What a correction may change (GDPR art. 16); the rest of the record follows the journey's rules.
CORRECTABLE = (
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "postcode",
    "commune",
    "qpv_resident",
    "sex",
    "education_level",
    "nationality_category",
    "situation",
)


@dataclass(frozen=True)
class SearchJobseekers:
    name: str | None = None
    birth_date: date | None = None
    postcode: str | None = None
    referral_status: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class CorrectJobseeker:
    jobseeker_id: uuid.UUID
    changes: dict[str, Any]  # field -> new value, already validated like a registration


@dataclass(frozen=True)
class MergeJobseekers:
    kept_id: uuid.UUID
    duplicate_id: uuid.UUID


@dataclass(frozen=True)
class Duplicates:
    """What a registration tells of likely duplicates: how many, and only the ids the caller may see."""

    count: int = 0
    visible: tuple[uuid.UUID, ...] = ()


def _counsellor(principal: Principal) -> None:
    if not principal.has_role("counsellor"):
        raise NotAllowed("La file active est réservée aux conseillers.")


async def _visible_person(uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID) -> JobseekerRow:
    person = await uow.jobseekers.get(jobseeker_id)
    if person is None or not await uow.jobseekers.visible_to(person, principal.org_id):
        raise NotFound("jobseeker")
    return person


async def search_jobseekers(
    uow: UnitOfWork, principal: Principal, query: SearchJobseekers
) -> tuple[Any, int]:
    """The caller's organisation's people matching the query; each person found is audited (never the
    criteria: they are personal data)."""
    _counsellor(principal)
    found, total = await uow.caseload.search(
        principal.org_id,
        name=query.name,
        birth_date=query.birth_date,
        postcode=query.postcode,
        referral_status=query.referral_status,
        offset=query.offset,
        limit=query.limit,
    )
    # Each person the page shows, as a read of that person (the audit filtered by person finds it).
    await uow.audit_each(
        principal, action="search", resource_type="jobseeker", resource_ids=[str(f.row.id) for f in found]
    )
    return found, total


async def correct_jobseeker(uow: UnitOfWork, principal: Principal, cmd: CorrectJobseeker) -> JobseekerRow:
    """Changes the fields given; the history keeps which changed, when, by whom, and what they were."""
    _counsellor(principal)
    unknown = set(cmd.changes) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")  # the API's schema lists the others
    person = await _visible_person(uow, principal, cmd.jobseeker_id)
    previous = {
        name: getattr(person, name) for name, value in cmd.changes.items() if getattr(person, name) != value
    }
    if not previous:
        return person  # nothing differs: no history line, nothing audited as changed
    now = datetime.now(UTC)
    axes_before = equality_axes(person, paris_date(now))
    for name in previous:
        setattr(person, name, cmd.changes[name])
    axes = equality_axes(person, paris_date(now))
    if axes != axes_before:
        # The evaluation keeps the latest observation of each axis: a corrected one must reach it too.
        uow.publish(JobseekerAttributesChangedV1(jobseeker_id=person.id, changed_at=now, **asdict(axes)))
    uow.caseload.add_correction(
        JobseekerCorrectionRow(
            jobseeker_id=person.id,
            at=now,
            by_org_id=principal.org_id,
            by_sub=principal.sub,
            fields=sorted(previous),
            previous={k: v.isoformat() if isinstance(v, date) else v for k, v in previous.items()},
        )
    )
    await uow.audit(
        principal,
        action="correct",
        resource_type="jobseeker",
        resource_id=str(person.id),
        detail="fields: " + ",".join(sorted(previous)),  # field names only, never values
    )
    return person


async def correction_history(
    uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID
) -> list[JobseekerCorrectionRow]:
    _counsellor(principal)
    await _visible_person(uow, principal, jobseeker_id)
    history = await uow.caseload.corrections(jobseeker_id)
    await uow.audit(
        principal, action="read_history", resource_type="jobseeker", resource_id=str(jobseeker_id)
    )
    return history


async def referrals_of(uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID) -> list[Any]:
    """The person's referrals the caller's organisation is a party to (as ``GET /v1/referrals/{id}``)."""
    _counsellor(principal)
    await _visible_person(uow, principal, jobseeker_id)
    rows = await uow.caseload.referrals_of(jobseeker_id, principal.org_id)
    await uow.audit(
        principal, action="read_referrals", resource_type="jobseeker", resource_id=str(jobseeker_id)
    )
    return rows


async def _party(uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID) -> None:
    _counsellor(principal)
    referral = await uow.referrals.get(referral_id)
    if referral is None or not referral.involves(principal.org_id):
        raise NotFound("referral")


async def add_note(
    uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID, text: str
) -> ReferralNoteRow:
    """A note between the referral's sender and receiver. Its text stays in this table: no event, and the
    audit line names the referral only."""
    await _party(uow, principal, referral_id)
    note = ReferralNoteRow(
        id=uuid.uuid4(),
        referral_id=referral_id,
        at=datetime.now(UTC),
        author_org_id=principal.org_id,
        author_sub=principal.sub,
        text=text,
    )
    uow.caseload.add_note(note)
    await uow.audit(principal, action="note", resource_type="referral", resource_id=str(referral_id))
    return note


async def notes(uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID) -> list[ReferralNoteRow]:
    await _party(uow, principal, referral_id)
    found = await uow.caseload.notes(referral_id)
    await uow.audit(principal, action="read_notes", resource_type="referral", resource_id=str(referral_id))
    return found


async def likely_duplicates(uow: UnitOfWork, principal: Principal, person: JobseekerRow) -> Duplicates:
    """Other records of the pact with the same normalised name and birth date: their number, and the ids
    of those the caller may see. Of the others the caller learns only that they exist (so that the
    counsellor asks the coordination), never who they are or who follows them."""
    found = await uow.caseload.likely_duplicates(person, principal.org_id)
    return Duplicates(len(found), tuple(sorted(d.id for d in found if d.visible)))


async def merge_jobseekers(
    uow: UnitOfWork, principal: Principal, cmd: MergeJobseekers, ctx: PactContext
) -> JobseekerRow:
    """The pact coordination merges a duplicate into the kept record: one record, one journey, one event."""
    if principal.org_id != ctx.coordination_org_id or not principal.has_role("coordinator"):
        raise NotAllowed("Seule la coordination du pacte fusionne des fiches.")
    if cmd.kept_id == cmd.duplicate_id:
        raise Conflict("une fiche ne peut pas être fusionnée avec elle-même")
    people = await uow.caseload.lock_people(cmd.kept_id, cmd.duplicate_id)
    kept, duplicate = people.get(cmd.kept_id), people.get(cmd.duplicate_id)
    if kept is None or duplicate is None:
        raise NotFound("jobseeker")
    now = datetime.now(UTC)
    await uow.caseload.move_journey(kept, duplicate, now)
    uow.publish(
        JobseekerMergedV1(
            jobseeker_id=kept.id,
            duplicate_id=duplicate.id,
            merged_at=now,
            merged_by_org_id=principal.org_id,
        )
    )
    for subject in (kept.id, duplicate.id):
        await uow.audit(
            principal,
            action="merge",
            resource_type="jobseeker",
            resource_id=str(subject),
            detail=f"kept {kept.id}, removed {duplicate.id}",
        )
    return kept

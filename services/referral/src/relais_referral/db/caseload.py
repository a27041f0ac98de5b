"""What a caseload reads and writes: people searched by name, corrections, a person's referrals, notes,
likely duplicates and their merge. Each list is one query per page (no query per row)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, case, delete, exists, func, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from relais_referral.db.models import (
    InboxEntryRow,
    JobseekerCorrectionRow,
    JobseekerRow,
    JourneyEntryRow,
    JourneyMemberRow,
    NeedRow,
    OrganisationRow,
    ReferralNoteRow,
    ReferralRow,
    TaskRow,
)
from relais_referral.domain.jobseeker import normalised_name
from relais_referral.domain.referral import OPEN_STATUSES

_OPEN = [s.value for s in OPEN_STATUSES]


def visible_to(org_id: uuid.UUID) -> ColumnElement[bool]:
    """``JobseekerRepository.visible_to`` as a SQL condition on ``jobseekers`` (a page filtered in one
    query): référent, follow-up member while in the pact, or party to one of their open referrals;
    never an erased person.
    A test holds the two to the same answers."""
    # Aliases: a query listing referrals (a work queue) has ``referrals`` in its FROM too, and the
    # subquery must not correlate to that row but range over all of the person's referrals.
    member, referral = aliased(JourneyMemberRow), aliased(ReferralRow)
    return and_(
        JobseekerRow.erased_at.is_(None),  # nobody sees an erased person (GDPR art. 17)
        or_(
            JobseekerRow.referent_org_id == org_id,
            and_(
                JobseekerRow.in_pact,
                exists().where(member.jobseeker_id == JobseekerRow.id, member.org_id == org_id),
            ),
            exists().where(
                referral.jobseeker_id == JobseekerRow.id,
                referral.status.in_(_OPEN),
                or_(referral.sender_org_id == org_id, referral.receiver_org_id == org_id),
            ),
        ),
    )


def display_name_for(org_id: uuid.UUID, *, named: bool = True) -> ColumnElement[str | None]:
    """The person's name on a row of a work queue, or null when ``org_id`` may not see them, or when the
    caller is not ``named`` (coordinators read the queues, never identity data). The query must have
    ``jobseekers`` in its FROM, joined on the row's person."""
    if not named:
        return null().label("jobseeker_display_name")  # type: ignore[return-value]
    return case(
        (visible_to(org_id), JobseekerRow.first_name + " " + JobseekerRow.last_name), else_=None
    ).label("jobseeker_display_name")


async def display_names(
    session: AsyncSession, org_id: uuid.UUID, jobseeker_ids: set[uuid.UUID], *, named: bool = True
) -> dict[uuid.UUID, str | None]:
    """The names ``display_name_for`` gives, for the people of one page, in one query.

    For a page read from a large table (the inbox): joined into the page's own query, the names made
    PostgreSQL join every row of the organisation before sorting and cutting the page (the work-queue
    bench went from 105 to 210 ms at p95); asked for the page's people only, it costs one small query.
    """
    if not named or not jobseeker_ids:
        return {}
    rows = await session.execute(
        select(JobseekerRow.id, display_name_for(org_id)).where(JobseekerRow.id.in_(jobseeker_ids))
    )
    return {person: name for person, name in rows.tuples()}


@dataclass(frozen=True)
class PersonFound:
    row: JobseekerRow
    open_referrals: int


@dataclass(frozen=True)
class LikelyDuplicate:
    id: uuid.UUID
    visible: bool


class CaseloadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ search
    async def search(
        self,
        org_id: uuid.UUID,
        *,
        name: str | None = None,
        birth_date: date | None = None,
        postcode: str | None = None,
        referral_status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[PersonFound], int]:
        """The people ``org_id`` may see matching every criterion given; a page and the total (2 queries).

        Each word of ``name`` must appear, accents and case ignored, in the first or last name (a
        trigram index serves ``LIKE '%word%'``). ``referral_status``: a referral in that status to which
        ``org_id`` is a party."""
        where: list[ColumnElement[bool]] = [visible_to(org_id)]
        for word in normalised_name(name or "").split():
            where.append(JobseekerRow.name_key.contains(word, autoescape=True))
        if birth_date is not None:
            where.append(JobseekerRow.birth_date == birth_date)
        if postcode is not None:
            where.append(JobseekerRow.postcode == postcode)
        if referral_status is not None:
            where.append(
                exists().where(
                    ReferralRow.jobseeker_id == JobseekerRow.id,
                    ReferralRow.status == referral_status,
                    or_(ReferralRow.sender_org_id == org_id, ReferralRow.receiver_org_id == org_id),
                )
            )
        open_referrals = (
            select(func.count())
            .where(ReferralRow.jobseeker_id == JobseekerRow.id, ReferralRow.status.in_(_OPEN))
            .scalar_subquery()
        )
        total = (
            await self.session.execute(select(func.count()).select_from(JobseekerRow).where(*where))
        ).scalar_one()
        rows = await self.session.execute(
            select(JobseekerRow, open_referrals)
            .where(*where)
            .order_by(JobseekerRow.name_key, JobseekerRow.birth_date, JobseekerRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [PersonFound(row, count) for row, count in rows.tuples()], int(total)

    # ------------------------------------------------------------------ corrections
    def add_correction(self, row: JobseekerCorrectionRow) -> None:
        self.session.add(row)

    async def corrections(self, jobseeker_id: uuid.UUID) -> list[JobseekerCorrectionRow]:
        rows = await self.session.execute(
            select(JobseekerCorrectionRow)
            .where(JobseekerCorrectionRow.jobseeker_id == jobseeker_id)
            .order_by(JobseekerCorrectionRow.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ a person's referrals
    def referrals_query(self, org_id: uuid.UUID) -> Select[tuple[ReferralRow, str]]:
        """Referrals ``org_id`` is a party to, each with its receiver's département (its calendar)."""
        return (
            select(ReferralRow, OrganisationRow.departement)
            .join(OrganisationRow, OrganisationRow.id == ReferralRow.receiver_org_id)
            .where(or_(ReferralRow.sender_org_id == org_id, ReferralRow.receiver_org_id == org_id))
        )

    async def referrals_of(self, jobseeker_id: uuid.UUID, org_id: uuid.UUID) -> list[tuple[ReferralRow, str]]:
        rows = await self.session.execute(
            self.referrals_query(org_id)
            .where(ReferralRow.jobseeker_id == jobseeker_id)
            .order_by(ReferralRow.submitted_at.desc(), ReferralRow.id)
        )
        return list(rows.tuples())

    # ------------------------------------------------------------------ notes
    def add_note(self, row: ReferralNoteRow) -> None:
        self.session.add(row)

    async def notes(self, referral_id: uuid.UUID) -> list[ReferralNoteRow]:
        rows = await self.session.execute(
            select(ReferralNoteRow)
            .where(ReferralNoteRow.referral_id == referral_id)
            .order_by(ReferralNoteRow.at, ReferralNoteRow.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ duplicates
    async def likely_duplicates(self, person: JobseekerRow, org_id: uuid.UUID) -> list[LikelyDuplicate]:
        """Other people of the pact with the same normalised name and birth date, each with whether
        ``org_id`` may see them (one query, on the (name_key, birth_date) index)."""
        if person.birth_date is None:
            return []
        rows = await self.session.execute(
            select(JobseekerRow.id, visible_to(org_id)).where(
                JobseekerRow.name_key == normalised_name(person.first_name, person.last_name),
                JobseekerRow.birth_date == person.birth_date,
                JobseekerRow.id != person.id,
            )
        )
        return [LikelyDuplicate(row_id, bool(visible)) for row_id, visible in rows.tuples()]

    # ------------------------------------------------------------------ merge
    async def lock_people(self, *ids: uuid.UUID) -> dict[uuid.UUID, JobseekerRow]:
        """Both records under a lock, in id order (two merges of the same pair cannot deadlock)."""
        rows = await self.session.execute(
            select(JobseekerRow)
            .where(JobseekerRow.id.in_(ids))
            .order_by(JobseekerRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.id: row for row in rows.scalars()}

    async def move_journey(self, kept: JobseekerRow, duplicate: JobseekerRow, at: datetime) -> None:
        """Everything the duplicate's record carries moves onto the kept one; then the duplicate goes.

        Referrals (and their notes, which hang on them), inbox rows, tasks, history, corrections and
        needs change person; the follow-up groups are united, and the duplicate's référent joins the
        group when it is not the kept record's référent (as a former référent does). An open need of
        the duplicate already open on the kept record is dropped (one open need per thematic)."""
        kept_id, dup_id = kept.id, duplicate.id
        for model in (ReferralRow, InboxEntryRow, TaskRow, JourneyEntryRow, JobseekerCorrectionRow):
            await self.session.execute(
                update(model).where(model.jobseeker_id == dup_id).values(jobseeker_id=kept_id)
            )
        open_on_kept = select(NeedRow.thematique).where(
            NeedRow.jobseeker_id == kept_id, NeedRow.lifted_on.is_(None)
        )
        await self.session.execute(
            delete(NeedRow).where(
                NeedRow.jobseeker_id == dup_id,
                NeedRow.lifted_on.is_(None),
                NeedRow.thematique.in_(open_on_kept),
            )
        )
        await self.session.execute(
            update(NeedRow).where(NeedRow.jobseeker_id == dup_id).values(jobseeker_id=kept_id)
        )
        members = set(
            (
                await self.session.execute(
                    select(JourneyMemberRow.org_id).where(JourneyMemberRow.jobseeker_id == dup_id)
                )
            ).scalars()
        )
        if kept.referent_org_id is None:
            kept.referent_org_id = duplicate.referent_org_id
        elif duplicate.referent_org_id is not None:
            members.add(duplicate.referent_org_id)
        members.discard(kept.referent_org_id)
        if members:
            await self.session.execute(
                insert(JourneyMemberRow)
                .values([{"jobseeker_id": kept_id, "org_id": org} for org in sorted(members)])
                .on_conflict_do_nothing()
            )
        await self.session.execute(delete(JourneyMemberRow).where(JourneyMemberRow.jobseeker_id == dup_id))
        if duplicate.in_pact and not kept.in_pact:  # one of the two records is still accompanied
            kept.in_pact, kept.exit_outcome = True, None
        for name in ("birth_date", "email", "phone", "commune"):  # what only the duplicate knew
            if getattr(kept, name) is None and getattr(duplicate, name) is not None:
                setattr(kept, name, getattr(duplicate, name))
        self.session.add(JourneyEntryRow(jobseeker_id=kept_id, at=at, kind="merged", detail=None))
        await self.session.flush()
        await self.session.delete(duplicate)  # its journey signals go with it (ON DELETE CASCADE)
        await self.session.flush()

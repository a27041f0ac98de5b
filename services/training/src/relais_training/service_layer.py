"""Handlers of the training service: catalogue, sessions, enrolments within capacity, waitlist, attendance,
completion and abandonment. A seat is taken under the session row's lock: fifty simultaneous requests for
ten seats give ten confirmed and forty waitlisted, in the order the requests took the lock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_shared.auth import Principal
from relais_shared.errors import Conflict, NotAllowed, NotFound
from relais_shared.unit_of_work import SqlUnitOfWork
from relais_training.events import (
    CancelCause,
    EnrolmentAbandonedV1,
    EnrolmentCancelledV1,
    EnrolmentCompletedV1,
    EnrolmentConfirmedV1,
    EnrolmentWaitlistedV1,
)
from relais_training.models import AttendanceRow, EnrolmentRow, OfferRow, SessionRow, infra

OFFER_KINDS = ("fle", "digital", "pre_qualifying", "qualifying", "work_readiness", "other")
OPEN_FOR_ENROLMENT = ("planned", "open", "full")
LIVE = ("confirmed", "waitlisted")
# For the messages of refusals (French first, like every user-facing text).
STATE_LABELS = {
    "planned": "programmée",
    "open": "ouverte",
    "full": "complète",
    "running": "en cours",
    "finished": "terminée",
    "cancelled": "annulée",
}


# The pact's days are Paris days: a session "starts" at the beginning of its first day there.
PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(PARIS).date()


def has_started(session: SessionRow, on: date | None = None) -> bool:
    """From its first day on, a session takes nobody new: neither a seat nor a place on the waitlist."""
    return session.starts_on <= (on or today())


def takes_enrolments(session: SessionRow, on: date | None = None) -> bool:
    return session.state in OPEN_FOR_ENROLMENT and not has_started(session, on)


def shown_state(session: SessionRow, on: date | None = None) -> str:
    """The state as people read it: a session past its first day is running, even before the daily close
    of started sessions (``close_started_sessions``) has written it."""
    if session.state in OPEN_FOR_ENROLMENT and has_started(session, on):
        return "running"
    return session.state


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _no_enrolment(session: SessionRow) -> Conflict:
    if session.state in OPEN_FOR_ENROLMENT:
        return Conflict(
            f"la session a commencé le {_fr(session.starts_on)} : elle ne prend plus d'inscription,"
            " ni en liste d'attente"
        )
    return Conflict(f"la session est {STATE_LABELS[session.state]} : plus d'inscription possible")


class InvalidTraining(ValueError):
    """Input that breaks a rule of the catalogue (dates reversed, capacity, unknown kind…); ``errors`` may
    name fields (problem+json's ``errors``)."""

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class UnitOfWork(SqlUnitOfWork):
    outbox = infra.outbox
    processed_events = infra.processed_events

    def bind(self, session: AsyncSession) -> None:
        super().bind(session)
        self.db = session


def _provider(principal: Principal) -> None:
    if not principal.has_role("training_provider"):
        raise NotAllowed("Seul un organisme de formation gère son catalogue et ses sessions.")


@dataclass(frozen=True)
class NewOffer:
    title: str
    kind: str
    publics: list[str] = field(default_factory=list)
    prerequisites: str | None = None
    certification: str | None = None
    shortage_tags: list[str] = field(default_factory=list)


async def create_offer(uow: UnitOfWork, principal: Principal, cmd: NewOffer) -> OfferRow:
    _provider(principal)
    if cmd.kind not in OFFER_KINDS:
        raise InvalidTraining(f"type de formation inconnu : {cmd.kind}")
    row = OfferRow(id=uuid.uuid4(), provider_org_id=principal.org_id, **cmd.__dict__)
    uow.db.add(row)
    return row


@dataclass(frozen=True)
class NewSession:
    offer_id: uuid.UUID
    starts_on: date
    ends_on: date
    commune: str
    capacity: int
    code_insee: str | None = None
    timetable: str | None = None
    near_qpv: bool = False
    transport_note: str | None = None
    accessible: bool = False
    childcare: bool = False
    open_now: bool = True


async def create_session(
    uow: UnitOfWork, principal: Principal, cmd: NewSession, *, on: date | None = None
) -> SessionRow:
    """``on``: the day the session is scheduled, today unless the demo loads a past session. A session is
    scheduled before its first day: from that day on it takes nobody (``has_started``)."""
    _provider(principal)
    offer = await uow.db.get(OfferRow, cmd.offer_id)
    if offer is None or offer.provider_org_id != principal.org_id:
        raise NotFound("offer")
    if cmd.starts_on <= (on or today()):
        reason = (
            f"le premier jour ({_fr(cmd.starts_on)}) doit être à venir : une session commencée ne prend"
            " plus d'inscription"
        )
        raise InvalidTraining(reason, [{"field": "starts_on", "message": reason, "code": "past_start"}])
    if cmd.ends_on < cmd.starts_on:
        raise InvalidTraining("la session doit finir après son début")
    if cmd.capacity <= 0:
        raise InvalidTraining("la capacité est d'au moins une place")
    fields = {k: v for k, v in cmd.__dict__.items() if k != "open_now"}
    row = SessionRow(
        id=uuid.uuid4(),
        provider_org_id=principal.org_id,
        confirmed=0,
        state="open" if cmd.open_now else "planned",
        **fields,
    )
    uow.db.add(row)
    return row


async def _own_session(
    uow: UnitOfWork, principal: Principal, session_id: uuid.UUID, *, lock: bool
) -> SessionRow:
    stmt = select(SessionRow).where(SessionRow.id == session_id)
    if lock:
        stmt = stmt.with_for_update()
    session = (await uow.db.execute(stmt)).scalar_one_or_none()
    if session is None or session.provider_org_id != principal.org_id:
        raise NotFound("session")
    return session


def _refresh_state(session: SessionRow) -> None:
    if session.state in ("open", "full"):
        session.state = "full" if session.confirmed >= session.capacity else "open"


def _confirmed(session: SessionRow, enrolment: EnrolmentRow, *, promoted: bool) -> EnrolmentConfirmedV1:
    return EnrolmentConfirmedV1(
        enrolment_id=enrolment.id,
        jobseeker_id=enrolment.jobseeker_id,
        session_id=session.id,
        provider_org_id=session.provider_org_id,
        referral_id=enrolment.referral_id,
        starts_on=session.starts_on,
        promoted_from_waitlist=promoted,
        confirmed_at=datetime.now(UTC),
    )


def _cancelled(enrolment: EnrolmentRow, cause: CancelCause, at: datetime) -> EnrolmentCancelledV1:
    return EnrolmentCancelledV1(
        enrolment_id=enrolment.id,
        jobseeker_id=enrolment.jobseeker_id,
        session_id=enrolment.session_id,
        referral_id=enrolment.referral_id,
        cause=cause,
        cancelled_at=at,
    )


async def _live_enrolment(
    uow: UnitOfWork, session_id: uuid.UUID, jobseeker_id: uuid.UUID
) -> EnrolmentRow | None:
    found = await uow.db.execute(
        select(EnrolmentRow).where(
            EnrolmentRow.session_id == session_id,
            EnrolmentRow.jobseeker_id == jobseeker_id,
            EnrolmentRow.status.in_(LIVE),
        )
    )
    return found.scalar_one_or_none()


async def _next_position(uow: UnitOfWork, session_id: uuid.UUID) -> int:
    last = await uow.db.execute(
        select(func.coalesce(func.max(EnrolmentRow.position), 0)).where(EnrolmentRow.session_id == session_id)
    )
    return int(last.scalar_one()) + 1


async def _request_seat(
    uow: UnitOfWork,
    session: SessionRow,
    jobseeker_id: uuid.UUID,
    referral_id: uuid.UUID | None,
    requested_by: uuid.UUID,
) -> EnrolmentRow:
    """Confirmed while seats remain, else waitlisted; the caller holds the session row's lock."""
    confirmed = session.confirmed < session.capacity
    row = EnrolmentRow(
        id=uuid.uuid4(),
        session_id=session.id,
        jobseeker_id=jobseeker_id,
        referral_id=referral_id,
        requested_by_org_id=requested_by,
        status="confirmed" if confirmed else "waitlisted",
        position=await _next_position(uow, session.id),
    )
    uow.db.add(row)
    if confirmed:
        session.confirmed += 1
        uow.publish(_confirmed(session, row, promoted=False))
    else:
        uow.publish(await _waitlisted(uow, session, row))
    _refresh_state(session)
    return row


async def _waitlisted(uow: UnitOfWork, session: SessionRow, enrolment: EnrolmentRow) -> EnrolmentWaitlistedV1:
    await uow.db.flush()
    return EnrolmentWaitlistedV1(
        enrolment_id=enrolment.id,
        jobseeker_id=enrolment.jobseeker_id,
        session_id=session.id,
        provider_org_id=session.provider_org_id,
        referral_id=enrolment.referral_id,
        position=await _waitlist_rank(uow, enrolment),
        starts_on=session.starts_on,
        waitlisted_at=datetime.now(UTC),
    )


async def _waitlist_rank(uow: UnitOfWork, enrolment: EnrolmentRow) -> int:
    """The rank on the waitlist (1 = next seat), counted among those still waiting."""
    ahead = await uow.db.execute(
        select(func.count()).where(
            EnrolmentRow.session_id == enrolment.session_id,
            EnrolmentRow.status == "waitlisted",
            EnrolmentRow.position < enrolment.position,
        )
    )
    return int(ahead.scalar_one()) + 1


async def enrol(
    uow: UnitOfWork,
    principal: Principal,
    session_id: uuid.UUID,
    jobseeker_id: uuid.UUID,
    referral_id: uuid.UUID | None = None,
    *,
    on: date | None = None,
) -> EnrolmentRow:
    """By the provider: the session row's lock orders concurrent requests. ``on``: the day of the request,
    today unless the demo loads a past enrolment."""
    session = await _own_session(uow, principal, session_id, lock=True)
    if not takes_enrolments(session, on):
        raise _no_enrolment(session)
    if await _live_enrolment(uow, session.id, jobseeker_id) is not None:
        raise Conflict("la personne est déjà inscrite ou en liste d'attente sur cette session")
    return await _request_seat(uow, session, jobseeker_id, referral_id, principal.org_id)


@dataclass(frozen=True)
class ReferralForSession:
    """A referral to a training provider that names one of its sessions (the referral service's event)."""

    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    provider_org_id: uuid.UUID
    session_id: uuid.UUID


async def enrol_from_referral(uow: UnitOfWork, request: ReferralForSession) -> EnrolmentRow:
    """The request the referral carries, taken like the provider's own: a seat, or the waitlist. A session
    already started (``session_started``), finished or cancelled (``session_unavailable``) answers with a
    cancellation, so that the referral goes back to its sender at once instead of waiting for its
    deadlines. Raises NotFound for a session that is not the
    receiver's (the referral service cannot check it: the consumer dead-letters the event)."""
    session = (
        await uow.db.execute(select(SessionRow).where(SessionRow.id == request.session_id).with_for_update())
    ).scalar_one_or_none()
    if session is None or session.provider_org_id != request.provider_org_id:
        raise NotFound("session")
    live = await _live_enrolment(uow, session.id, request.jobseeker_id)
    if live is not None:  # the provider enrolled the person already: that enrolment answers the referral
        if live.referral_id is None:
            live.referral_id = request.referral_id
            # The referral's sender follows the enrolment from now on (its counsellor reads where it stands).
            live.requested_by_org_id = request.sender_org_id
            if live.status == "confirmed":
                uow.publish(_confirmed(session, live, promoted=False))
            else:
                uow.publish(await _waitlisted(uow, session, live))
        return live
    if not takes_enrolments(session):
        now = datetime.now(UTC)
        cause: CancelCause = (
            "session_started" if session.state in OPEN_FOR_ENROLMENT else "session_unavailable"
        )
        row = EnrolmentRow(
            id=uuid.uuid4(),
            session_id=session.id,
            jobseeker_id=request.jobseeker_id,
            referral_id=request.referral_id,
            requested_by_org_id=request.sender_org_id,
            status="cancelled",
            reason_code=cause,
            closed_at=now,
            position=await _next_position(uow, session.id),
        )
        uow.db.add(row)
        uow.publish(_cancelled(row, cause, now))
        return row
    return await _request_seat(uow, session, request.jobseeker_id, request.referral_id, request.sender_org_id)


async def _enrolment(
    uow: UnitOfWork, principal: Principal, enrolment_id: uuid.UUID
) -> tuple[EnrolmentRow, SessionRow]:
    enrolment = await uow.db.get(EnrolmentRow, enrolment_id)
    if enrolment is None:
        raise NotFound("enrolment")
    session = await _own_session(uow, principal, enrolment.session_id, lock=True)
    enrolment = (
        await uow.db.execute(select(EnrolmentRow).where(EnrolmentRow.id == enrolment_id).with_for_update())
    ).scalar_one()
    return enrolment, session


async def _promote(uow: UnitOfWork, session: SessionRow) -> EnrolmentRow | None:
    """The first of the waitlist takes the seat that freed, until the session starts."""
    if session.confirmed >= session.capacity or not takes_enrolments(session):
        return None
    first = (
        await uow.db.execute(
            select(EnrolmentRow)
            .where(EnrolmentRow.session_id == session.id, EnrolmentRow.status == "waitlisted")
            .order_by(EnrolmentRow.position)
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if first is None:
        return None
    first.status = "confirmed"
    session.confirmed += 1
    uow.publish(_confirmed(session, first, promoted=True))
    return first


async def cancel_enrolment(
    uow: UnitOfWork, principal: Principal, enrolment_id: uuid.UUID
) -> EnrolmentRow | None:
    """Withdrawn before the training; a seat that frees goes to the first of the waitlist (returned)."""
    enrolment, session = await _enrolment(uow, principal, enrolment_id)
    if enrolment.status not in LIVE:
        raise Conflict(f"l'inscription est déjà {enrolment.status}")
    was_confirmed = enrolment.status == "confirmed"
    enrolment.status, enrolment.closed_at = "cancelled", datetime.now(UTC)
    uow.publish(_cancelled(enrolment, "withdrawn", enrolment.closed_at))
    promoted = None
    if was_confirmed:
        session.confirmed -= 1
        promoted = await _promote(uow, session)
    _refresh_state(session)
    return promoted


async def record_attendance(
    uow: UnitOfWork, principal: Principal, session_id: uuid.UUID, day: date, present: dict[uuid.UUID, bool]
) -> int:
    session = await _own_session(uow, principal, session_id, lock=False)
    if session.state == "cancelled":
        raise Conflict("la session est annulée : pas d'émargement")
    if not session.starts_on <= day <= session.ends_on:
        raise InvalidTraining(
            f"le jour d'émargement doit être entre le premier jour ({_fr(session.starts_on)}) et le dernier"
            f" ({_fr(session.ends_on)}) de la session"
        )
    if day > today():
        raise InvalidTraining(f"le {_fr(day)} n'est pas encore passé : on émarge un jour de formation écoulé")
    confirmed = set(
        (
            await uow.db.execute(
                select(EnrolmentRow.id).where(
                    EnrolmentRow.session_id == session.id, EnrolmentRow.status == "confirmed"
                )
            )
        ).scalars()
    )
    unknown = set(present) - confirmed
    if unknown:
        raise InvalidTraining(
            f"{len(unknown)} inscription(s) inconnue(s) ou non confirmée(s) sur cette session"
        )
    for enrolment_id, here in present.items():
        row = await uow.db.get(AttendanceRow, (enrolment_id, day))
        if row is None:
            uow.db.add(AttendanceRow(enrolment_id=enrolment_id, day=day, present=here))
        else:
            row.present = here
    if session.state in ("open", "full", "planned") and day >= session.starts_on:
        session.state = "running"
    return len(present)


async def attendance_of(
    uow: UnitOfWork, principal: Principal, session_id: uuid.UUID, day: date
) -> dict[uuid.UUID, bool]:
    """The sheet of ``day`` as it was recorded: who was ticked present or absent (nobody if not yet)."""
    session = await _own_session(uow, principal, session_id, lock=False)
    rows = await uow.db.execute(
        select(AttendanceRow.enrolment_id, AttendanceRow.present)
        .join(EnrolmentRow, EnrolmentRow.id == AttendanceRow.enrolment_id)
        .where(EnrolmentRow.session_id == session.id, AttendanceRow.day == day)
    )
    return {enrolment_id: present for enrolment_id, present in rows.tuples()}


@dataclass(frozen=True)
class ReferralEnrolment:
    """Where the enrolment a referral asked for stands: its session, its state, the rank of a person still
    waiting (1 = next seat) and the days of attendance recorded so far."""

    enrolment: EnrolmentRow
    session: SessionRow
    offer: OfferRow
    waitlist_rank: int | None
    days_present: int
    days_absent: int


async def enrolment_of_referral(
    uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID
) -> ReferralEnrolment:
    """For the organisation that sent the referral (the enrolment's requester) and the session's provider;
    NotFound for anyone else, as for a referral no enrolment answers yet. The latest enrolment if the
    referral met several (a cancelled one, then another)."""
    found = (
        await uow.db.execute(
            select(EnrolmentRow, SessionRow, OfferRow)
            .join(SessionRow, SessionRow.id == EnrolmentRow.session_id)
            .join(OfferRow, OfferRow.id == SessionRow.offer_id)
            .where(
                EnrolmentRow.referral_id == referral_id,
                (EnrolmentRow.requested_by_org_id == principal.org_id)
                | (SessionRow.provider_org_id == principal.org_id),
            )
            .order_by(EnrolmentRow.requested_at.desc(), EnrolmentRow.position.desc())
            .limit(1)
        )
    ).one_or_none()
    if found is None:
        raise NotFound("enrolment")
    enrolment, session, offer = found._tuple()
    rank = await _waitlist_rank(uow, enrolment) if enrolment.status == "waitlisted" else None
    counted = await uow.db.execute(
        select(AttendanceRow.present, func.count())
        .where(AttendanceRow.enrolment_id == enrolment.id)
        .group_by(AttendanceRow.present)
    )
    days = {present: int(n) for present, n in counted.tuples()}
    return ReferralEnrolment(enrolment, session, offer, rank, days.get(True, 0), days.get(False, 0))


async def complete(
    uow: UnitOfWork, principal: Principal, enrolment_id: uuid.UUID, certified: bool
) -> EnrolmentRow:
    enrolment, session = await _enrolment(uow, principal, enrolment_id)
    if enrolment.status != "confirmed":
        raise Conflict(f"l'inscription est {enrolment.status}")
    _started_for_outcome(session)
    enrolment.status, enrolment.outcome = "completed", "certified" if certified else "completed"
    enrolment.closed_at = datetime.now(UTC)
    uow.publish(
        EnrolmentCompletedV1(
            enrolment_id=enrolment.id,
            jobseeker_id=enrolment.jobseeker_id,
            session_id=session.id,
            certified=certified,
            completed_at=enrolment.closed_at,
        )
    )
    return enrolment


def _started_for_outcome(session: SessionRow) -> None:
    """A completion or an abandonment is the outcome of a training that took place: before the first day,
    the enrolment is cancelled instead (the seat then goes to the waitlist)."""
    if not has_started(session):
        raise Conflict(
            f"la session commence le {_fr(session.starts_on)} : pas de fin de formation ni d'abandon avant ;"
            " annulez l'inscription si la personne ne vient pas"
        )


ABANDON_REASONS = ("health", "family", "mobility", "hired", "lack_of_motivation", "other")


async def abandon(
    uow: UnitOfWork, principal: Principal, enrolment_id: uuid.UUID, reason: str
) -> EnrolmentRow:
    """Never leaves the person alone: the event asks the référent for a re-orientation."""
    if reason not in ABANDON_REASONS:
        raise InvalidTraining(f"motif d'abandon inconnu : {reason}")
    enrolment, session = await _enrolment(uow, principal, enrolment_id)
    if enrolment.status != "confirmed":
        raise Conflict(f"l'inscription est {enrolment.status}")
    _started_for_outcome(session)
    enrolment.status, enrolment.reason_code = "abandoned", reason
    enrolment.closed_at = datetime.now(UTC)
    session.confirmed -= 1
    uow.publish(
        EnrolmentAbandonedV1(
            enrolment_id=enrolment.id,
            jobseeker_id=enrolment.jobseeker_id,
            session_id=session.id,
            abandoned_at=enrolment.closed_at,
            reason_code=reason,
            referral_id=enrolment.referral_id,
        )
    )
    _refresh_state(session)  # started: the freed seat goes to nobody (the waitlist closed on the first day)
    return enrolment


async def cancel_session(uow: UnitOfWork, principal: Principal, session_id: uuid.UUID) -> int:
    """Every person enrolled or waiting goes back to their counsellor (one event each)."""
    session = await _own_session(uow, principal, session_id, lock=True)
    if session.state in ("finished", "cancelled"):
        raise Conflict(f"la session est déjà {STATE_LABELS[session.state]}")
    live = (
        (
            await uow.db.execute(
                select(EnrolmentRow)
                .where(EnrolmentRow.session_id == session.id, EnrolmentRow.status.in_(LIVE))
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    now = datetime.now(UTC)
    for enrolment in live:
        enrolment.status, enrolment.closed_at = "cancelled", now
        uow.publish(_cancelled(enrolment, "session_cancelled", now))
    session.state, session.confirmed = "cancelled", 0
    return len(live)


async def finish_session(uow: UnitOfWork, principal: Principal, session_id: uuid.UUID) -> SessionRow:
    """The session is over: no more enrolments; whoever still waited for a seat goes back to their
    counsellor (one event each). Trainees keep their enrolment until their completion or abandonment."""
    session = await _own_session(uow, principal, session_id, lock=True)
    if session.state in ("finished", "cancelled"):
        raise Conflict(f"la session est déjà {STATE_LABELS[session.state]}")
    if not has_started(session):  # Paris' day, as everywhere (UTC's was a day late after 23 h in winter)
        raise Conflict("la session n'a pas commencé : annulez-la plutôt")
    await _close_waitlist(uow, session)
    session.state = "finished"
    return session


async def _close_waitlist(uow: UnitOfWork, session: SessionRow) -> int:
    """Whoever still waits for a seat of a started session goes back to their counsellor (one event each:
    the referral service returns the referral with its re-orientation task)."""
    waiting = (
        await uow.db.execute(
            select(EnrolmentRow)
            .where(EnrolmentRow.session_id == session.id, EnrolmentRow.status == "waitlisted")
            .order_by(EnrolmentRow.position)
            .with_for_update()
        )
    ).scalars()
    now, closed = datetime.now(UTC), 0
    for enrolment in waiting:
        enrolment.status, enrolment.reason_code, enrolment.closed_at = "cancelled", "waitlist_closed", now
        uow.publish(_cancelled(enrolment, "waitlist_closed", now))
        closed += 1
    return closed


async def close_started_sessions(uow: UnitOfWork, on: date | None = None, limit: int = 200) -> int:
    """The daily close of the sessions whose first day came (``on``, Paris): running from now on, their
    waitlist closed. A batch of ``limit`` sessions, locked and skipped if another run holds them; returns
    how many were closed (the caller repeats until 0)."""
    started = (
        (
            await uow.db.execute(
                select(SessionRow)
                .where(SessionRow.state.in_(OPEN_FOR_ENROLMENT), SessionRow.starts_on <= (on or today()))
                .order_by(SessionRow.starts_on, SessionRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    for session in started:
        await _close_waitlist(uow, session)
        session.state = "running"
    return len(started)


async def anonymise(uow: UnitOfWork, jobseeker_id: uuid.UUID) -> int:
    """``jobseeker.erased.v1``: the person's enrolments lose what links them to the person (their opaque
    id becomes a random one, the referral's is dropped); the session's figures stay. A seat the person
    still held or waited for is freed (the first of the waitlist takes it), without an event about the
    person: the referral service erased them already. Returns how many enrolments were anonymised."""
    mine = (
        await uow.db.execute(
            select(EnrolmentRow.id, EnrolmentRow.session_id).where(EnrolmentRow.jobseeker_id == jobseeker_id)
        )
    ).all()
    now = datetime.now(UTC)
    for session_id in sorted({s for _, s in mine}):  # lock order: the session, then its enrolments
        session = (
            await uow.db.execute(select(SessionRow).where(SessionRow.id == session_id).with_for_update())
        ).scalar_one()
        rows = (
            await uow.db.execute(
                select(EnrolmentRow)
                .where(EnrolmentRow.session_id == session_id, EnrolmentRow.jobseeker_id == jobseeker_id)
                .with_for_update()
            )
        ).scalars()
        freed = False
        for row in rows:
            if row.status in LIVE:
                freed = freed or row.status == "confirmed"
                row.status, row.reason_code, row.closed_at = "cancelled", "erased", now
            row.jobseeker_id, row.referral_id = uuid.uuid4(), None
        if freed:
            session.confirmed -= 1
            if session.state != "running":
                await _promote(uow, session)
            _refresh_state(session)
    return len(mine)


async def merge(uow: UnitOfWork, kept_id: uuid.UUID, duplicate_id: uuid.UUID) -> int:
    """``jobseeker.merged.v1``: the referral service merged two records of one person; the duplicate's
    enrolments become the kept record's (``kept_id``). Returns how many enrolments were re-keyed: none when
    the event comes again (the duplicate's id names nothing any more).

    One live enrolment per person and session: where both records hold one in the same session, the one
    that holds a seat stays (the kept record's when both do, or both wait) and the other is cancelled with
    the reason ``merged`` — a seat it held goes to the first of the waitlist, as any freed seat does.
    No ``training.enrolment_cancelled.v1`` for it: the person still holds their place in that session, and
    that event would make the referral service send them back to their counsellor for a re-orientation. The
    referral that asked for the cancelled enrolment, if the one that stays answers none, is answered by it
    instead (as when a referral finds the person enrolled already): the survivor takes it and its
    confirmation or waitlisting is published again, naming the referral and the kept record."""
    if kept_id == duplicate_id:
        return 0
    sessions = (
        await uow.db.execute(
            select(EnrolmentRow.session_id).where(EnrolmentRow.jobseeker_id == duplicate_id).distinct()
        )
    ).scalars()
    now, moved = datetime.now(UTC), 0
    for session_id in sorted(sessions):  # lock order: the session, then its enrolments (as everywhere)
        session = (
            await uow.db.execute(select(SessionRow).where(SessionRow.id == session_id).with_for_update())
        ).scalar_one()
        rows = (
            (
                await uow.db.execute(
                    select(EnrolmentRow)
                    .where(
                        EnrolmentRow.session_id == session_id,
                        EnrolmentRow.jobseeker_id.in_((kept_id, duplicate_id)),
                    )
                    .order_by(EnrolmentRow.position)
                    .with_for_update()
                )
            )
            .scalars()
            .all()
        )
        kept_live = next((r for r in rows if r.jobseeker_id == kept_id and r.status in LIVE), None)
        dup_live = next((r for r in rows if r.jobseeker_id == duplicate_id and r.status in LIVE), None)
        survivor: EnrolmentRow | None = None
        handed: uuid.UUID | None = None
        if kept_live is not None and dup_live is not None:
            survivor, dropped = kept_live, dup_live
            if dup_live.status == "confirmed" and kept_live.status == "waitlisted":
                survivor, dropped = dup_live, kept_live  # the seat stays the person's
            freed = dropped.status == "confirmed"
            dropped.status, dropped.reason_code, dropped.closed_at = "cancelled", "merged", now
            if survivor.referral_id is None and dropped.referral_id is not None:
                handed = dropped.referral_id
                survivor.referral_id, survivor.requested_by_org_id = handed, dropped.requested_by_org_id
                dropped.referral_id = None  # the referral's enrolment is the survivor from now on
            await uow.db.flush()  # no longer live before the other one takes the kept id (uq_enrolments_live)
            if freed:
                session.confirmed -= 1
                await _promote(uow, session)
                _refresh_state(session)
        for row in rows:
            if row.jobseeker_id == duplicate_id:
                row.jobseeker_id = kept_id
                moved += 1
        if survivor is not None and handed is not None:
            await uow.db.flush()
            if survivor.status == "confirmed":
                uow.publish(_confirmed(session, survivor, promoted=False))
            else:
                uow.publish(await _waitlisted(uow, session, survivor))
    return moved

"""HTTP API of the training service: the catalogue and its sessions (searched by everyone of the pact),
enrolments, attendance and outcomes (by the session's provider). A provider sees only its own sessions
and, of the people enrolled, the opaque id and the enrolment's state."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from relais_shared.api import create_database_service_app
from relais_shared.auth import ROLES, CurrentPrincipal, require_roles
from relais_shared.errors import NotFound
from relais_shared.problems import PROBLEM_RESPONSES, Problem, problem_response
from relais_training import service_layer as handlers
from relais_training.models import EnrolmentRow, OfferRow, SessionRow
from relais_training.settings import TrainingSettings

TITLE = "Relais — formations"
DESCRIPTION = (
    "Catalogue de formations, sessions et places, inscriptions avec liste d'attente, émargement, fin de"
    " formation et abandon. Erreurs au format RFC 9457 (`application/problem+json`)."
)
router = APIRouter(prefix="/v1", tags=["formations"], responses=PROBLEM_RESPONSES)
OneLine = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Provider = require_roles("training_provider")


def _uow(request: Request) -> handlers.UnitOfWork:
    return handlers.UnitOfWork(request.app.state.sessions)


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: OneLine
    kind: Literal["fle", "digital", "pre_qualifying", "qualifying", "work_readiness", "other"]
    publics: list[Annotated[str, Field(max_length=60, pattern=r"^[a-z-]+$")]] = Field(default_factory=list)
    prerequisites: (
        Annotated[str, Field(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")] | None
    ) = None
    certification: OneLine | None = None
    shortage_tags: list[Annotated[str, Field(max_length=60, pattern=r"^[a-z0-9_-]+$")]] = Field(
        default_factory=list
    )


class OfferOut(OfferIn):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    provider_org_id: uuid.UUID


@router.post(
    "/offers",
    dependencies=[Provider],
    status_code=status.HTTP_201_CREATED,
    summary="Ajouter une formation au catalogue",
)
async def post_offer(body: OfferIn, request: Request, principal: CurrentPrincipal) -> OfferOut:
    async with _uow(request) as uow:
        row = await handlers.create_offer(uow, principal, handlers.NewOffer(**body.model_dump()))
        return OfferOut.model_validate(row)


@router.get(
    "/offers",
    dependencies=[require_roles(*ROLES)],
    summary="Les formations du catalogue d'un organisme",
)
async def list_offers(
    request: Request, principal: CurrentPrincipal, provider_org_id: uuid.UUID
) -> list[OfferOut]:
    async with request.app.state.sessions() as session:
        rows = await session.execute(
            select(OfferRow).where(OfferRow.provider_org_id == provider_org_id).order_by(OfferRow.title)
        )
        return [OfferOut.model_validate(r) for r in rows.scalars()]


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offer_id: uuid.UUID
    starts_on: date
    ends_on: date
    commune: OneLine
    code_insee: Annotated[str, Field(pattern=r"^\w{5}$")] | None = None
    capacity: Annotated[int, Field(le=1000)]
    timetable: OneLine | None = None
    near_qpv: bool = False
    transport_note: Annotated[str, Field(max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None
    accessible: bool = False
    childcare: bool = False
    open_now: bool = True


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    offer_id: uuid.UUID
    provider_org_id: uuid.UUID
    starts_on: date
    ends_on: date
    commune: str
    code_insee: str | None
    capacity: int
    confirmed: int
    free_seats: int = 0
    state: str
    near_qpv: bool
    accessible: bool
    childcare: bool
    timetable: str | None
    transport_note: str | None
    title: str | None = None
    kind: str | None = None

    enrollable: bool = False

    @classmethod
    def of(cls, row: SessionRow, offer: OfferRow | None = None) -> SessionOut:
        out = cls.model_validate(row)
        # As people read it: a session past its first day is running and takes nobody new.
        out.state = handlers.shown_state(row)
        out.enrollable = handlers.takes_enrolments(row)
        out.free_seats = max(0, row.capacity - row.confirmed) if out.enrollable else 0
        if offer is not None:
            out.title, out.kind = offer.title, offer.kind
        return out


@router.post(
    "/sessions",
    dependencies=[Provider],
    status_code=status.HTTP_201_CREATED,
    summary="Programmer une session",
)
async def post_session(body: SessionIn, request: Request, principal: CurrentPrincipal) -> SessionOut:
    async with _uow(request) as uow:
        row = await handlers.create_session(uow, principal, handlers.NewSession(**body.model_dump()))
        return SessionOut.of(row)


@router.get(
    "/sessions",
    dependencies=[require_roles(*ROLES)],
    summary="Chercher des sessions (type, dates, commune, places libres, public, garde d'enfants)",
)
async def search_sessions(
    request: Request,
    principal: CurrentPrincipal,
    kind: str | None = Query(default=None, max_length=40),
    starts_after: date | None = None,
    starts_before: date | None = None,
    code_insee: Annotated[str | None, Query(pattern=r"^\w{5}$")] = None,
    public: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z-]+$")] = None,
    free_seats: bool = False,
    childcare: bool | None = None,
    provider_org_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
    include_closed: Annotated[
        bool,
        Query(
            description="Avec les sessions terminées et annulées (un organisme relit ses sessions passées)"
        ),
    ] = False,
    enrollable: Annotated[
        bool,
        Query(description="Seulement les sessions qui prennent encore des inscriptions (pas commencées)"),
    ] = False,
    phase: Annotated[
        Literal["upcoming", "running", "ended"] | None,
        Query(description="À venir (pas commencées), en cours (commencées), terminées ou annulées"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[SessionOut]:
    today = handlers.today()
    stmt = select(SessionRow, OfferRow).join(OfferRow, OfferRow.id == SessionRow.offer_id)
    open_states = SessionRow.state.in_(handlers.OPEN_FOR_ENROLMENT)
    not_started = open_states & (SessionRow.starts_on > today)
    if not include_closed and phase != "ended":
        stmt = stmt.where(SessionRow.state.in_(("planned", "open", "full", "running")))
    if enrollable or phase == "upcoming":
        stmt = stmt.where(not_started)
    if phase == "running":  # written "running" by the hourly close, or started since
        stmt = stmt.where((SessionRow.state == "running") | (open_states & (SessionRow.starts_on <= today)))
    if phase == "ended":
        stmt = stmt.where(SessionRow.state.in_(("finished", "cancelled")))
    if provider_org_id:
        stmt = stmt.where(SessionRow.provider_org_id == provider_org_id)
    if offer_id:
        stmt = stmt.where(SessionRow.offer_id == offer_id)
    if kind:
        stmt = stmt.where(OfferRow.kind == kind)
    if starts_after:
        stmt = stmt.where(SessionRow.starts_on >= starts_after)
    if starts_before:
        stmt = stmt.where(SessionRow.starts_on <= starts_before)
    if code_insee:
        stmt = stmt.where(SessionRow.code_insee == code_insee)
    if public:
        stmt = stmt.where(OfferRow.publics.any(public) | (OfferRow.publics == []))
    if free_seats:  # read in the same row the enrolments lock: exact at the moment of the search
        stmt = stmt.where(SessionRow.confirmed < SessionRow.capacity, not_started)
    if childcare is not None:
        stmt = stmt.where(SessionRow.childcare == childcare)
    order = (
        (SessionRow.starts_on.desc(), SessionRow.id)
        if phase == "ended"
        else (SessionRow.starts_on, SessionRow.id)
    )
    stmt = stmt.order_by(*order).offset(offset).limit(limit)
    async with request.app.state.sessions() as session:
        return [SessionOut.of(s, o) for s, o in (await session.execute(stmt)).all()]


@router.get("/sessions/{session_id}", dependencies=[require_roles(*ROLES)], summary="Une session")
async def get_session(session_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> SessionOut:
    async with request.app.state.sessions() as session:
        found = (
            await session.execute(
                select(SessionRow, OfferRow)
                .join(OfferRow, OfferRow.id == SessionRow.offer_id)
                .where(SessionRow.id == session_id)
            )
        ).one_or_none()
    if found is None:
        raise NotFound("session")
    return SessionOut.of(*found)


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jobseeker_id: uuid.UUID
    referral_id: uuid.UUID | None = None


class EnrolmentOut(BaseModel):
    """What a provider holds on a trainee: an opaque id and the enrolment's state, nothing that names them."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    jobseeker_id: uuid.UUID
    referral_id: uuid.UUID | None
    status: str
    position: int
    outcome: str | None
    reason_code: str | None


@router.post(
    "/sessions/{session_id}/enrolments",
    dependencies=[Provider],
    status_code=status.HTTP_201_CREATED,
    summary="Inscrire une personne (confirmée s'il reste une place, sinon en liste d'attente)",
)
async def post_enrolment(
    session_id: uuid.UUID, body: EnrolIn, request: Request, principal: CurrentPrincipal
) -> EnrolmentOut:
    async with _uow(request) as uow:
        row = await handlers.enrol(uow, principal, session_id, body.jobseeker_id, body.referral_id)
        return EnrolmentOut.model_validate(row)


@router.get(
    "/sessions/{session_id}/enrolments",
    dependencies=[Provider],
    summary="Inscriptions et liste d'attente d'une session de l'organisme",
)
async def list_enrolments(
    session_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> list[EnrolmentOut]:
    async with _uow(request) as uow:
        session = await handlers._own_session(uow, principal, session_id, lock=False)
        rows = await uow.db.execute(
            select(EnrolmentRow).where(EnrolmentRow.session_id == session.id).order_by(EnrolmentRow.position)
        )
        return [EnrolmentOut.model_validate(r) for r in rows.scalars()]


class ReferralEnrolmentOut(BaseModel):
    """Where the enrolment a referral asked for stands, for the counsellor who sent it: the session, the
    enrolment's state and outcome, the waitlist rank, the attendance so far. No opaque person id: the
    counsellor reads the person in the referral service."""

    id: uuid.UUID
    referral_id: uuid.UUID
    status: Literal["confirmed", "waitlisted", "cancelled", "completed", "abandoned"]
    waitlist_rank: int | None = Field(description="Rang en liste d'attente (1 = prochaine place)")
    outcome: str | None
    reason_code: str | None
    days_present: int = Field(description="Jours émargés présent")
    days_absent: int = Field(description="Jours émargés absent")
    session: SessionOut


ReferralReaders = require_roles("counsellor", "training_provider")


@router.get(
    "/referrals/{referral_id}/enrolment",
    dependencies=[ReferralReaders],
    summary="Où en est l'inscription demandée par une orientation (pour la structure qui l'a envoyée et"
    " l'organisme)",
)
async def get_referral_enrolment(
    referral_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> ReferralEnrolmentOut:
    async with _uow(request) as uow:
        found = await handlers.enrolment_of_referral(uow, principal, referral_id)
        enrolment = found.enrolment
        return ReferralEnrolmentOut(
            id=enrolment.id,
            referral_id=referral_id,
            status=enrolment.status,
            waitlist_rank=found.waitlist_rank,
            outcome=enrolment.outcome,
            reason_code=enrolment.reason_code,
            days_present=found.days_present,
            days_absent=found.days_absent,
            session=SessionOut.of(found.session, found.offer),
        )


class CancelOut(BaseModel):
    promoted: EnrolmentOut | None


@router.post(
    "/enrolments/{enrolment_id}/cancel",
    dependencies=[Provider],
    summary="Annuler une inscription (la place va au premier de la liste d'attente)",
)
async def post_cancel(enrolment_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> CancelOut:
    async with _uow(request) as uow:
        promoted = await handlers.cancel_enrolment(uow, principal, enrolment_id)
        return CancelOut(promoted=EnrolmentOut.model_validate(promoted) if promoted else None)


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date
    present: dict[uuid.UUID, bool] = Field(max_length=1000)


@router.post("/sessions/{session_id}/attendance", dependencies=[Provider], summary="Émarger une journée")
async def post_attendance(
    session_id: uuid.UUID, body: AttendanceIn, request: Request, principal: CurrentPrincipal
) -> dict[str, int]:
    async with _uow(request) as uow:
        return {
            "recorded": await handlers.record_attendance(uow, principal, session_id, body.day, body.present)
        }


class AttendanceOut(BaseModel):
    day: date
    present: dict[uuid.UUID, bool]


@router.get(
    "/sessions/{session_id}/attendance",
    dependencies=[Provider],
    summary="Relire l'émargement d'une journée (inscriptions émargées ce jour-là)",
)
async def get_attendance(
    session_id: uuid.UUID, day: date, request: Request, principal: CurrentPrincipal
) -> AttendanceOut:
    async with _uow(request) as uow:
        return AttendanceOut(day=day, present=await handlers.attendance_of(uow, principal, session_id, day))


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certified: bool


@router.post(
    "/enrolments/{enrolment_id}/complete",
    dependencies=[Provider],
    summary="Fin de formation, certification obtenue ou non",
)
async def post_complete(
    enrolment_id: uuid.UUID, body: CompleteIn, request: Request, principal: CurrentPrincipal
) -> EnrolmentOut:
    async with _uow(request) as uow:
        return EnrolmentOut.model_validate(
            await handlers.complete(uow, principal, enrolment_id, body.certified)
        )


class AbandonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason_code: Literal["health", "family", "mobility", "hired", "lack_of_motivation", "other"]


@router.post(
    "/enrolments/{enrolment_id}/abandon",
    dependencies=[Provider],
    summary="Abandon (le référent est invité à réorienter)",
)
async def post_abandon(
    enrolment_id: uuid.UUID, body: AbandonIn, request: Request, principal: CurrentPrincipal
) -> EnrolmentOut:
    async with _uow(request) as uow:
        return EnrolmentOut.model_validate(
            await handlers.abandon(uow, principal, enrolment_id, body.reason_code)
        )


@router.post(
    "/sessions/{session_id}/cancel",
    dependencies=[Provider],
    summary="Annuler une session (chaque personne revient à son conseiller)",
)
async def post_cancel_session(
    session_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> dict[str, int]:
    async with _uow(request) as uow:
        return {"enrolments_cancelled": await handlers.cancel_session(uow, principal, session_id)}


@router.post(
    "/sessions/{session_id}/finish",
    dependencies=[Provider],
    summary="Clore une session commencée (la liste d'attente revient aux conseillers)",
)
async def post_finish_session(
    session_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> SessionOut:
    async with _uow(request) as uow:
        return SessionOut.of(await handlers.finish_session(uow, principal, session_id))


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    app = create_database_service_app(
        title=TITLE, description=DESCRIPTION, settings=settings or TrainingSettings(), routers=[router]
    )

    @app.exception_handler(handlers.InvalidTraining)
    async def _invalid(request: Request, exc: handlers.InvalidTraining) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc), exc.errors), request.url.path)

    return app

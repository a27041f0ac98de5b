"""Organisations directory (annuaire des acteurs) and each organisation's inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy import func, select

from relais_referral.api.deps import Caller, Context, Sessions, Uow, require_roles
from relais_referral.api.schemas import (
    CapacityIn,
    InboxEntryOut,
    Limit,
    MemberIn,
    MemberOut,
    Offset,
    OrganisationDetail,
    OrganisationIn,
    OrganisationOut,
    Page,
    SiteIn,
    SiteOut,
)
from relais_referral.db.caseload import display_names
from relais_referral.db.models import InboxEntryRow, OfferServiceRow, OrganisationRow, SiteRow
from relais_referral.domain.calendar import paris_date, working_days_between
from relais_referral.domain.offer import thematics_answering
from relais_referral.domain.referral import STATUS_LABELS_FR, ReferralStatus
from relais_referral.service_layer import directory
from relais_referral.service_layer.errors import NotFound
from relais_shared.auth import ROLES
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/organisations", tags=["organisations"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    dependencies=[require_roles("admin")],
    status_code=status.HTTP_201_CREATED,
    summary="Ajouter une organisation à l'annuaire",
)
async def add_organisation(
    body: OrganisationIn, principal: Caller, uow: Uow, ctx: Context
) -> OrganisationOut:
    async with uow:
        row = await directory.create_organisation(
            uow,
            principal,
            directory.CreateOrganisation(
                name=body.name,
                kind=body.kind,
                departement=body.departement,
                organisation_id=body.id,
                contact_email=body.contact_email,
                manager_email=body.manager_email,
            ),
            ctx,
        )
        return OrganisationOut.model_validate(row)


@router.get(
    "", dependencies=[require_roles(*ROLES)], summary="Parcourir et rechercher l'annuaire des acteurs"
)
async def list_organisations(
    principal: Caller,
    sessions: Sessions,
    kind: str | None = None,
    q: Annotated[str | None, Query(description="Recherche dans le nom")] = None,
    departement: str | None = None,
    thematique: Annotated[
        str | None,
        Query(
            max_length=120,
            pattern=r"^[a-z-]+(--[a-z-]+)?$",
            description="Structures proposant un service de cette thématique ou catégorie data·inclusion",
        ),
    ] = None,
    capacity: Literal["open", "waitlist", "full"] | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[OrganisationOut]:
    stmt = select(OrganisationRow)
    if kind:
        stmt = stmt.where(OrganisationRow.kind == kind)
    if q:
        stmt = stmt.where(_folded(OrganisationRow.name).like(f"%{_escaped(_fold(q))}%", escape="\\"))
    if departement:
        stmt = stmt.where(OrganisationRow.departement == departement)
    if thematique:
        offering = select(OfferServiceRow.organisation_id).where(
            OfferServiceRow.thematiques.overlap(list(thematics_answering(thematique)))
        )
        stmt = stmt.where(OrganisationRow.id.in_(offering))
    if capacity:
        stmt = stmt.where(OrganisationRow.capacity_status == capacity)
    async with sessions() as session:
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (
            await session.execute(stmt.order_by(OrganisationRow.name).offset(offset).limit(limit))
        ).scalars()
        return Page(
            items=[OrganisationOut.model_validate(r) for r in rows], total=total, offset=offset, limit=limit
        )


@router.get(
    "/{org_id}", dependencies=[require_roles(*ROLES)], summary="Fiche d'une organisation, avec ses sites"
)
async def get_organisation(org_id: uuid.UUID, principal: Caller, sessions: Sessions) -> OrganisationDetail:
    async with sessions() as session:
        row = await session.get(OrganisationRow, org_id)
        if row is None:
            raise NotFound("organisation")
        sites = (
            await session.execute(
                select(SiteRow).where(SiteRow.organisation_id == org_id).order_by(SiteRow.name)
            )
        ).scalars()
        detail = OrganisationDetail.model_validate(row, from_attributes=True)
        detail.sites = [SiteOut.model_validate(s) for s in sites]
        return detail


@router.put(
    "/{org_id}/capacity",
    dependencies=[require_roles("counsellor", "admin")],
    summary="Déclarer sa capacité d'accueil (ouvert, liste d'attente, complet)",
)
async def put_capacity(
    org_id: uuid.UUID, body: CapacityIn, principal: Caller, uow: Uow, ctx: Context
) -> OrganisationOut:
    async with uow:
        row = await directory.set_capacity(uow, principal, org_id, body.capacity_status, ctx)
        return OrganisationOut.model_validate(row)


@router.post(
    "/{org_id}/sites",
    dependencies=[require_roles("counsellor", "admin")],
    status_code=status.HTTP_201_CREATED,
    summary="Ajouter un site d'accueil",
)
async def post_site(org_id: uuid.UUID, body: SiteIn, principal: Caller, uow: Uow, ctx: Context) -> SiteOut:
    async with uow:
        row = await directory.add_site(uow, principal, org_id, directory.AddSite(**body.model_dump()), ctx)
        return SiteOut.model_validate(row)


@router.put(
    "/{org_id}/members/{sub}",
    dependencies=[require_roles("admin")],
    summary="Déclarer un membre et ses rôles (administration)",
)
async def put_member(
    org_id: uuid.UUID, sub: str, body: MemberIn, principal: Caller, uow: Uow, ctx: Context
) -> MemberIn:
    async with uow:
        await directory.add_member(
            uow, principal, org_id, sub, body.display_name, body.email, list(body.roles), ctx
        )
        return body


@router.get(
    "/{org_id}/members",
    dependencies=[require_roles("admin", "coordinator")],
    summary="Membres d'une organisation (sans leurs adresses)",
    description=(
        "Les membres déclarés de l'organisation : identifiant de connexion, nom, rôles — jamais "
        "l'adresse électronique. Pour les administrateurs de l'organisation et pour la coordination du "
        "pacte (ses coordinateurs y choisissent les évaluateurs d'une campagne) ; pour les autres, "
        "l'organisation n'existe pas (404)."
    ),
)
async def list_members(org_id: uuid.UUID, principal: Caller, uow: Uow, ctx: Context) -> list[MemberOut]:
    async with uow:
        rows = await directory.list_members(uow, principal, org_id, ctx)
        return [MemberOut.model_validate(row) for row in rows]


@router.get(
    "/{org_id}/inbox",
    dependencies=[require_roles("counsellor", "coordinator")],
    summary="Registre des orientations reçues (projection des événements)",
    description=(
        "Toutes les orientations reçues par l'organisation, quel que soit leur statut (en cours comme "
        "closes), projetées à partir des événements par le consommateur `referral-inbox` : cohérence à "
        "terme (quelques dizaines de millisecondes après l'action), une seule table indexée qui reste "
        "rapide sur des centaines de milliers d'orientations. Seule échéance connue : l'accusé de "
        "réception (`working_days_left` tant qu'il est attendu). Pour agir sur les orientations en "
        "cours (reçues ou envoyées, prochaine échéance — accusé de réception ou suite du rendez-vous — "
        "lue dans l'orientation elle-même), utiliser la file de travail "
        "`GET /v1/organisations/{org_id}/referrals`."
    ),
)
async def inbox(
    org_id: uuid.UUID,
    principal: Caller,
    sessions: Sessions,
    status_filter: Annotated[ReferralStatus | None, Query(alias="status")] = None,
    sort: Literal["due", "-due", "submitted", "-submitted"] = "due",
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[InboxEntryOut]:
    if principal.org_id != org_id:
        raise NotFound("inbox")
    async with sessions() as session:
        org = await session.get(OrganisationRow, org_id)
        if org is None:
            raise NotFound("organisation")
        stmt = select(InboxEntryRow).where(InboxEntryRow.receiver_org_id == org_id)
        if status_filter:
            stmt = stmt.where(InboxEntryRow.status == status_filter.value)
        column = (
            InboxEntryRow.acknowledgement_due if sort.lstrip("-") == "due" else InboxEntryRow.submitted_at
        )
        order = column.desc() if sort.startswith("-") else column.asc()
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        page = (
            (
                await session.execute(
                    stmt.order_by(order, InboxEntryRow.referral_id).offset(offset).limit(limit)
                )
            )
            .scalars()
            .all()
        )
        names = await display_names(
            session, org_id, {row.jobseeker_id for row in page}, named=principal.has_role("counsellor")
        )
        today = paris_date(datetime.now(UTC))
        items = []
        for row in page:
            entry = InboxEntryOut.model_validate(row)
            entry.jobseeker_display_name = names.get(row.jobseeker_id)
            entry.status_label = STATUS_LABELS_FR[ReferralStatus(row.status)]
            if row.status == ReferralStatus.SUBMITTED:  # acknowledged or closed: that deadline is behind it
                entry.working_days_left = working_days_between(
                    today, row.acknowledgement_due, org.departement
                )
            items.append(entry)
        return Page(items=items, total=total, offset=offset, limit=limit)


# Searching by name ignores case and accents (« metropole » finds « Nantes Métropole »): the same folding
# in Python for what was typed and in SQL (translate, built in: no extension needed) for the names.
_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyy"


def _fold(text: str) -> str:
    return text.lower().translate(str.maketrans(_ACCENTED, _PLAIN))


def _folded(column: Any) -> Any:
    return func.translate(func.lower(column), _ACCENTED, _PLAIN)


def _escaped(text: str) -> str:
    """``%`` and ``_`` typed by a person are letters, not LIKE's wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""The insertion offer: the directory's services on the data·inclusion schema, its import and export."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from data_inclusion.schema.v1 import Categorie, Frais, ModeAccueil, Public, Thematique, TypeService
from fastapi import APIRouter, Query, status
from sqlalchemy import func, select

from relais_referral.api.deps import Caller, Context, Places, Sessions, Uow, require_roles
from relais_referral.api.schemas import Limit, Offset, Page
from relais_referral.api.schemas_offer import (
    CapacityIn,
    DirectoryFile,
    ImportReportOut,
    NeedCount,
    OfferServiceIn,
    OfferServiceOut,
    Vocabulary,
    VocabularyItem,
)
from relais_referral.db.models import OfferServiceRow
from relais_referral.domain.offer import label_of, thematics_answering
from relais_referral.service_layer import offer
from relais_shared.auth import ROLES
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["offre d'insertion"], responses=PROBLEM_RESPONSES)
# Aggregates of needs: a count below this is masked, so that no person can be singled out.
SMALL_COUNT = 5


def _items(enum: Any) -> list[VocabularyItem]:
    return [VocabularyItem(**item) for item in enum.as_dict_list()]


@router.get(
    "/v1/directory/vocabulary",
    dependencies=[require_roles(*ROLES)],
    summary="Vocabulaire national data·inclusion (thématiques, publics, types, frais, modes d'accueil)",
)
async def vocabulary(principal: Caller) -> Vocabulary:
    return Vocabulary(
        categories=_items(Categorie),
        thematiques=_items(Thematique),
        publics=_items(Public),
        types=_items(TypeService),
        frais=_items(Frais),
        modes_accueil=_items(ModeAccueil),
    )


@router.get(
    "/v1/directory/services",
    dependencies=[require_roles(*ROLES)],
    summary="Rechercher les services de l'annuaire (par thématique, public, commune, structure)",
)
async def list_services(
    principal: Caller,
    sessions: Sessions,
    thematique: Annotated[
        str | None,
        Query(max_length=120, pattern=r"^[a-z-]+(--[a-z-]+)?$", description="Thématique ou catégorie"),
    ] = None,
    public: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z-]+$")] = None,
    departement: Annotated[str | None, Query(pattern=r"^(\d{2}|2[AB]|97\d)$")] = None,
    code_insee: Annotated[
        str | None, Query(pattern=r"^\w{5}$", description="Commune du lieu d'accueil")
    ] = None,
    organisation_id: uuid.UUID | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[OfferServiceOut]:
    s = OfferServiceRow
    stmt = select(s)
    if thematique:
        stmt = stmt.where(s.thematiques.overlap(list(thematics_answering(thematique))))
    if public:
        stmt = stmt.where((func.cardinality(s.publics) == 0) | s.publics.overlap([public, "tous-publics"]))
    if departement:
        stmt = stmt.where(s.departement == departement)
    if code_insee:
        stmt = stmt.where(s.code_insee == code_insee)
    if organisation_id:
        stmt = stmt.where(s.organisation_id == organisation_id)
    async with sessions() as session:
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (await session.execute(stmt.order_by(s.name, s.id).offset(offset).limit(limit))).scalars()
        return Page(items=[OfferServiceOut.of(r) for r in rows], total=total, offset=offset, limit=limit)


@router.post(
    "/v1/organisations/{org_id}/services",
    dependencies=[require_roles("counsellor", "admin")],
    status_code=status.HTTP_201_CREATED,
    summary="Décrire un service de l'organisation (schéma data·inclusion)",
)
async def post_service(
    org_id: uuid.UUID, body: OfferServiceIn, principal: Caller, uow: Uow, ctx: Context, places: Places
) -> OfferServiceOut:
    async with uow:
        row = await offer.publish_service(
            uow,
            principal,
            offer.PublishService(
                organisation_id=org_id,
                fields=_without_managed(body.service),
                capacity_status=body.capacity_status,
            ),
            ctx,
            places,
        )
        return OfferServiceOut.of(row)


@router.put(
    "/v1/organisations/{org_id}/services/{service_id}",
    dependencies=[require_roles("counsellor", "admin")],
    summary="Mettre à jour un service de l'organisation",
)
async def put_service(
    org_id: uuid.UUID,
    service_id: uuid.UUID,
    body: OfferServiceIn,
    principal: Caller,
    uow: Uow,
    ctx: Context,
    places: Places,
) -> OfferServiceOut:
    async with uow:
        row = await offer.publish_service(
            uow,
            principal,
            offer.PublishService(
                organisation_id=org_id,
                fields=_without_managed(body.service),
                service_id=service_id,
                capacity_status=body.capacity_status,
            ),
            ctx,
            places,
        )
        return OfferServiceOut.of(row)


@router.put(
    "/v1/directory/services/{service_id}/capacity",
    dependencies=[require_roles("counsellor", "admin")],
    summary="Déclarer la capacité d'accueil d'un service (ouvert, liste d'attente, complet)",
)
async def put_service_capacity(
    service_id: uuid.UUID, body: CapacityIn, principal: Caller, uow: Uow, ctx: Context
) -> OfferServiceOut:
    async with uow:
        row = await offer.set_service_capacity(uow, principal, service_id, body.capacity_status, ctx)
        return OfferServiceOut.of(row)


@router.get(
    "/v1/directory/export",
    dependencies=[require_roles(*ROLES)],
    summary="Exporter l'annuaire au format JSON data·inclusion (structures et services)",
)
async def export_directory(principal: Caller, uow: Uow) -> DirectoryFile:
    async with uow:
        return DirectoryFile(**await offer.export_directory(uow))


@router.post(
    "/v1/directory/import",
    dependencies=[require_roles("admin")],
    summary="Importer un annuaire au format data·inclusion (tout ou rien)",
    description="Un élément refusé : rien n'est importé, et la réponse 422 nomme chaque erreur.",
)
async def import_directory(
    principal: Caller,
    uow: Uow,
    ctx: Context,
    places: Places,
    body: DirectoryFile,
) -> ImportReportOut:
    async with uow:
        report = await offer.import_directory(uow, principal, body.model_dump(), ctx, places)
        return ImportReportOut(**report.__dict__)


@router.get(
    "/v1/needs/statistics",
    dependencies=[require_roles("coordinator", "evaluator", "admin")],
    summary="Besoins identifiés et levés par thématique, dans tout le pacte (agrégats)",
    description=(
        f"Comptes du pacte entier, santé comprise ; un compte inférieur à {SMALL_COUNT} est masqué (null)."
    ),
)
async def need_statistics(principal: Caller, uow: Uow) -> list[NeedCount]:
    async with uow:
        counts = await uow.needs.counts()

    def masked(n: int) -> int | None:
        return n if n >= SMALL_COUNT else None

    return [
        NeedCount(thematique=t, label=label_of(t), open=masked(o), lifted=masked(lifted))
        for t, o, lifted in counts
    ]


def _without_managed(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in offer.MANAGED_FIELDS}

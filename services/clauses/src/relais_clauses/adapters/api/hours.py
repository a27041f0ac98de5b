"""``/v1/contracts/{id}/hours``: hours declared (a line at a time, or a file), corrections included."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import CLAUSE_ROLES, HoursValue, Reference, settings_of, today, uow_of
from relais_clauses.adapters.api.hours_file import InvalidHoursFile, parse_hours_file, row_number
from relais_clauses.domain.hours import HoursLine
from relais_clauses.service_layer.hours import check_hours, declarations_of, declare_hours
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class HoursLineIn(BaseModel):
    work_contract_id: uuid.UUID
    period: date = Field(description="Premier jour du mois (ou du trimestre) déclaré")
    hours: HoursValue
    reference: Reference


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[HoursLineIn] = Field(min_length=1, max_length=5000)


class HoursReceipt(BaseModel):
    declared: int
    corrections: int


@router.post(
    "/contracts/{contract_id}/hours",
    dependencies=[require_roles("employer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Déclarer des heures (une nouvelle déclaration d'une période la corrige)",
)
async def post_hours(
    contract_id: uuid.UUID, body: HoursIn, request: Request, principal: CurrentPrincipal
) -> HoursReceipt:
    lines = [HoursLine(x.work_contract_id, x.period, x.hours, x.reference) for x in body.lines]
    async with uow_of(request) as uow:
        rows = await declare_hours(
            uow, principal, contract_id, lines, settings_of(request).coordination_org_id, today()
        )
        return HoursReceipt(declared=len(rows), corrections=sum(1 for r in rows if r.version > 1))


MAX_FILE_BYTES = 5 * 1024 * 1024


@router.post(
    "/contracts/{contract_id}/hours/import",
    dependencies=[require_roles("employer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Importer les heures d'un fichier CSV ou XLSX (tout ou rien, chaque ligne fautive nommée)",
    description="Colonnes : `work_contract_id`, `period` (AAAA-MM), `hours`, `reference`.",
)
async def import_hours(
    contract_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="CSV (séparateur ; ou ,) ou XLSX")],
) -> HoursReceipt:
    content = await file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise Problem("validation-error", "fichier de plus de 5 Mo")
    try:
        numbers, lines, unreadable = parse_hours_file(content, file.filename or "heures.csv")
    except InvalidHoursFile as exc:
        raise Problem("validation-error", str(exc), exc.errors) from exc
    settings, day = settings_of(request), today()
    async with uow_of(request) as uow:
        _, broken = await check_hours(uow, principal, contract_id, lines, settings.coordination_org_id, day)
        # lines.<i>.<field> becomes the file's row number and column, which is what the contractor can find;
        # the unreadable cells and the rules broken are listed together, in the file's order.
        errors = [*unreadable]
        for error in broken:
            _, index, name = error["field"].split(".", 2)
            errors.append({**error, "field": f"row {numbers[int(index)]} ({name})"})
        if errors:
            errors.sort(key=row_number)
            raise Problem(
                "validation-error",
                f"{len(errors)} erreur(s) dans le fichier : rien n'a été importé.",
                errors,
            )
        rows = await declare_hours(uow, principal, contract_id, lines, settings.coordination_org_id, day)
        return HoursReceipt(declared=len(rows), corrections=sum(1 for r in rows if r.version > 1))


class DeclarationOut(BaseModel):
    work_contract_id: uuid.UUID
    participant_id: uuid.UUID
    period: date
    version: int
    hours: Decimal
    reference: str
    declared_by_org_id: uuid.UUID
    declared_at: datetime
    current: bool = Field(description="Dernière version de la période : celle qui compte")


@router.get(
    "/contracts/{contract_id}/hours",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Les heures déclarées sur ce marché, corrections comprises (période la plus récente d'abord)",
)
async def list_hours(
    contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> list[DeclarationOut]:
    async with uow_of(request) as uow:
        views = await declarations_of(uow, principal, contract_id, settings_of(request).coordination_org_id)
        return [
            DeclarationOut(
                work_contract_id=v.row.work_contract_id,
                participant_id=v.participant_id,
                period=v.row.period,
                version=v.row.version,
                hours=v.row.hours,
                reference=v.row.reference,
                declared_by_org_id=v.row.declared_by_org_id,
                declared_at=v.row.declared_at,
                current=v.current,
            )
            for v in views
        ]

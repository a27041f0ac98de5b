"""``/v1/reports/clauses``: the yearly report of one's perimeter, as JSON, CSV or XLSX."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from relais_clauses.adapters.api import exports
from relais_clauses.adapters.api.deps import CLAUSE_ROLES, is_coordination, uow_of
from relais_clauses.service_layer.reports import yearly_summary
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class ReportRowOut(BaseModel):
    contract_id: uuid.UUID
    reference: str
    buyer_org_id: uuid.UUID
    contractor_siret: str
    year: int
    hours: float
    fte: float
    hours_by_mode: dict[str, float]
    participants: int
    work_contracts: int
    participants_by_category: dict[str, int]
    participants_by_sex: dict[str, int]
    participants_by_age_band: dict[str, int]
    participants_in_qpv: int


class ReportTotalsOut(BaseModel):
    year: int
    hours: float
    fte: float = Field(description="ETP des heures totales (1 600 h = 1 ETP)")
    hours_by_mode: dict[str, float]
    participants: int = Field(
        description="Personnes distinctes : une personne sur deux marchés compte une fois"
    )
    work_contracts: int
    participants_by_category: dict[str, int]
    participants_by_sex: dict[str, int]
    participants_by_age_band: dict[str, int]
    participants_in_qpv: int


class ReportSummaryOut(BaseModel):
    rows: list[ReportRowOut]
    totals: ReportTotalsOut


def _buyer_names(pairs: list[str]) -> dict[str, str]:
    """``<buyer id>=<name>``: the caller (the portal) knows the directory's names, this service ids only."""
    names = {}
    for pair in pairs:
        org_id, _, name = pair.partition("=")
        if name.strip():
            names[org_id.strip()] = name.strip()
    return names


@router.get(
    "/reports/clauses",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Bilan annuel des clauses de son périmètre (heures, ETP, participants par public)",
    description="Par marché : les heures des périodes de l'année et les forfaits (un CDI compté N heures) des"
    " contrats de travail qui commencent dans l'année. Fichiers CSV (séparateur `;`, décimales à virgule) et"
    " XLSX (avec une ligne de totaux) en français.",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
async def report(
    request: Request,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    buyer_name: Annotated[
        list[Annotated[str, Field(max_length=300)]],
        Query(max_length=500, description="`<id de l'acheteur>=<nom>` : le nom écrit dans les fichiers"),
    ] = [],  # noqa: B006 - FastAPI copies a query list's default
) -> Response:
    async with uow_of(request) as uow:
        contracts = await uow.db.contracts_in_perimeter(principal, is_coordination(request, principal))
        rows, totals = await yearly_summary(uow, contracts, year)
    names = _buyer_names(buyer_name)
    if format == "csv":
        return Response(
            exports.as_csv(rows, names),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="clauses-{year}.csv"'},
        )
    if format == "xlsx":
        return Response(
            exports.as_xlsx(rows, totals, names),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="clauses-{year}.xlsx"'},
        )
    return JSONResponse(exports.as_json(rows))


@router.get(
    "/reports/clauses/summary",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Bilan annuel : les lignes par marché et les totaux, chaque personne comptée une fois",
)
async def report_summary(
    request: Request, principal: CurrentPrincipal, year: Annotated[int, Query(ge=2000, le=2100)]
) -> ReportSummaryOut:
    async with uow_of(request) as uow:
        contracts = await uow.db.contracts_in_perimeter(principal, is_coordination(request, principal))
        rows, totals = await yearly_summary(uow, contracts, year)
    return ReportSummaryOut.model_validate(
        {"rows": exports.as_json(rows), "totals": exports.totals_as_json(totals)}
    )

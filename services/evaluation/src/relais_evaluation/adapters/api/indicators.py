"""``/v1/indicators``: the pact's indicators, pseudonymised aggregates with small cells suppressed."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from relais_evaluation.adapters.api.deps import READERS, organisation_scope, sessions_of, settings_of
from relais_evaluation.adapters.api.exports import indicator_csv, indicator_xlsx
from relais_evaluation.adapters.api.schemas import IndicatorInfo, IndicatorTable
from relais_evaluation.adapters.db.definitions import DefinitionRepository
from relais_evaluation.adapters.db.queries import PARIS, SqlIndicatorReader
from relais_evaluation.domain.indicators import INDICATORS, IndicatorQuery, InvalidQuery, Table
from relais_evaluation.service_layer.indicators import compute
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.db import transaction
from relais_shared.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1", tags=["indicateurs"], responses=PROBLEM_RESPONSES)
DEFAULT_DEFINITIONS = ("dares-iae", "pacte-elargie")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IndicatorName = Annotated[str, Path(pattern=r"^[a-z_]{1,40}$", description=", ".join(INDICATORS))]


@router.get(
    "/indicators",
    dependencies=[require_roles(*READERS)],
    summary="Catalogue des indicateurs, de leurs dimensions et mesures",
)
async def catalogue() -> list[IndicatorInfo]:
    return [IndicatorInfo.of(spec) for spec in INDICATORS.values()]


class IndicatorParams:
    """The query string of an indicator, shared by its JSON, CSV and XLSX forms."""

    def __init__(
        self,
        start: Annotated[date | None, Query(alias="from", description="Début de période (inclus)")] = None,
        end: Annotated[date | None, Query(alias="to", description="Fin de période (incluse)")] = None,
        group_by: Annotated[
            list[str] | None, Query(max_length=2, description="Au plus deux dimensions")
        ] = None,
        territory: Annotated[str | None, Query(pattern=r"^(\d{2}|2[AB]|97\d)$")] = None,
        organisation: uuid.UUID | None = None,
        horizon: Annotated[
            int, Query(description="Sorties : situation à la sortie (0), +3, +6, +12 mois")
        ] = 0,
        definitions: Annotated[
            list[str] | None,
            Query(max_length=2, description="Sorties : une ou deux définitions, code ou code@version"),
        ] = None,
        as_of: Annotated[
            date | None,
            Query(
                description="Jour où les délais sont regardés (aujourd'hui par défaut) : sorties dont "
                "l'horizon est atteint ; accusés, prises en charge et premiers rendez-vous dont le délai "
                "est échu avant ce jour"
            ),
        ] = None,
    ) -> None:
        today = date.today()
        self.start = start or date(today.year, 1, 1)
        self.end = end or today
        self.group_by = tuple(group_by or ())
        self.territory = territory
        self.organisation = organisation
        self.horizon = horizon
        self.definitions = tuple(definitions or DEFAULT_DEFINITIONS)
        self.as_of = as_of


async def indicator_table(
    request: Request, principal: CurrentPrincipal, name: str, params: IndicatorParams
) -> tuple[Table, IndicatorTable]:
    settings = settings_of(request)
    spec = INDICATORS.get(name)
    if spec is None:
        raise Problem("not-found", f"Indicateur inconnu : {name}.")
    organisation = organisation_scope(
        principal, settings, params.organisation, has_organisation="organisation" in spec.dimensions
    )
    query = IndicatorQuery(
        indicator=name,
        start=params.start,
        end=params.end,
        group_by=params.group_by,
        territory=params.territory,
        organisation=organisation,
        horizon_months=params.horizon,
        # Today, in Paris, unless asked: the answer says which day its deadlines were looked at.
        as_of=params.as_of or datetime.now(PARIS).date(),
        orientation_days=settings.orientation_days,
        accompaniment_days=settings.accompaniment_days,
    )
    async with transaction(sessions_of(request)) as session:
        definitions = []
        if name == "exits":
            definitions, missing = await DefinitionRepository(session).find(params.definitions)
            if missing:
                raise Problem(
                    "validation-error",
                    "Définition de sortie inconnue.",
                    [
                        {"field": "definitions", "message": f"Inconnue : {m}.", "code": "unknown"}
                        for m in missing
                    ],
                )
        try:
            table = await compute(
                SqlIndicatorReader(session),
                query,
                threshold=settings.small_cell_threshold,
                definitions=definitions,
            )
        except InvalidQuery as exc:
            raise Problem(
                "validation-error", str(exc), [{**e, "code": "invalid"} for e in exc.errors]
            ) from exc
    out = IndicatorTable.of(
        table,
        period_from=query.start,
        period_to=query.end,
        territory=query.territory,
        organisation=str(organisation) if organisation else None,
        horizon_months=query.horizon_months if name == "exits" else None,
        definitions=[d.key for d in definitions],
        as_of=query.as_of,
        orientation_days=query.orientation_days if name == "orientation_delays" else None,
        accompaniment_days=query.accompaniment_days if name == "orientation_delays" else None,
    )
    return table, out


@router.get(
    "/indicators/{name}",
    dependencies=[require_roles(*READERS)],
    summary="Un indicateur sur une période, ventilé par au plus deux dimensions",
)
async def indicator(
    request: Request,
    principal: CurrentPrincipal,
    name: IndicatorName,
    params: Annotated[IndicatorParams, Depends()],
) -> IndicatorTable:
    _, out = await indicator_table(request, principal, name, params)
    return out


@router.get(
    "/indicators/{name}/export",
    dependencies=[require_roles(*READERS)],
    summary="Un indicateur en CSV ou XLSX (cellules masquées : « s »)",
    responses={
        200: {
            "content": {"text/csv": {}, XLSX: {}},
            "description": "Le tableau de l'indicateur",
        }
    },
    response_class=Response,
)
async def export_indicator(
    request: Request,
    principal: CurrentPrincipal,
    name: IndicatorName,
    params: Annotated[IndicatorParams, Depends()],
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    _, out = await indicator_table(request, principal, name, params)
    filename = f"relais-{name}-{out.period_from}-{out.period_to}.{format}"
    if format == "csv":
        body, media = indicator_csv(out), "text/csv; charset=utf-8"
    else:
        body, media = await run_in_threadpool(indicator_xlsx, out), XLSX
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )

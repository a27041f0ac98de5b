"""``/v1/exit-definitions``: the pact's versioned definitions of exit categories."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from relais_evaluation.adapters.api.deps import READERS, is_coordination, sessions_of, settings_of
from relais_evaluation.adapters.api.schemas import ExitDefinitionIn, ExitDefinitionOut, SituationOut
from relais_evaluation.adapters.db.definitions import DefinitionRepository
from relais_evaluation.domain.exits import SITUATIONS, ExitDefinition, InvalidDefinition
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.db import transaction
from relais_shared.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1", tags=["définitions des sorties"], responses=PROBLEM_RESPONSES)


@router.get(
    "/exit-definitions",
    dependencies=[require_roles(*READERS)],
    summary="Définitions des catégories de sortie, toutes versions",
)
async def list_definitions(request: Request) -> list[ExitDefinitionOut]:
    async with transaction(sessions_of(request)) as session:
        return [ExitDefinitionOut.of(d) for d in await DefinitionRepository(session).all()]


@router.get(
    "/exit-situations",
    dependencies=[require_roles(*READERS)],
    summary="Situations qu'une définition classe en catégories",
)
async def list_situations() -> list[SituationOut]:
    return [SituationOut(code=code, label=label) for code, label in SITUATIONS.items()]


@router.post(
    "/exit-definitions",
    dependencies=[require_roles("coordinator")],
    status_code=status.HTTP_201_CREATED,
    summary="Adopter une nouvelle version d'une définition du pacte (coordination du pacte)",
)
async def adopt_definition(
    body: ExitDefinitionIn, request: Request, principal: CurrentPrincipal
) -> ExitDefinitionOut:
    if not is_coordination(principal, settings_of(request)):
        raise Problem("forbidden", "Seule la coordination du pacte adopte ses définitions.")
    async with transaction(sessions_of(request)) as session:
        repository = DefinitionRepository(session)
        if await repository.is_official(body.code):
            # A pact's edit shown under the official code would pass for the official figures.
            raise Problem(
                "conflict",
                "Une définition officielle ne change qu'avec le service : "
                "adoptez la vôtre sous un autre code.",
                [{"field": "code", "code": "official", "message": "Définition officielle."}],
            )
        definition = ExitDefinition(
            code=body.code,
            version=await repository.next_version(body.code),
            label=body.label,
            official=False,  # official definitions (DARES, PLIE) come with the service, not from a form
            categories=tuple(body.categories),
            category_labels=body.category_labels,
            mapping=body.mapping,
            default_category=body.default_category,
            positive=tuple(body.positive),
        )
        try:
            definition.validate()
        except InvalidDefinition as exc:
            raise Problem(
                "validation-error", "Définition incohérente.", [{**e, "code": "invalid"} for e in exc.errors]
            ) from exc
        await repository.add(definition, adopted_by=principal.sub)
        return ExitDefinitionOut.of(definition)

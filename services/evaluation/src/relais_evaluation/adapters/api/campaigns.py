"""``/v1/campaigns``: joint evaluation campaigns (grid, evaluators, assessments, results, consensus)."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from relais_evaluation.adapters.api.deps import READERS, sessions_of, settings_of
from relais_evaluation.adapters.api.report import campaign_html, campaign_pdf, organisation_names
from relais_evaluation.adapters.db.campaigns import CampaignRepository
from relais_evaluation.adapters.db.unit_of_work import UnitOfWork
from relais_evaluation.adapters.events.published import EvaluatorInvitedV1
from relais_evaluation.adapters.workflows.campaign import (
    CampaignInput,
    CampaignWorkflow,
    DeadlinesMoved,
    workflow_id,
)
from relais_evaluation.domain.campaigns import (
    DISCRETIONARY_SUGGESTIONS,
    MANDATORY_CRITERIA,
    PERSPECTIVES,
    Criterion,
    Grid,
    InvalidGrid,
    Results,
    grid_to_json,
)
from relais_evaluation.service_layer import campaigns as handlers
from relais_shared.auth import CurrentPrincipal, Principal, require_roles
from relais_shared.db import transaction
from relais_shared.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1", tags=["campagnes d'évaluation"], responses=PROBLEM_RESPONSES)
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
Line = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
# Free texts of an assessment: about the action evaluated, never about a person; line breaks kept.
Prose = Annotated[str, Field(max_length=4000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
CampaignId = Annotated[uuid.UUID, Path()]
MilestoneName = Literal["mid_term", "final"]


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    label: Line
    weight: Annotated[Decimal, Field(gt=0, le=1000, max_digits=9, decimal_places=6)]
    mandatory: bool


def _default_criteria() -> Any:
    mandatory = [
        {"code": c, "label": label, "weight": "1", "mandatory": True}
        for c, label in MANDATORY_CRITERIA.items()
    ]
    return [
        *mandatory,
        {
            "code": "equality",
            "label": DISCRETIONARY_SUGGESTIONS["equality"],
            "weight": "2",
            "mandatory": False,
        },
    ]


class CampaignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Évaluation conjointe 2027 — ateliers mobilité",
                    "subject_kind": "action",
                    "subject": "Ateliers « permis et mobilité » du PLIE",
                    "criteria": _default_criteria(),
                    "mid_term_due": "2027-06-30",
                    "final_due": "2027-12-15",
                }
            ]
        },
    )
    title: Line
    subject_kind: Literal["action", "product"]
    subject: Line
    criteria: list[CriterionIn] = Field(min_length=6, max_length=20)
    scale_min: int | None = Field(default=None, ge=0, le=10)
    scale_max: int | None = Field(default=None, ge=1, le=20)
    mid_term_due: date | None = Field(default=None, description="« Test d'utilisation » à mi-parcours")
    final_due: date


class DeadlinesIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"mid_term_due": "2027-07-15", "final_due": "2028-01-15"}]},
    )
    mid_term_due: date | None = Field(
        default=None, description="Required when the campaign has a « test d'utilisation », absent otherwise"
    )
    final_due: date


class CriterionOut(BaseModel):
    code: str
    label: str
    weight: str = Field(description="Exact fraction, e.g. 1/9")
    share: float = Field(description="Share of the total weight")
    mandatory: bool


class EvaluatorOut(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    perspective: str
    submitted: list[str] = Field(description="Milestones this evaluator has submitted an assessment for")
    reminded: list[str] = Field(description="Milestones this evaluator was reminded of")


class CampaignOut(BaseModel):
    id: uuid.UUID
    title: str
    subject_kind: str
    subject: str
    org_id: uuid.UUID
    criteria: list[CriterionOut]
    scale_min: int
    scale_max: int
    mid_term_due: date | None
    final_due: date
    status: str
    mid_term_reached: bool = Field(
        description="The mid-term deadline has passed: its grids are refused until it is moved later"
    )
    final_reached: bool = Field(
        description="The final deadline has passed: its grids are refused until it is moved later"
    )
    evaluators: list[EvaluatorOut]
    validated: bool | None
    consensus: dict[str, Any] | None
    closed_at: datetime | None


class EvaluatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org_id: uuid.UUID
    sub: Annotated[
        str, Field(min_length=1, max_length=200, description="The evaluator's account (token's sub)")
    ]
    perspective: Literal["author", "peer", "external_expert"]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scores": dict.fromkeys(MANDATORY_CRITERIA, 4),
                    "strong_points": "Ateliers adaptés aux horaires des participants.",
                    "weaknesses": "Peu de places en Sud-Loire.",
                    "recommendations": "Ouvrir une session à Rezé.",
                }
            ]
        },
    )
    scores: dict[Code, int] = Field(max_length=20)
    strong_points: Prose = ""
    weaknesses: Prose = ""
    recommendations: Prose = ""


class AssessmentOut(AssessmentIn):
    evaluator_id: uuid.UUID
    milestone: str


class OwnAssessmentOut(AssessmentIn):
    evaluator_id: uuid.UUID
    perspective: str
    milestone: str
    submitted: bool = Field(description="False: nothing submitted yet for this milestone (empty scores)")


class PerspectiveOut(BaseModel):
    perspective: str
    evaluators: int
    criteria: dict[str, float]
    weighted_score: float | None


class CommentOut(BaseModel):
    perspective: str
    strong_points: str
    weaknesses: str
    recommendations: str


class ResultsOut(BaseModel):
    campaign_id: uuid.UUID
    milestone: str
    perspectives: list[PerspectiveOut]
    overall_criteria: dict[str, float]
    overall_weighted_score: float | None
    validated: bool = Field(description="All mandatory criteria scored and at least two external experts")
    reasons: list[str]
    comments: list[CommentOut]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreed_scores: dict[Code, Annotated[Decimal, Field(ge=0, le=20, max_digits=5, decimal_places=2)]]
    conclusions: Annotated[str, Field(min_length=1, max_length=8000)]
    without_validation: bool = Field(
        default=False,
        description="Clore quand même, sans validation : la campagne se termine non validée, les raisons "
        "de la règle de validation sont enregistrées avec la synthèse",
    )


def _problem(exc: InvalidGrid) -> Problem:
    return Problem("validation-error", str(exc), [{**e, "code": "invalid"} for e in exc.errors])


def _conflict(exc: handlers.CampaignConflict) -> Problem:
    return Problem("conflict", str(exc), [{"code": "invalid", **e} for e in exc.errors])


async def replan(
    client: Client, campaign_id: str, dates: list[dict[str, Any]], task_queue: str
) -> WorkflowHandle[Any, str]:
    """Gives the campaign's workflow its new instants: a signal to the running one, or (signal-with-start)
    a new run when it already ended after its last deadline (hence another run allowed on its id)."""
    moved = DeadlinesMoved.model_validate({"milestones": dates})
    return await client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign_id=campaign_id, milestones=moved.milestones),
        id=workflow_id(campaign_id),
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        start_signal="move_deadlines",
        start_signal_args=[moved],
    )


def _coordination(request: Request) -> uuid.UUID:
    return settings_of(request).coordination_org_id


async def _temporal(request: Request) -> Client:
    client: Client | None = getattr(request.app.state, "temporal", None)
    if client is None:
        from relais_shared.temporal import connect_temporal

        settings = settings_of(request)
        try:
            client = await connect_temporal(settings.temporal_address, settings.temporal_namespace)
        except RuntimeError as exc:  # the SDK's "failed client connect": Temporal is down
            raise ConnectionError("Temporal unreachable") from exc
        request.app.state.temporal = client
    return client


async def _out(repo: CampaignRepository, campaign: Any) -> CampaignOut:
    grid = handlers.grid_of(campaign)
    total = grid.total_weight
    now = datetime.now(UTC)
    evaluators = await repo.evaluators(campaign.id)
    submitted: dict[uuid.UUID, list[str]] = {}
    for milestone in ("mid_term", "final"):
        for row in await repo.assessments(campaign.id, milestone):
            submitted.setdefault(row.evaluator_id, []).append(milestone)
    reminded: dict[uuid.UUID, list[str]] = {}
    for row in await repo.reminders(campaign.id):
        reminded.setdefault(row.evaluator_id, []).append(row.milestone)
    return CampaignOut(
        id=campaign.id,
        title=campaign.title,
        subject_kind=campaign.subject_kind,
        subject=campaign.subject,
        org_id=campaign.org_id,
        criteria=[
            CriterionOut(
                code=c.code,
                # A mandatory criterion by the grid's current word (older campaigns stored an anglicism).
                label=MANDATORY_CRITERIA.get(c.code, c.label) if c.mandatory else c.label,
                weight=str(c.weight),
                share=float(c.weight / total),
                mandatory=c.mandatory,
            )
            for c in grid.criteria
        ],
        scale_min=campaign.scale_min,
        scale_max=campaign.scale_max,
        mid_term_due=campaign.mid_term_due,
        final_due=campaign.final_due,
        status=campaign.status,
        mid_term_reached=handlers.deadline_passed(campaign, "mid_term", now),
        final_reached=handlers.deadline_passed(campaign, "final", now),
        evaluators=[
            EvaluatorOut(
                id=e.id,
                org_id=e.org_id,
                perspective=e.perspective,
                submitted=sorted(submitted.get(e.id, [])),
                reminded=sorted(reminded.get(e.id, [])),
            )
            for e in evaluators
        ],
        validated=campaign.validated,
        consensus=campaign.consensus,
        closed_at=campaign.closed_at,
    )


@router.post(
    "/campaigns",
    dependencies=[require_roles("coordinator")],
    status_code=status.HTTP_201_CREATED,
    summary="Ouvrir une campagne d'évaluation conjointe sur une action ou un produit",
)
async def open_campaign(body: CampaignIn, request: Request, principal: CurrentPrincipal) -> CampaignOut:
    settings = settings_of(request)
    grid = Grid(
        tuple(Criterion(c.code, c.label, Fraction(c.weight), c.mandatory) for c in body.criteria),
        body.scale_min if body.scale_min is not None else settings.score_min,
        body.scale_max if body.scale_max is not None else settings.score_max,
    )
    try:
        grid.validate()
        handlers.check_dates(body.mid_term_due, body.final_due, datetime.now(handlers.PARIS).date())
    except InvalidGrid as exc:
        raise _problem(exc) from exc
    campaign_id = uuid.uuid4()
    dates = handlers.milestones(body.mid_term_due, body.final_due, settings.reminder_days)
    # The workflow first, the row after: a workflow whose row never committed finds no open campaign at
    # its first step and ends; a row without its workflow cannot happen.
    try:
        await (await _temporal(request)).start_workflow(
            CampaignWorkflow.run,
            CampaignInput.model_validate({"campaign_id": str(campaign_id), "milestones": dates}),
            id=workflow_id(str(campaign_id)),
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:  # pragma: no cover - a fresh uuid
        pass
    async with transaction(sessions_of(request)) as session:
        repo = CampaignRepository(session)
        await repo.add(
            id=campaign_id,
            title=body.title,
            subject_kind=body.subject_kind,
            subject=body.subject,
            org_id=principal.org_id,
            grid=grid_to_json(grid),
            scale_min=grid.scale_min,
            scale_max=grid.scale_max,
            mid_term_due=body.mid_term_due,
            final_due=body.final_due,
        )
        return await _out(repo, await repo.get(campaign_id))


@router.get(
    "/campaigns",
    dependencies=[require_roles(*READERS)],
    summary="Les campagnes de mon organisation et celles où je suis évaluateur ou évaluatrice",
)
async def list_campaigns(request: Request, principal: CurrentPrincipal) -> list[CampaignOut]:
    own = principal.org_id if principal.org_id != _coordination(request) else None
    async with transaction(sessions_of(request)) as session:
        repo = CampaignRepository(session)
        rows = await repo.visible_to(
            own if principal.has_role("coordinator") else uuid.UUID(int=0), (principal.org_id, principal.sub)
        )
        return [await _out(repo, row) for row in rows]


@router.get("/campaigns/{campaign_id}", dependencies=[require_roles(*READERS)], summary="Une campagne")
async def get_campaign(campaign_id: CampaignId, request: Request, principal: CurrentPrincipal) -> CampaignOut:
    async with transaction(sessions_of(request)) as session:
        repo = CampaignRepository(session)
        found = await handlers.access(repo, principal, campaign_id, _coordination(request))
        return await _out(repo, found.campaign)


@router.post(
    "/campaigns/{campaign_id}/evaluators",
    dependencies=[require_roles("coordinator")],
    status_code=status.HTTP_201_CREATED,
    summary="Inviter un évaluateur ou une évaluatrice (auteur, pair, expert externe)",
)
async def invite_evaluator(
    campaign_id: CampaignId, body: EvaluatorIn, request: Request, principal: CurrentPrincipal
) -> EvaluatorOut:
    async with UnitOfWork(sessions_of(request)) as uow:
        try:
            evaluator_id = await handlers.invite(
                uow.campaigns,
                principal,
                _coordination(request),
                campaign_id,
                org_id=body.org_id,
                sub=body.sub,
                perspective=body.perspective,
            )
        except InvalidGrid as exc:
            raise _problem(exc) from exc
        campaign = await uow.campaigns.get(campaign_id)
        # Told by e-mail (the referral service holds the address), committed with the invitation.
        invited = EvaluatorInvitedV1(
            campaign_id=campaign_id,
            campaign_title=campaign.title,
            perspective=body.perspective,
            mid_term_due=campaign.mid_term_due,
            final_due=campaign.final_due,
            evaluator_org_id=body.org_id,
            evaluator_sub=body.sub,
            invited_at=datetime.now(UTC),
        )
        uow.publish(invited, event_id=uuid.uuid5(evaluator_id, "invited"))
    return EvaluatorOut(
        id=evaluator_id, org_id=body.org_id, perspective=body.perspective, submitted=[], reminded=[]
    )


@router.put(
    "/campaigns/{campaign_id}/deadlines",
    dependencies=[require_roles("coordinator")],
    summary="Déplacer les échéances d'une campagne en cours (relances et échéances se replanifient ; une "
    "échéance repoussée rouvre le dépôt des grilles)",
)
async def move_deadlines(
    campaign_id: CampaignId, body: DeadlinesIn, request: Request, principal: CurrentPrincipal
) -> CampaignOut:
    settings = settings_of(request)
    restore: list[dict[str, Any]] | None = None  # the instants to give back if the move does not commit
    try:
        async with transaction(sessions_of(request)) as session:
            repo = CampaignRepository(session)
            before = await repo.get(campaign_id)
            try:
                await handlers.move_deadlines(
                    repo,
                    principal,
                    _coordination(request),
                    campaign_id,
                    body.mid_term_due,
                    body.final_due,
                    datetime.now(handlers.PARIS).date(),
                )
            except InvalidGrid as exc:
                raise _problem(exc) from exc
            except handlers.CampaignConflict as exc:
                raise _conflict(exc) from exc
            assert before is not None  # move_deadlines found it (else 404)
            # Signalled before the commit, the row still locked: a workflow that cannot be reached (503)
            # leaves the deadlines as they were. Should the commit fail after the signal, the workflow
            # is given the row's instants back (below); were that to fail too, its deadline step records
            # nothing before the row's own deadline (see deadline_reached), and grids are refused by the
            # row's dates, never the workflow's.
            dates = handlers.milestones(body.mid_term_due, body.final_due, settings.reminder_days)
            await replan(await _temporal(request), str(campaign_id), dates, settings.task_queue)
            restore = handlers.milestones(before.mid_term_due, before.final_due, settings.reminder_days)
            out = await _out(repo, await repo.get(campaign_id))
    except Exception:
        if restore is not None:
            with contextlib.suppress(Exception):  # best effort: the original failure is what is answered
                await replan(await _temporal(request), str(campaign_id), restore, settings.task_queue)
        raise
    return out


@router.put(
    "/campaigns/{campaign_id}/assessments/{milestone}",
    dependencies=[require_roles("evaluator")],
    summary="Déposer (ou corriger) mon évaluation : notes, points forts, faiblesses, recommandations",
)
async def submit_assessment(
    campaign_id: CampaignId,
    milestone: MilestoneName,
    body: AssessmentIn,
    request: Request,
    principal: CurrentPrincipal,
) -> AssessmentOut:
    texts = {
        "strong_points": body.strong_points,
        "weaknesses": body.weaknesses,
        "recommendations": body.recommendations,
    }
    async with transaction(sessions_of(request)) as session:
        try:
            evaluator = await handlers.submit(
                CampaignRepository(session),
                principal,
                _coordination(request),
                campaign_id,
                milestone,
                body.scores,
                texts,
                datetime.now(UTC),
            )
        except InvalidGrid as exc:
            raise _problem(exc) from exc
        except handlers.CampaignConflict as exc:
            raise _conflict(exc) from exc
    return AssessmentOut(evaluator_id=evaluator.id, milestone=milestone, **body.model_dump())


@router.get(
    "/campaigns/{campaign_id}/assessments/{milestone}",
    dependencies=[require_roles("evaluator")],
    summary="Mon évaluation déjà déposée (notes et commentaires), pour la relire ou la corriger",
)
async def own_assessment(
    campaign_id: CampaignId, milestone: MilestoneName, request: Request, principal: CurrentPrincipal
) -> OwnAssessmentOut:
    async with transaction(sessions_of(request)) as session:
        evaluator, row = await handlers.own_assessment(
            CampaignRepository(session), principal, _coordination(request), campaign_id, milestone
        )
    return OwnAssessmentOut(
        evaluator_id=evaluator.id,
        perspective=evaluator.perspective,
        milestone=milestone,
        submitted=row is not None,
        scores=dict(row.scores) if row is not None else {},
        strong_points=row.strong_points if row is not None else "",
        weaknesses=row.weaknesses if row is not None else "",
        recommendations=row.recommendations if row is not None else "",
    )


def results_out(campaign_id: uuid.UUID, milestone: str, r: Results, rows: list[Any]) -> ResultsOut:
    return ResultsOut(
        campaign_id=campaign_id,
        milestone=milestone,
        perspectives=[
            PerspectiveOut(
                perspective=p.perspective,
                evaluators=p.evaluators,
                criteria={k: float(v) for k, v in p.criteria.items()},
                weighted_score=None if p.weighted_score is None else float(p.weighted_score),
            )
            for p in r.perspectives
        ],
        overall_criteria={k: float(v) for k, v in r.criteria.items()},
        overall_weighted_score=None if r.weighted_score is None else float(r.weighted_score),
        validated=r.validated,
        reasons=list(r.reasons),
        comments=[
            CommentOut(
                perspective=row.perspective,
                strong_points=row.strong_points,
                weaknesses=row.weaknesses,
                recommendations=row.recommendations,
            )
            for row in sorted(rows, key=lambda x: PERSPECTIVES.index(x.perspective))
        ],
    )


async def load_results(
    request: Request, principal: Principal, campaign_id: uuid.UUID, milestone: str
) -> tuple[Any, ResultsOut]:
    async with transaction(sessions_of(request)) as session:
        repo = CampaignRepository(session)
        found = await handlers.access(repo, principal, campaign_id, _coordination(request))
        r, rows = await handlers.campaign_results(
            repo, handlers.grid_of(found.campaign), campaign_id, milestone
        )
        if not found.manages and not handlers.may_read_results(found, rows):
            raise Problem(
                "forbidden",
                "Les résultats des autres évaluateurs s'affichent une fois votre grille déposée avec "
                "tous les critères obligatoires notés, ou la campagne close.",
            )
        return await _out(repo, found.campaign), results_out(campaign_id, milestone, r, rows)


@router.get(
    "/campaigns/{campaign_id}/results",
    dependencies=[require_roles(*READERS)],
    summary="Notes pondérées par perspective et globales, règle de validation",
)
async def campaign_results(
    campaign_id: CampaignId, request: Request, principal: CurrentPrincipal, milestone: MilestoneName = "final"
) -> ResultsOut:
    _, out = await load_results(request, principal, campaign_id, milestone)
    return out


@router.post(
    "/campaigns/{campaign_id}/close",
    dependencies=[require_roles("coordinator")],
    summary="Clore la campagne par sa synthèse de consensus (sans validation acquise : seulement sur demande "
    "expresse, la campagne est alors close non validée)",
)
async def close_campaign(
    campaign_id: CampaignId, body: CloseIn, request: Request, principal: CurrentPrincipal
) -> CampaignOut:
    async with transaction(sessions_of(request)) as session:
        repo = CampaignRepository(session)
        try:
            await handlers.close(
                repo,
                principal,
                _coordination(request),
                campaign_id,
                {k: Fraction(v) for k, v in body.agreed_scores.items()},
                body.conclusions,
                datetime.now(UTC),
                without_validation=body.without_validation,
            )
        except InvalidGrid as exc:
            raise _problem(exc) from exc
        except handlers.CampaignConflict as exc:
            raise _conflict(exc) from exc
        return await _out(repo, await repo.get(campaign_id))


ORGANISATION_NAMES = Query(
    alias="organisation",
    max_length=200,
    description="Le nom de chaque organisation de la campagne, « id=Nom » (le service ne connaît que leurs "
    "identifiants : le portail les lit dans l'annuaire) ; une organisation sans nom est dite « non nommée »",
)


async def _report(
    request: Request, principal: Principal, campaign_id: uuid.UUID, pairs: list[str] | None
) -> tuple[Any, ResultsOut, ResultsOut | None, dict[str, str]]:
    """What the report prints: the final results, the usage test's (when the campaign has one and the
    reader may see them) and the organisations' names."""
    campaign, results = await load_results(request, principal, campaign_id, "final")
    mid_term = None
    if campaign.mid_term_due:
        try:
            _, mid_term = await load_results(request, principal, campaign_id, "mid_term")
        except Problem as refused:  # an evaluator who has not submitted that step: not shown to them
            if refused.kind != "forbidden":
                raise
    return campaign, results, mid_term, organisation_names(pairs, campaign)


@router.get(
    "/campaigns/{campaign_id}/report.html",
    dependencies=[require_roles(*READERS)],
    summary="Rapport de la campagne, imprimable",
    response_class=HTMLResponse,
)
async def campaign_report_html(
    campaign_id: CampaignId,
    request: Request,
    principal: CurrentPrincipal,
    organisations: Annotated[list[str] | None, ORGANISATION_NAMES] = None,
) -> HTMLResponse:
    return HTMLResponse(campaign_html(*await _report(request, principal, campaign_id, organisations)))


@router.get(
    "/campaigns/{campaign_id}/report.pdf",
    dependencies=[require_roles(*READERS)],
    summary="Rapport de la campagne en PDF",
    responses={200: {"content": {"application/pdf": {}}, "description": "Le rapport en PDF"}},
    response_class=Response,
)
async def campaign_report_pdf(
    campaign_id: CampaignId,
    request: Request,
    principal: CurrentPrincipal,
    organisations: Annotated[list[str] | None, ORGANISATION_NAMES] = None,
) -> Response:
    found = await _report(request, principal, campaign_id, organisations)
    # weasyprint is CPU-bound and synchronous: off the event loop.
    pdf = await run_in_threadpool(campaign_pdf, *found)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="relais-campagne-{campaign_id}.pdf"'},
    )

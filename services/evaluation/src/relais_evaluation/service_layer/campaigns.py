"""Handlers of joint evaluation campaigns, on the store's campaign repository.

Who does what: a coordinator opens a campaign for their organisation; the coordinators of that
organisation (or of the pact coordination) invite evaluators and close it; an invited evaluator
submits their own assessment; all of them read the results. Anyone else gets a 404 (a campaign they
cannot see does not exist for them).

Deadlines: a milestone's grids are accepted until the end of its deadline day (Paris time), then refused
(409) until the coordinator moves the deadline later. The same rule (:func:`deadline_passed`) makes the
campaign's ``*_reached`` flags, so that the page says « non déposée à l'échéance » exactly when a grid is
refused: the instant decides, not the workflow's record of it (which comes a moment later, or late when
the worker is down), though a recorded one counts too.
"""

from __future__ import annotations

import uuid
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from relais_evaluation.domain.campaigns import (
    Assessment,
    EvaluatorReminded,
    Grid,
    InvalidGrid,
    Results,
    grid_from_json,
    results,
    validation_failures,
)
from relais_shared.auth import Principal
from relais_shared.errors import Conflict, NotAllowed, NotFound

PARIS = ZoneInfo("Europe/Paris")
REMINDER_HOUR = 9


class CampaignConflict(Conflict):
    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class DeadlinePassed(CampaignConflict):
    """A grid for a milestone whose deadline has passed (answered 409, code ``deadline_passed``)."""

    def __init__(self, milestone: str, due: date) -> None:
        message = (
            f"L'échéance du {due.strftime('%d/%m/%Y')} est passée : la grille ne peut plus être déposée ni "
            "corrigée. La coordination de la campagne peut déplacer l'échéance."
        )
        super().__init__(message, [{"field": "milestone", "code": "deadline_passed", "message": message}])
        self.milestone, self.due = milestone, due


def grid_of(campaign: Any) -> Grid:
    return grid_from_json(campaign.grid, campaign.scale_min, campaign.scale_max)


@dataclass(frozen=True)
class Access:
    campaign: Any
    manages: bool  # may invite and close
    evaluator: Any | None  # the caller's own invitation, if any


async def access(repo: Any, principal: Principal, campaign_id: uuid.UUID, coordination: uuid.UUID) -> Access:
    campaign = await repo.get(campaign_id)
    if campaign is None:
        raise NotFound()
    manages = principal.has_role("coordinator") and principal.org_id in (campaign.org_id, coordination)
    evaluator = (
        await repo.evaluator(campaign_id, principal.org_id, principal.sub)
        if principal.has_role("evaluator")
        else None
    )
    if not manages and evaluator is None:
        raise NotFound()
    return Access(campaign, manages, evaluator)


def due_instant(due: date) -> datetime:
    """The instant a deadline passes: the end of its day, Paris time (in UTC)."""
    return datetime.combine(due + timedelta(days=1), time.min, PARIS).astimezone(UTC)


def deadline_passed(campaign: Any, milestone: str, now: datetime) -> bool:
    """Whether ``milestone``'s deadline has passed: its day is over (Paris), or the campaign's workflow
    recorded it reached (moving a deadline clears that record, see :func:`move_deadlines`)."""
    mid_term = milestone == "mid_term"
    due = campaign.mid_term_due if mid_term else campaign.final_due
    reached = campaign.mid_term_reached_at if mid_term else campaign.final_reached_at
    return due is not None and (reached is not None or now >= due_instant(due))


def may_read_results(found: Access, rows: Sequence[Any]) -> bool:
    """An evaluator reads the others' scores and comments of a milestone once they submitted their own,
    or once the campaign closed: an assessment is made without knowing the others' (an author would
    otherwise answer the experts, and the only author's comments are theirs). A deadline passed is no
    reason: the coordinator may move it later, and the evaluator would then submit knowing the others'."""
    campaign = found.campaign
    if campaign.status != "open":
        return True
    if found.evaluator is None:
        return False
    # Their own grid must be a whole evaluation (every mandatory criterion scored): a grid of one score,
    # or of none, would otherwise open the others' before the evaluator has made up their mind.
    mandatory = [c.code for c in grid_of(campaign).criteria if c.mandatory]
    return any(
        row.evaluator_id == found.evaluator.id and all(code in row.scores for code in mandatory)
        for row in rows
    )


def milestones(mid_term_due: date | None, final_due: date, reminder_days: int) -> list[dict[str, Any]]:
    """The instants of the campaign's workflow: reminders at 9:00 (Paris) ``reminder_days`` before each
    deadline, the deadline at the end of its day."""
    found = []
    for name, due in (("mid_term", mid_term_due), ("final", final_due)):
        if due is None:
            continue
        remind = datetime.combine(due - timedelta(days=reminder_days), time(REMINDER_HOUR), PARIS)
        found.append({"milestone": name, "remind_at": remind.astimezone(UTC), "due_at": due_instant(due)})
    return found


def check_dates(
    mid_term_due: date | None, final_due: date, today: date, unchanged: Container[str] = ()
) -> None:
    """A deadline is today or later (Paris days), the mid-term one before the final one. A deadline a
    move leaves ``unchanged`` may be past (moving the final deadline after the mid-term one passed)."""
    errors = []
    if final_due < today and "final_due" not in unchanged:
        errors.append({"field": "final_due", "message": "L'échéance finale est passée."})
    if mid_term_due is not None:
        if mid_term_due < today and "mid_term_due" not in unchanged:
            errors.append({"field": "mid_term_due", "message": "L'échéance intermédiaire est passée."})
        elif mid_term_due >= final_due:
            errors.append(
                {
                    "field": "mid_term_due",
                    "message": "L'échéance intermédiaire doit précéder l'échéance finale.",
                }
            )
    if errors:
        raise InvalidGrid(errors)


async def move_deadlines(
    repo: Any,
    principal: Principal,
    coordination: uuid.UUID,
    campaign_id: uuid.UUID,
    mid_term_due: date | None,
    final_due: date,
    today: date,
) -> None:
    """The coordinator moves the deadlines of a campaign not closed; a moved milestone is open again
    until its new deadline (its reached record is cleared; its grids are accepted again). The mid-term
    milestone is neither added nor removed: a campaign has it from its opening or never."""
    found = await access(repo, principal, campaign_id, coordination)
    if not found.manages:
        raise NotAllowed("Seule l'organisation qui conduit la campagne en déplace les échéances.")
    campaign = await repo.get(campaign_id, lock=True)
    if campaign.status != "open":
        raise CampaignConflict("La campagne est close : ses échéances ne se déplacent plus.")
    if (mid_term_due is None) != (campaign.mid_term_due is None):
        message = (
            "La campagne n'a pas de test d'utilisation : il ne s'ajoute pas après l'ouverture."
            if campaign.mid_term_due is None
            else "La campagne a un test d'utilisation : indiquez son échéance."
        )
        raise InvalidGrid([{"field": "mid_term_due", "message": message}])
    unchanged = [
        name
        for name, new, old in (
            ("mid_term_due", mid_term_due, campaign.mid_term_due),
            ("final_due", final_due, campaign.final_due),
        )
        if new == old
    ]
    check_dates(mid_term_due, final_due, today, unchanged)
    changes: dict[str, Any] = {}
    if "mid_term_due" not in unchanged:
        changes |= {"mid_term_due": mid_term_due, "mid_term_reached_at": None}
    if "final_due" not in unchanged:
        changes |= {"final_due": final_due, "final_reached_at": None}
    if changes:
        await repo.move_deadlines(campaign_id, **changes)


async def invite(
    repo: Any, principal: Principal, coordination: uuid.UUID, campaign_id: uuid.UUID, **evaluator: Any
) -> uuid.UUID:
    found = await access(repo, principal, campaign_id, coordination)
    if not found.manages:
        raise NotAllowed("Seule l'organisation qui conduit la campagne invite ses évaluateurs.")
    if found.campaign.status != "open":
        raise CampaignConflict("La campagne est close.")
    outsider_error = _not_an_outsider(found.campaign.org_id, coordination, evaluator)
    if outsider_error:
        raise InvalidGrid([{"field": "perspective", "message": outsider_error}])
    evaluator_id = uuid.uuid4()
    if not await repo.invite(id=evaluator_id, campaign_id=campaign_id, **evaluator):
        raise CampaignConflict("Cette personne est déjà évaluatrice de la campagne.")
    return evaluator_id


def _not_an_outsider(
    campaign_org: uuid.UUID, coordination: uuid.UUID, evaluator: Mapping[str, Any]
) -> str | None:
    """Why the invitation breaks the perspectives' rule, if it does: a peer is a member of the pact not
    involved in the action, an external expert is outside the organisations that run the evaluation.
    (Whether an expert's organisation is outside the pact the directory knows, not this service.)"""
    org, perspective = evaluator.get("org_id"), evaluator.get("perspective")
    if perspective == "external_expert" and org in (campaign_org, coordination):
        return (
            "Un expert externe n'appartient ni à l'organisation qui conduit la campagne ni à la coordination."
        )
    if perspective == "peer" and org == campaign_org:
        return "Un pair n'appartient pas à l'organisation qui conduit la campagne."
    return None


async def remind_evaluators(
    repo: Any, campaign_id: uuid.UUID, milestone: str, now: datetime
) -> list[EvaluatorReminded] | None:
    """Reminds each invited evaluator who has not submitted the milestone's assessment, once: the
    evaluators reminded now (none on a retry), or None when the campaign is closed or was never committed."""
    campaign = await repo.get(campaign_id)
    if campaign is None or campaign.status != "open":
        return None
    due = campaign.mid_term_due if milestone == "mid_term" else campaign.final_due
    return [
        EvaluatorReminded(
            campaign_id=campaign_id,
            campaign_title=campaign.title,
            milestone="mid_term" if milestone == "mid_term" else "final",
            due_on=due,
            evaluator_id=row.id,
            org_id=row.org_id,
            sub=row.sub,
            reminded_at=now,
        )
        for row in await repo.remind(campaign_id, milestone, now)
    ]


async def submit(
    repo: Any,
    principal: Principal,
    coordination: uuid.UUID,
    campaign_id: uuid.UUID,
    milestone: str,
    scores: Mapping[str, int],
    texts: Mapping[str, str],
    now: datetime,
) -> Any:
    found = await access(repo, principal, campaign_id, coordination)
    if found.evaluator is None:
        raise NotAllowed("Seuls les évaluateurs invités déposent une évaluation.")
    campaign = found.campaign
    if campaign.status != "open":
        raise CampaignConflict("La campagne est close.")
    if milestone == "mid_term" and campaign.mid_term_due is None:
        raise NotFound()
    if deadline_passed(campaign, milestone, now):
        raise DeadlinePassed(
            milestone, campaign.mid_term_due if milestone == "mid_term" else campaign.final_due
        )
    errors = grid_of(campaign).check_scores(scores)
    if not scores:  # « Sans note » everywhere: nothing evaluated, nothing to deposit
        errors.append(
            {
                "field": "scores",
                "message": "Notez au moins un critère : une grille sans note n'est pas une évaluation.",
            }
        )
    if errors:
        raise InvalidGrid(errors)
    await repo.submit(
        evaluator_id=found.evaluator.id,
        milestone=milestone,
        campaign_id=campaign_id,
        scores=dict(scores),
        **texts,
    )
    return found.evaluator


async def own_assessment(
    repo: Any, principal: Principal, coordination: uuid.UUID, campaign_id: uuid.UUID, milestone: str
) -> tuple[Any, Any | None]:
    """The caller's invitation and what they submitted for ``milestone`` (None before they submit).

    Only their own: an evaluator never reads another's scores (results give each perspective's means)."""
    found = await access(repo, principal, campaign_id, coordination)
    if found.evaluator is None:
        raise NotFound()
    if milestone == "mid_term" and found.campaign.mid_term_due is None:
        raise NotFound()
    rows = await repo.assessments(campaign_id, milestone)
    return found.evaluator, next((r for r in rows if r.evaluator_id == found.evaluator.id), None)


async def campaign_results(
    repo: Any, grid: Grid, campaign_id: uuid.UUID, milestone: str
) -> tuple[Results, list[Any]]:
    rows = await repo.assessments(campaign_id, milestone)
    return results(grid, [Assessment(r.perspective, r.scores) for r in rows]), rows


async def close(
    repo: Any,
    principal: Principal,
    coordination: uuid.UUID,
    campaign_id: uuid.UUID,
    agreed_scores: Mapping[str, Fraction],
    conclusions: str,
    now: datetime,
    without_validation: bool = False,
) -> dict[str, Any]:
    """Closes the campaign with its consensus synthesis; refused while the validation rule fails, unless
    the coordinator closes it ``without_validation``: it ends not validated, with the rule's failures
    recorded (experts who never answered must not keep a campaign open for ever)."""
    found = await access(repo, principal, campaign_id, coordination)
    if not found.manages:
        raise NotAllowed("Seule l'organisation qui conduit la campagne la clôt.")
    campaign = await repo.get(campaign_id, lock=True)
    if campaign.status != "open":
        raise CampaignConflict("La campagne est déjà close.")
    grid = grid_of(campaign)
    rows = await repo.assessments(campaign_id, "final")
    failures = validation_failures(grid, [Assessment(r.perspective, r.scores) for r in rows])
    if failures and not without_validation:
        raise CampaignConflict(
            "La validation n'est pas acquise.", [{"field": "assessments", "message": m} for m in failures]
        )
    # Exact: a consensus of 5.4 on a 1-5 scale is refused (rounded, it passed as a 5).
    errors = [{**e, "field": "agreed_" + e["field"]} for e in grid.check_scores(agreed_scores)]
    # Without validation the agreed scores are those the evaluators could agree on, possibly none.
    missing = [c.code for c in grid.criteria if c.mandatory and c.code not in agreed_scores and not failures]
    errors += [
        {"field": f"agreed_scores.{code}", "message": "Note de consensus requise."} for code in missing
    ]
    if errors:
        raise InvalidGrid(errors)
    consensus: dict[str, Any] = {
        "agreed_scores": {k: str(v) for k, v in agreed_scores.items()},
        "conclusions": conclusions,
    }
    if failures:
        consensus["not_validated_because"] = failures
    await repo.close(campaign_id, consensus, not failures, now)
    return consensus

"""Joint evaluation campaigns (évaluation conjointe), after the EQUAL validation grid of the seed documents.

A coordinator opens a campaign on an action or a product with a grid: the six mandatory criteria
(innovation, empowerment, suitability, usefulness, accessibility, transferability) carry at least two
thirds of the total weight, discretionary ones (equality, governance, universality, scalability,
autonomy, or the coordinator's own) at most one third. Evaluators score it from three perspectives —
its authors (self-analysis), peers (pact members not involved) and external experts — on the
campaign's scale (a setting, 1–5 by default), with strong points, weaknesses and recommendations, at
mid-term (the « test d'utilisation ») and at the end.

Scores: a criterion's score in a perspective is the mean of that perspective's evaluators; the
perspective's weighted score is the weighted mean of its criteria; the overall score of a criterion is
the mean of the perspectives that scored it (each perspective counts the same, however many evaluators
it has: the method triangulates three views), and the overall weighted score follows. A validation is
positive only if every mandatory criterion was scored and at least two external experts took part.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Literal

from relais_evaluation.domain.errors import InvalidInput

MANDATORY_CRITERIA: dict[str, str] = {
    "innovation": "Innovation",
    "empowerment": "Pouvoir d'agir",
    "suitability": "Adéquation",
    "usefulness": "Utilité",
    "accessibility": "Accessibilité",
    "transferability": "Transférabilité",
}
DISCRETIONARY_SUGGESTIONS: dict[str, str] = {
    "equality": "Égalité",
    "governance": "Gouvernance",
    "universality": "Universalité",
    "scalability": "Changement d'échelle",
    "autonomy": "Autonomie",
}
MANDATORY_SHARE = Fraction(2, 3)
MIN_EXTERNAL_EXPERTS = 2

Perspective = Literal["author", "peer", "external_expert"]
PERSPECTIVES: tuple[Perspective, ...] = ("author", "peer", "external_expert")
Milestone = Literal["mid_term", "final"]


class InvalidGrid(InvalidInput):
    pass


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    weight: Fraction
    mandatory: bool


@dataclass(frozen=True)
class Grid:
    criteria: tuple[Criterion, ...]
    scale_min: int = 1
    scale_max: int = 5

    @property
    def total_weight(self) -> Fraction:
        return sum((c.weight for c in self.criteria), Fraction(0))

    def mandatory_share(self) -> Fraction:
        total = self.total_weight
        return (
            sum((c.weight for c in self.criteria if c.mandatory), Fraction(0)) / total
            if total
            else Fraction(0)
        )

    def validate(self) -> None:
        errors: list[dict[str, str]] = []
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            errors.append({"field": "criteria", "message": "Un critère figure deux fois."})
        mandatory = {c.code for c in self.criteria if c.mandatory}
        if mandatory != set(MANDATORY_CRITERIA):
            missing = sorted(set(MANDATORY_CRITERIA) - mandatory)
            extra = sorted(mandatory - set(MANDATORY_CRITERIA))
            errors.append(
                {
                    "field": "criteria",
                    "message": "Les six critères obligatoires sont requis, et eux seuls "
                    f"(manquants : {missing or '—'} ; en trop : {extra or '—'}).",
                }
            )
        if any(c.weight <= 0 for c in self.criteria):
            errors.append({"field": "criteria", "message": "Chaque poids est positif."})
        elif self.criteria and self.mandatory_share() < MANDATORY_SHARE:
            errors.append(
                {
                    "field": "criteria",
                    "message": "Les critères obligatoires portent au moins deux tiers du poids total, les "
                    f"critères au choix au plus un tiers (ici {float(self.mandatory_share()):.1%} "
                    "pour les obligatoires).",
                }
            )
        if self.scale_min >= self.scale_max:
            errors.append({"field": "scale", "message": "L'échelle va d'une note à une note plus haute."})
        if errors:
            raise InvalidGrid(errors)

    def check_scores(self, scores: Mapping[str, int | Fraction]) -> list[dict[str, str]]:
        known = {c.code for c in self.criteria}
        errors = []
        for code, score in scores.items():
            if code not in known:
                errors.append({"field": f"scores.{code}", "message": "Critère absent de la grille."})
            elif not self.scale_min <= score <= self.scale_max:
                errors.append(
                    {
                        "field": f"scores.{code}",
                        "message": f"Note entre {self.scale_min} et {self.scale_max}.",
                    }
                )
        return errors


def grid_to_json(grid: Grid) -> list[dict[str, object]]:
    """The criteria as stored with the campaign (weights as exact fractions, e.g. "1/9")."""
    return [
        {"code": c.code, "label": c.label, "weight": str(c.weight), "mandatory": c.mandatory}
        for c in grid.criteria
    ]


def grid_from_json(criteria: Sequence[Mapping[str, object]], scale_min: int, scale_max: int) -> Grid:
    return Grid(
        tuple(
            Criterion(str(c["code"]), str(c["label"]), Fraction(str(c["weight"])), bool(c["mandatory"]))
            for c in criteria
        ),
        scale_min,
        scale_max,
    )


@dataclass(frozen=True)
class Assessment:
    perspective: Perspective
    scores: Mapping[str, int]


def weighted(grid: Grid, scores: Mapping[str, Fraction]) -> Fraction | None:
    """The weighted mean of the criteria scored (the weights of those not scored are left out)."""
    scored = [c for c in grid.criteria if c.code in scores]
    total = sum((c.weight for c in scored), Fraction(0))
    if not total:
        return None
    return sum((c.weight * scores[c.code] for c in scored), Fraction(0)) / total


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


@dataclass(frozen=True)
class PerspectiveResult:
    perspective: Perspective
    evaluators: int
    criteria: Mapping[str, Fraction]  # mean score of each criterion scored
    weighted_score: Fraction | None


@dataclass(frozen=True)
class Results:
    perspectives: tuple[PerspectiveResult, ...]
    criteria: Mapping[str, Fraction]  # overall: mean over the perspectives that scored it
    weighted_score: Fraction | None
    validated: bool
    reasons: tuple[str, ...] = field(default=())


def results(grid: Grid, assessments: Sequence[Assessment]) -> Results:
    perspectives = []
    for perspective in PERSPECTIVES:
        mine = [a for a in assessments if a.perspective == perspective]
        criteria = {
            c.code: _mean([Fraction(a.scores[c.code]) for a in mine if c.code in a.scores])
            for c in grid.criteria
            if any(c.code in a.scores for a in mine)
        }
        perspectives.append(PerspectiveResult(perspective, len(mine), criteria, weighted(grid, criteria)))
    overall = {
        c.code: _mean([p.criteria[c.code] for p in perspectives if c.code in p.criteria])
        for c in grid.criteria
        if any(c.code in p.criteria for p in perspectives)
    }
    reasons = validation_failures(grid, assessments)
    return Results(tuple(perspectives), overall, weighted(grid, overall), not reasons, tuple(reasons))


def validation_failures(grid: Grid, assessments: Sequence[Assessment]) -> list[str]:
    reasons = []
    unscored = [
        c.code for c in grid.criteria if c.mandatory and not any(c.code in a.scores for a in assessments)
    ]
    if unscored:
        reasons.append(f"Critères obligatoires sans note : {', '.join(unscored)}.")
    # An expert takes part by scoring every mandatory criterion: an empty or partial assessment does not.
    mandatory = [c.code for c in grid.criteria if c.mandatory]
    experts = sum(
        1
        for a in assessments
        if a.perspective == "external_expert" and all(code in a.scores for code in mandatory)
    )
    if experts < MIN_EXTERNAL_EXPERTS:
        reasons.append(
            f"Au moins {MIN_EXTERNAL_EXPERTS} experts externes requis, chacun ayant noté tous les critères "
            f"obligatoires ({experts} à ce jour)."
        )
    return reasons


@dataclass(frozen=True)
class EvaluatorReminded:
    """An invited evaluator who had not submitted the milestone's assessment was reminded (relance).

    ``org_id`` and ``sub`` name the evaluator's organisation and sign-in account: the evaluation service
    has no address, the referral service's directory does (and sends the e-mail)."""

    campaign_id: uuid.UUID
    campaign_title: str
    milestone: Milestone
    due_on: date
    evaluator_id: uuid.UUID
    org_id: uuid.UUID
    sub: str
    reminded_at: datetime

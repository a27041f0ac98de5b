"""The EQUAL grid: weights, scores per perspective and overall, the validation rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from relais_evaluation.domain.campaigns import (
    MANDATORY_CRITERIA,
    Assessment,
    Criterion,
    Grid,
    InvalidGrid,
    results,
)


def grid(mandatory_weight: Fraction, discretionary: dict[str, Fraction]) -> Grid:
    criteria = [Criterion(code, code, mandatory_weight, True) for code in MANDATORY_CRITERIA]
    criteria += [Criterion(code, code, weight, False) for code, weight in discretionary.items()]
    return Grid(tuple(criteria))


def test_six_mandatory_criteria_with_two_thirds_of_the_weight_are_accepted() -> None:
    grid(Fraction(1, 9), {"equality": Fraction(1, 6), "governance": Fraction(1, 6)}).validate()
    grid(Fraction(1), {}).validate()  # no discretionary criterion: the mandatory ones carry everything


@pytest.mark.parametrize(
    "discretionary",
    [{"equality": Fraction(3, 9)}, {"equality": Fraction(1, 2), "autonomy": Fraction(1, 2)}],
    ids=["just over a third", "one half"],
)
def test_discretionary_criteria_weighing_more_than_a_third_are_refused(discretionary: dict) -> None:
    # 6 × 1/9 = 2/3 mandatory; 3/9 discretionary is exactly a third... plus a hair of rounding below.
    with pytest.raises(InvalidGrid):
        grid(Fraction(1, 9) - Fraction(1, 1000), discretionary).validate()


def test_a_grid_without_one_of_the_six_mandatory_criteria_is_refused() -> None:
    incomplete = Grid(tuple(Criterion(c, c, Fraction(1), True) for c in list(MANDATORY_CRITERIA)[:5]))
    with pytest.raises(InvalidGrid) as refused:
        incomplete.validate()
    assert "transferability" in refused.value.errors[0]["message"]


def test_weighted_scores_per_perspective_and_overall_match_a_hand_computation() -> None:
    # Weights: innovation 2, five other mandatory 1 each (7 in all), equality 3 (3/10 ≤ 1/3).
    criteria = [Criterion("innovation", "", Fraction(2), True)]
    criteria += [Criterion(c, "", Fraction(1), True) for c in list(MANDATORY_CRITERIA)[1:]]
    criteria += [Criterion("equality", "", Fraction(3), False)]
    g = Grid(tuple(criteria))
    g.validate()
    five = {c: 4 for c in list(MANDATORY_CRITERIA)[1:]}
    assessments = [
        Assessment("author", {"innovation": 5, **five, "equality": 5}),
        Assessment("peer", {"innovation": 3, **five, "equality": 2}),
        Assessment("external_expert", {"innovation": 4, **five, "equality": 3}),
        Assessment("external_expert", {"innovation": 2, **five}),  # equality left unscored
    ]
    r = results(g, assessments)
    author, peer, expert = r.perspectives
    # author: (2×5 + 5×4 + 3×5) / 10 = 45/10
    assert author.weighted_score == Fraction(45, 10)
    # peer: (2×3 + 20 + 3×2) / 10 = 32/10
    assert peer.weighted_score == Fraction(32, 10)
    # experts: innovation (4 + 2)/2 = 3, equality 3 (one expert): (2×3 + 20 + 3×3) / 10 = 35/10
    assert expert.criteria["innovation"] == 3 and expert.weighted_score == Fraction(35, 10)
    # overall: innovation (5 + 3 + 3)/3 = 11/3, others 4, equality (5 + 2 + 3)/3 = 10/3
    assert r.criteria["innovation"] == Fraction(11, 3) and r.criteria["equality"] == Fraction(10, 3)
    assert r.weighted_score == (2 * Fraction(11, 3) + 20 + 3 * Fraction(10, 3)) / 10
    assert r.validated


def test_a_campaign_with_one_external_expert_cannot_be_validated() -> None:
    g = grid(Fraction(1), {})
    every = {c: 3 for c in MANDATORY_CRITERIA}
    r = results(
        g, [Assessment("author", every), Assessment("peer", every), Assessment("external_expert", every)]
    )
    assert not r.validated
    assert any("experts externes" in reason for reason in r.reasons)


def test_an_external_expert_who_left_a_mandatory_criterion_unscored_does_not_count_towards_the_two() -> None:
    g = grid(Fraction(1), {})
    every = {c: 3 for c in MANDATORY_CRITERIA}
    r = results(
        g,
        [
            Assessment("external_expert", every),
            Assessment("external_expert", {}),  # submitted empty
            Assessment("author", every),
        ],
    )
    assert not r.validated
    assert any("(1 à ce jour)" in reason for reason in r.reasons)
    partial = {c: 4 for c in list(MANDATORY_CRITERIA)[1:]}
    r = results(g, [Assessment("external_expert", every), Assessment("external_expert", partial)])
    assert not r.validated
    assert len(r.reasons) == 1 and "(1 à ce jour)" in r.reasons[0]
    assert results(g, [Assessment("external_expert", every), Assessment("external_expert", every)]).validated


def test_a_mandatory_criterion_nobody_scored_prevents_the_validation() -> None:
    g = grid(Fraction(1), {})
    partial = {c: 3 for c in list(MANDATORY_CRITERIA)[:5]}
    r = results(g, [Assessment("external_expert", partial), Assessment("external_expert", partial)])
    assert not r.validated and "transferability" in r.reasons[0]

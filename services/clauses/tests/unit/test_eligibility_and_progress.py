"""Eligibility before hiring, progress against the expected profile, and the penalty procedure."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from relais_clauses.domain.eligibility import (
    Criterion,
    EligibilityPolicy,
    IneligibleError,
    Proof,
    ProofMethod,
    check_hire,
    decide,
)
from relais_clauses.domain.progress import (
    Penalty,
    PenaltyProcedure,
    PenaltyRule,
    PenaltyStatus,
    at_risk,
    expected_to_date,
    first_at_risk_day,
    reconcile,
)
from relais_clauses.domain.siret import InvalidSiret, normalise_siret

POLICY = EligibilityPolicy()


def _decision(decided_on: date, proved_on: date, criterion: Criterion = Criterion.RSA) -> object:
    return decide(
        decision_id=uuid.uuid4(),
        participant_id=uuid.uuid4(),
        decided_on=decided_on,
        proofs=[Proof(criterion, ProofMethod.DOCUMENT_SEEN, proved_on, "attestation CAF 2026-03")],
        policy=POLICY,
    )


def test_a_proof_older_than_three_months_at_the_decision_is_refused_six_for_qpv() -> None:
    with pytest.raises(IneligibleError, match=r"\(une preuve vaut 3 mois\)"):
        _decision(date(2026, 6, 10), date(2026, 3, 1))
    assert _decision(date(2026, 6, 10), date(2026, 3, 1), Criterion.QPV_RESIDENT).criteria == (
        Criterion.QPV_RESIDENT,
    )


def test_hiring_without_a_decision_holding_at_the_hiring_date_is_refused() -> None:
    decision = _decision(date(2026, 3, 10), date(2026, 3, 1))
    assert check_hire([decision], date(2026, 4, 1)) == decision
    with pytest.raises(IneligibleError, match="aucune décision"):
        check_hire([], date(2026, 4, 1))
    with pytest.raises(IneligibleError, match="postérieure"):
        check_hire([decision], date(2026, 3, 1))
    with pytest.raises(IneligibleError, match="expiré le 10/03/2028"):
        check_hire([decision], date(2028, 3, 11))


def test_a_derogation_needs_a_named_prescriber_of_the_right_kind() -> None:
    proof = Proof(Criterion.DEROGATION, ProofMethod.DOCUMENT_SEEN, date(2026, 3, 1), "avis ML 2026-17")
    common = {"decision_id": uuid.uuid4(), "participant_id": uuid.uuid4(), "decided_on": date(2026, 3, 2)}
    with pytest.raises(IneligibleError, match="prescripteur"):
        decide(
            **common, proofs=[proof], policy=POLICY, prescriber_org_id=uuid.uuid4(), prescriber_kind="siae"
        )
    assert decide(
        **common,
        proofs=[proof],
        policy=POLICY,
        prescriber_org_id=uuid.uuid4(),
        prescriber_kind="mission_locale",
    )


def test_expected_hours_grow_linearly_unless_a_schedule_is_given() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    # 2 July is day 182 of the 364 the period lasts: half of the hours are expected.
    assert expected_to_date(Decimal("3650"), start, end, date(2026, 7, 2)) == Decimal("1825.00")
    schedule = [(date(2026, 6, 30), Decimal("500")), (date(2026, 12, 31), Decimal("3650"))]
    assert expected_to_date(Decimal("3650"), start, end, date(2026, 7, 2), schedule) == Decimal("500")


def test_a_contract_falling_behind_turns_at_risk_on_the_day_its_pace_no_longer_reaches_the_requirement() -> (
    None
):
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    # 1,000 hours required, 300 realised by 1 March and nothing since: at 300 h in 96 days of 364 the
    # projection is 1,137 h; it falls under 1,000 on day 110 (300 × 364 / 110 = 992.7).
    day = first_at_risk_day(Decimal("1000"), Decimal("300"), start, end)
    assert day == date(2026, 4, 21)
    assert not at_risk(Decimal("1000"), Decimal("300"), start, end, date(2026, 4, 20))


def test_the_penalty_is_missing_mandatory_hours_times_the_rate_final_only_after_the_contradictory_step() -> (
    None
):
    rule = Penalty(
        PenaltyRule.PER_MISSING_HOUR_CAPPED, hourly_amount=Decimal("45"), cap_share=Decimal("0.10")
    )
    result = reconcile(Decimal("1000"), Decimal("880"), rule, contract_amount=Decimal("200000"))
    assert (result.missing, result.penalty, result.fulfilled) == (Decimal("120"), Decimal("5400.00"), False)
    assert rule.amount(Decimal("1000"), Decimal("20000")) == Decimal("2000.00")  # capped at 10 %
    procedure = PenaltyProcedure.open(result.penalty, notified_on=date(2027, 1, 10), delay_days=15)
    with pytest.raises(ValueError, match="observations"):
        procedure.decide(result.penalty, today=date(2027, 1, 20))
    procedure.observe()
    procedure.decide(Decimal("2700.00"), today=date(2027, 1, 20))
    assert (procedure.status, procedure.final_amount) == (PenaltyStatus.FINAL, Decimal("2700.00"))


def test_a_siret_is_checked_by_its_luhn_key() -> None:
    assert normalise_siret("732 829 320 00074") == "73282932000074"
    with pytest.raises(InvalidSiret):
        normalise_siret("73282932000075")

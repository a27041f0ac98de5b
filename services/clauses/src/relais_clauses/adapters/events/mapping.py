"""Explicit mapping from the clauses' domain events to their integration events (``published.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from relais_clauses.adapters.events import published as c
from relais_clauses.domain import events as d
from relais_clauses.domain.hours import PARIS
from relais_shared.envelope import EventData

HIRED_AT = time(9)  # a hire is known by its first day; the contract dates it 9:00 that day, Paris time


def to_integration_event(event: d.ClauseEvent) -> EventData:
    match event:
        case d.ContractRegistered():
            return c.ContractRegisteredV1(
                contract_id=event.contract_id,
                buyer_org_id=event.buyer_org_id,
                contractor_org_id=event.contractor_org_id,
                facilitator_org_id=event.facilitator_org_id,
                legal_basis=event.legal_basis,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
                hours_required=float(event.hours_required),
                hours_mandatory=float(event.hours_mandatory),
            )
        case d.ParticipantHired():
            return c.ParticipantHiredV1(
                work_contract_id=event.work_contract_id,
                jobseeker_id=event.participant_id,
                contract_type=event.contract_type,
                weekly_hours=float(event.weekly_hours) if event.weekly_hours is not None else None,
                hired_at=datetime.combine(event.starts_on, HIRED_AT, PARIS).astimezone(UTC),
                employer_siret=event.employer_siret,
                employer_org_id=event.employer_org_id,
            )
        case d.HoursDeclared():
            return c.HoursDeclaredV1(
                contract_id=event.contract_id,
                work_contract_id=event.work_contract_id,
                period=event.period,
                version=event.version,
                hours=float(event.hours),
            )
        case d.ObligationAtRisk():
            return c.ObligationAtRiskV1(
                contract_id=event.contract_id,
                at_risk_since=event.at_risk_since,
                required=float(event.required),
                realised=float(event.realised),
                expected_to_date=float(event.expected_to_date),
            )
        case d.DeclarationReminded():
            return c.DeclarationReminderV1(
                contract_id=event.contract_id,
                contractor_org_id=event.contractor_org_id,
                period=event.period,
                work_contracts=event.work_contracts,
            )
        case d.ObligationReconciled():
            return c.ObligationReconciledV1(
                contract_id=event.contract_id,
                required_mandatory=float(event.required_mandatory),
                realised=float(event.realised),
                missing=float(event.missing),
                proposed_penalty=float(event.proposed_penalty),
                observations_due=event.observations_due,
            )
        case d.PenaltyDecided():
            return c.PenaltyDecidedV1(
                contract_id=event.contract_id,
                status=event.status,
                amount=float(event.amount),
            )

# ruff: noqa: E501 - the table of events reads as a table
"""A synthetic quarter of a small pact, written as a table of events, whose indicators were counted by hand.

Each row is one event as its producer publishes it (the data is checked against the published JSON
Schemas); ``envelopes()`` turns the table into envelopes, keyed as the producers key them. The expected
figures are in ``test_indicator_values.py``, next to how each was counted.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from relais_shared.envelope import IncomingEnvelope, dataschema_for

PARIS = ZoneInfo("Europe/Paris")
NS = uuid.UUID("6a1d9c3e-5b7f-4e2a-9c1d-3b5e7f9a1c2e")
COORDINATION = uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44")


def ident(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


ORGS = {name: ident(f"org-{name}") for name in ("FT", "ML", "PLIE", "CAP", "TP", "BUY", "EMP", "MDE")}
PEOPLE = {name: ident(f"person-{name}") for name in "ABCDEFGH"}

# fmt: off
# when (Paris)       event type                          key   fields
EVENTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("2027-01-04 09:00", "referral.submitted", "R1", {"p": "A", "from": "FT", "to": "ML", "due": "2027-01-11", "age": "under_26", "qpv": True}),
    ("2027-01-04 10:00", "referral.submitted", "R2", {"p": "B", "from": "FT", "to": "ML", "due": "2027-01-11", "age": "26_49", "qpv": False}),
    ("2027-01-04 11:00", "jobseeker.need_identified", "A", {"sex": "F", "age": "under_26", "qpv": True}),
    ("2027-01-04 11:00", "jobseeker.need_identified", "B", {"sex": "M", "age": "26_49", "qpv": False}),
    ("2027-01-04 11:00", "jobseeker.need_identified", "C", {"sex": "F", "age": "50_plus", "qpv": False}),
    ("2027-01-04 12:00", "jobseeker.attributes_changed", "A", {"nat": "french", "edu": "4", "ltu": False, "rsa": False, "dis": False}),
    ("2027-01-04 12:00", "jobseeker.attributes_changed", "B", {"nat": "eu", "edu": "infra_3", "ltu": True, "rsa": True, "dis": False}),
    ("2027-01-04 12:00", "jobseeker.attributes_changed", "C", {"nat": "non_eu", "edu": "6_plus", "ltu": True, "rsa": False, "dis": True}),
    ("2027-01-05 09:00", "referral.acknowledged", "R1", {"to": "ML"}),
    ("2027-01-05 09:30", "clauses.contract_registered", "K1", {"buyer": "BUY", "contractor": "EMP", "facilitator": "MDE", "starts": "2027-01-01", "ends": "2027-12-31", "required": 3650, "mandatory": 3000}),
    ("2027-01-05 10:00", "clauses.participant_hired", "W1", {"p": "B", "type": "CDI", "employer": "EMP"}),
    ("2027-01-06 09:00", "referral.appointment_scheduled", "R1", {"to": "ML", "appointment": "2027-01-08 09:00"}),
    ("2027-01-08 10:00", "referral.appointment_outcome_recorded", "R1", {"to": "ML", "outcome": "seen", "no_shows": 0, "appointment": "2027-01-08 09:00"}),
    ("2027-01-08 11:00", "referral.accepted", "R1", {"p": "A", "from": "FT", "to": "ML"}),
    ("2027-01-10 09:00", "referral.submitted", "R4", {"p": "C", "from": "ML", "to": "CAP", "due": "2027-01-17", "age": "50_plus", "qpv": False}),
    ("2027-01-10 10:00", "clauses.participant_hired", "W2", {"p": "C", "type": "CDD", "employer": "EMP"}),
    ("2027-01-10 11:00", "training.enrolment_confirmed", "T1", {"p": "A", "provider": "TP"}),
    ("2027-01-11 11:00", "training.enrolment_confirmed", "T2", {"p": "B", "provider": "TP"}),
    ("2027-01-12 09:00", "referral.submitted", "R5", {"p": "D", "from": "FT", "to": "ML", "due": "2027-01-19", "age": "under_26", "qpv": True}),
    ("2027-01-12 11:00", "training.enrolment_confirmed", "T3", {"p": "D", "provider": "TP"}),
    ("2027-01-13 09:00", "referral.acknowledged", "R5", {"to": "ML"}),
    ("2027-01-13 11:00", "training.enrolment_confirmed", "T4", {"p": "F", "provider": "TP"}),
    ("2027-01-14 09:00", "referral.withdrawn", "R5", {"p": "D", "from": "FT", "to": "ML"}),
    ("2027-01-14 10:00", "referral.acknowledged", "R2", {"to": "ML"}),
    ("2027-01-15 09:00", "referral.returned_to_sender", "R2", {"p": "B", "from": "FT", "to": "ML", "status": "refused", "reason": "no_capacity"}),
    ("2027-01-16 09:00", "referral.submitted", "R3", {"p": "B", "from": "FT", "to": "PLIE", "due": "2027-01-23", "age": "26_49", "qpv": False}),
    ("2027-01-17 09:00", "referral.acknowledged", "R3", {"to": "PLIE"}),
    ("2027-01-18 09:00", "referral.appointment_scheduled", "R3", {"to": "PLIE", "appointment": "2027-01-20 09:00"}),
    ("2027-01-20 10:00", "referral.appointment_outcome_recorded", "R3", {"to": "PLIE", "outcome": "seen", "no_shows": 0, "appointment": "2027-01-20 09:00"}),
    ("2027-01-20 09:00", "referral.submitted", "R7", {"p": "F", "from": "FT", "to": "ML", "due": "2027-01-27", "age": "under_26", "qpv": False}),
    ("2027-01-20 12:00", "training.enrolment_cancelled", "T4", {"p": "F"}),
    ("2027-01-21 09:00", "referral.acknowledged", "R7", {"to": "ML"}),
    ("2027-01-21 23:00", "jobseeker.unaccompanied", "D", {"since": "2027-01-14"}),
    ("2027-01-22 09:00", "referral.accepted", "R3", {"p": "B", "from": "FT", "to": "PLIE"}),
    ("2027-01-24 23:00", "referral.escalated", "R4", {"to": "CAP", "level": "coordination"}),
    ("2027-01-25 09:00", "referral.obsolete", "R7", {"p": "F", "to": "ML", "cause": "hired"}),
    ("2027-01-25 10:00", "journey.exited", "F", {"outcome": "civic_service", "referent": "FT"}),
    ("2027-01-31 10:00", "journey.exited", "A", {"outcome": "positive_exit", "referent": "ML"}),
    ("2027-02-01 09:00", "training.enrolment_abandoned", "T2", {"p": "B", "reason": "mobility"}),
    ("2027-02-02 09:00", "referral.submitted", "R6", {"p": "E", "from": "PLIE", "to": "ML", "due": "2027-02-09", "age": "26_49", "qpv": True, "dep": "85"}),
    ("2027-02-03 09:00", "referral.acknowledged", "R6", {"to": "ML"}),
    ("2027-02-15 10:00", "journey.exited", "B", {"outcome": "transition_employment", "referent": "PLIE"}),
    ("2027-02-20 09:00", "referral.returned_to_sender", "R4", {"p": "C", "from": "ML", "to": "CAP", "status": "expired"}),
    ("2027-02-27 23:00", "jobseeker.unaccompanied", "C", {"since": "2027-02-20"}),
    ("2027-03-01 10:00", "referral.closed", "R1", {"p": "A", "to": "ML", "outcome": "durable_employment"}),
    ("2027-03-01 16:00", "training.enrolment_completed", "T1", {"p": "A", "certified": True}),
    ("2027-03-05 09:00", "journey.referent_changed", "C", {"referent": "CAP", "cause": "assigned_by_coordination"}),
    ("2027-03-05 16:00", "training.enrolment_completed", "T3", {"p": "D", "certified": False}),
    ("2027-03-08 23:00", "jobseeker.unaccompanied", "G", {"since": "2027-03-01"}),
    ("2027-03-10 10:00", "referral.appointment_outcome_recorded", "R6", {"to": "ML", "outcome": "seen", "no_shows": 0}),
    ("2027-03-10 11:00", "journey.exited", "H", {"outcome": "volunteering", "referent": "FT"}),
    ("2027-03-15 09:00", "journey.referent_changed", "G", {"referent": "FT", "cause": "assigned_by_coordination"}),
    ("2027-03-20 09:00", "referral.accepted", "R6", {"p": "E", "from": "PLIE", "to": "ML"}),
    ("2027-03-20 10:00", "journey.exited", "G", {"outcome": "other", "referent": "FT"}),
    ("2027-01-31 12:00", "clauses.hours_declared", "W1", {"contract": "K1", "period": "2027-01-01", "version": 1, "hours": 100}),
    ("2027-02-02 12:00", "clauses.hours_declared", "W1", {"contract": "K1", "period": "2027-01-01", "version": 2, "hours": 120}),
    ("2027-02-28 12:00", "clauses.hours_declared", "W1", {"contract": "K1", "period": "2027-02-01", "version": 1, "hours": 140}),
    ("2027-02-28 12:00", "clauses.hours_declared", "W2", {"contract": "K1", "period": "2027-02-01", "version": 1, "hours": 80}),
    ("2027-04-30 12:00", "clauses.hours_declared", "W2", {"contract": "K1", "period": "2027-04-01", "version": 1, "hours": 70}),
    ("2027-04-15 09:00", "journey.life_event_recorded", "A", {"kind": "hired", "type": "CDI"}),
    ("2027-04-20 09:00", "jobseeker.erased", "D", {}),
]
# fmt: on


def _at(value: str) -> str:
    return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS).isoformat()


def _data(at: str, kind: str, key: str, x: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The event's data and its Kafka key (the aggregate id, as the producer keys it)."""
    person = str(PEOPLE[x["p"]]) if "p" in x else None
    when = _at(at)
    org = lambda name: str(ORGS[name])  # noqa: E731
    ref = {"referral_id": str(ident(key))}
    match kind:
        case "referral.submitted":
            return ref["referral_id"], {
                **ref,
                "jobseeker_id": person,
                "sender_org_id": org(x["from"]),
                "receiver_org_id": org(x["to"]),
                "submitted_at": when,
                "acknowledgement_due": x["due"],
                "receiver_departement": x.get("dep", "44"),
                "age_band": x["age"],
                "qpv_resident": x["qpv"],
            }
        case "referral.acknowledged":
            return ref["referral_id"], {**ref, "receiver_org_id": org(x["to"]), "acknowledged_at": when}
        case "referral.appointment_scheduled":
            return ref["referral_id"], {
                **ref,
                "receiver_org_id": org(x["to"]),
                "appointment_at": _at(x["appointment"]),
                "outcome_due_at": _at(x["appointment"]),
            }
        case "referral.appointment_outcome_recorded":
            return ref["referral_id"], {
                **ref,
                "receiver_org_id": org(x["to"]),
                "outcome": x["outcome"],
                "no_shows": x["no_shows"],
                "recorded_at": when,
                **({"appointment_at": _at(x["appointment"])} if "appointment" in x else {}),
            }
        case "referral.accepted":
            return ref["referral_id"], {
                **ref,
                "jobseeker_id": person,
                "sender_org_id": org(x["from"]),
                "receiver_org_id": org(x["to"]),
                "accepted_at": when,
            }
        case "referral.returned_to_sender":
            return ref["referral_id"], {
                **ref,
                "jobseeker_id": person,
                "sender_org_id": org(x["from"]),
                "receiver_org_id": org(x["to"]),
                "status": x["status"],
                "reason_code": x.get("reason"),
                "reason_shared_with_jobseeker": False,
                "reorient_due": at[:10],
                "returned_at": when,
            }
        case "referral.withdrawn":
            return ref["referral_id"], {
                **ref,
                "jobseeker_id": person,
                "sender_org_id": org(x["from"]),
                "receiver_org_id": org(x["to"]),
                "withdrawn_at": when,
            }
        case "referral.obsolete":
            return ref["referral_id"], {
                **ref,
                "jobseeker_id": person,
                "receiver_org_id": org(x["to"]),
                "cause": x["cause"],
                "obsolete_at": when,
            }
        case "referral.closed":
            return ref["referral_id"], {
                **ref,
                "jobseeker_id": person,
                "receiver_org_id": org(x["to"]),
                "outcome": x["outcome"],
                "closed_at": when,
            }
        case "referral.escalated":
            return ref["referral_id"], {
                **ref,
                "receiver_org_id": org(x["to"]),
                "level": x["level"],
                "escalated_at": when,
            }
    person = str(PEOPLE[key]) if key in PEOPLE else person
    match kind:
        case "jobseeker.need_identified":
            return person, {
                "jobseeker_id": person,
                "need_id": str(ident(f"need-{key}")),
                "thematique": "mobilite--preparer-un-permis",
                "categorie": "mobilite",
                "identified_on": at[:10],
                "identified_by_org_id": org("FT"),
                "departement": "44",
                "age_band": x["age"],
                "sex": x["sex"],
                "qpv_resident": x["qpv"],
            }
        case "jobseeker.attributes_changed":
            return person, {
                "jobseeker_id": person,
                "changed_at": when,
                "nationality_category": x["nat"],
                "education_level": x["edu"],
                "long_term_unemployed": x["ltu"],
                "minimum_income": x["rsa"],
                "disability": x["dis"],
            }
        case "jobseeker.unaccompanied":
            return person, {
                "jobseeker_id": person,
                "since": x["since"],
                "working_days": 5,
                "detected_at": when,
            }
        case "jobseeker.erased":
            return person, {"jobseeker_id": person, "erased_at": when, "reason": "request"}
        case "journey.exited":
            return person, {
                "jobseeker_id": person,
                "outcome": x["outcome"],
                "referent_org_id": org(x["referent"]),
                "exited_at": when,
            }
        case "journey.referent_changed":
            return person, {
                "jobseeker_id": person,
                "previous_referent_org_id": None,
                "referent_org_id": org(x["referent"]),
                "cause": x["cause"],
                "changed_at": when,
            }
        case "journey.life_event_recorded":
            return person, {
                "jobseeker_id": person,
                "kind": x["kind"],
                "contract_type": x["type"],
                "weekly_hours": 35.0,
                "recorded_at": when,
            }
    enrolment = {"enrolment_id": str(ident(key)), "jobseeker_id": person, "session_id": str(ident("session"))}
    match kind:
        case "training.enrolment_confirmed":
            return enrolment["enrolment_id"], {
                **enrolment,
                "provider_org_id": org(x["provider"]),
                "referral_id": None,
                "starts_on": "2027-01-18",
                "promoted_from_waitlist": False,
                "confirmed_at": when,
            }
        case "training.enrolment_completed":
            return enrolment["enrolment_id"], {**enrolment, "certified": x["certified"], "completed_at": when}
        case "training.enrolment_abandoned":
            return enrolment["enrolment_id"], {**enrolment, "abandoned_at": when, "reason_code": x["reason"]}
        case "training.enrolment_cancelled":
            return enrolment["enrolment_id"], {**enrolment, "cause": "withdrawn", "cancelled_at": when}
        case "clauses.contract_registered":
            return str(ident(key)), {
                "contract_id": str(ident(key)),
                "buyer_org_id": org(x["buyer"]),
                "contractor_org_id": org(x["contractor"]),
                "facilitator_org_id": org(x["facilitator"]),
                "legal_basis": "execution_condition",
                "starts_on": x["starts"],
                "ends_on": x["ends"],
                "hours_required": x["required"],
                "hours_mandatory": x["mandatory"],
            }
        case "clauses.participant_hired":
            return str(ident(key)), {
                "work_contract_id": str(ident(key)),
                "jobseeker_id": person,
                "contract_type": x["type"],
                "weekly_hours": 35.0,
                "hired_at": when,
                "employer_siret": "73282932000074",
                "employer_org_id": org(x["employer"]),
            }
        case "clauses.hours_declared":
            return str(ident(key)), {
                "contract_id": str(ident(x["contract"])),
                "work_contract_id": str(ident(key)),
                "period": x["period"],
                "version": x["version"],
                "hours": x["hours"],
            }
    raise ValueError(kind)


def topic_of(event_type: str) -> str:
    domain = event_type.split(".")[0]
    return {"training": "relais.training.events", "clauses": "relais.clauses.events"}.get(
        domain, "relais.referral.events"
    )


def envelopes() -> list[tuple[str, IncomingEnvelope]]:
    """(Kafka key, envelope) of every row, in the table's order."""
    found = []
    for at, kind, key, fields in EVENTS:
        subject, data = _data(at, kind, key, fields)
        event_type = f"{kind}.v1"
        envelope = IncomingEnvelope(
            # Named by its content, not its row: a stack's topics keep the rows of earlier versions of
            # this table, and a row's number given to another event made the consumers skip it as seen.
            id=uuid.uuid5(NS, json.dumps([at, kind, key, data], sort_keys=True, default=str)),
            type=event_type,
            source=kind.split(".")[0],
            subject=subject,
            time=datetime.fromisoformat(_at(at)),
            dataschema=dataschema_for(event_type),
            data=data,
        )
        found.append((subject, envelope))
    return found


def schema_of(event_type: str, root: Path) -> dict[str, Any]:
    domain = event_type.split(".")[0]
    return dict(
        json.loads((root / "contracts" / "events" / domain / f"{event_type}.schema.json").read_text())
    )

"""Demo data: a year of insertion clauses in a fictional metropolis (the Nantes model).

Four buyers, thirty contracts of 2026 (works, cleaning, green spaces, catering), three hundred
participants hired in every mode, hours declared month by month — some contracts ahead, some late,
one pooled pair. Loaded by ``make run`` through the service's own handlers; loading twice changes
nothing. Participants are opaque ids, as everywhere in this service.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from stdnum import luhn

from relais_clauses.adapters.db.models import ContractRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain.counting import CountingRules
from relais_clauses.domain.eligibility import EligibilityPolicy
from relais_clauses.domain.hours import HoursLine
from relais_clauses.service_layer.contracts import (
    NewContract,
    create_contract,
    create_operation,
    publish_rules,
)
from relais_clauses.service_layer.hours import declare_hours
from relais_clauses.service_layer.participants import EligibilityRequest, Hire, decide_eligibility, hire
from relais_clauses.settings import ClausesSettings
from relais_shared.auth import Principal
from relais_shared.db import make_engine, make_sessionmaker

NAMESPACE = uuid.UUID("c1a05e5e-2026-4d7a-9c31-0b5e7a9d4f21")
# The referral demo's namespace: its "Maison de l'emploi" is the facilitator here (same id, no import).
REFERRAL_DEMO_NAMESPACE = uuid.UUID("a4d1f0c2-5b7e-4f3a-9c61-7d2e8b0f4a10")
FACILITATOR_NAME = "Maison de l'emploi de la Métropole nantaise"

BUYERS = [
    "Nantes Métropole",
    "Ville de Nantes",
    "Nantes Métropole Habitat",
    "Département de Loire-Atlantique",
]
CONTRACTORS = [
    "Bâtiment Atlantique",
    "Propreté de l'Erdre",
    "Espaces verts du Sillon",
    "Restauration collective Loire",
    "Travaux publics Ouest",
    "Menuiseries de la Sèvre",
    "Peintures nantaises",
    "Voirie et réseaux 44",
    "Électricité Océane",
    "Plâtrerie de Rezé",
    "Nettoyage industriel Estuaire",
    "Paysages de Chantenay",
]
LOTS = [
    ("Construction du groupe scolaire", "gros œuvre", 2_400_000, 3500),
    ("Réhabilitation de logements", "second œuvre", 1_200_000, 1800),
    ("Nettoyage des bâtiments métropolitains", None, 800_000, 2400),
    ("Entretien des espaces verts", None, 650_000, 1600),
    ("Restauration scolaire", None, 3_100_000, 2900),
    ("Aménagement de la ZAC", "voirie", 4_500_000, 5000),
]
MODES = [
    ("direct_hire", "CDD"),
    ("direct_hire", "CDI"),
    ("direct_hire", "alternance"),
    ("staff_provision", "interim"),
    ("staff_provision", "mise_a_disposition"),
    ("siae_subcontracting", "contrat_aide"),
    ("training", "formation"),
]
CRITERIA = [
    "rsa",
    "long_term_jobseeker",
    "qpv_resident",
    "under_26_low_qualification",
    "over_50_jobseeker",
    "aah",
]


def demo_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def siret(n: int) -> str:
    """A valid (Luhn) SIRET for the demo's n-th company: SIREN and NIC each with their check digit."""
    siren = f"{880000000 + n * 1013:09d}"[:8]
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    nic += luhn.calc_check_digit(siren + nic)  # the last digit makes the 14-digit SIRET pass Luhn
    return siren + nic


def facilitator_id() -> uuid.UUID:
    return uuid.uuid5(REFERRAL_DEMO_NAMESPACE, FACILITATOR_NAME)


def party_id(name: str) -> uuid.UUID:
    """A buyer's or a contractor's id: the one the referral demo gives them in the pact's directory, so
    that their people sign in to the portal's clauses pages (``relais_referral.demo.CLAUSE_PARTIES``)."""
    return uuid.uuid5(REFERRAL_DEMO_NAMESPACE, name)


async def load_demo_data(settings: ClausesSettings | None = None, participants: int = 300) -> int:
    settings = settings or ClausesSettings()
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    rng = random.Random(2026)  # noqa: S311 - demo data
    facilitator = Principal(
        sub="demo-facilitator",
        org_id=facilitator_id(),
        org_kind="maison_emploi",
        roles=frozenset({"facilitator"}),
    )
    try:
        async with sessions() as session:
            if (await session.execute(select(func.count()).select_from(ContractRow))).scalar_one():
                return 0
        contracts: list[tuple[uuid.UUID, int, date, date]] = []
        pooling_group = demo_id("pooling", "ZAC")
        async with UnitOfWork(sessions) as uow:
            for b, name in enumerate(BUYERS):
                buyer = Principal(
                    sub=f"demo-buyer-{b}",
                    org_id=party_id(name),
                    org_kind="buyer",
                    roles=frozenset({"buyer"}),
                )
                await publish_rules(
                    uow,
                    buyer,
                    CountingRules(training_ratio=Decimal("0.5"), flat_hours={"CDI": Decimal("455")}),
                )
                for o in range(2):
                    operation = await create_operation(
                        uow,
                        buyer,
                        buyer_org_id=buyer.org_id,
                        name=f"{LOTS[(b + o) % len(LOTS)][0]} — {name}",
                        pooling_group=pooling_group if b == 0 else None,
                    )
                    await uow.db.flush()
                    for k in range(4 if o == 0 else 3):
                        _title, lot, amount, hours = LOTS[(b * 2 + o + k) % len(LOTS)]
                        starts = date(2026, 1 + (k * 2) % 6, 1)
                        ends = date(2026 + (k % 2), 12, 31)
                        c = (b * 7 + o * 4 + k) % len(CONTRACTORS)
                        contract = await create_contract(
                            uow,
                            buyer,
                            NewContract(
                                operation_id=operation.id,
                                reference=f"2026-{b + 1:02d}-{o * 4 + k + 1:03d}",
                                lot=lot,
                                legal_basis="award_criterion" if k == 3 else "execution_condition",
                                amount=Decimal(amount),
                                starts_on=starts,
                                ends_on=ends,
                                contractor_org_id=party_id(CONTRACTORS[c]),
                                contractor_siret=siret(c),
                                facilitator_org_id=facilitator.org_id,
                                hours_required=Decimal(hours),
                                hours_mandatory=Decimal(hours) * Decimal("0.8"),
                                penalty_hourly_amount=Decimal("45"),
                                penalty_rule="per_missing_hour_capped",
                                penalty_cap_share=Decimal("0.05"),
                            ),
                        )
                        contracts.append((contract.id, c, starts, ends))
        today = date.today()
        for i in range(participants):
            person = demo_id("participant", i)
            contract_id, contractor, starts, ends = contracts[i % len(contracts)]
            hired_on = date(starts.year, min(12, starts.month + rng.randint(0, 4)), rng.randint(1, 28))
            if hired_on > min(today, ends):
                hired_on = starts
            mode, contract_type = MODES[i % len(MODES)]
            criterion = CRITERIA[i % len(CRITERIA)]
            async with UnitOfWork(sessions) as uow:
                await decide_eligibility(
                    uow,
                    facilitator,
                    EligibilityRequest(
                        participant_id=person,
                        decided_on=hired_on,
                        proofs=[
                            (criterion, "certified" if i % 3 else "document_seen", hired_on, f"PJ-{i:04d}")
                        ],
                        sex="F" if i % 3 == 0 else "M",
                        age_band=["under_26", "26_49", "50_plus"][i % 3],
                        qpv_resident=i % 3 == 1,
                    ),
                    EligibilityPolicy(
                        settings.proof_months, settings.qpv_proof_months, settings.eligibility_months
                    ),
                )
                work = await hire(
                    uow,
                    facilitator,
                    Hire(
                        contract_id=contract_id,
                        participant_id=person,
                        mode=mode,
                        contract_type=contract_type,
                        starts_on=hired_on,
                        ends_on=None,
                        employer_siret=siret(contractor),
                        weekly_hours=Decimal("35") if mode != "training" else None,
                    ),
                    settings.coordination_org_id,
                )
            # Hours month by month up to last month; a few contractors declare late (their clause lags).
            lines = []
            month = date(hired_on.year, hired_on.month, 1)
            last = date(today.year, today.month, 1)
            lagging = i % 10 == 0
            while month < last and month <= ends:
                if not (lagging and month.month % 2 == 0):
                    lines.append(
                        HoursLine(
                            work.id,
                            month,
                            Decimal(rng.choice([70, 105, 120, 140, 151])),
                            f"BUL-{i}-{month:%Y%m}",
                        )
                    )
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            if lines:
                async with UnitOfWork(sessions) as uow:
                    await declare_hours(
                        uow, facilitator, contract_id, lines, settings.coordination_org_id, today
                    )
        return len(contracts) + participants
    finally:
        await engine.dispose()

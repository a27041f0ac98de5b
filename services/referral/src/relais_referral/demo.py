"""Demo data: a fictional but realistic metropolitan pact around Nantes (Loire-Atlantique, 44).

Loaded by ``make run`` through the service layer, so every referral goes through the outbox, Kafka,
the inbox projection and its workflow like a real one. Loading twice changes nothing.
"""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy import func, select

from relais_referral.db.models import OrganisationRow
from relais_referral.service_layer.handlers import (
    CreateOrganisation,
    RegisterJobseeker,
    SubmitReferral,
    create_organisation,
    register_jobseeker,
    submit_referral,
)
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.settings import ReferralSettings
from relais_shared.auth import Principal
from relais_shared.db import make_engine, make_sessionmaker

DEMO_NAMESPACE = uuid.UUID("a4d1f0c2-5b7e-4f3a-9c61-7d2e8b0f4a10")

ORGANISATIONS = [
    ("France Travail Nantes Est", "france_travail"),
    ("France Travail Saint-Herblain", "france_travail"),
    ("France Travail Rezé", "france_travail"),
    ("Mission locale Nantes Métropole", "mission_locale"),
    ("PLIE de la Métropole nantaise", "plie"),
    ("Cap emploi 44", "cap_emploi"),
    ("Maison de l'emploi de la Métropole nantaise", "maison_emploi"),
    ("Département de Loire-Atlantique — insertion RSA", "departement"),
    ("Atelier chantier d'insertion Les Ateliers de l'Erdre", "siae"),
    ("Entreprise d'insertion Tri-Ouest", "siae"),
    ("GEIQ BTP 44", "geiq"),
    ("Organisme de formation Compétences Loire", "training_provider"),
    ("Coordination du pacte métropolitain pour l'emploi", "pact_coordination"),
]
FIRST_NAMES = [
    "Inès",
    "Lucas",
    "Aïcha",
    "Mathis",
    "Chloé",
    "Yanis",
    "Léa",
    "Moussa",
    "Camille",
    "Hugo",
    "Fatou",
    "Nathan",
    "Manon",
    "Karim",
    "Emma",
    "Théo",
    "Sarah",
    "Enzo",
    "Jade",
    "Bilal",
]
LAST_NAMES = [
    "Morel",
    "Diallo",
    "Bernard",
    "Nguyen",
    "Lefèvre",
    "Traoré",
    "Garnier",
    "Benali",
    "Roux",
    "Fontaine",
    "Mercier",
    "Chevalier",
    "Bouvier",
    "Lambert",
    "Perrin",
    "Marchand",
]
POSTCODES = ["44000", "44100", "44200", "44300", "44400", "44800", "44230", "44600"]
MOTIVES = [
    "Accompagnement renforcé vers l'emploi",
    "Projet de formation qualifiante",
    "Reconnaissance de la qualité de travailleur handicapé",
    "Levée des freins (mobilité, garde d'enfants)",
    "Parcours d'insertion par l'activité économique",
]


def org_id(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, name)


async def load_demo_data(settings: ReferralSettings | None = None, jobseekers: int = 120) -> int:
    settings = settings or ReferralSettings()
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    rng = random.Random(44)  # noqa: S311 - demo data, not security
    try:
        async with sessions() as session:
            if (await session.execute(select(func.count()).select_from(OrganisationRow))).scalar_one():
                return 0
        admin = Principal(
            sub="demo-admin",
            org_id=org_id(ORGANISATIONS[-1][0]),
            org_kind="pact_coordination",
            roles=frozenset({"admin"}),
        )
        async with UnitOfWork(sessions) as uow:
            for name, kind in ORGANISATIONS:
                await create_organisation(
                    uow,
                    admin,
                    CreateOrganisation(name=name, kind=kind, departement="44", organisation_id=org_id(name)),
                )
        senders = [
            (n, k)
            for n, k in ORGANISATIONS
            if k in {"france_travail", "mission_locale", "plie", "departement", "maison_emploi"}
        ]
        receivers = [(n, k) for n, k in ORGANISATIONS if k != "pact_coordination"]
        created = 0
        for i in range(jobseekers):
            sender_name, sender_kind = senders[i % len(senders)]
            counsellor = Principal(
                sub=f"demo-counsellor-{i % 7}",
                org_id=org_id(sender_name),
                org_kind=sender_kind,
                roles=frozenset({"counsellor"}),
            )
            year = 2007 - rng.randint(0, 8) if sender_kind == "mission_locale" else rng.randint(1966, 2000)
            async with UnitOfWork(sessions) as uow:
                person = await register_jobseeker(
                    uow,
                    counsellor,
                    RegisterJobseeker(
                        first_name=rng.choice(FIRST_NAMES),
                        last_name=rng.choice(LAST_NAMES),
                        birth_date=date(year, rng.randint(1, 12), rng.randint(1, 28)),
                        postcode=rng.choice(POSTCODES),
                        qpv_resident=rng.random() < 0.33,
                    ),
                )
                if i % 4 != 3:  # a quarter of the people stay with their référent, without referral
                    receiver = rng.choice([r for r in receivers if r[0] != sender_name])
                    await submit_referral(
                        uow,
                        counsellor,
                        SubmitReferral(
                            jobseeker_id=person.id,
                            receiver_org_id=org_id(receiver[0]),
                            motive=rng.choice(MOTIVES),
                        ),
                        settings.acknowledgement_working_days,
                    )
            created += 1
        return created
    finally:
        await engine.dispose()

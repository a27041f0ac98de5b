"""Demo data: a fictional but realistic metropolitan pact around Nantes (Loire-Atlantique, 44).

Loaded by ``make run`` through the service layer, so every referral goes through the outbox, Kafka,
the inbox projection and its workflow like a real one. Loading twice changes nothing.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from relais_referral.db.models import OrganisationRow
from relais_referral.demo_offer import load_demo_offer
from relais_referral.domain.journey import STEP_ONLY_KINDS
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.directory import CreateOrganisation, create_organisation
from relais_referral.service_layer.journeys import RegisterJobseeker, register_jobseeker
from relais_referral.service_layer.referrals import SubmitReferral, submit_referral
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.settings import ReferralSettings
from relais_referral.territory import data_dir as territory_data_dir
from relais_referral.territory import load_territory
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
# The buyers and contractors of the clauses demo (relais_clauses.demo, same names and so the same ids):
# organisations of the directory so that their people sign in to the portal's clauses pages. They neither
# send nor receive referrals. tests/contract/test_demo_data.py holds the two lists together.
CLAUSE_PARTIES = [
    *(
        (name, "buyer")
        for name in (
            "Nantes Métropole",
            "Ville de Nantes",
            "Nantes Métropole Habitat",
            "Département de Loire-Atlantique",
        )
    ),
    *(
        (name, "employer")
        for name in (
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
        )
    ),
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


def _counsellor(org: tuple[str, str], ctx: PactContext, i: int) -> Principal:
    name, kind = org
    oid = ctx.coordination_org_id if kind == "pact_coordination" else org_id(name)
    return Principal(sub=f"demo-{kind}-{i % 5}", org_id=oid, org_kind=kind, roles=frozenset({"counsellor"}))


# Share of people left in each situation (cumulative draw).
SCENARIOS = [
    ("registered_only", 0.10),
    ("submitted", 0.14),
    ("acknowledged", 0.09),
    ("appointment", 0.09),
    ("accepted", 0.14),
    ("refused", 0.09),
    ("withdrawn", 0.04),
    ("expired", 0.04),
    ("closed", 0.05),
    ("exit", 0.05),
    ("released", 0.03),
    ("hired", 0.04),
    ("two_referrals", 0.05),
    ("no_show_twice", 0.05),
]


async def _meeting_held(sessions: Any, referral_id: uuid.UUID, days_ago: int) -> None:
    """The referral's appointment, fixed ahead through the API's rules, moved to ``days_ago`` days ago."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from relais_referral.db.models import ReferralRow

    async with sessions() as session, session.begin():
        await session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == referral_id)
            .values(appointment_at=datetime.now(UTC) - timedelta(days=days_ago))
        )


async def load_demo_data(settings: ReferralSettings | None = None, jobseekers: int = 300) -> int:
    """Organisations of the pact and ``jobseekers`` people whose referrals are in every state."""
    from datetime import UTC, datetime, timedelta

    from relais_referral.domain.journey import LifeEvent
    from relais_referral.domain.referral import AppointmentOutcome, RefusalReason
    from relais_referral.service_layer import referrals as h
    from relais_referral.service_layer.journeys import exit_pact, record_life_event, release
    from relais_referral.service_layer.referrals import act_on_referral, expire_referral

    settings = settings or ReferralSettings()
    ctx = PactContext.from_settings(settings)
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    rng = random.Random(44)  # noqa: S311 - demo data, not security
    # The equality-monitoring categories from a generator of their own: the scenarios stay as they were.
    categories = random.Random(45)  # noqa: S311 - demo data, not security
    try:
        async with sessions() as session:
            if (await session.execute(select(func.count()).select_from(OrganisationRow))).scalar_one():
                return 0
        admin = Principal(
            sub="demo-admin",
            org_id=ctx.coordination_org_id,
            org_kind="pact_coordination",
            roles=frozenset({"admin"}),
        )
        async with UnitOfWork(sessions) as uow:
            for name, kind in [*ORGANISATIONS, *CLAUSE_PARTIES]:
                oid = ctx.coordination_org_id if kind == "pact_coordination" else org_id(name)
                ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
                slug = "".join(ch for ch in ascii_name.lower() if ch.isalnum())[:24]
                await create_organisation(
                    uow,
                    admin,
                    CreateOrganisation(
                        name=name,
                        kind=kind,
                        departement="44",
                        organisation_id=oid,
                        contact_email=f"accueil@{slug}.example.org",
                        manager_email=f"direction@{slug}.example.org",
                    ),
                    ctx,
                )
            await load_demo_offer(
                uow,
                ctx,
                load_territory(territory_data_dir(settings.territory_data)),
                {name: org_id(name) for name, kind in ORGANISATIONS if kind != "pact_coordination"},
            )
        senders = [
            o
            for o in ORGANISATIONS
            if o[1] in {"france_travail", "mission_locale", "plie", "departement", "maison_emploi"}
        ]
        receivers = [o for o in ORGANISATIONS if o[1] != "pact_coordination"]
        names = [name for name, _ in SCENARIOS]
        weights = [weight for _, weight in SCENARIOS]

        async def act(principal: Principal, referral_id: uuid.UUID, action: h.ReferralCommand) -> None:
            async with UnitOfWork(sessions) as uow:
                await act_on_referral(uow, principal, referral_id, action, ctx)

        for i in range(jobseekers):
            sender = senders[i % len(senders)]
            counsellor = _counsellor(sender, ctx, i)
            receiver = rng.choice([r for r in receivers if r[0] != sender[0]])
            host = _counsellor(receiver, ctx, i)
            scenario = rng.choices(names, weights)[0]
            year = 2007 - rng.randint(0, 8) if sender[1] == "mission_locale" else rng.randint(1966, 2000)
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
                        sex=rng.choice("FM"),
                        nationality_category=categories.choices(["french", "eu", "non_eu"], [82, 5, 13])[0],
                        education_level=categories.choice(["infra_3", "3", "3", "4", "4", "5", "6_plus"]),
                        situation=tuple(
                            code
                            for code, share in (("long_term_unemployed", 0.4), ("rsa", 0.25), ("aah", 0.05))
                            if categories.random() < share
                        ),
                    ),
                )
                referral = None
                if scenario != "registered_only":
                    referral = await submit_referral(
                        uow,
                        counsellor,
                        SubmitReferral(
                            jobseeker_id=person.id, receiver_org_id=host.org_id, motive=rng.choice(MOTIVES)
                        ),
                        ctx,
                    )
            if referral is None:
                continue
            soon = datetime.now(UTC) + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
            if scenario in {"acknowledged", "appointment", "no_show_twice"}:
                await act(host, referral.id, h.Acknowledge())
            if scenario in {"appointment", "no_show_twice"}:
                await act(host, referral.id, h.ScheduleAppointment(soon))
            if scenario == "no_show_twice":
                for attempt in (1, 2):
                    # An absence is recorded once the meeting's time has passed: the demo's meetings
                    # took place last week, written as time would have left them.
                    await _meeting_held(sessions, referral.id, days_ago=8 - attempt)
                    await act(host, referral.id, h.RecordAppointmentOutcome(AppointmentOutcome.NO_SHOW))
                    if attempt == 1:
                        await act(host, referral.id, h.ScheduleAppointment(soon))
            if scenario in {"accepted", "closed", "exit"}:
                await act(host, referral.id, h.Accept())
            if scenario == "closed":
                await act(host, referral.id, h.Close("transition_employment"))
            if scenario == "exit":
                # The référent records the exit: the receiver, unless it took the person in charge for
                # one step only (a training provider, an employer), when the sender stayed référent.
                referent = counsellor if receiver[1] in STEP_ONLY_KINDS else host
                async with UnitOfWork(sessions) as uow:
                    await exit_pact(uow, referent, person.id, "cdi", ctx)
            if scenario == "refused":
                reason = rng.choice(list(RefusalReason))
                await act(
                    host,
                    referral.id,
                    h.Refuse(reason, "Voir avec la personne", shared_with_jobseeker=rng.random() < 0.5),
                )
            if scenario == "withdrawn":
                await act(counsellor, referral.id, h.Withdraw())
            if scenario == "expired":
                async with UnitOfWork(sessions) as uow:  # as if 30 working days had passed without an answer
                    await expire_referral(uow, referral.id, ctx)
            if scenario == "released":
                await act(counsellor, referral.id, h.Withdraw())
                async with UnitOfWork(sessions) as uow:
                    await release(uow, counsellor, person.id, ctx)
            if scenario == "hired":
                async with UnitOfWork(sessions) as uow:
                    await record_life_event(
                        uow, counsellor, person.id, LifeEvent.HIRED, ctx, contract_type="CDI", weekly_hours=35
                    )
            if scenario == "two_referrals":
                other = rng.choice([r for r in receivers if r[0] not in {sender[0], receiver[0]}])
                async with UnitOfWork(sessions) as uow:
                    await submit_referral(
                        uow,
                        counsellor,
                        SubmitReferral(
                            jobseeker_id=person.id,
                            receiver_org_id=_counsellor(other, ctx, i).org_id,
                            motive=rng.choice(MOTIVES),
                        ),
                        ctx,
                    )
                await act(host, referral.id, h.Accept())  # the other one becomes obsolete
        return jobseekers
    finally:
        await engine.dispose()

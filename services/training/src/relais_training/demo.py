"""Demo data: the training catalogue of a fictional metropolis (the Nantes model).

Forty offers of the directory's training provider (French as a second language, digital skills,
pre-qualifying and qualifying courses, work-readiness), six sessions each over the year around the
day of loading, in the metropolis' communes: the past ones finished, some running, some full with a
waitlist. Loaded by ``make run`` through the service's own handlers (so the events are those of real
enrolments); loading twice changes nothing. Trainees are opaque ids, as everywhere in this service.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from relais_shared.auth import Principal
from relais_shared.db import make_engine, make_sessionmaker
from relais_training import service_layer as handlers
from relais_training.models import OfferRow
from relais_training.settings import TrainingSettings

# The referral demo's namespace: its training provider is the provider here (same id, no import).
REFERRAL_DEMO_NAMESPACE = uuid.UUID("a4d1f0c2-5b7e-4f3a-9c61-7d2e8b0f4a10")
PROVIDER_NAME = "Organisme de formation Compétences Loire"
SESSIONS_PER_OFFER = 6

COMMUNES = [
    ("Nantes", "44109", True, "Tram 1, arrêt Commerce"),
    ("Nantes", "44109", True, "Busway 4, arrêt Bourdonnières"),
    ("Saint-Herblain", "44162", True, "Tram 1, arrêt Romanet"),
    ("Rezé", "44143", True, "Tram 3, arrêt Trois-Moulins"),
    ("Saint-Sébastien-sur-Loire", "44190", False, "Bus C3, arrêt Mairie"),
    ("Orvault", "44114", True, "Tram 3, arrêt Plaisance"),
    ("Vertou", "44215", False, "Chronobus C4, arrêt Vertou Centre"),
    ("Carquefou", "44026", False, "Tram-train, gare de Carquefou"),
    ("La Chapelle-sur-Erdre", "44035", False, "Tram-train, arrêt Erdre-Active"),
    ("Bouguenais", "44020", False, "Bus 98, arrêt Les Couëts"),
    ("Couëron", "44047", False, "Chronobus C3, arrêt Couëron Gare"),
]
# (title, kind, publics, certification, shortage tags)
OFFERS: list[tuple[str, str, list[str], str | None, list[str]]] = [
    ("Français langue étrangère — alphabétisation", "fle", ["allophones"], None, []),
    ("Français langue étrangère — A1", "fle", ["allophones"], "DELF A1", []),
    ("Français langue étrangère — A2", "fle", ["allophones"], "DELF A2", []),
    ("Français langue étrangère — B1", "fle", ["allophones"], "DELF B1", []),
    ("Français à visée professionnelle — bâtiment", "fle", ["allophones"], None, ["batiment"]),
    (
        "Français à visée professionnelle — aide à la personne",
        "fle",
        ["allophones"],
        None,
        ["aide-a-domicile"],
    ),
    ("Ateliers sociolinguistiques de quartier", "fle", ["allophones", "qpv"], None, []),
    ("Français à visée professionnelle — restauration", "fle", ["allophones"], None, ["restauration"]),
    ("Premiers pas numériques", "digital", [], None, []),
    ("Démarches en ligne et messagerie", "digital", [], None, []),
    ("Bureautique — traitement de texte et tableur", "digital", [], "PIX", []),
    ("Numérique pour la recherche d'emploi", "digital", ["jeunes"], None, []),
    ("Numérique pour les seniors en reconversion", "digital", ["seniors"], "PIX", []),
    ("Initiation au développement web", "digital", ["jeunes"], None, ["numerique"]),
    ("Préqualification aux métiers du bâtiment", "pre_qualifying", [], None, ["batiment"]),
    ("Préqualification aide à domicile", "pre_qualifying", ["femmes"], None, ["aide-a-domicile"]),
    ("Découverte des métiers de la logistique", "pre_qualifying", [], None, ["logistique"]),
    ("Découverte des métiers de l'industrie", "pre_qualifying", ["jeunes"], None, ["industrie"]),
    ("Préqualification restauration collective", "pre_qualifying", [], None, ["restauration"]),
    ("Préqualification propreté et hygiène", "pre_qualifying", [], None, ["proprete"]),
    ("Remise à niveau savoirs de base", "pre_qualifying", [], "CléA", []),
    ("Préqualification métiers du soin", "pre_qualifying", ["femmes"], None, ["sante"]),
    ("Titre professionnel agent de propreté et d'hygiène", "qualifying", [], "TP APH", ["proprete"]),
    ("Titre professionnel préparateur de commandes", "qualifying", [], "TP PC", ["logistique"]),
    ("CACES R489 chariots de manutention", "qualifying", [], "CACES R489", ["logistique"]),
    ("Titre professionnel maçon", "qualifying", [], "TP maçon", ["batiment"]),
    ("Titre professionnel assistant de vie aux familles", "qualifying", [], "TP ADVF", ["aide-a-domicile"]),
    ("Titre professionnel agent de restauration", "qualifying", [], "TP AR", ["restauration"]),
    ("Titre professionnel conducteur de bus", "qualifying", [], "TP CTRIV", ["transport"]),
    ("Titre professionnel soudeur", "qualifying", [], "TP soudeur", ["industrie"]),
    ("Titre professionnel employé commercial", "qualifying", [], "TP ECM", []),
    ("Titre professionnel agent d'entretien du bâtiment", "qualifying", [], "TP AEB", ["batiment"]),
    ("Atelier CV et entretien d'embauche", "work_readiness", [], None, []),
    ("Remobilisation vers l'emploi", "work_readiness", ["rsa"], None, []),
    ("Garantie jeunes — préparation à l'emploi", "work_readiness", ["jeunes"], None, []),
    ("Confiance en soi et communication", "work_readiness", ["femmes", "qpv"], None, []),
    ("Mobilité : préparer le code de la route", "work_readiness", ["jeunes", "rsa"], None, []),
    ("Immersion en entreprise accompagnée", "work_readiness", ["travailleurs-handicapes"], None, []),
    ("Créer son activité : premiers pas", "other", [], None, []),
    ("Sauveteur secouriste du travail", "other", [], "SST", []),
]
TIMETABLES = [
    "Lundi au jeudi, 9 h – 12 h",
    "Lundi au vendredi, 9 h – 16 h 30",
    "Mardi et jeudi, 13 h 30 – 16 h 30",
]


def provider_id() -> uuid.UUID:
    return uuid.uuid5(REFERRAL_DEMO_NAMESPACE, PROVIDER_NAME)


async def load_demo_data(settings: TrainingSettings | None = None, today: date | None = None) -> int:
    """Returns the number of offers, sessions and enrolments created (0 when already loaded)."""
    settings = settings or TrainingSettings()
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    rng = random.Random(2027)  # noqa: S311 - demo data
    today = today or datetime.now(UTC).date()
    provider = Principal(
        sub="demo-provider",
        org_id=provider_id(),
        org_kind="training_provider",
        roles=frozenset({"training_provider"}),
    )
    created = 0
    try:
        async with sessions() as session:
            if (await session.execute(select(func.count()).select_from(OfferRow))).scalar_one():
                return 0
        # One transaction per offer, its sessions and their enrolments: a thousand commits (each an fsync)
        # made `make run` wait minutes on a loaded machine.
        for title, kind, publics, certification, tags in OFFERS:
            async with handlers.UnitOfWork(sessions) as uow:
                offer = await handlers.create_offer(
                    uow,
                    provider,
                    handlers.NewOffer(
                        title=title,
                        kind=kind,
                        publics=publics,
                        certification=certification,
                        shortage_tags=tags,
                        prerequisites="Entretien préalable avec l'organisme"
                        if kind == "qualifying"
                        else None,
                    ),
                )
                await uow.db.flush()
                created += 1
                weeks = 4 if kind in ("work_readiness", "digital") else 10 if kind == "fle" else 14
                for s in range(SESSIONS_PER_OFFER):
                    # Over the year around today: a quarter already over, a few running, the rest ahead.
                    starts = today + timedelta(days=-90 + s * 65 + rng.randint(0, 20))
                    commune, insee, near_qpv, transport = rng.choice(COMMUNES)
                    created += await _session(
                        uow,
                        provider,
                        handlers.NewSession(
                            offer_id=offer.id,
                            starts_on=starts,
                            ends_on=starts + timedelta(weeks=weeks, days=-3),
                            commune=commune,
                            code_insee=insee,
                            capacity=rng.choice((8, 10, 12, 12, 15)),
                            timetable=rng.choice(TIMETABLES),
                            near_qpv=near_qpv,
                            transport_note=transport,
                            accessible=rng.random() < 0.7,
                            childcare=rng.random() < 0.3,
                        ),
                        today,
                        rng,
                    )
        async with handlers.UnitOfWork(sessions) as uow:  # the sessions started with nobody yet: running
            while await handlers.close_started_sessions(uow, today):
                pass
    finally:
        await engine.dispose()
    return created


async def _session(
    uow: handlers.UnitOfWork,
    provider: Principal,
    new: handlers.NewSession,
    today: date,
    rng: random.Random,
) -> int:
    """One session and its enrolments: full with a waitlist one time in five, else partly taken; the
    sessions already over are finished, their trainees' outcomes recorded.

    The trainees are opaque ids the referral service does not know: nothing here publishes an event it
    would act on (an abandonment, a cancellation) and dead-letter for an unknown person; only sessions
    not started yet have a waitlist (a started session's waitlist closes)."""
    # Scheduled a month before its first day, as a provider does (a past session too).
    session = await handlers.create_session(uow, provider, new, on=new.starts_on - timedelta(days=30))
    await uow.db.flush()
    full = new.starts_on > today and rng.random() < 0.2  # a started session has no waitlist left
    wanted = new.capacity + rng.randint(1, 3) if full else rng.randint(0, 4)
    before = new.starts_on - timedelta(days=14)  # enrolled before the first day, as every enrolment is
    enrolments = [
        (await handlers.enrol(uow, provider, session.id, uuid.uuid4(), on=before)).id for _ in range(wanted)
    ]
    await uow.db.flush()
    present = {e: rng.random() < 0.85 for e in enrolments[: new.capacity]}
    if new.starts_on <= today and present:
        await handlers.record_attendance(uow, provider, session.id, new.starts_on, present)
    if new.ends_on < today:
        await handlers.finish_session(uow, provider, session.id)
        for enrolment in enrolments:
            await handlers.complete(uow, provider, enrolment, certified=rng.random() < 0.8)
    return 1 + wanted

"""Demo insertion offer: the services of the demo pact's organisations and of a few partner associations,
in the data·inclusion vocabulary, spread over Nantes Métropole, the rest of Loire-Atlantique and beyond."""

from __future__ import annotations

import uuid
from typing import Any

from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.directory import CreateOrganisation, create_organisation
from relais_referral.service_layer.offer import PublishService, publish_service
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.territory import Territory
from relais_shared.auth import Principal

OFFER_NAMESPACE = uuid.UUID("3c2b8e61-0f7d-5b9a-8e24-51d9c6a7f0b3")
NANTES, SAINT_HERBLAIN, REZE, ORVAULT, SAINT_NAZAIRE = "44109", "44162", "44143", "44114", "44184"
NANTES_METROPOLE = "244400404"

# Associations that are not referral partners of the demo but offer services to lift barriers.
PARTNERS = [
    ("Association Mobilité Solidaire 44", "association", "44"),
    ("Crèche à vocation d'insertion Les Petits Pas", "association", "44"),
    ("Centre social Bellevue — ateliers numériques", "association", "44"),
    ("Plateforme linguistique Parlons français", "association", "44"),
    ("Auto-école sociale de l'estuaire", "association", "44"),
]

# (organisation name, nom, type, thématiques, publics, commune, capacity, extra fields)
SERVICES: list[tuple[str, str, str, list[str], list[str] | None, str | None, str, dict[str, Any]]] = [
    (
        "Association Mobilité Solidaire 44",
        "Location de scooters et de vélos à 1 € par jour",
        "aide-materielle",
        ["mobilite--acceder-a-un-vehicule", "mobilite--mobilite-douce-partagee-collective"],
        ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
        NANTES,
        "open",
        {"latitude": 47.2141, "longitude": -1.5536},
    ),
    (
        "Association Mobilité Solidaire 44",
        "Diagnostic et conseil mobilité",
        "accompagnement",
        ["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
        None,
        SAINT_HERBLAIN,
        "waitlist",
        {},
    ),
    (
        "Auto-école sociale de l'estuaire",
        "Permis B accompagné pour les personnes en insertion",
        "formation",
        ["mobilite--preparer-un-permis"],
        ["demandeurs-emploi", "jeunes"],
        SAINT_NAZAIRE,
        "open",
        {},
    ),
    (
        "Crèche à vocation d'insertion Les Petits Pas",
        "Places de crèche pour parents en recherche d'emploi",
        "aide-materielle",
        ["famille--garde-denfants"],
        ["familles", "demandeurs-emploi"],
        REZE,
        "full",
        {"zone_eligibilite": [NANTES_METROPOLE]},
    ),
    (
        "Centre social Bellevue — ateliers numériques",
        "Ateliers « premiers pas sur ordinateur »",
        "atelier",
        ["numerique--maitriser-les-fondamentaux-du-numerique", "numerique--acceder-a-des-services-en-ligne"],
        ["tous-publics"],
        NANTES,
        "open",
        {},
    ),
    (
        "Plateforme linguistique Parlons français",
        "Cours de français à visée professionnelle",
        "formation",
        ["lecture-ecriture-calcul--maitriser-le-francais"],
        ["personnes-exilees", "demandeurs-emploi"],
        ORVAULT,
        "open",
        {},
    ),
    (
        "Mission locale Nantes Métropole",
        "Contrat d'engagement jeune",
        "accompagnement",
        [
            "trouver-un-emploi--repondre-a-des-offres-demploi",
            "choisir-un-metier--confirmer-son-choix-de-metier",
        ],
        ["jeunes"],
        NANTES,
        "open",
        {"zone_eligibilite": [NANTES_METROPOLE]},
    ),
    (
        "Mission locale Nantes Métropole",
        "Aide à la mobilité des jeunes (permis, transport)",
        "aide-financiere",
        ["mobilite--financer-ma-mobilite"],
        ["jeunes"],
        NANTES,
        "open",
        {},
    ),
    (
        "PLIE de la Métropole nantaise",
        "Accompagnement renforcé vers l'emploi",
        "accompagnement",
        ["trouver-un-emploi--repondre-a-des-offres-demploi", "remobilisation--bien-etre-confiance-en-soi"],
        ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
        NANTES,
        "open",
        {"zone_eligibilite": [NANTES_METROPOLE]},
    ),
    (
        "Cap emploi 44",
        "Accompagnement vers l'emploi des personnes handicapées",
        "accompagnement",
        ["trouver-un-emploi--repondre-a-des-offres-demploi", "sante--constituer-un-dossier-mdph-invalidite"],
        ["personnes-en-situation-de-handicap"],
        NANTES,
        "open",
        {"zone_eligibilite": ["44"]},
    ),
    (
        "Maison de l'emploi de la Métropole nantaise",
        "Atelier CV et lettre de motivation",
        "atelier",
        ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
        ["tous-publics"],
        REZE,
        "open",
        {},
    ),
    (
        "Département de Loire-Atlantique — insertion RSA",
        "Aide au logement des allocataires du RSA",
        "accompagnement",
        ["logement-hebergement--se-maintenir-dans-le-logement", "logement-hebergement--louer-un-logement"],
        ["beneficiaires-des-minimas-sociaux"],
        NANTES,
        "open",
        {"zone_eligibilite": ["44"]},
    ),
    (
        "Atelier chantier d'insertion Les Ateliers de l'Erdre",
        "Atelier de remobilisation par le travail",
        "atelier",
        ["remobilisation--bien-etre-confiance-en-soi", "remobilisation--lien-social"],
        ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
        ORVAULT,
        "open",
        {},
    ),
]


def partner_id(name: str) -> uuid.UUID:
    return uuid.uuid5(OFFER_NAMESPACE, name)


async def load_demo_offer(
    uow: UnitOfWork, ctx: PactContext, territory: Territory, org_ids: dict[str, uuid.UUID]
) -> int:
    """Partners and services, through the same commands as the API (validated by data·inclusion)."""
    admin = Principal(
        sub="demo-admin",
        org_id=ctx.coordination_org_id,
        org_kind="pact_coordination",
        roles=frozenset({"admin"}),
    )
    ids = dict(org_ids)
    for name, kind, departement in PARTNERS:
        ids[name] = partner_id(name)
        await create_organisation(
            uow,
            admin,
            CreateOrganisation(name=name, kind=kind, departement=departement, organisation_id=ids[name]),
            ctx,
        )
    for org, nom, kind, thematiques, publics, commune, capacity, extra in SERVICES:
        place = territory.commune(commune)
        fields: dict[str, Any] = {
            "nom": nom,
            "description": f"{nom} — service de démonstration du pacte métropolitain pour l'emploi.",
            "type": kind,
            "thematiques": thematiques,
            "publics": publics,
            "frais": "gratuit",
            "modes_accueil": ["en-presentiel"],
            "code_insee": commune,
            "commune": place.name if place else None,
            "mobilisable_par": ["professionnels"],
            **extra,
        }
        await publish_service(
            uow,
            admin,
            PublishService(
                organisation_id=ids[org],
                fields=fields,
                service_id=uuid.uuid5(OFFER_NAMESPACE, f"{org}/{nom}"),
                capacity_status=capacity,
            ),
            ctx,
            territory,
        )
    return len(SERVICES)

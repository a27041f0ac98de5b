"""Words for the codes the clauses API answers with, and the figures of its pages (hours, amounts, shares).

Written in French and marked for extraction; ``Translated`` reads them in the request's language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from relais_portal.i18n import N_, Translated, current

LEGAL_BASES = Translated(
    {
        "execution_condition": N_("Condition d'exécution (L2112-2)"),
        "award_criterion": N_("Critère d'attribution (R2152-7)"),
        "reserved": N_("Marché réservé (L2113-12/13)"),
    }
)
MODES = Translated(
    {
        "direct_hire": N_("Embauche directe"),
        "staff_provision": N_("Mise à disposition (ETTI, AI, GEIQ, intérim)"),
        "siae_subcontracting": N_("Sous-traitance ou cotraitance SIAE / EA"),
        "training": N_("Formation"),
    }
)
CONTRACT_TYPES = Translated(
    {
        "CDI": N_("CDI"),
        "CDD": N_("CDD"),
        "interim": N_("Intérim"),
        "alternance": N_("Alternance"),
        "contrat_aide": N_("Contrat aidé"),
        "mise_a_disposition": N_("Mise à disposition"),
        "formation": N_("Formation"),
    }
)
REPORTING_PERIODS = Translated({"month": N_("Mensuelle"), "quarter": N_("Trimestrielle")})
PENALTY_RULES = Translated(
    {
        "per_missing_hour": N_("Heures manquantes × montant horaire"),
        "per_missing_hour_capped": N_("Heures manquantes × montant horaire, plafonnée"),
        "none": N_("Aucune pénalité"),
    }
)
PENALTY_STATUSES = Translated(
    {
        "proposed": N_("Pénalité proposée : observations du titulaire attendues"),
        "observations_received": N_("Observations reçues : décision de l'acheteur attendue"),
        "final": N_("Pénalité arrêtée"),
        "waived": N_("Pénalité abandonnée"),
        "fulfilled": N_("Obligation remplie"),
    }
)
CRITERIA = Translated(
    {
        "long_term_jobseeker": N_("Demandeur d'emploi de longue durée (plus de 12 mois)"),
        "rsa": N_("Allocataire du RSA"),
        "ass": N_("Allocataire de l'ASS"),
        "aah": N_("Allocataire de l'AAH"),
        "invalidity": N_("Pension d'invalidité"),
        "disability_recognised": N_("Travailleur handicapé reconnu"),
        "under_26_low_qualification": N_("Moins de 26 ans, niveau CAP/BEP au plus"),
        "over_50_jobseeker": N_("Demandeur d'emploi de plus de 50 ans"),
        "qpv_resident": N_("Habitant d'un quartier prioritaire (QPV)"),
        "siae_employee": N_("Salarié d'une SIAE"),
        "geiq_employee": N_("Salarié d'un GEIQ"),
        "ea_esat_employee": N_("Travailleur d'une EA ou d'un ESAT"),
        "regie_de_quartier": N_("Salarié d'une régie de quartier"),
        "epide_e2c": N_("Stagiaire EPIDE ou École de la 2e chance"),
        "derogation": N_("Dérogation sur avis motivé d'un prescripteur"),
    }
)
PROOF_METHODS = Translated(
    {"document_seen": N_("Pièce vue"), "certified": N_("Attestée par une administration")}
)
SEX = Translated({"F": N_("Femmes"), "M": N_("Hommes"), "non_renseigne": N_("Non renseigné")})
AGE_BANDS = Translated(
    {
        "under_26": N_("Moins de 26 ans"),
        "26_49": N_("26 à 49 ans"),
        "50_plus": N_("50 ans et plus"),
        "non_renseigne": N_("Non renseigné"),
    }
)
# The API's row references ("row 3 (hours)") name the file's columns: the page names them in words.
FILE_COLUMNS = Translated(
    {
        "work_contract_id": N_("contrat de travail"),
        "period": N_("période"),
        "hours": N_("heures"),
        "reference": N_("justificatif"),
    }
)
CLAUSE_ROLES = ("facilitator", "buyer", "employer", "coordinator")


def number(value: object, places: int = 0) -> str:
    """1234.5 → "1 234,5" in French (a narrow no-break space between thousands), "1,234.5" in English."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    text = f"{amount:,.{places}f}"
    if current() == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def hours(value: object) -> str:
    """Whole hours unless the figure has a fraction (a declaration may have half hours)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    return number(amount, 0 if amount == amount.to_integral_value() else 2)


def share(part: object, whole: object) -> int:
    """Percentage of ``whole`` that ``part`` is, bounded to 0–100 (for a bar's width)."""
    try:
        total = Decimal(str(whole))
        if total <= 0:
            return 0
        return int(max(Decimal(0), min(Decimal(100), Decimal(str(part)) * 100 / total)))
    except (InvalidOperation, ValueError):
        return 0


def percent(part: object, whole: object) -> int:
    """Percentage of ``whole`` that ``part`` is, as it is (a clause may well be over-fulfilled)."""
    try:
        total = Decimal(str(whole))
        return int(Decimal(str(part)) * 100 / total) if total > 0 else 0
    except (InvalidOperation, ValueError):
        return 0


def short_id(value: object) -> str:
    """A participant is an opaque id: its first eight characters are what people read and compare."""
    return str(value)[:8]

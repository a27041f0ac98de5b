"""French words for the codes the referral API answers with (the pages never show a raw code)."""

from __future__ import annotations

ORG_KINDS = {
    "france_travail": "France Travail",
    "mission_locale": "Mission locale",
    "plie": "PLIE",
    "cap_emploi": "Cap emploi",
    "maison_emploi": "Maison de l'emploi",
    "departement": "Département",
    "siae": "Structure d'insertion par l'activité économique",
    "geiq": "GEIQ",
    "training_provider": "Organisme de formation",
    "employer": "Employeur",
    "association": "Association",
    "buyer": "Acheteur public",
    "pact_coordination": "Coordination du pacte",
}
ROLES = {
    "counsellor": "Conseiller ou conseillère",
    "coordinator": "Coordination",
    "facilitator": "Facilitateur des clauses",
    "buyer": "Acheteur (donneur d'ordre)",
    "employer": "Entreprise titulaire",
    "evaluator": "Évaluation",
    "admin": "Administration",
}
CAPACITY = {"open": "Places disponibles", "waitlist": "Liste d'attente", "full": "Complet"}
CAPACITY_BADGE = {"open": "success", "waitlist": "warning", "full": "error"}
REFUSAL_REASONS = {
    "not_eligible": "Ne remplit pas les critères",
    "no_capacity": "Plus de place disponible",
    "unreachable": "Personne injoignable",
    "declined_by_jobseeker": "La personne a décliné",
    "better_suited_elsewhere": "Mieux accompagnée ailleurs",
    "duplicate": "Doublon",
    "other": "Autre motif (commentaire obligatoire)",
}
APPOINTMENT_OUTCOMES = {"seen": "Honoré", "no_show": "Absence", "excused": "Excusé"}
CLOSING_OUTCOMES = {
    "durable_employment": "Emploi durable",
    "transition_employment": "Emploi de transition",
    "positive_exit": "Sortie positive (formation…)",
    "other": "Autre",
}
JOURNEY = {
    "referral_submitted": "Orientation envoyée",
    "referral_acknowledged": "Réception confirmée",
    "referral_appointment_scheduled": "Rendez-vous fixé",
    "referral_appointment_outcome": "Résultat du rendez-vous",
    "referral_accepted": "Prise en charge",
    "referral_refused": "Orientation refusée",
    "referral_withdrawn": "Orientation retirée",
    "referral_expired": "Orientation expirée",
    "referral_obsolete": "Orientation sans objet",
    "referral_closed": "Accompagnement clôturé",
    "referent_released": "Fin de l'accompagnement",
    "referent_assigned": "Référent désigné par la coordination",
    "unaccompanied": "Personne sans référent",
    "life_event_hired": "Embauche",
    "life_event_moved_out": "Déménagement",
    "life_event_training_abandoned": "Abandon de formation",
    "exit": "Sortie du pacte",
}
DETAILS = {**APPOINTMENT_OUTCOMES, **CLOSING_OUTCOMES, **REFUSAL_REASONS}


def deadline_class(days_left: int | None) -> str:
    """Overdue in red, due today in orange (DSFR badges), nothing otherwise."""
    if days_left is None:
        return ""
    if days_left < 0:
        return "error"
    if days_left == 0:
        return "warning"
    return "info"


def deadline_text(days_left: int | None) -> str:
    if days_left is None:
        return ""
    if days_left < 0:
        late = -days_left
        return f"En retard de {late} jour{'s' if late > 1 else ''} ouvré{'s' if late > 1 else ''}"
    if days_left == 0:
        return "À faire aujourd'hui"
    plural = "s" if days_left > 1 else ""
    return f"{days_left} jour{plural} ouvré{plural} restant{plural}"

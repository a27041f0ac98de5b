"""Words for the codes the services answer with (the pages never show a raw code).

Written in French and marked for extraction; ``Translated`` reads them in the request's language.
"""

from __future__ import annotations

from relais_portal.i18n import N_, Translated, gettext, ngettext

ORG_KINDS = Translated(
    {
        "france_travail": N_("France Travail"),
        "mission_locale": N_("Mission locale"),
        "plie": N_("PLIE"),
        "cap_emploi": N_("Cap emploi"),
        "maison_emploi": N_("Maison de l'emploi"),
        "departement": N_("Département"),
        "siae": N_("Structure d'insertion par l'activité économique"),
        "geiq": N_("GEIQ"),
        "training_provider": N_("Organisme de formation"),
        "employer": N_("Employeur"),
        "association": N_("Association"),
        "buyer": N_("Acheteur public"),
        "pact_coordination": N_("Coordination du pacte"),
    }
)
# Kinds that accompany nobody: never a referral's receiver (the new-referral form neither lists nor
# filters on them; the directory shows them no capacity).
NOT_RECEIVERS = frozenset({"buyer", "pact_coordination"})
# Kinds that declare no reception capacity (no one is referred to them for an accompaniment).
NO_CAPACITY = NOT_RECEIVERS | {"employer"}
ROLES = Translated(
    {
        "counsellor": N_("Conseiller ou conseillère"),
        "coordinator": N_("Coordination"),
        "facilitator": N_("Facilitateur des clauses"),
        "buyer": N_("Acheteur (donneur d'ordre)"),
        "employer": N_("Entreprise titulaire"),
        "evaluator": N_("Évaluation"),
        "admin": N_("Administration"),
        "training_provider": N_("Organisme de formation"),
        "dpo": N_("Délégué à la protection des données"),
    }
)
CAPACITY = Translated(
    {"open": N_("Places disponibles"), "waitlist": N_("Liste d'attente"), "full": N_("Complet")}
)
CAPACITY_BADGE = {"open": "success", "waitlist": "warning", "full": "error"}
REFUSAL_REASONS = Translated(
    {
        "not_eligible": N_("Ne remplit pas les critères"),
        "no_capacity": N_("Plus de place disponible"),
        "unreachable": N_("Personne injoignable"),
        "declined_by_jobseeker": N_("La personne a décliné"),
        "better_suited_elsewhere": N_("Mieux accompagnée ailleurs"),
        "duplicate": N_("Doublon"),
        "other": N_("Autre motif"),  # the comment field says it is then required
    }
)
APPOINTMENT_OUTCOMES = Translated({"seen": N_("Honoré"), "no_show": N_("Absence"), "excused": N_("Excusé")})
CLOSING_OUTCOMES = Translated(
    {
        "durable_employment": N_("Emploi durable"),
        "transition_employment": N_("Emploi de transition"),
        "positive_exit": N_("Sortie positive (formation…)"),
        "other": N_("Autre"),
    }
)
# The pact's situation vocabulary (the referral service's ``Situation``): what the person does at their
# exit and at the follow-ups. Each exit definition of the pact counts them in its own categories, so the
# counsellor picks what the person does, grouped for reading; older exits recorded a DARES category.
EXIT_SITUATIONS = Translated(
    {
        "cdi": N_("CDI"),
        "cdd_6_months_plus": N_("CDD ou intérim de 6 mois et plus"),
        "civil_service": N_("Titularisation dans la fonction publique"),
        "business_creation": N_("Création d'entreprise"),
        "cdd": N_("CDD de moins de 6 mois"),
        "interim": N_("Intérim de moins de 6 mois"),
        "alternance": N_("Contrat en alternance"),
        "subsidised_contract": N_("Contrat aidé chez un employeur de droit commun"),
        "staff_provision": N_("Mise à disposition (ETTI, AI, GEIQ)"),
        "employment_other": N_("Autre emploi"),
        "qualifying_training": N_("Formation qualifiante ou certifiante"),
        "pre_qualifying_training": N_("Formation pré-qualifiante"),
        "siae_hire": N_("Embauche dans une structure d'insertion (SIAE)"),
        "civic_service": N_("Service civique"),
        "volunteering": N_("Bénévolat"),
        "business_in_creation": N_("Création d'activité en cours"),
        "social_value_activity": N_("Activité de forte utilité sociale hors emploi"),
        "job_search": N_("Recherche d'emploi"),
        "inactive": N_("Inactivité"),
        "moved_out": N_("Déménagement hors du territoire"),
        "unknown": N_("Situation inconnue"),
    }
)
EXIT_SITUATION_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Emploi durable"), ("cdi", "cdd_6_months_plus", "civil_service", "business_creation")),
    (
        N_("Emploi de transition"),
        ("cdd", "interim", "alternance", "subsidised_contract", "staff_provision", "employment_other"),
    ),
    (N_("Formation, insertion"), ("qualifying_training", "pre_qualifying_training", "siae_hire")),
    (
        N_("Engagement, activité d'utilité sociale"),
        ("civic_service", "volunteering", "business_in_creation", "social_value_activity"),
    ),
    (N_("Autre situation"), ("job_search", "inactive", "moved_out", "unknown")),
)
FOLLOW_UP_HORIZONS = Translated({"3": N_("à 3 mois"), "6": N_("à 6 mois"), "12": N_("à 12 mois")})
JOURNEY = Translated(
    {
        "referral_submitted": N_("Orientation envoyée"),
        "referral_acknowledged": N_("Réception confirmée"),
        "referral_appointment_scheduled": N_("Rendez-vous fixé"),
        "referral_appointment_outcome": N_("Résultat du rendez-vous"),
        "referral_accepted": N_("Prise en charge"),
        "referral_refused": N_("Orientation refusée"),
        "referral_withdrawn": N_("Orientation retirée"),
        "referral_expired": N_("Orientation expirée"),
        "referral_obsolete": N_("Orientation sans objet"),
        "referral_closed": N_("Accompagnement clôturé"),
        "referent_released": N_("Fin de l'accompagnement"),
        "referent_assigned": N_("Référent désigné par la coordination"),
        "unaccompanied": N_("Personne sans référent"),
        "life_event_hired": N_("Embauche"),
        "life_event_moved_out": N_("Déménagement"),
        "life_event_training_abandoned": N_("Abandon de formation"),
        "referent_back_from_training": N_("Retour au conseiller après la formation"),
        "training_cancelled": N_("Formation annulée"),
        "exit": N_("Sortie du pacte"),
        "exit_follow_up_3": N_("Situation à 3 mois"),
        "exit_follow_up_6": N_("Situation à 6 mois"),
        "exit_follow_up_12": N_("Situation à 12 mois"),
        "merged": N_("Fiche en double fusionnée dans celle-ci"),
    }
)
# Journey entries that make (or made) their organisation the person's référent.
REFERENT_ENTRIES = frozenset(
    {"referral_accepted", "referent_assigned", "referent_released", "referent_back_from_training"}
)
# Journey entries that name the referral's receiver, not the organisation that acted (the sender sends,
# withdraws; the clock expires; a life event makes obsolete): the history says "vers <receiver>".
TOWARDS_RECEIVER = frozenset(
    {"referral_submitted", "referral_withdrawn", "referral_expired", "referral_obsolete"}
)
DETAILS = APPOINTMENT_OUTCOMES | CLOSING_OUTCOMES | REFUSAL_REASONS | EXIT_SITUATIONS
LIFE_EVENTS = Translated(
    {
        "hired": N_("Embauche"),
        "moved_out": N_("Déménagement hors du territoire"),
        "training_abandoned": N_("Abandon de formation"),
    }
)
CONTRACTS = Translated(
    {
        "CDI": N_("CDI"),
        "CDD": N_("CDD"),
        "interim": N_("Intérim"),
        "alternance": N_("Alternance"),
        "contrat_aide": N_("Contrat aidé"),
        "creation": N_("Création d'entreprise"),
    }
)
POLICY_FIELDS = Translated(
    {
        "acknowledgement_days": N_("Accusé de réception"),
        "reminder_days": N_("Relance"),
        "manager_escalation_days": N_("Alerte au responsable"),
        "coordination_escalation_days": N_("Alerte à la coordination"),
        "expiry_days": N_("Expiration"),
        "decision_days": N_("Décision"),
        "reorient_days": N_("Réorientation"),
        "appointment_outcome_days": N_("Résultat du rendez-vous"),
        "max_no_shows": N_("Absences admises"),
        "unaccompanied_days": N_("Sans référent"),
    }
)
# What each delay counts, and its bounds as the referral API accepts them (PolicyIn).
POLICY_HINTS = Translated(
    {
        "acknowledgement_days": N_("Jours ouvrés après l'envoi pour accuser réception."),
        "reminder_days": N_("Jours ouvrés sans accusé de réception avant la relance de la structure."),
        "manager_escalation_days": N_(
            "Jours ouvrés sans accusé de réception avant l'alerte au responsable de la structure."
        ),
        "coordination_escalation_days": N_(
            "Jours ouvrés sans réponse de la structure avant l'alerte à la coordination."
        ),
        "expiry_days": N_(
            "Jours ouvrés sans réponse avant que l'orientation expire et revienne à l'envoyeur."
        ),
        "decision_days": N_("Jours ouvrés après le rendez-vous pour décider de la prise en charge."),
        "reorient_days": N_("Jours ouvrés laissés à l'envoyeur pour réorienter une orientation revenue."),
        "appointment_outcome_days": N_("Jours ouvrés après le rendez-vous pour en saisir le résultat."),
        "max_no_shows": N_("Nombre d'absences au rendez-vous avant le retour à l'envoyeur (pas des jours)."),
        "unaccompanied_days": N_(
            "Jours ouvrés sans référent ni orientation avant l'alerte à la coordination."
        ),
    }
)
POLICY_MAX = {
    "acknowledgement_days": 60,
    "reminder_days": 60,
    "manager_escalation_days": 60,
    "coordination_escalation_days": 90,
    "expiry_days": 180,
    "decision_days": 60,
    "reorient_days": 60,
    "appointment_outcome_days": 10,
    "max_no_shows": 5,
    "unaccompanied_days": 60,
}
STATUS = Translated(
    {
        "submitted": N_("Envoyée"),
        "acknowledged": N_("Réception confirmée"),
        "appointment_scheduled": N_("Rendez-vous fixé"),
        "accepted": N_("Prise en charge"),
        "closed": N_("Clôturée"),
        "refused": N_("Refusée"),
        "withdrawn": N_("Retirée"),
        "expired": N_("Expirée"),
        "obsolete": N_("Sans objet"),
    }
)
# What a referral's next deadline awaits (the referral API's ``next_deadline_kind``), read by either side.
DEADLINE_KINDS = Translated(
    {
        "acknowledgement": N_("accusé de réception"),
        "appointment": N_("rendez-vous d'accueil à fixer"),
        "appointment_outcome": N_("résultat du rendez-vous à saisir"),
        "decision": N_("décision sur l'orientation"),
    }
)
TASKS = Translated(
    {
        "reorient": N_("Réorienter la personne"),
        "assign_referent": N_("Désigner un référent de parcours"),
        "escalation": N_("Orientation sans réponse"),
        "appointment_outcome": N_("Saisir le résultat du rendez-vous"),
        "outcome_follow_up": N_("Situation de la personne après sa sortie"),
        "first_contact": N_("Prendre contact : la coordination vous a désigné référent"),
    }
)


def deadline_class(days_left: int | None) -> str:
    """Overdue in red, due today in orange (DSFR badges), nothing otherwise."""
    if days_left is None:
        return ""
    if days_left < 0:
        return "error"
    if days_left == 0:
        return "warning"
    return "info"


def deadline_days(days_left: int) -> str:
    """The working days left, in the parentheses of « Prochaine échéance : … avant le … (…) »."""
    if days_left < 0:
        return ngettext(
            "en retard de %(num)d jour ouvré", "en retard de %(num)d jours ouvrés", -days_left
        ) % {"num": -days_left}
    if days_left == 0:
        return gettext("aujourd'hui")
    return ngettext("%(num)d jour ouvré", "%(num)d jours ouvrés", days_left) % {"num": days_left}


def deadline_text(days_left: int | None) -> str:
    if days_left is None:
        return ""
    if days_left < 0:
        return ngettext(
            "En retard de %(num)d jour ouvré", "En retard de %(num)d jours ouvrés", -days_left
        ) % {"num": -days_left}
    if days_left == 0:
        return gettext("À faire aujourd'hui")
    return ngettext("%(num)d jour ouvré restant", "%(num)d jours ouvrés restants", days_left) % {
        "num": days_left
    }


# A person's categories for the pact's equality monitoring (aggregates only; a nationality *category*).
SEXES = Translated({"F": N_("Femme"), "M": N_("Homme")})
AGE_BANDS = Translated(
    {"under_26": N_("Moins de 26 ans"), "26_49": N_("26 à 49 ans"), "50_plus": N_("50 ans et plus")}
)
NATIONALITY_CATEGORIES = Translated(
    {
        "french": N_("Française"),
        "eu": N_("D'un autre pays de l'Union européenne"),
        "non_eu": N_("D'un pays hors Union européenne"),
    }
)
EDUCATION_LEVELS = Translated(
    {
        "infra_3": N_("Sans diplôme (infra niveau 3)"),
        "3": N_("CAP, BEP (niveau 3)"),
        "4": N_("Baccalauréat (niveau 4)"),
        "5": N_("Bac + 2 (niveau 5)"),
        "6_plus": N_("Bac + 3 et plus (niveau 6 et plus)"),
    }
)
SITUATIONS = Translated(
    {
        "long_term_unemployed": N_("Demandeur d'emploi de longue durée (12 mois et plus)"),
        "rsa": N_("Bénéficiaire du RSA"),
        "ass": N_("Bénéficiaire de l'ASS"),
        "aah": N_("Bénéficiaire de l'AAH"),
        "disability_recognised": N_("Travailleur handicapé reconnu (RQTH)"),
        "qpv": N_("Résident d'un quartier prioritaire de la ville (QPV)"),
        "over_50": N_("50 ans et plus"),
        "under_26_low_qualification": N_("Moins de 26 ans peu qualifié"),
    }
)

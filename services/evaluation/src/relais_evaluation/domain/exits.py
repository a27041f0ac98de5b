"""Exit categories as versioned definitions of the pact (sorties, et « sortie positive » élargie).

A person's situation at exit and after (+3, +6, +12 months) is a *situation code* (``cdi``,
``qualifying_training``, ``civic_service``…, as the référent records it at the exit and at the follow-ups
(journey.exited.v1, journey.exit_followed_up.v1), or one of the DARES categories themselves, which older
exits recorded). A *definition* maps each situation to one of its categories:
the official ones (DARES/IAE, the PLIE's positive exit) and the pact's own wider one, which also counts
civic service, volunteering, a business being created and activities of strong social value. Every exit
indicator can be computed under two definitions side by side, so the pact sees what its own changes.

Definitions are data (the ``exit_definitions`` table, seeded by a migration with the three below): the
pact adopts a new version without a release, and an old figure can be recomputed under the version it
was published with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from relais_evaluation.domain.errors import InvalidInput

# Every situation code the ingestion can record: the référent's, at the exit and at +3, +6, +12 months
# (the referral service restates this list; a unit test checks its published schema against it), and
# those that hires and certified trainings add after the exit.
SITUATIONS: dict[str, str] = {
    "durable_employment": "Emploi durable (catégorie déclarée)",
    "transition_employment": "Emploi de transition (catégorie déclarée)",
    "positive_exit": "Sortie positive (catégorie déclarée)",
    "other": "Autre sortie (catégorie déclarée)",
    "cdi": "CDI",
    "cdd_6_months_plus": "CDD ou intérim de 6 mois et plus",
    "civil_service": "Titularisation dans la fonction publique",
    "business_creation": "Création d'entreprise",
    "cdd": "CDD de moins de 6 mois",
    "interim": "Intérim de moins de 6 mois",
    "alternance": "Contrat en alternance",
    "subsidised_contract": "Contrat aidé chez un employeur de droit commun",
    "staff_provision": "Mise à disposition (ETTI, AI, GEIQ)",
    "employment_other": "Autre emploi",
    "qualifying_training": "Formation qualifiante ou certifiante",
    "pre_qualifying_training": "Formation pré-qualifiante",
    "siae_hire": "Embauche dans une autre SIAE",
    "civic_service": "Service civique",
    "volunteering": "Bénévolat",
    "business_in_creation": "Création d'activité en cours",
    "social_value_activity": "Activité de forte utilité sociale hors emploi",
    "job_search": "Recherche d'emploi",
    "inactive": "Inactivité",
    "moved_out": "Déménagement hors du territoire",
    "unknown": "Situation inconnue",
}


class InvalidDefinition(InvalidInput):
    pass


@dataclass(frozen=True)
class ExitDefinition:
    code: str
    version: int
    label: str
    official: bool
    categories: tuple[str, ...]  # in the order they are shown
    category_labels: Mapping[str, str]
    mapping: Mapping[str, str]  # situation code → category
    default_category: str  # situations the mapping does not name
    positive: tuple[str, ...] = field(default=())  # the categories counted as a positive exit

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    def category_of(self, situation: str) -> str:
        return self.mapping.get(situation, self.default_category)

    def validate(self) -> None:
        errors: list[dict[str, str]] = []
        if not self.categories:
            errors.append({"field": "categories", "message": "Au moins une catégorie est requise."})
        if len(set(self.categories)) != len(self.categories):
            errors.append({"field": "categories", "message": "Une catégorie est nommée deux fois."})
        if self.default_category not in self.categories:
            errors.append({"field": "default_category", "message": "Catégorie par défaut inconnue."})
        for situation, category in self.mapping.items():
            if situation not in SITUATIONS:
                errors.append({"field": f"mapping.{situation}", "message": "Situation inconnue."})
            elif category not in self.categories:
                errors.append(
                    {"field": f"mapping.{situation}", "message": f"Catégorie inconnue : {category}."}
                )
        for category in self.positive:
            if category not in self.categories:
                errors.append({"field": "positive", "message": f"Catégorie inconnue : {category}."})
        missing = set(self.categories) - set(self.category_labels)
        if missing:
            errors.append({"field": "category_labels", "message": f"Libellés manquants : {sorted(missing)}."})
        if errors:
            raise InvalidDefinition(errors)


_DARES_CATEGORIES = {
    "durable_employment": "Emploi durable",
    "transition_employment": "Emploi de transition",
    "positive_exit": "Sortie positive",
    "other": "Autre sortie",
}
_DARES_MAPPING = {
    "durable_employment": "durable_employment",
    "cdi": "durable_employment",
    "cdd_6_months_plus": "durable_employment",
    "civil_service": "durable_employment",
    "business_creation": "durable_employment",
    "transition_employment": "transition_employment",
    "cdd": "transition_employment",
    "interim": "transition_employment",
    "alternance": "transition_employment",
    "subsidised_contract": "transition_employment",
    "staff_provision": "transition_employment",
    "positive_exit": "positive_exit",
    "qualifying_training": "positive_exit",
    "pre_qualifying_training": "positive_exit",
    "siae_hire": "positive_exit",
}

DARES = ExitDefinition(
    code="dares-iae",
    version=1,
    label="Sorties IAE (DARES) : emploi durable, de transition, sortie positive",
    official=True,
    categories=tuple(_DARES_CATEGORIES),
    category_labels=_DARES_CATEGORIES,
    mapping=_DARES_MAPPING,
    default_category="other",
    positive=("durable_employment", "transition_employment", "positive_exit"),
)
PLIE = ExitDefinition(
    code="plie",
    version=1,
    label="Sortie positive PLIE : 6 mois d'emploi à mi-temps au moins, ou formation qualifiante validée",
    official=True,
    categories=("positive", "other"),
    category_labels={"positive": "Sortie positive PLIE", "other": "Autre sortie"},
    mapping={
        "durable_employment": "positive",
        "cdi": "positive",
        "cdd_6_months_plus": "positive",
        "civil_service": "positive",
        "business_creation": "positive",
        "qualifying_training": "positive",
    },
    default_category="other",
    positive=("positive",),
)
PACT_WIDER = ExitDefinition(
    code="pacte-elargie",
    version=1,
    label="Sortie positive élargie du pacte (contrat de ville 2023)",
    official=False,
    categories=tuple(_DARES_CATEGORIES),
    category_labels=_DARES_CATEGORIES,
    mapping={
        **_DARES_MAPPING,
        "civic_service": "positive_exit",
        "volunteering": "positive_exit",
        "business_in_creation": "positive_exit",
        "social_value_activity": "positive_exit",
    },
    default_category="other",
    positive=("durable_employment", "transition_employment", "positive_exit"),
)
SEED_DEFINITIONS = (DARES, PLIE, PACT_WIDER)

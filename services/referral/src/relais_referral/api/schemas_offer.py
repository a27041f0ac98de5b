"""Bodies of the insertion offer (data·inclusion services) and of a person's needs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relais_referral.db.models import NeedRow
from relais_referral.db.offer import Suggestion
from relais_referral.domain.offer import NEARNESS_LABELS_FR, category_of, is_health, label_of

Capacity = Literal["open", "waitlist", "full"]


class OfferServiceIn(BaseModel):
    """A service in the data·inclusion schema's own fields (``nom``, ``description``, ``type``,
    ``thematiques``, ``publics``, ``frais``, ``modes_accueil``, ``zone_eligibilite``, ``code_insee``,
    ``adresse``, ``latitude``…); the package validates them. ``source``, ``structure_id``, ``id`` and
    ``date_maj`` are set by the directory."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service": {
                        "nom": "Garde d'enfants pour les rendez-vous d'emploi",
                        "description": "Accueil des enfants de 3 mois à 6 ans le temps d'un entretien.",
                        "type": "aide-materielle",
                        "thematiques": ["famille--garde-denfants"],
                        "publics": ["familles", "demandeurs-emploi"],
                        "frais": ["gratuit"],
                        "modes_accueil": ["en-presentiel"],
                        "code_insee": "44109",
                        "zone_eligibilite": ["244400404"],
                    },
                    "capacity_status": "open",
                }
            ]
        }
    )
    service: dict[str, Any] = Field(description="Champs du schéma data·inclusion `Service`")
    capacity_status: Capacity = "open"


class OfferServiceOut(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    capacity_status: Capacity
    nearness: str | None = None
    service: dict[str, Any] = Field(description="Le document data·inclusion, tel qu'exporté")

    @classmethod
    def of(cls, row: Any) -> OfferServiceOut:
        return cls(
            id=row.id,
            organisation_id=row.organisation_id,
            capacity_status=row.capacity_status,
            service=row.document,
        )


class CapacityIn(BaseModel):
    capacity_status: Capacity


class DirectoryFile(BaseModel):
    """The pact's directory in the data·inclusion JSON format."""

    structures: list[dict[str, Any]]
    services: list[dict[str, Any]]


class ImportReportOut(BaseModel):
    structures_added: int
    structures_updated: int
    services_added: int
    services_updated: int


class VocabularyItem(BaseModel):
    value: str
    label: str
    description: str | None = None


class Vocabulary(BaseModel):
    """The national vocabulary, from the ``data-inclusion-schema`` package (for forms and filters)."""

    categories: list[VocabularyItem]
    thematiques: list[VocabularyItem]
    publics: list[VocabularyItem]
    types: list[VocabularyItem]
    frais: list[VocabularyItem]
    modes_accueil: list[VocabularyItem]


class NeedIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"thematique": "mobilite--preparer-un-permis"}]}
    )
    thematique: str = Field(
        max_length=120,
        pattern=r"^[a-z-]+(--[a-z-]+)?$",
        description="Thématique ou catégorie data·inclusion (GET /v1/directory/vocabulary)",
    )
    identified_on: date | None = Field(default=None, description="Par défaut aujourd'hui")


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lifted_on: date | None = Field(default=None, description="Par défaut aujourd'hui")


class NeedOut(BaseModel):
    id: uuid.UUID
    thematique: str
    label: str
    categorie: str
    health: bool = Field(
        description="Donnée de santé (art. 9 RGPD) : visible du référent et du groupe de suivi"
    )
    identified_on: date
    identified_by_org_id: uuid.UUID
    lifted_on: date | None
    lifted_by_org_id: uuid.UUID | None

    @classmethod
    def of(cls, row: NeedRow) -> NeedOut:
        return cls(
            id=row.id,
            thematique=row.thematique,
            label=label_of(row.thematique),
            categorie=category_of(row.thematique),
            health=is_health(row.thematique),
            identified_on=row.identified_on,
            identified_by_org_id=row.identified_by_org_id,
            lifted_on=row.lifted_on,
            lifted_by_org_id=row.lifted_by_org_id,
        )


class SuggestionOut(BaseModel):
    service_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    name: str
    thematiques: list[str]
    commune: str | None
    nearness: Literal["SAME_COMMUNE", "SAME_EPCI", "SAME_DEPARTEMENT", "ELSEWHERE"]
    nearness_label: str
    distance_km: float | None
    capacity_status: Capacity = Field(description="« full » si le service ou sa structure est complet")
    modes_accueil: list[str]

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionOut:
        document = s.service.document
        return cls(
            service_id=s.service.id,
            organisation_id=s.service.organisation_id,
            organisation_name=s.organisation_name,
            name=s.service.name,
            thematiques=s.service.thematiques,
            commune=document.get("commune"),
            nearness=s.nearness.name,
            nearness_label=NEARNESS_LABELS_FR[s.nearness],
            distance_km=s.distance_km,
            capacity_status="full" if s.organisation_full else s.service.capacity_status,
            modes_accueil=sorted(document.get("modes_accueil") or []),
        )


class SuggestionsOut(BaseModel):
    need: NeedOut
    items: list[SuggestionOut]


class NeedCount(BaseModel):
    thematique: str
    label: str
    open: int | None = Field(description="Besoins non levés (null : moins de 5, masqué)")
    lifted: int | None = Field(description="Besoins levés (null : moins de 5, masqué)")

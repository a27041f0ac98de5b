"""Request and response bodies of a caseload: search, corrections, a person's referrals, notes, merges
(the shapes agreed with the portal)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from relais_referral.api.schemas import (
    FREE_TEXT,
    City,
    EducationLevel,
    JobseekerOut,
    Name,
    NationalityCategory,
    Sex,
    SituationCode,
    _plausible_birth_date,
    _trimmed,
)

T = TypeVar("T")

NoteText = Annotated[str, _trimmed(1, 4000, FREE_TEXT)]


class Items(BaseModel, Generic[T]):
    items: list[T]


class JobseekerFoundOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    display_name: str
    birth_date: date | None
    postcode: str
    referent_organisation_id: uuid.UUID | None
    open_referrals: int = Field(description="Orientations en cours de la personne")


class JobseekerSearchOut(BaseModel):
    items: list[JobseekerFoundOut]
    total: int
    offset: int
    limit: int


class JobseekerCorrectionIn(BaseModel):
    """Only the fields to correct; each is checked as at registration. ``null`` empties an optional one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"last_name": "Morel-Durand", "postcode": "44000"}]},
    )
    first_name: Name | None = None
    last_name: Name | None = None
    birth_date: Annotated[date | None, AfterValidator(_plausible_birth_date)] = Field(
        default=None, description="Entre le 1er janvier 1900 et aujourd'hui"
    )
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .]{6,20}$")
    postcode: str | None = Field(default=None, pattern=r"^\d{5}$")
    commune: City | None = None
    qpv_resident: bool | None = None
    sex: Sex | None = None
    education_level: EducationLevel | None = None
    nationality_category: NationalityCategory | None = None
    situation: list[SituationCode] | None = Field(
        default=None, description="Toute la situation (remplace la précédente) ; [] n'en retient aucune"
    )

    @model_validator(mode="after")
    def _names_and_postcode_are_not_emptied(self) -> JobseekerCorrectionIn:
        for name in ("first_name", "last_name", "postcode"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} ne peut pas être vide / {name} cannot be emptied")
        return self

    def changes(self) -> dict[str, Any]:
        changes = {name: getattr(self, name) for name in self.model_fields_set}
        if "situation" in changes:  # a set of codes: one order, each once, so an unchanged one reads so
            changes["situation"] = sorted(set(changes["situation"] or ()))
        return changes


class JobseekerRegisteredOut(JobseekerOut):
    possible_duplicates: int = Field(
        default=0, description="Fiches du pacte de même nom (accents et casse ignorés) et date de naissance"
    )
    duplicates_visible: list[uuid.UUID] = Field(
        default=[], description="Celles de ces fiches que votre organisation peut consulter"
    )


class CorrectionOut(BaseModel):
    at: datetime
    by_organisation_id: uuid.UUID
    fields: list[str] = Field(description="Champs corrigés (les valeurs antérieures restent dans le service)")


class NoteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "Rendez-vous avancé au mardi, merci."}]}
    )
    text: NoteText


class NoteOut(BaseModel):
    id: uuid.UUID
    at: datetime
    author_organisation_id: uuid.UUID
    author_sub: str
    text: str


class MergeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"duplicate_id": "0b8e4d1c-0000-4000-8000-000000000002"}]},
    )
    duplicate_id: uuid.UUID = Field(description="La fiche en double, supprimée après la fusion")


class MergedOut(BaseModel):
    """Ids only: the coordination merges records without reading who they are."""

    jobseeker_id: uuid.UUID = Field(description="La fiche conservée")
    duplicate_id: uuid.UUID = Field(description="La fiche supprimée")

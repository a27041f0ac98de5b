"""The insertion offer in the national data·inclusion vocabulary, and a person's needs (freins).

The vocabulary is the ``data-inclusion-schema`` package's own (thematics, publics, service types,
fees, reception modes), never a copy of its lists: when the national schema adds a thematic, Relais
accepts it on upgrade. A need is recorded as a thematic (``mobilite--preparer-un-permis``) or a whole
category (``mobilite``); a service answers it when one of its thematics is that one or in that category.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from data_inclusion.schema.v1 import Categorie, Public, Thematique

# Health is special category data (GDPR art. 9): only the référent and the follow-up group see such a
# need, and it leaves the referral service only inside aggregate counts.
HEALTH_CATEGORY = Categorie.SANTE.value
ALL_PUBLICS = Public.TOUS_PUBLICS.value
NATIONWIDE = frozenset({"france", "99100"})  # a service eligible in the whole country


def category_of(code: str) -> str:
    return code.split("--", 1)[0]


def is_need_code(code: str) -> bool:
    return code in Thematique._value2member_map_ or code in Categorie._value2member_map_


def is_health(code: str) -> bool:
    return category_of(code) == HEALTH_CATEGORY


def thematics_answering(need: str) -> tuple[str, ...]:
    """The service thematics that answer a need: itself, or every thematic of its category."""
    if need in Categorie._value2member_map_:
        return tuple(t.value for t in Thematique if category_of(t.value) == need)
    return (need,)


def label_of(code: str) -> str:
    member = Thematique._value2member_map_.get(code) or Categorie._value2member_map_.get(code)
    return member.label if member is not None else code


def person_publics(
    *, age_band: str | None, sex: str | None, qpv_resident: bool | None, situation: Iterable[str]
) -> frozenset[str]:
    """The data·inclusion publics a person of the pact belongs to, from what the referral service holds.

    Everyone in the pact is a jobseeker; the rest follows the person's recorded situation. A service
    open to ``tous-publics`` (or naming no public) serves everyone.
    """
    situation = set(situation)
    publics = {Public.DEMANDEURS_EMPLOI.value}
    if age_band == "under_26" or "under_26_low_qualification" in situation:
        publics.add(Public.JEUNES.value)
    if age_band == "50_plus" or "over_50" in situation:
        publics.add(Public.SENIORS.value)
    if sex == "F":
        publics.add(Public.FEMMES.value)
    if qpv_resident or "qpv" in situation:
        publics.add(Public.RESIDENTS_QPV_FRR.value)
    if situation & {"rsa", "ass", "aah"}:
        publics.add(Public.BENEFICIAIRES_DES_MINIMAS_SOCIAUX.value)
    if situation & {"aah", "disability_recognised"}:
        publics.add(Public.PERSONNES_EN_SITUATION_DE_HANDICAP.value)
    return frozenset(publics)


class Nearness(IntEnum):
    """How near a service is to the person, best first: the ranking's first key after availability."""

    SAME_COMMUNE = 0
    SAME_EPCI = 1
    SAME_DEPARTEMENT = 2
    ELSEWHERE = 3


NEARNESS_LABELS_FR = {
    Nearness.SAME_COMMUNE: "Même commune",
    Nearness.SAME_EPCI: "Même intercommunalité",
    Nearness.SAME_DEPARTEMENT: "Même département",
    Nearness.ELSEWHERE: "Plus loin",
}

"""Eligibility of a participant to the insertion clause, decided by the facilitator *before* hiring.

A decision names criteria (DOMAIN: eligible publics), how each was proved — a document seen, or certified
by an administration — and when; a proof older than its validity at the decision is refused (usually
three months, six for QPV residence). The decision then holds for a set number of months (often 24). A
derogation needs the reasoned opinion of a named prescriber organisation (France Travail, Mission
locale, Maison de l'emploi, Cap emploi).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta


class Criterion(StrEnum):
    LONG_TERM_JOBSEEKER = "long_term_jobseeker"  # > 12 months
    RSA = "rsa"
    ASS = "ass"
    AAH = "aah"
    INVALIDITY = "invalidity"
    DISABILITY_RECOGNISED = "disability_recognised"
    UNDER_26_LOW_QUALIFICATION = "under_26_low_qualification"  # ≤ CAP/BEP, out of school ≥ 6 months
    OVER_50_JOBSEEKER = "over_50_jobseeker"
    QPV_RESIDENT = "qpv_resident"
    SIAE_EMPLOYEE = "siae_employee"
    GEIQ_EMPLOYEE = "geiq_employee"
    EA_ESAT_EMPLOYEE = "ea_esat_employee"
    REGIE_DE_QUARTIER = "regie_de_quartier"
    EPIDE_E2C = "epide_e2c"
    DEROGATION = "derogation"


CRITERIA_LABELS_FR = {
    Criterion.LONG_TERM_JOBSEEKER: "Demandeur d'emploi de longue durée (plus de 12 mois)",
    Criterion.RSA: "Allocataire du RSA",
    Criterion.ASS: "Allocataire de l'ASS",
    Criterion.AAH: "Allocataire de l'AAH",
    Criterion.INVALIDITY: "Pension d'invalidité",
    Criterion.DISABILITY_RECOGNISED: "Travailleur handicapé reconnu",
    Criterion.UNDER_26_LOW_QUALIFICATION: "Moins de 26 ans, niveau CAP/BEP au plus",
    Criterion.OVER_50_JOBSEEKER: "Demandeur d'emploi de plus de 50 ans",
    Criterion.QPV_RESIDENT: "Habitant d'un quartier prioritaire (QPV)",
    Criterion.SIAE_EMPLOYEE: "Salarié d'une SIAE",
    Criterion.GEIQ_EMPLOYEE: "Salarié d'un GEIQ",
    Criterion.EA_ESAT_EMPLOYEE: "Travailleur d'une EA ou d'un ESAT",
    Criterion.REGIE_DE_QUARTIER: "Salarié d'une régie de quartier",
    Criterion.EPIDE_E2C: "Stagiaire EPIDE ou École de la 2e chance",
    Criterion.DEROGATION: "Dérogation sur avis motivé d'un prescripteur",
}

PRESCRIBER_KINDS = frozenset({"france_travail", "mission_locale", "maison_emploi", "cap_emploi"})


class ProofMethod(StrEnum):
    DOCUMENT_SEEN = "document_seen"
    CERTIFIED = "certified"  # by an administration's API


class IneligibleError(ValueError):
    """The decision cannot be taken, or does not hold at the hiring date."""


@dataclass(frozen=True)
class EligibilityPolicy:
    """Settings: how long a proof stays valid, and how long a decision holds."""

    proof_months: int = 3
    qpv_proof_months: int = 6
    decision_months: int = 24

    def proof_months_of(self, criterion: Criterion) -> int:
        return self.qpv_proof_months if criterion is Criterion.QPV_RESIDENT else self.proof_months

    def proof_valid_until(self, criterion: Criterion, proved_on: date) -> date:
        return proved_on + relativedelta(months=self.proof_months_of(criterion))


@dataclass(frozen=True)
class Proof:
    criterion: Criterion
    method: ProofMethod
    proved_on: date
    reference: str  # the document's or the certificate's reference, never its content


@dataclass(frozen=True)
class Decision:
    id: uuid.UUID
    participant_id: uuid.UUID
    decided_on: date
    valid_until: date
    criteria: tuple[Criterion, ...]
    prescriber_org_id: uuid.UUID | None = None
    revoked_on: date | None = None

    def holds_on(self, day: date) -> bool:
        if self.revoked_on is not None and day >= self.revoked_on:
            return False
        return self.decided_on <= day <= self.valid_until


def decide(
    *,
    decision_id: uuid.UUID,
    participant_id: uuid.UUID,
    decided_on: date,
    proofs: list[Proof],
    policy: EligibilityPolicy,
    prescriber_org_id: uuid.UUID | None = None,
    prescriber_kind: str | None = None,
) -> Decision:
    if not proofs:
        raise IneligibleError("au moins un critère d'éligibilité prouvé est requis")
    # The messages are the API's problem ``detail``, read by the facilitator: the criterion in words, dates
    # as French write them, and the rule broken.
    for proof in proofs:
        label = CRITERIA_LABELS_FR[proof.criterion]
        if proof.proved_on > decided_on:
            raise IneligibleError(f"{label} : la preuve est postérieure à la décision")
        if policy.proof_valid_until(proof.criterion, proof.proved_on) < decided_on:
            months = policy.proof_months_of(proof.criterion)
            raise IneligibleError(
                f"{label} : la preuve du {proof.proved_on:%d/%m/%Y} a expiré le "
                f"{policy.proof_valid_until(proof.criterion, proof.proved_on):%d/%m/%Y}, avant la décision "
                f"du {decided_on:%d/%m/%Y} (une preuve vaut {months} mois)"
            )
    criteria = tuple(sorted({p.criterion for p in proofs}))
    if Criterion.DEROGATION in criteria and (
        prescriber_org_id is None or prescriber_kind not in PRESCRIBER_KINDS
    ):
        raise IneligibleError(
            "une dérogation exige l'avis motivé d'un prescripteur (France Travail, Mission locale, "
            "Maison de l'emploi, Cap emploi)"
        )
    return Decision(
        id=decision_id,
        participant_id=participant_id,
        decided_on=decided_on,
        valid_until=decided_on + relativedelta(months=policy.decision_months),
        criteria=criteria,
        prescriber_org_id=prescriber_org_id,
    )


def check_hire(decisions: list[Decision], hired_on: date) -> Decision:
    """The decision that makes a hire on ``hired_on`` count, or a refusal saying why."""
    holding = [d for d in decisions if d.holds_on(hired_on)]
    if holding:
        return max(holding, key=lambda d: d.decided_on)
    if not decisions:
        raise IneligibleError(
            "aucune décision d'éligibilité : le facilitateur valide l'éligibilité avant l'embauche"
        )
    last = max(decisions, key=lambda d: d.decided_on)
    if last.decided_on > hired_on:
        raise IneligibleError("la décision d'éligibilité est postérieure à l'embauche")
    if last.revoked_on is not None and last.revoked_on <= hired_on:
        raise IneligibleError("la décision d'éligibilité a été retirée")
    raise IneligibleError(f"la décision d'éligibilité a expiré le {last.valid_until:%d/%m/%Y}")

"""The pact's situation vocabulary: what a person is doing when they leave the pact (sortie) and at the
référent's follow-ups 3, 6 and 12 months later.

The codes are the evaluation's (``relais_evaluation.domain.exits.SITUATIONS``), restated here because a
service never imports another's code: a contract test checks the two lists agree through the published
JSON Schema of ``journey.exited.v1``. Each exit definition of the pact (DARES/IAE, PLIE, the pact's wider
one) maps a situation to its own category, so the référent records what the person does, not a category:
civic service or volunteering is a "positive exit" under the pact's wider definition only.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Situation(StrEnum):
    CDI = "cdi"
    CDD_6_MONTHS_PLUS = "cdd_6_months_plus"
    CIVIL_SERVICE = "civil_service"
    BUSINESS_CREATION = "business_creation"
    CDD = "cdd"
    INTERIM = "interim"
    ALTERNANCE = "alternance"
    SUBSIDISED_CONTRACT = "subsidised_contract"
    STAFF_PROVISION = "staff_provision"
    EMPLOYMENT_OTHER = "employment_other"
    QUALIFYING_TRAINING = "qualifying_training"
    PRE_QUALIFYING_TRAINING = "pre_qualifying_training"
    SIAE_HIRE = "siae_hire"
    CIVIC_SERVICE = "civic_service"
    VOLUNTEERING = "volunteering"
    BUSINESS_IN_CREATION = "business_in_creation"
    SOCIAL_VALUE_ACTIVITY = "social_value_activity"
    JOB_SEARCH = "job_search"
    INACTIVE = "inactive"
    MOVED_OUT = "moved_out"
    UNKNOWN = "unknown"
    # Before the vocabulary, an exit recorded one of the four DARES categories itself: still accepted
    # (older clients, older events) and read by the evaluation as the category they name.
    DURABLE_EMPLOYMENT = "durable_employment"
    TRANSITION_EMPLOYMENT = "transition_employment"
    POSITIVE_EXIT = "positive_exit"
    OTHER = "other"


DARES_CATEGORIES = frozenset(
    {
        Situation.DURABLE_EMPLOYMENT,
        Situation.TRANSITION_EMPLOYMENT,
        Situation.POSITIVE_EXIT,
        Situation.OTHER,
    }
)


class FollowUpHorizon(IntEnum):
    """The follow-ups after an exit, in months: the référent is asked the situation at each."""

    THREE_MONTHS = 3
    SIX_MONTHS = 6
    TWELVE_MONTHS = 12


FOLLOW_UP_MONTHS = tuple(h.value for h in FollowUpHorizon)

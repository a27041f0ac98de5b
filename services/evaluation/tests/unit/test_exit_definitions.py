"""Exit categories as versioned definitions of the pact."""

from __future__ import annotations

import dataclasses

import pytest

from relais_evaluation.domain.exits import DARES, PACT_WIDER, PLIE, SEED_DEFINITIONS, InvalidDefinition


def test_the_seeded_definitions_are_consistent() -> None:
    for definition in SEED_DEFINITIONS:
        definition.validate()


@pytest.mark.parametrize(
    "situation", ["civic_service", "volunteering", "business_in_creation", "social_value_activity"]
)
def test_the_pacts_wider_definition_counts_as_positive_what_the_official_one_does_not(situation: str) -> None:
    assert DARES.category_of(situation) == "other"
    assert PACT_WIDER.category_of(situation) == "positive_exit"


def test_the_plie_counts_a_short_contract_as_another_exit_and_a_cdi_as_positive() -> None:
    assert PLIE.category_of("cdd") == "other" and PLIE.category_of("cdi") == "positive"


def test_a_definition_mapping_to_an_unknown_category_or_situation_is_refused() -> None:
    broken = dataclasses.replace(PACT_WIDER, mapping={"cdi": "employed", "astronaut": "other"})
    with pytest.raises(InvalidDefinition) as refused:
        broken.validate()
    assert {e["field"] for e in refused.value.errors} == {"mapping.cdi", "mapping.astronaut"}

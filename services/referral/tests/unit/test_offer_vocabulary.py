"""The insertion offer's vocabulary is data·inclusion's, and a person's publics follow what is recorded."""

from __future__ import annotations

import pytest
from data_inclusion.schema.v1 import Thematique

from relais_referral.domain.offer import (
    is_health,
    is_need_code,
    person_publics,
    thematics_answering,
)
from relais_referral.service_layer.offer import InvalidOffer, validate_service


def test_a_need_is_a_thematic_or_a_category_of_the_national_schema_and_nothing_else() -> None:
    assert is_need_code("mobilite--preparer-un-permis")
    assert is_need_code("famille")
    assert not is_need_code("garde-enfants")  # a free code of the former directory
    assert not is_need_code("mobilite--teleportation")


def test_a_category_need_is_answered_by_every_thematic_of_that_category() -> None:
    mobility = thematics_answering("mobilite")
    assert "mobilite--preparer-un-permis" in mobility and "mobilite--financer-ma-mobilite" in mobility
    assert all(code.startswith("mobilite--") for code in mobility)
    assert len(mobility) == len([t for t in Thematique if t.value.startswith("mobilite--")])
    assert thematics_answering("famille--garde-denfants") == ("famille--garde-denfants",)


def test_every_thematic_of_the_health_category_is_special_category_data() -> None:
    assert is_health("sante")
    assert is_health("sante--sante-mentale")
    assert not is_health("famille--garde-denfants")


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ({"age_band": "26_49", "sex": "M", "qpv_resident": False, "situation": ()}, {"demandeurs-emploi"}),
        (
            {"age_band": "under_26", "sex": "F", "qpv_resident": True, "situation": ()},
            {"demandeurs-emploi", "jeunes", "femmes", "residents-qpv-frr"},
        ),
        (
            {"age_band": "50_plus", "sex": None, "qpv_resident": None, "situation": ("rsa", "aah")},
            {
                "demandeurs-emploi",
                "seniors",
                "beneficiaires-des-minimas-sociaux",
                "personnes-en-situation-de-handicap",
            },
        ),
        (
            {"age_band": None, "sex": None, "qpv_resident": None, "situation": ("disability_recognised",)},
            {"demandeurs-emploi", "personnes-en-situation-de-handicap"},
        ),
    ],
)
def test_a_persons_publics_follow_their_age_band_sex_place_and_situation(
    recorded: dict[str, object], expected: set[str]
) -> None:
    assert person_publics(**recorded) == expected  # type: ignore[arg-type]


def test_a_service_outside_the_national_vocabulary_is_refused_field_by_field() -> None:
    with pytest.raises(InvalidOffer) as refused:
        validate_service(
            {
                "source": "relais",
                "structure_id": "s",
                "id": "x",
                "nom": "Garde",
                "description": "Garde d'enfants",
                "date_maj": "2026-12-01",
                "thematiques": ["garde-enfants"],
                "publics": ["everyone"],
            }
        )
    fields = {error["field"] for error in refused.value.errors}
    assert any(f.startswith("thematiques") for f in fields) and any(f.startswith("publics") for f in fields)


def test_a_services_sets_serialise_sorted_so_that_an_export_reads_the_same_every_time() -> None:
    document = validate_service(
        {
            "source": "relais",
            "structure_id": "s",
            "id": "x",
            "nom": "Mobilité",
            "description": "Aides à la mobilité",
            "date_maj": "2026-12-01",
            "thematiques": ["mobilite--preparer-un-permis", "mobilite--acceder-a-un-vehicule"],
            "publics": ["jeunes", "demandeurs-emploi"],
        }
    )
    assert document["thematiques"] == ["mobilite--acceder-a-un-vehicule", "mobilite--preparer-un-permis"]
    assert document["publics"] == ["demandeurs-emploi", "jeunes"]


def test_an_organisation_stored_under_the_former_name_bounds_still_exports_as_a_valid_structure() -> None:
    import uuid
    from datetime import UTC, datetime

    from relais_referral.db.models import OrganisationRow
    from relais_referral.service_layer.offer import structure_document

    def org(name: str) -> OrganisationRow:
        return OrganisationRow(
            id=uuid.uuid4(), name=name, kind="plie", departement="44", created_at=datetime.now(UTC)
        )

    assert structure_document(org("AB"))["nom"] == "AB (plie)"  # the export answered 500 on such a name
    assert len(structure_document(org("P" * 200))["nom"]) == 150
    assert structure_document(org("Mission locale."))["nom"] == "Mission locale."


def test_a_service_published_just_after_midnight_in_paris_is_dated_so_the_national_schema_accepts_it() -> (
    None
):
    from datetime import UTC, date, datetime

    from relais_referral.service_layer.offer import last_update

    # 00:30 in Paris on 6 December is 23:30 UTC on the 5th, the day data·inclusion's check calls today.
    late = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    assert last_update(late, date(2026, 12, 5)) == date(2026, 12, 5)
    # In the afternoon both calendars agree.
    assert last_update(datetime(2026, 12, 5, 14, 0, tzinfo=UTC), date(2026, 12, 5)) == date(2026, 12, 5)
    # A machine set to Paris time: its today is already the 6th, and so is the service's date.
    assert last_update(late, date(2026, 12, 6)) == date(2026, 12, 6)

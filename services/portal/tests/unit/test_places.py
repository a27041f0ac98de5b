"""A place as people type it, read with the official division data installed with the portal's assets."""

from relais_portal.web.places import places


def test_a_commune_is_found_by_its_name_its_postcode_or_its_code_whatever_the_accents() -> None:
    for typed in ("Nantes", "nantes", "44000", "44109"):
        assert [c.name for c in places().communes_for(typed)] == ["Nantes"], typed
    assert [c.code for c in places().communes_for("saint herblain")] == ["44162"]


def test_five_digits_that_are_a_postcode_and_another_communes_code_offer_both() -> None:
    """« 44100 » is a postcode of Nantes and the INSEE code of Monnières: it was read as Monnières alone."""
    assert {c.name for c in places().communes_for("44100")} >= {"Nantes", "Monnières"}


def test_a_departement_is_found_by_its_number_or_its_name() -> None:
    for typed in ("44", "Loire-Atlantique", "loire atlantique"):
        assert places().departement_for(typed) == "44", typed
    assert places().departement_for("2A") == "2A"
    assert places().departement_for("Atlantide") is None

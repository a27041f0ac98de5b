"""Places come from the official division data installed from npm (@etalab/decoupage-administratif)."""

from __future__ import annotations

from relais_referral.territory import data_dir, load_territory

NANTES_METROPOLE = "244400404"


def test_a_postcode_gives_its_communes_their_intercommunality_and_departement() -> None:
    territory = load_territory(data_dir(None))
    place = territory.place_of_postcode("44300")
    assert "44109" in place.communes  # Nantes
    assert place.epcis == {NANTES_METROPOLE}
    assert place.departements == {"44"}


def test_saint_nazaire_is_in_loire_atlantique_but_not_in_nantes_metropole() -> None:
    territory = load_territory(data_dir(None))
    saint_nazaire = territory.commune("44184")
    assert saint_nazaire is not None and saint_nazaire.departement == "44"
    assert saint_nazaire.epci not in (None, NANTES_METROPOLE)


def test_an_unknown_postcode_is_an_unknown_place_not_an_error() -> None:
    place = load_territory(data_dir(None)).place_of_postcode("00000")
    assert not place.known and place.codes() == frozenset()

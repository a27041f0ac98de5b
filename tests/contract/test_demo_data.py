"""The services' demo data agree on who the pact's organisations are (``make run``)."""

from relais_clauses import demo as clauses_demo
from relais_referral import demo as referral_demo


def test_every_buyer_and_contractor_of_the_clauses_demo_is_an_organisation_of_the_directory_demo() -> None:
    directory = {
        referral_demo.org_id(name): kind
        for name, kind in [*referral_demo.ORGANISATIONS, *referral_demo.CLAUSE_PARTIES]
    }
    for buyer in clauses_demo.BUYERS:
        assert directory.get(clauses_demo.party_id(buyer)) == "buyer", buyer
    for contractor in clauses_demo.CONTRACTORS:
        assert directory.get(clauses_demo.party_id(contractor)) == "employer", contractor
    assert directory.get(clauses_demo.facilitator_id()) == "maison_emploi"

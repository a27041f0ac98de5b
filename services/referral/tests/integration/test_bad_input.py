"""Bad input is refused field by field (422, problem+json), never a 500, and writes nothing: what
schemathesis found crashing the API (NUL characters, integers beyond 64 bits, an appointment in year
9999) and what it accepted that it should not (a blank name, a birth date in the future)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from relais_referral.db.models import JobseekerRow, ReferralRow, SiteRow

Pact = Any  # the `pact` fixture of conftest.py
pytestmark = pytest.mark.integration

PERSON = {"first_name": "Inès", "last_name": "Morel", "birth_date": "2005-03-14", "postcode": "44300"}


def assert_refused(response: Any, field: str | None) -> None:
    """A 422 problem+json; naming ``field`` in its ``errors`` when the request's shape shows it."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://relais.example.org/problems/validation-error"
    if field is not None:
        assert field in {error["field"] for error in problem["errors"]}, problem


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "In\x00ès"),
        ("last_name", "Mo\x00"),
        ("last_name", "Mo\udc50rel"),  # a lone surrogate: no UTF-8 for it
        ("first_name", "   "),  # blank
        ("first_name", "Inès\nMorel"),  # a name is one line
        ("birth_date", "2999-01-01"),  # in the future
        ("birth_date", "0001-01-01"),
        ("birth_date", "1899-12-31"),
        ("nationality_category", "algerian"),  # a category (french, eu, non_eu), never a nationality
        ("sex", "X"),
        ("education_level", "bac"),
    ],
)
async def test_a_registration_with_an_impossible_value_is_refused_on_its_field_and_writes_nothing(
    pact: Pact, field: str, value: str
) -> None:
    marker = f"Refus{uuid.uuid4().hex[:8]}"
    body = {**PERSON, "last_name": marker, field: value if field != "last_name" else marker + value}
    response = await pact.client.post(
        "/v1/jobseekers",
        content=json.dumps(body),  # JSON escapes, as a client sends a lone surrogate: "\udc50"
        headers={**pact.headers("mission_locale"), "Content-Type": "application/json"},
    )
    assert_refused(response, field)
    assert await pact.count(JobseekerRow, JobseekerRow.last_name.like(f"{marker}%")) == 0


async def test_a_nul_character_in_a_query_or_a_path_is_a_422_not_a_500(pact: Pact) -> None:
    assert_refused(await pact.get("/v1/organisations", "mission_locale", q="Nan\x00tes"), None)
    admin = pact.headers(pact.coordination, "admin")
    member = await pact.client.put(
        f"/v1/organisations/{pact.orgs['plie']}/members/user%00one",
        headers=admin,
        json={"display_name": "Camille Lefèvre", "roles": ["counsellor"]},
    )
    assert_refused(member, None)


async def test_nul_characters_in_any_text_of_a_body_are_refused_on_their_field(pact: Pact) -> None:
    admin = pact.headers(pact.coordination, "admin")
    organisation = await pact.client.post(
        "/v1/organisations",
        headers=admin,
        json={
            "name": "Mission\x00locale",
            "kind": "mission_locale",
            "departement": "44",
            "contact_email": "accueil\x00@example.org",
        },
    )
    assert_refused(organisation, "name")
    assert "contact_email" in {error["field"] for error in organisation.json()["errors"]}
    site = await pact.client.post(
        f"/v1/organisations/{pact.orgs['plie']}/sites",
        headers=admin,
        json={
            "name": "Antenne",
            "address": "12 rue\x00",
            "postcode": "44300",
            "city": "Nantes",
            "departement": "44",
        },
    )
    assert_refused(site, "address")
    person = await pact.person()
    referral = await pact.post(
        "/v1/referrals",
        "mission_locale",
        {"jobseeker_id": person, "receiver_org_id": str(pact.orgs["plie"]), "motive": "Motif\x00"},
    )
    assert_refused(referral, "motive")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/organisations",
        "/v1/organisations/{org}/inbox",
        "/v1/organisations/{org}/referrals",
        "/v1/organisations/{org}/tasks",
    ],
)
@pytest.mark.parametrize("offset", [2**63, 2**70])
async def test_an_offset_beyond_64_bits_is_refused_on_its_parameter_not_a_500(
    pact: Pact, path: str, offset: int
) -> None:
    response = await pact.get(path.format(org=pact.orgs["plie"]), "plie", offset=offset)
    assert_refused(response, "query.offset")


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T10:00:00+01:00",  # overflowed the deadline arithmetic
        (datetime.now(UTC) + timedelta(days=970 * 365)).isoformat(),
        (datetime.now(UTC) + timedelta(days=2 * 366 + 2)).isoformat(),  # beyond two years
        "0001-01-02T10:00:00+00:00",
        (datetime.now(UTC) - timedelta(days=30)).isoformat(),
    ],
)
async def test_an_appointment_beyond_two_years_or_in_the_far_past_is_refused_on_its_field(
    pact: Pact, when: str
) -> None:
    referral = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()
    response = await pact.post(
        f"/v1/referrals/{referral['id']}/appointment", "plie", {"appointment_at": when}
    )
    assert_refused(response, "appointment_at")
    fetched = await pact.get(f"/v1/referrals/{referral['id']}", "plie")
    assert fetched.json()["status"] == "submitted"


async def test_an_appointment_next_month_is_accepted(pact: Pact) -> None:
    referral = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()
    when = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    response = await pact.post(
        f"/v1/referrals/{referral['id']}/appointment", "plie", {"appointment_at": when}
    )
    assert response.status_code == 200, response.text


async def test_a_refusal_for_another_reason_without_its_comment_names_the_comment_field(pact: Pact) -> None:
    referral = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()
    for comment in (None, "", "   "):
        body = {"reason": "other"} if comment is None else {"reason": "other", "comment": comment}
        response = await pact.post(f"/v1/referrals/{referral['id']}/refuse", "plie", body)
        assert_refused(response, "comment")
    fetched = await pact.get(f"/v1/referrals/{referral['id']}", "plie")
    assert fetched.json()["status"] == "submitted"


async def test_a_body_that_is_not_utf8_gets_relais_bad_request_problem(pact: Pact) -> None:
    response = await pact.client.post(
        "/v1/jobseekers",
        content=b'{"first_name": "In\xe8s"}',  # Latin-1, not UTF-8
        headers={**pact.headers("mission_locale"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://relais.example.org/problems/bad-request"
    assert problem["title"] == "Requête illisible" and problem["title_en"] == "Malformed request"


async def test_a_site_stored_under_laxer_rules_is_still_readable(pact: Pact) -> None:
    """Tighter input rules do not make what is already stored unreadable (a 500 schemathesis found)."""
    org = pact.orgs["plie"]
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        session.add(
            SiteRow(
                id=uuid.uuid4(),
                organisation_id=org,
                name="A",  # shorter than a new name may be
                address="12 rue\tdu Port\x13",
                postcode="44300",
                city="Nantes",
                departement="44",
            )
        )
    response = await pact.get(f"/v1/organisations/{org}", "plie")
    assert response.status_code == 200, response.text
    assert [site["name"] for site in response.json()["sites"]] == ["A"]


async def test_a_training_session_asked_of_a_receiver_that_is_not_a_training_provider_is_refused(
    pact: Pact,
) -> None:
    person = await pact.person()
    body = {
        "jobseeker_id": person,
        "receiver_org_id": str(pact.orgs["plie"]),
        "motive": "Formation",
        "training_session_id": str(uuid.uuid4()),
    }
    assert_refused(await pact.post("/v1/referrals", "mission_locale", body), None)
    assert await pact.count(ReferralRow, ReferralRow.jobseeker_id == uuid.UUID(person)) == 0

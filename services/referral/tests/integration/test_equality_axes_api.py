"""The equality axes through the API on the real PostgreSQL: a person's nationality category is recorded,
corrected with its history, exported; a correction of an axis puts the axes, as codes, in the outbox."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from relais_referral.db.models import JobseekerCorrectionRow, infra

from .test_caseload import _person, _token

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


async def _outbox(pact: Pact, event_type: str, key: str) -> list[dict[str, Any]]:
    async with pact.client._transport.app.state.sessions() as session:
        payloads = (
            await session.execute(
                select(infra.outbox.c.payload).where(
                    infra.outbox.c.event_type == event_type, infra.outbox.c.key == key
                )
            )
        ).scalars()
        return [json.loads(p) for p in payloads]


async def test_the_nationality_category_is_recorded_corrected_with_its_history_and_exported(
    pact: Pact,
) -> None:
    last = f"Axes{_token()}"
    person = await _person(
        pact,
        "mission_locale",
        "Amina",
        last,
        sex="F",
        nationality_category="non_eu",
        education_level="3",
        situation=["rsa", "long_term_unemployed", "rsa"],
    )
    read = (await pact.get(f"/v1/jobseekers/{person}", "mission_locale")).json()
    assert (read["nationality_category"], read["sex"], read["education_level"]) == ("non_eu", "F", "3")
    assert read["situation"] == ["long_term_unemployed", "rsa"]  # a set of codes: each once, one order

    corrected = await pact.client.patch(
        f"/v1/jobseekers/{person}",
        headers=pact.headers("mission_locale"),
        json={"nationality_category": "eu", "situation": ["rsa", "disability_recognised"]},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["nationality_category"] == "eu"
    history = (await pact.get(f"/v1/jobseekers/{person}/history", "mission_locale")).json()["items"]
    assert [h["fields"] for h in history] == [["nationality_category", "situation"]]
    async with pact.client._transport.app.state.sessions() as session:
        [previous] = (
            await session.execute(
                select(JobseekerCorrectionRow.previous).where(
                    JobseekerCorrectionRow.jobseeker_id == uuid.UUID(person)
                )
            )
        ).scalars()
    assert previous == {"nationality_category": "non_eu", "situation": ["long_term_unemployed", "rsa"]}

    [changed] = await _outbox(pact, "jobseeker.attributes_changed.v1", person)
    data = changed["data"]
    assert {k: v for k, v in data.items() if k not in ("changed_at", "age_band")} == {
        "jobseeker_id": person,
        "sex": "F",
        "qpv_resident": None,
        "nationality_category": "eu",
        "education_level": "3",
        "long_term_unemployed": False,
        "minimum_income": True,
        "disability": True,
    }
    assert last not in json.dumps(changed) and "disability_recognised" not in json.dumps(changed)

    export = (await pact.get(f"/v1/jobseekers/{person}/export", "mission_locale")).json()
    assert export["identity"]["nationality_category"] == "eu"


async def test_a_correction_of_contact_details_only_announces_no_attribute(pact: Pact) -> None:
    person = await _person(
        pact, "mission_locale", "Inès", f"Contact{_token()}", nationality_category="french"
    )
    corrected = await pact.client.patch(
        f"/v1/jobseekers/{person}", headers=pact.headers("mission_locale"), json={"phone": "06 12 34 56 78"}
    )
    assert corrected.status_code == 200, corrected.text
    assert await _outbox(pact, "jobseeker.attributes_changed.v1", person) == []

"""Every referral transition is a line of the person's journey (README), through the real API and PostgreSQL.

The lines hold what the journey already holds: organisations, referral ids and codes, never the motive,
a refusal's comment or the appointment's date.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.referrals import expire_referral
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.settings import ReferralSettings

from .conftest import Pact

pytestmark = pytest.mark.integration

SOON = (datetime.now(UTC) + timedelta(days=3)).isoformat()
COMMENT = "Commentaire libre confidentiel"


async def _act(pact: Pact, referral: str, action: str, org: str, body: Any = None) -> None:
    response = await pact.post(f"/v1/referrals/{referral}/{action}", org, body)
    assert response.status_code == 200, response.text


async def _history(pact: Pact, person: str, org: str) -> tuple[list[tuple[Any, ...]], str]:
    response = await pact.get(f"/v1/jobseekers/{person}/journey", org)
    assert response.status_code == 200, response.text
    lines = [(e["kind"], e["org_id"], e["referral_id"], e["detail"]) for e in response.json()["history"]]
    return lines, response.text


async def test_each_step_from_submission_to_closing_is_a_line_of_the_journey(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    await _act(pact, referral, "acknowledge", "plie")
    await _act(pact, referral, "appointment", "plie", {"appointment_at": SOON})
    await pact.meeting_time_comes(referral)
    await _act(pact, referral, "appointment-outcome", "plie", {"outcome": "seen"})
    await _act(pact, referral, "accept", "plie")
    await _act(pact, referral, "close", "plie", {"outcome": "durable_employment"})

    history, text = await _history(pact, person, "plie")
    plie = str(pact.orgs["plie"])
    assert history == [
        ("referral_submitted", plie, referral, None),
        ("referral_acknowledged", plie, referral, None),
        ("referral_appointment_scheduled", plie, referral, None),
        ("referral_appointment_outcome", plie, referral, "seen"),
        ("referral_accepted", plie, referral, None),
        ("referral_closed", plie, referral, "durable_employment"),
    ]
    assert "Accompagnement renforcé" not in text  # the motive stays on the referral
    assert SOON[:16] not in text  # the appointment too


async def test_refusals_returns_withdrawals_obsolescence_and_expiry_are_lines_of_the_journey(
    pact: Pact,
) -> None:
    person = await pact.person()
    refer = pact.refer
    # Two no-shows: back to the sender as unreachable.
    no_shows = (await refer(person, "mission_locale", "plie")).json()["id"]
    for _ in range(2):
        await _act(pact, no_shows, "appointment", "plie", {"appointment_at": SOON})
        await pact.meeting_time_comes(no_shows)
        await _act(pact, no_shows, "appointment-outcome", "plie", {"outcome": "no_show"})
    refused = (await refer(person, "mission_locale", "cap_emploi")).json()["id"]
    await _act(pact, refused, "refuse", "cap_emploi", {"reason": "other", "comment": COMMENT})
    withdrawn = (await refer(person, "mission_locale", "france_travail")).json()["id"]
    await _act(pact, withdrawn, "withdraw", "mission_locale")
    made_obsolete = (await refer(person, "mission_locale", "plie")).json()["id"]
    accepted = (await refer(person, "mission_locale", "cap_emploi")).json()["id"]
    await _act(pact, accepted, "accept", "cap_emploi")
    # The new référent refers on; nobody answers: the referral's workflow expires it.
    expired = (await refer(person, "cap_emploi", "france_travail")).json()["id"]
    sessions = pact.client._transport.app.state.sessions  # type: ignore[attr-defined]
    async with UnitOfWork(sessions) as uow:
        await expire_referral(uow, uuid.UUID(expired), PactContext.from_settings(ReferralSettings()))

    history, text = await _history(pact, person, "cap_emploi")
    org = {kind: str(pact.orgs[kind]) for kind in ("plie", "cap_emploi", "france_travail")}
    assert history == [
        ("referral_submitted", org["plie"], no_shows, None),
        ("referral_appointment_scheduled", org["plie"], no_shows, None),
        ("referral_appointment_outcome", org["plie"], no_shows, "no_show"),
        ("referral_appointment_scheduled", org["plie"], no_shows, None),
        ("referral_appointment_outcome", org["plie"], no_shows, "no_show"),
        ("referral_refused", org["plie"], no_shows, "unreachable"),
        ("referral_submitted", org["cap_emploi"], refused, None),
        ("referral_refused", org["cap_emploi"], refused, "other"),
        ("referral_submitted", org["france_travail"], withdrawn, None),
        ("referral_withdrawn", org["france_travail"], withdrawn, None),
        ("referral_submitted", org["plie"], made_obsolete, None),
        ("referral_submitted", org["cap_emploi"], accepted, None),
        ("referral_accepted", org["cap_emploi"], accepted, None),
        ("referral_obsolete", org["plie"], made_obsolete, "another_referral_accepted"),
        ("referral_submitted", org["france_travail"], expired, None),
        ("referral_expired", org["france_travail"], expired, None),
    ]
    assert COMMENT not in text and "Absences répétées" not in text  # free text stays on the referral

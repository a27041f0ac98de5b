"""Needs travel on Kafka as codes with the opaque person id; a health need never does (read the topic)."""

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import eventually
from relais_referral.events.contracts import TOPIC
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.kafka import read_topic

pytestmark = pytest.mark.integration


async def test_need_events_reach_the_topic_with_codes_only_and_a_health_need_never_does(
    stack: Stack, issuer: DevIssuer, referral_processes: tuple[str, Path]
) -> None:
    base_url, _ = referral_processes
    org = uuid.uuid4()

    def auth(org_id: uuid.UUID, role: str = "counsellor") -> dict[str, str]:
        token = issuer.token(org_id=org_id, org_kind="mission_locale", roles=[role])
        return {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:

        async def ready() -> bool:
            try:
                return (await client.get("/ready")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, "referral API ready")
        created = await client.post(
            "/v1/organisations",
            headers=auth(ReferralSettings().coordination_org_id, "admin"),
            json={
                "id": str(org),
                "name": "E2E Mission locale",
                "kind": "mission_locale",
                "departement": "44",
            },
        )
        assert created.status_code == 201, created.text
        person = await client.post(
            "/v1/jobseekers",
            headers=auth(org),
            json={"first_name": "Zoé", "last_name": "Morin", "birth_date": "1990-02-03", "postcode": "44200"},
        )
        jobseeker = person.json()["id"]
        ids: dict[str, str] = {}
        for code in ("sante--sante-mentale", "mobilite--preparer-un-permis"):
            need = await client.post(
                f"/v1/jobseekers/{jobseeker}/needs", headers=auth(org), json={"thematique": code}
            )
            assert need.status_code == 201, need.text
            ids[code] = need.json()["id"]
        lifted = await client.post(
            f"/v1/jobseekers/{jobseeker}/needs/{ids['mobilite--preparer-un-permis']}/lift",
            headers=auth(org),
            json={},
        )
        assert lifted.status_code == 200, lifted.text

    async def lifted_on_the_topic() -> list[dict[str, Any]] | None:
        records = [json.loads(r.value) for r in await read_topic(stack.kafka_bootstrap, TOPIC)]
        mine = [r for r in records if r["subject"] == jobseeker]
        return mine if any(r["type"] == "jobseeker.need_lifted.v1" for r in mine) else None

    # Per person, events keep their order on the topic: once the lift is there, the earlier health need
    # would be there too if it had been published.
    mine = await eventually(lifted_on_the_topic, "the lifted need on Kafka", timeout=30)
    needs = [r for r in mine if r["type"].startswith("jobseeker.need_")]
    assert [r["type"] for r in needs] == ["jobseeker.need_identified.v1", "jobseeker.need_lifted.v1"]
    assert {r["data"]["thematique"] for r in needs} == {"mobilite--preparer-un-permis"}
    assert ids["sante--sante-mentale"] not in json.dumps(mine)
    assert "sante" not in json.dumps(mine) and "Morin" not in json.dumps(mine)

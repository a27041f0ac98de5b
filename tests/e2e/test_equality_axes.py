"""The equality axes end to end: a person registered with their categories, referred, then corrected —
the events on the real topic carry the axes as codes only (no name, birth date, e-mail, raw situation),
and the evaluation's ingestion of those very records sets the axes of the person's pseudonymous row."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from relais_dev.stack import Stack
from relais_dev.testing import eventually
from relais_evaluation.adapters.db.models import people
from relais_evaluation.adapters.events.consumer import batch_handler
from relais_evaluation.domain.facts import AXES
from relais_evaluation.domain.pseudonym import subject_key
from relais_evaluation.manifest import MANIFEST
from relais_referral.events.contracts import TOPIC
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.db import make_engine, make_sessionmaker, transaction
from relais_shared.envelope import IncomingEnvelope
from relais_shared.kafka import read_topic
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration
PACT_KEY = "e2e-equality-axes-pact-key"
IDENTITY = {"first_name": "Aïcha", "last_name": f"Traoré{uuid.uuid4().hex[:6]}", "email": "aicha@example.org"}


async def _register_refer_and_correct(base_url: str, issuer: DevIssuer) -> tuple[str, str]:
    sender, receiver = uuid.uuid4(), uuid.uuid4()

    def auth(org: uuid.UUID, role: str = "counsellor") -> dict[str, str]:
        return {"Authorization": "Bearer " + issuer.token(org_id=org, org_kind="plie", roles=[role])}

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:

        async def ready() -> bool:
            try:
                return (await client.get("/ready")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, "referral API ready")
        for org, kind in ((sender, "mission_locale"), (receiver, "plie")):
            created = await client.post(
                "/v1/organisations",
                headers=auth(ReferralSettings().coordination_org_id, "admin"),
                json={"id": str(org), "name": f"E2E {kind}", "kind": kind, "departement": "44"},
            )
            assert created.status_code == 201, created.text
        person = await client.post(
            "/v1/jobseekers",
            headers=auth(sender),
            json={
                **IDENTITY,
                "birth_date": "1979-04-30",
                "postcode": "44200",
                "qpv_resident": True,
                "sex": "F",
                "nationality_category": "non_eu",
                "education_level": "infra_3",
                "situation": ["long_term_unemployed", "rsa", "disability_recognised"],
            },
        )
        assert person.status_code == 201, person.text
        jobseeker = person.json()["id"]
        referral = await client.post(
            "/v1/referrals",
            headers=auth(sender),
            json={"jobseeker_id": jobseeker, "receiver_org_id": str(receiver), "motive": "Parcours PLIE"},
        )
        assert referral.status_code == 201, referral.text
        corrected = await client.patch(
            f"/v1/jobseekers/{jobseeker}", headers=auth(sender), json={"nationality_category": "eu"}
        )
        assert corrected.status_code == 200, corrected.text
    return jobseeker, referral.json()["id"]


async def test_the_axes_travel_as_codes_only_and_the_evaluation_records_them(
    stack: Stack, issuer: DevIssuer, referral_processes: tuple[str, Path], scratch_database: str
) -> None:
    base_url, _ = referral_processes
    jobseeker, referral = await _register_refer_and_correct(base_url, issuer)

    async def on_the_topic() -> list[Any] | None:
        records = await read_topic(stack.kafka_bootstrap, TOPIC)
        mine = [r for r in records if json.loads(r.value)["data"].get("jobseeker_id") == jobseeker]
        types = {json.loads(r.value)["type"] for r in mine}
        return mine if {"referral.submitted.v1", "jobseeker.attributes_changed.v1"} <= types else None

    records = await eventually(on_the_topic, "the referral and the correction on Kafka", timeout=30)
    envelopes = [IncomingEnvelope.model_validate_json(r.value) for r in records]
    by_type = {e.type: e for e in envelopes}
    submitted, changed = by_type["referral.submitted.v1"], by_type["jobseeker.attributes_changed.v1"]
    assert submitted.subject == referral
    assert submitted.data.keys() == {
        "referral_id",
        "jobseeker_id",
        "sender_org_id",
        "receiver_org_id",
        "submitted_at",
        "acknowledgement_due",
        "receiver_departement",
        "training_session_id",
        *AXES,
    }
    assert {axis: submitted.data[axis] for axis in AXES} == {
        "age_band": "26_49",
        "sex": "F",
        "qpv_resident": True,
        "nationality_category": "non_eu",
        "education_level": "infra_3",
        "long_term_unemployed": True,
        "minimum_income": True,
        "disability": True,
    }
    assert changed.data.keys() == {"jobseeker_id", "changed_at", *AXES}
    assert changed.data["nationality_category"] == "eu"
    wire = b"".join(r.value for r in records).decode()
    for secret in (*IDENTITY.values(), "1979-04-30", '"44200"', "disability_recognised", '"rsa"'):
        assert secret not in wire, secret

    # The evaluation's ingestion (its live consumer's batch handler) of the records as read from Kafka.
    await asyncio.to_thread(upgrade_head, MANIFEST.service_dir, scratch_database)
    engine = make_engine(scratch_database, pool_size=1)
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as session:
            await batch_handler(PACT_KEY, apply_erasures=True)(session, envelopes)
        async with sessions() as session:
            [row] = (
                await session.execute(
                    select(*(people.c[a] for a in AXES)).where(
                        people.c.subject_key == subject_key(PACT_KEY, uuid.UUID(jobseeker))
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert dict(row._mapping) == {
        "age_band": "26_49",
        "sex": "F",
        "qpv_resident": "yes",
        "nationality_category": "eu",  # the correction, later than the referral, wins
        "education_level": "infra_3",
        "long_term_unemployed": "yes",
        "minimum_income": "yes",
        "disability": "yes",
    }

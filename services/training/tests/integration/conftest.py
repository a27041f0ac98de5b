"""The training API in-process on the stack's PostgreSQL, with tokens of providers and counsellors."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from relais_dev.stack import Stack
from relais_shared.auth import DevIssuer
from relais_training import service_layer
from relais_training.app import create_app
from relais_training.models import infra


@dataclass
class Pact:
    client: httpx.AsyncClient
    issuer: DevIssuer
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)

    def headers(self, who: str, role: str = "training_provider") -> dict[str, str]:
        kind = "training_provider" if role == "training_provider" else "mission_locale"
        return {
            "Authorization": "Bearer " + self.issuer.token(org_id=self.orgs[who], org_kind=kind, roles=[role])
        }

    async def post(self, path: str, who: str, body: Any, role: str = "training_provider") -> Any:
        return await self.client.post(path, headers=self.headers(who, role), json=body)

    async def events(self, field: str, value: str) -> list[dict[str, Any]]:
        """The outbox's events whose data has ``field`` equal to ``value``, in order."""
        app = self.client._transport.app  # type: ignore[attr-defined]
        async with app.state.sessions() as session:
            payloads = await session.execute(select(infra.outbox.c.payload).order_by(infra.outbox.c.id))
            return [e for e in map(json.loads, payloads.scalars()) if e["data"].get(field) == value]

    async def session(self, who: str = "provider", capacity: int = 10, **extra: Any) -> dict[str, Any]:
        offer = await self.post("/v1/offers", who, {"title": "Français langue étrangère — A2", "kind": "fle"})
        assert offer.status_code == 201, offer.text
        body = {
            "offer_id": offer.json()["id"],
            "starts_on": "2027-01-11",
            "ends_on": "2027-03-19",
            "commune": "Nantes",
            "code_insee": "44109",
            "capacity": capacity,
            "childcare": True,
            **extra,
        }
        created = await self.post("/v1/sessions", who, body)
        assert created.status_code == 201, created.text
        return dict(created.json())


# The day these tests live on unless one sets its own (``clock``): their sessions are fixed dates of January
# 2027, which the service refuses once past; pinned, they stay in the future whatever the real date.
FIXTURES_TODAY = date(2026, 12, 1)


@pytest.fixture
async def pact(stack: Stack, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pact]:
    monkeypatch.setattr(service_layer, "today", lambda: FIXTURES_TODAY)
    app = create_app()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://training") as client,
    ):
        yield Pact(
            client,
            issuer,
            {n: uuid.uuid4() for n in ("provider", "other-provider", "counsellor", "other-counsellor")},
        )


@dataclass
class Clock:
    """The service's "today" (Paris) set by a test: enrol before a session starts, then live its days."""

    monkeypatch: pytest.MonkeyPatch

    def set(self, day: str) -> None:
        self.monkeypatch.setattr(service_layer, "today", lambda: date.fromisoformat(day))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)

"""The evaluation store on a scratch database of the stack's PostgreSQL, and its API in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_evaluation.adapters.events.consumer import batch_handler
from relais_evaluation.app import create_app
from relais_evaluation.manifest import MANIFEST
from relais_evaluation.settings import EvaluationSettings
from relais_shared.auth import DevIssuer
from relais_shared.db import make_engine, make_sessionmaker, transaction
from relais_shared.envelope import IncomingEnvelope
from relais_shared.migrations import upgrade_head

from .synthetic_pact import COORDINATION

PACT_KEY = "test-pact-key-not-a-placeholder"


@dataclass
class Store:
    url: str
    sessions: async_sessionmaker[AsyncSession]

    async def ingest(self, envelopes: Sequence[IncomingEnvelope], *, apply_erasures: bool = True) -> None:
        """The live consumer's batch handler, in one transaction (no Kafka)."""
        async with transaction(self.sessions) as session:
            await batch_handler(PACT_KEY, apply_erasures=apply_erasures)(session, list(envelopes))


@pytest.fixture
async def store(scratch_database: str) -> AsyncIterator[Store]:
    await asyncio.to_thread(upgrade_head, MANIFEST.service_dir, scratch_database)
    engine = make_engine(scratch_database, pool_size=2)
    yield Store(scratch_database, make_sessionmaker(engine))
    await engine.dispose()


@dataclass
class Api:
    client: httpx.AsyncClient
    issuer: DevIssuer

    def headers(
        self, role: str = "coordinator", org: Any = COORDINATION, kind: str = "pact_coordination"
    ) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.token(org_id=org, org_kind=kind, roles=[role])}

    async def get(
        self, path: str, role: str = "coordinator", org: Any = COORDINATION, **params: Any
    ) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(role, org), params=params)


def api_for(store: Store, issuer: DevIssuer, **settings: Any) -> Any:
    app = create_app(EvaluationSettings(database_url=store.url, pact_key=PACT_KEY, **settings))

    class _Running:
        async def __aenter__(self) -> Api:
            self._lifespan = app.router.lifespan_context(app)
            await self._lifespan.__aenter__()
            self._client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://evaluation"
            )
            return Api(self._client, issuer)

        async def __aexit__(self, *exc: object) -> None:
            await self._client.aclose()
            await self._lifespan.__aexit__(None, None, None)

    return _Running()

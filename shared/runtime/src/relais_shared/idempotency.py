"""``Idempotency-Key`` support for POSTs that create something.

The stored response is written in the same transaction as the creation: a retried request with the
same key and the same body gets the first answer; the same key with another body is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_shared.auth import Principal
from relais_shared.problems import Problem


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def find_previous(
    session: AsyncSession,
    table: Table,
    principal: Principal,
    key: str,
    method: str,
    path: str,
    body_hash: str,
) -> StoredResponse | None:
    row = (
        await session.execute(
            select(table).where(table.c.org_id == principal.org_id, table.c.key == key).with_for_update()
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != body_hash or row.method != method or row.path != path:
        raise Problem("idempotency-key-reused", "Cette clé a déjà servi pour une requête différente.")
    return StoredResponse(row.status_code, row.response)


async def remember(
    session: AsyncSession,
    table: Table,
    principal: Principal,
    key: str,
    method: str,
    path: str,
    body_hash: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    await session.execute(
        table.insert().values(
            org_id=principal.org_id,
            key=key,
            method=method,
            path=path,
            request_hash=body_hash,
            status_code=status_code,
            response=response,
        )
    )

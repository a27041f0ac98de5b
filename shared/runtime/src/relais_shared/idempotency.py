"""``Idempotency-Key`` support for POSTs that create something.

The stored response is written in the same transaction as the creation: a retried request with the
same key and the same body gets the first answer; the same key with another body is refused.

Concurrency: ``find_previous`` first takes a transaction-scoped PostgreSQL advisory lock on
(organisation, key), so a second request with the same key waits until the first one's transaction
ends. Then the first has either committed its answer (the second replays it, or is refused if its body
differs) or rolled back (the second runs as if it were first). Without the lock both requests found no
row and both ran the handler: the loser failed on the handler's own rules (an open referral already
exists: 409) before it ever reached the key's primary key. The lock key lives in PostgreSQL's two-int4
key space, apart from the single-bigint locks other parts take (relay, policies); two keys hashing
alike only wait for one another.

Retention: the stored responses hold what the request created (a referral's free-text motive), so they
are kept for ``retention`` only (``RELAIS_IDEMPOTENCY_RETENTION_HOURS``) and ``purge_expired`` deletes
older ones; a key used again after its purge is a new request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_shared.auth import Principal
from relais_shared.problems import Problem

LOCK_NAMESPACE = "relais.idempotency"


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
    """The stored answer to this key, or None; holds the key's lock until the transaction ends.

    Call it first in the transaction that will ``remember`` the answer."""
    await session.execute(
        select(
            func.pg_advisory_xact_lock(
                func.hashtext(LOCK_NAMESPACE), func.hashtext(f"{principal.org_id}:{key}")
            )
        )
    )
    row = (
        await session.execute(select(table).where(table.c.org_id == principal.org_id, table.c.key == key))
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


async def purge_expired(
    session: AsyncSession, table: Table, retention: timedelta, *, now: datetime | None = None
) -> int:
    """Deletes the keys (and the answers they hold) stored more than ``retention`` ago; returns how many.

    A plain DELETE on ``created_at``: idempotent, so several processes running it at once do no harm."""
    cutoff = (now or datetime.now(UTC)) - retention
    result = await session.execute(delete(table).where(table.c.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

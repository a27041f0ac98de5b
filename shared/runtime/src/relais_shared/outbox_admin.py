"""Parked outbox rows: list, inspect and re-queue them (``relais outbox parked|show|requeue``).

A row is parked when the relay failed to publish it ``MAX_ATTEMPTS`` times (each failure charged to
that row alone). It is not lost: it stays in the service's outbox with its last error until an
operator re-queues it, which gives it a fresh count of attempts and wakes the relay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from relais_shared.outbox import MAX_ATTEMPTS, NOTIFY_CHANNEL, asyncpg_dsn

_COLUMNS = (
    "id, event_id, topic, key, event_type, created_at, attempts, last_error, octet_length(payload) AS size"
)


@dataclass(frozen=True)
class ParkedRow:
    id: int
    event_id: str
    topic: str
    key: str
    event_type: str
    created_at: datetime
    attempts: int
    last_error: str | None
    size: int
    payload: dict[str, Any] | None = None  # only when one row is shown: events hold no personal data


def _row(record: asyncpg.Record, payload: bytes | None = None) -> ParkedRow:
    values = {k: v for k, v in record.items() if k != "payload"}
    values["event_id"] = str(values["event_id"])
    return ParkedRow(**values, payload=json.loads(payload) if payload is not None else None)


async def parked_rows(database_url: str, *, table: str = "outbox") -> list[ParkedRow]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        records = await conn.fetch(
            f"SELECT {_COLUMNS} FROM {table} WHERE published_at IS NULL AND attempts >= $1 ORDER BY id",  # noqa: S608 - names from code
            MAX_ATTEMPTS,
        )
    finally:
        await conn.close()
    return [_row(r) for r in records]


async def outbox_row(database_url: str, row_id: int, *, table: str = "outbox") -> ParkedRow | None:
    """Any outbox row, with its payload (parked or not: an operator may look at a pending one too)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        record = await conn.fetchrow(
            f"SELECT {_COLUMNS}, payload FROM {table} WHERE id = $1",  # noqa: S608 - names from code
            row_id,
        )
    finally:
        await conn.close()
    return None if record is None else _row(record, record["payload"])


async def requeue(database_url: str, row_ids: list[int] | None, *, table: str = "outbox") -> list[int]:
    """Give parked rows (those given, or all of them) a fresh count of attempts and wake the relay."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            records = await conn.fetch(
                f"UPDATE {table} SET attempts = 0 WHERE published_at IS NULL AND attempts >= $1 "  # noqa: S608
                "AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) RETURNING id",
                MAX_ATTEMPTS,
                row_ids,
            )
            await conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    finally:
        await conn.close()
    return sorted(r["id"] for r in records)

"""The local stack's PostgreSQL holds jobseekers' identity data: durable and password-protected by default."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from relais_dev.stack import Stack, StackPorts
from relais_dev.testing import free_port

pytestmark = pytest.mark.integration


async def test_the_stack_postgres_refuses_a_connection_without_the_right_password(stack: Stack) -> None:
    for dsn in (
        f"postgresql://postgres@127.0.0.1:{stack.ports.postgres}/postgres",
        f"postgresql://postgres:not-the-password@127.0.0.1:{stack.ports.postgres}/postgres",
    ):
        with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)):
            await asyncpg.connect(dsn, timeout=10)
    conn = await asyncpg.connect(stack.admin_dsn(), timeout=10)
    try:
        assert await conn.fetchval("SHOW password_encryption") == "scram-sha-256"
        assert await conn.fetchval(
            "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'"
        )
    finally:
        await conn.close()
    mode = stat.S_IMODE(stack.pg_password_file.stat().st_mode)
    assert mode == 0o600, f"the password file is readable by others ({oct(mode)})"


@pytest.fixture
def fresh_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A stack of its own (state under tmp_path, a free port) whose PostgreSQL alone is started."""
    monkeypatch.setenv("RELAIS_STATE", str(tmp_path / "state"))
    stack = Stack(ports=StackPorts(postgres=free_port()))
    yield stack
    stack.clean()


@pytest.mark.parametrize(("setting", "expected"), [(None, "on"), ("off", "off")])
async def test_a_new_stack_runs_postgres_with_fsync_on_unless_told_otherwise(
    fresh_postgres: Stack, monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: str
) -> None:
    if setting is None:
        monkeypatch.delenv("RELAIS_PG_FSYNC", raising=False)
    else:
        monkeypatch.setenv("RELAIS_PG_FSYNC", setting)
    fresh_postgres._start_postgres()
    fresh_postgres._wait_port("postgres", fresh_postgres.ports.postgres, timeout=30)
    conn = await asyncpg.connect(fresh_postgres.admin_dsn(), timeout=10)
    try:
        assert await conn.fetchval("SHOW fsync") == expected
    finally:
        await conn.close()


async def test_a_new_checkout_at_the_path_of_a_deleted_one_gets_a_cluster_it_can_log_into(
    fresh_postgres: Stack,
) -> None:
    """CI clones to the same path every time; the cluster of the deleted clone (under /var/tmp when
    run as root) has a password the new clone never knew."""
    fresh_postgres._start_postgres()
    fresh_postgres._wait_postgres()
    old_cluster = fresh_postgres.pg_data
    fresh_postgres._stop_postgres()
    shutil.rmtree(fresh_postgres.state)  # the clone is deleted; what lives outside it stays

    again = Stack(ports=fresh_postgres.ports)
    try:
        again._start_postgres()
        again._wait_postgres()
        conn = await asyncpg.connect(again.admin_dsn(), timeout=10)
        try:
            assert await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname LIKE 'relais_%'") >= 1
        finally:
            await conn.close()
        if old_cluster != again.pg_data:  # as root, outside the state: the orphan is removed
            assert not old_cluster.exists()
    finally:
        again.clean()

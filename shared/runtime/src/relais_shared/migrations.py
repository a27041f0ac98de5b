"""Alembic helpers shared by every service's ``alembic/env.py``, and the migration of one service.

Every service's history has two branches: its own (``<service>/alembic/versions``) and the shared
``infrastructure`` branch (this package's ``infrastructure_migrations``: outbox, processed events,
idempotency keys, audit log), on which the service's first revision depends. So a new service writes
no migration for them, and they change in one place.

``python -m relais_shared.migrations NAME`` upgrades the service ``NAME`` (found by its manifest).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

INFRASTRUCTURE_VERSIONS = Path(__file__).resolve().parent / "infrastructure_migrations"


def alembic_config(service_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(service_dir / "alembic"))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations",
        os.pathsep.join([str(service_dir / "alembic" / "versions"), str(INFRASTRUCTURE_VERSIONS)]),
    )
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_head(service_dir: Path, database_url: str) -> None:
    """Both branches to their heads (the service's, and the shared infrastructure one)."""
    command.upgrade(alembic_config(service_dir, database_url), "heads")


def main() -> None:
    from relais_shared.manifest import load_manifests

    manifest = load_manifests()[sys.argv[1]]
    upgrade_head(manifest.service_dir, manifest.settings().database_url)


if __name__ == "__main__":
    main()


def run_env(context: object, metadata: MetaData) -> None:
    """Body of ``alembic/env.py``: online migrations over asyncpg."""
    from alembic import context as ctx

    config = ctx.config

    def do_run(connection: Connection) -> None:
        ctx.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with ctx.begin_transaction():
            ctx.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())

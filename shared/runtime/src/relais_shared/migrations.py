"""Alembic helpers shared by every service's ``alembic/env.py`` and ``migrate`` entrypoint."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config


def alembic_config(service_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(service_dir / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_head(service_dir: Path, database_url: str) -> None:
    command.upgrade(alembic_config(service_dir, database_url), "head")


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

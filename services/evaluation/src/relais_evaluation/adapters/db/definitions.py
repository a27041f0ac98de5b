"""The exit definitions of the pact, versioned in the store (seeded with DARES, PLIE and the pact's own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_evaluation.adapters.db.models import exit_definitions as t
from relais_evaluation.domain.exits import ExitDefinition


def _definition(row: Any) -> ExitDefinition:
    return ExitDefinition(
        code=row.code,
        version=row.version,
        label=row.label,
        official=row.official,
        categories=tuple(row.categories),
        category_labels=dict(row.category_labels),
        mapping=dict(row.mapping),
        default_category=row.default_category,
        positive=tuple(row.positive),
    )


def row_of(d: ExitDefinition) -> dict[str, Any]:
    return {
        "code": d.code,
        "version": d.version,
        "label": d.label,
        "official": d.official,
        "categories": list(d.categories),
        "category_labels": dict(d.category_labels),
        "mapping": dict(d.mapping),
        "default_category": d.default_category,
        "positive": list(d.positive),
    }


class DefinitionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[ExitDefinition]:
        rows = await self.session.execute(select(t).order_by(t.c.code, t.c.version))
        return [_definition(r) for r in rows]

    async def find(self, references: Sequence[str]) -> tuple[list[ExitDefinition], list[str]]:
        """``code`` (its latest version) or ``code@version`` each; returns what was found and what was not."""
        every = await self.all()
        found, missing = [], []
        for reference in references:
            code, _, version = reference.partition("@")
            versions = [d for d in every if d.code == code and (not version or str(d.version) == version)]
            if versions:
                found.append(max(versions, key=lambda d: d.version))
            else:
                missing.append(reference)
        return found, missing

    async def is_official(self, code: str) -> bool:
        """Whether ``code`` names an official definition (DARES/IAE, PLIE): those come with the service."""
        return bool(await self.session.scalar(select(func.bool_or(t.c.official)).where(t.c.code == code)))

    async def next_version(self, code: str) -> int:
        current = await self.session.scalar(select(func.max(t.c.version)).where(t.c.code == code))
        return int(current or 0) + 1

    async def add(self, definition: ExitDefinition, adopted_by: str) -> None:
        await self.session.execute(insert(t).values(**row_of(definition), adopted_by=adopted_by))

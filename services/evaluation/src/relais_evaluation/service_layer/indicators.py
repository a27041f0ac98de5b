"""Indicators: the raw sums from the store, published with small cells hidden and rates derived."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from relais_evaluation.domain.exits import ExitDefinition
from relais_evaluation.domain.indicators import (
    EXITS,
    INDICATORS,
    IndicatorQuery,
    InvalidQuery,
    Key,
    Table,
    check_group_by,
    exit_spec,
    publish,
    refinement_of,
)


class IndicatorReader(Protocol):
    async def sums(self, query: IndicatorQuery) -> dict[Key, dict[str, float]]: ...
    async def exit_sums(self, query: IndicatorQuery) -> dict[Key, dict[str, float]]: ...


HORIZONS = (0, 3, 6, 12)


async def compute(
    reader: IndicatorReader,
    query: IndicatorQuery,
    *,
    threshold: int,
    definitions: Sequence[ExitDefinition] = (),
) -> Table:
    spec = INDICATORS.get(query.indicator)
    if spec is None:
        raise InvalidQuery([{"field": "indicator", "message": f"Indicateur inconnu : {query.indicator}."}])
    if query.end < query.start:
        raise InvalidQuery([{"field": "to", "message": "La fin de la période précède son début."}])
    check_group_by(spec, query.group_by)
    if spec.name == "unaccompanied_over_time" and "month" not in query.group_by:
        query = replace(query, group_by=("month", *query.group_by))
        check_group_by(spec, query.group_by)
    if spec.name != EXITS.name:
        return publish(spec, query.group_by, await reader.sums(query), threshold)
    if query.horizon_months not in HORIZONS:
        raise InvalidQuery([{"field": "horizon", "message": "Horizon possible : 0, 3, 6 ou 12 mois."}])
    if not definitions:
        raise InvalidQuery([{"field": "definitions", "message": "Au moins une définition des sorties."}])
    by_situation = await reader.exit_sums(query)
    sums: dict[Key, dict[str, float]] = {}
    for key, situations in by_situation.items():
        cell = {"exits": sum(situations.values())}
        for d in definitions:
            for category in d.categories:
                cell[f"{d.key}:{category}"] = 0.0
            for situation, count in situations.items():
                cell[f"{d.key}:{d.category_of(situation)}"] += count
            if d.positive:
                cell[f"{d.key}:positive"] = sum(cell[f"{d.key}:{c}"] for c in d.positive)
        for situation, count in situations.items():
            refinement = refinement_of(definitions, situation)
            cell[refinement] = cell.get(refinement, 0.0) + count
        sums[key] = cell
    return publish(exit_spec(definitions), query.group_by, sums, threshold)

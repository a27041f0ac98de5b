"""The evaluation API's bodies: aggregates only — no jobseeker id, no name, no identity field anywhere."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from relais_evaluation.domain.exits import SITUATIONS, ExitDefinition
from relais_evaluation.domain.indicators import DIMENSIONS, IndicatorSpec, Table

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_\-]+$")]
Label = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]


class MeasureOut(BaseModel):
    key: str
    label: str
    kind: str = Field(description="count, sum, rate, mean or scaled (derived from counts)")


class DimensionOut(BaseModel):
    key: str
    label: str


class IndicatorInfo(BaseModel):
    key: str = Field(description="What /v1/indicators/{key} takes")
    label: str
    description: str
    dimensions: list[DimensionOut]
    measures: list[MeasureOut]

    @classmethod
    def of(cls, spec: IndicatorSpec) -> IndicatorInfo:
        return cls(
            key=spec.name,
            label=spec.label,
            description=spec.description,
            dimensions=[DimensionOut(key=d, label=DIMENSIONS[d]) for d in spec.dimensions],
            measures=[
                MeasureOut(key=m.key, label=m.label, kind=m.kind)
                for m in spec.measures
                # Internal sums and the exits' refinement cells are counted, never published: a
                # measure listed here is a column of every row (the exports write one per measure).
                if m.kind not in ("internal", "unpublished")
            ],
        )


class CellOut(BaseModel):
    value: int | float | None = Field(description="None when suppressed, or when a rate has no denominator")
    suppressed: bool = Field(description="Hidden: fewer people than the threshold, or revealed by difference")


class RowOut(BaseModel):
    dimensions: dict[str, str | None] = Field(
        description="One value per dimension; null is the total over it"
    )
    values: dict[str, CellOut]


class IndicatorTable(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "Aggregates only, small cells suppressed"})
    indicator: str
    label: str
    description: str
    period_from: date
    period_to: date
    group_by: list[str]
    territory: str | None
    organisation: str | None
    horizon_months: int | None = None
    definitions: list[str] = Field(default_factory=list)
    as_of: date = Field(description="Le jour où les délais ont été regardés (les délais échus avant ce jour)")
    orientation_days: int | None = Field(
        default=None, description="Délais d'orientation : prise en charge en N jours (réglage du service)"
    )
    accompaniment_days: int | None = Field(
        default=None, description="Délais d'orientation : premier rendez-vous honoré en N jours (réglage)"
    )
    threshold: int = Field(description="Cells counting fewer people than this are not published")
    measures: list[MeasureOut]
    rows: list[RowOut]

    @classmethod
    def of(cls, table: Table, **context: object) -> IndicatorTable:
        info = IndicatorInfo.of(table.spec)
        return cls(
            indicator=table.spec.name,
            label=table.spec.label,
            description=table.spec.description,
            group_by=list(table.group_by),
            threshold=table.threshold,
            measures=info.measures,
            rows=[
                RowOut(
                    dimensions=dict(zip(table.group_by, row.key, strict=True)),
                    values={
                        k: CellOut(value=v.value, suppressed=v.suppressed) for k, v in row.values.items()
                    },
                )
                for row in table.rows
            ],
            **context,
        )


class ExitDefinitionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "pacte-elargie",
                    "label": "Sortie positive élargie du pacte, 2027",
                    "categories": ["positive", "other"],
                    "category_labels": {"positive": "Sortie positive", "other": "Autre sortie"},
                    "mapping": {"cdi": "positive", "civic_service": "positive", "volunteering": "positive"},
                    "default_category": "other",
                    "positive": ["positive"],
                }
            ]
        },
    )
    code: Code
    label: Label
    categories: list[Code] = Field(min_length=1, max_length=20)
    category_labels: dict[Code, Label]
    mapping: dict[Code, Code] = Field(
        description=f"Situation → category; situations: {', '.join(SITUATIONS)}"
    )
    default_category: Code
    positive: list[Code] = Field(default_factory=list)


class ExitDefinitionOut(BaseModel):
    code: str
    version: int
    key: str = Field(description="code@version, as indicators name it")
    label: str
    official: bool
    categories: list[str]
    category_labels: dict[str, str]
    mapping: dict[str, str]
    default_category: str
    positive: list[str]

    @classmethod
    def of(cls, d: ExitDefinition) -> ExitDefinitionOut:
        return cls(
            code=d.code,
            version=d.version,
            key=d.key,
            label=d.label,
            official=d.official,
            categories=list(d.categories),
            category_labels=dict(d.category_labels),
            mapping=dict(d.mapping),
            default_category=d.default_category,
            positive=list(d.positive),
        )


class SituationOut(BaseModel):
    code: str
    label: str

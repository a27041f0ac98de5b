"""The evaluation service's database: its infrastructure tables now, its own aggregates as they are built."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from relais_shared.db import NAMING_CONVENTION, infrastructure_tables


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


infra = infrastructure_tables(Base.metadata)

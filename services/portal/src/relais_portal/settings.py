"""Settings of the portal (no database of its own: it reads the other services' APIs)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from relais_shared.settings import RelaisSettings


class ServiceLink(BaseModel):
    name: str
    label: str
    url: str


class PortalSettings(RelaisSettings):
    service_name: ClassVar[str] = "portal"
    api_port: int = 8100
    services: list[ServiceLink] = Field(
        default_factory=list,
        description="RELAIS_PORTAL_SERVICES, a JSON list of {name, label, url}: `relais run` writes it "
        "from the services' manifests; a deployment states its own addresses",
    )

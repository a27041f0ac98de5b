"""What handlers need to know about the territory: the coordination's id and the default calendar."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relais_referral.settings import ReferralSettings


@dataclass(frozen=True)
class PactContext:
    coordination_org_id: uuid.UUID
    departement: str
    portal_url: str = "http://127.0.0.1:8100"

    @classmethod
    def from_settings(cls, settings: ReferralSettings) -> PactContext:
        return cls(settings.coordination_org_id, settings.default_departement, settings.portal_url)

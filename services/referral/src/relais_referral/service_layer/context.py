"""What handlers need to know about the territory: the coordination's id and the default calendar."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relais_referral.settings import ReferralSettings
from relais_shared.auth import Principal


@dataclass(frozen=True)
class PactContext:
    coordination_org_id: uuid.UUID
    departement: str
    portal_url: str = "http://127.0.0.1:8100"

    def is_pact_admin(self, principal: Principal) -> bool:
        """Pact-wide administration (directory, members, deadlines) belongs to the coordination's admins."""
        return principal.has_role("admin") and principal.org_id == self.coordination_org_id

    @classmethod
    def from_settings(cls, settings: ReferralSettings) -> PactContext:
        return cls(settings.coordination_org_id, settings.default_departement, settings.portal_url)

"""Settings of the portal (no database of its own: it reads the other services' APIs)."""

from __future__ import annotations

from relais_shared.settings import RelaisSettings


class PortalSettings(RelaisSettings):
    service_name: str = "portal"
    referral_api_url: str = "http://127.0.0.1:8101"
    clauses_api_url: str = "http://127.0.0.1:8102"
    training_api_url: str = "http://127.0.0.1:8103"
    evaluation_api_url: str = "http://127.0.0.1:8104"

    def service_urls(self) -> dict[str, str]:
        return {
            "referral": self.referral_api_url,
            "clauses": self.clauses_api_url,
            "training": self.training_api_url,
            "evaluation": self.evaluation_api_url,
        }

"""Settings of the portal (no database of its own: it reads the other services' APIs)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, model_validator

from relais_shared.settings import PLACEHOLDER_SECRETS, RelaisSettings, project_root


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
    referral_url: str = Field(
        default="",
        description="The referral API; by default the `referral` entry of `services`, else 127.0.0.1:8101",
    )
    clauses_url: str = Field(
        default="",
        description="The clauses API; by default the `clauses` entry of `services`, else 127.0.0.1:8102",
    )
    training_url: str = Field(
        default="",
        description="The training API; by default the `training` entry of `services`, else 127.0.0.1:8103",
    )
    evaluation_url: str = Field(
        default="",
        description="The evaluation API; by default the `evaluation` entry of `services`, else :8104",
    )
    session_secret: str = Field(
        default="dev-portal-session-secret",
        description="Key signing the session cookie (a real secret outside development)",
    )
    session_ttl_s: int = Field(default=8 * 3600, description="Lifetime of a session (and of its dev token)")
    assets_dir: str = Field(
        default="",
        description="Where npm installed the DSFR and htmx (default: deploy/tools/node_modules)",
    )
    api_timeout_s: float = 5.0
    oidc_issuer: str = Field(
        default="",
        description="The OpenID Connect provider (e.g. https://sso.example/realms/relais): sign-in goes "
        "through it (authorisation code + PKCE) and the development sign-in is off",
    )
    oidc_discovery_url: str = Field(
        default="",
        description="Where the portal reads the provider's metadata, when it reaches the provider by "
        "another address than browsers do (default: the issuer's /.well-known/openid-configuration)",
    )
    oidc_client_id: str = "relais-portal"
    oidc_client_secret: str = Field(default="", description="The portal's client secret at the provider")
    oidc_scope: str = "openid profile email"
    oidc_provider_name: str = Field(default="Keycloak", description="Shown on the sign-in button")
    public_url: str = Field(
        default="",
        description="The portal's address as browsers reach it (redirect URIs); default: the request's",
    )

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> PortalSettings:
        if not self.referral_url:
            named = {service.name: service.url for service in self.services}
            self.referral_url = named.get("referral", "http://127.0.0.1:8101")
        if not self.clauses_url:
            self.clauses_url = {s.name: s.url for s in self.services}.get("clauses", "http://127.0.0.1:8102")
        if not self.training_url:
            self.training_url = {service.name: service.url for service in self.services}.get(
                "training", "http://127.0.0.1:8103"
            )
        if not self.evaluation_url:
            self.evaluation_url = {s.name: s.url for s in self.services}.get(
                "evaluation", "http://127.0.0.1:8104"
            )
        if not self.assets_dir:
            self.assets_dir = str(project_root() / "deploy" / "tools" / "node_modules")
        if self.environment == "production" and (
            self.session_secret in PLACEHOLDER_SECRETS or self.session_secret.startswith("dev-")
        ):
            raise ValueError("RELAIS_PORTAL_SESSION_SECRET must be set to a real secret in production")
        if self.environment == "production" and not self.oidc_issuer:
            raise ValueError("RELAIS_PORTAL_OIDC_ISSUER is required in production (no development sign-in)")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.environment != "development"

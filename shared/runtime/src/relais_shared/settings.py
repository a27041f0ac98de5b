"""Typed settings shared by every service (pydantic-settings, environment variables prefixed ``RELAIS_``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


def project_root() -> Path:
    """Where ``contracts/`` lives: ``RELAIS_HOME`` (set in the image and by the stack), else the checkout."""
    env = os.environ.get("RELAIS_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "contracts").is_dir() and (candidate / "services").is_dir():
            return candidate
    return here


PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-pact-key"}


class RelaisSettings(BaseSettings):
    """Base settings; each service subclasses it and sets ``service_name``.

    A field is read from ``RELAIS_<SERVICE>_<FIELD>`` first (``RELAIS_REFERRAL_DATABASE_URL``,
    ``RELAIS_REFERRAL_API_PORT``), then from ``RELAIS_<FIELD>`` (shared by every service:
    ``RELAIS_KAFKA_BOOTSTRAP``), so that one environment can serve every process of the platform.
    """

    model_config = SettingsConfigDict(env_prefix="RELAIS_", extra="ignore")

    service_name: ClassVar[str] = "relais"
    environment: Literal["development", "test", "production"] = "development"
    bind: str = Field(default="127.0.0.1", description="Address the HTTP API listens on")
    api_port: int = Field(default=8000, description="Port of the HTTP API (each service sets its own)")
    kafka_bootstrap: str = "127.0.0.1:19092"
    consumer_max_retries: int = 3
    consumer_retry_backoff_s: float = 0.2
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    database_url: str = ""
    # Authentication: a JWKS URL in production (ProConnect, Keycloak…), the local issuer's keys otherwise.
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "relais-dev"
    jwt_audience: str = "relais"
    dev_issuer_dir: str | None = None
    pact_key: str = Field(default="dev-pact-key", description="HMAC key for pseudonymised subject keys")
    trace_file: str | None = Field(default=None, description="JSON-lines span file (end-to-end tests)")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        own = EnvSettingsSource(settings_cls, env_prefix=f"RELAIS_{cls.service_name.upper()}_")
        return init_settings, own, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> RelaisSettings:
        if self.environment == "production":
            if self.pact_key in PLACEHOLDER_SECRETS:
                raise ValueError("RELAIS_PACT_KEY must be set to a real secret in production")
            if not self.jwt_jwks_url:
                raise ValueError("RELAIS_JWT_JWKS_URL is required in production (no local issuer)")
        return self

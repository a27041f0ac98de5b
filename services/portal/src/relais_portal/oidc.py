"""Sign-in with OpenID Connect (authorisation code + PKCE), through authlib: any provider.

The provider (Keycloak in docker-compose, or a broker in front of ProConnect) issues the access token the
services verify: RS256, audience ``relais``, claims ``org_id``, ``org_kind`` and ``roles``. The portal
keeps that token in the session and forwards it; it checks the ID token (signature, issuer, audience,
nonce) to know the sign-in is the one it started. The portal's own token for the public directory
comes from the client-credentials grant of the same client (its service account).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from relais_portal.settings import PortalSettings


class OidcError(Exception):
    """The provider refused, or answered something the portal cannot trust."""


@dataclass(frozen=True)
class Pending:
    """What the portal remembers between sending the browser to the provider and its return."""

    state: str
    verifier: str
    nonce: str
    next: str


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    id_token: str
    expires_in: int


class OidcClient:
    def __init__(self, settings: PortalSettings) -> None:
        self.settings = settings
        self.issuer = settings.oidc_issuer.rstrip("/")
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._service_token: tuple[float, str] | None = None
        self._lock = asyncio.Lock()

    def _client(self, redirect_uri: str | None = None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret or None,
            scope=self.settings.oidc_scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self.settings.api_timeout_s,
        )

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.settings.oidc_discovery_url or f"{self.issuer}/.well-known/openid-configuration"
            try:
                async with httpx.AsyncClient(timeout=self.settings.api_timeout_s) as http:
                    answer = await http.get(url)
                answer.raise_for_status()
            except httpx.HTTPError as exc:
                raise OidcError(f"discovery failed: {type(exc).__name__}") from exc
            metadata: dict[str, Any] = answer.json()
            if metadata.get("issuer", "").rstrip("/") != self.issuer:
                raise OidcError("the provider's metadata names another issuer")
            self._metadata = metadata
            self._jwks = jwt.PyJWKClient(metadata["jwks_uri"])
        return self._metadata

    async def begin(self, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
        """The provider's authorisation URL (with state, nonce and a PKCE S256 challenge)."""
        metadata = await self.metadata()
        verifier, nonce = generate_token(64), generate_token(24)
        async with self._client(redirect_uri) as client:
            url, state = client.create_authorization_url(
                metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
        return url, Pending(state=state, verifier=verifier, nonce=nonce, next=next_path)

    async def finish(self, pending: Pending, *, code: str, state: str, redirect_uri: str) -> SignedIn:
        if not state or state != pending.state:
            raise OidcError("the state does not match the sign-in this browser started")
        metadata = await self.metadata()
        async with self._client(redirect_uri) as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=pending.verifier
                )
            except Exception as exc:  # authlib raises its own OAuthError, httpx its own errors
                raise OidcError(f"the provider refused the code: {type(exc).__name__}") from exc
        id_token = str(token.get("id_token") or "")
        claims = await self._verify_id_token(id_token)
        if claims.get("nonce") != pending.nonce:
            raise OidcError("the ID token's nonce is not the one of this sign-in")
        return SignedIn(
            access_token=str(token["access_token"]),
            id_token=id_token,
            expires_in=int(token.get("expires_in") or 300),
        )

    async def _verify_id_token(self, id_token: str) -> dict[str, Any]:
        assert self._jwks is not None
        try:
            # PyJWKClient reads the key set with urllib: off the event loop.
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                audience=self.settings.oidc_client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=30,
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise OidcError(f"the ID token is not valid: {type(exc).__name__}") from exc
        return claims

    async def service_token(self) -> str:
        """The portal's own access token (client credentials), kept until a minute before it expires."""
        async with self._lock:
            if self._service_token and self._service_token[0] > time.monotonic():
                return self._service_token[1]
            metadata = await self.metadata()
            async with self._client() as client:
                try:
                    token = await client.fetch_token(
                        metadata["token_endpoint"], grant_type="client_credentials"
                    )
                except Exception as exc:
                    raise OidcError(f"no service token: {type(exc).__name__}") from exc
            lifetime = int(token.get("expires_in") or 60)
            self._service_token = (time.monotonic() + max(lifetime - 60, lifetime / 2), token["access_token"])
            return str(token["access_token"])

    async def end_session_url(self, id_token: str, after: str) -> str | None:
        """Where to send the browser so that the provider ends its own session too (RP-initiated logout)."""
        metadata = await self.metadata()
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": after, "client_id": self.settings.oidc_client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return str(httpx.URL(endpoint, params=params))

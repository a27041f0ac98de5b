"""Authentication (OIDC bearer JWTs, RS256, verified against a JWKS) and the organisation-scoped principal.

Production points ``RELAIS_JWT_JWKS_URL`` at the identity provider (ProConnect, Keycloak). Development
and tests use the local issuer: an RSA key created on first use under ``.relais/dev-issuer`` and
``relais token --org … --role …`` to sign tokens with it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from relais_shared.problems import Problem

ROLES = frozenset(
    {
        "counsellor",
        "facilitator",
        "buyer",
        "training_provider",
        "employer",
        "coordinator",
        "evaluator",
        "admin",
    }
)
DEV_KEY_ID = "relais-dev-1"


@dataclass(frozen=True)
class Principal:
    """Who is asking, and for which organisation."""

    sub: str
    org_id: uuid.UUID
    org_kind: str
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class DevIssuer:
    """A local OIDC-like issuer for development and tests; never used when a JWKS URL is configured."""

    def __init__(self, directory: Path, issuer: str = "relais-dev", audience: str = "relais") -> None:
        self.directory = directory
        self.issuer = issuer
        self.audience = audience
        self._key_path = directory / "private.pem"
        if not self._key_path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = self._key_path.with_suffix(".tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            tmp.replace(self._key_path)
        self._private = serialization.load_pem_private_key(self._key_path.read_bytes(), password=None)

    def jwks(self) -> dict[str, Any]:
        assert isinstance(self._private, rsa.RSAPrivateKey)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._private.public_key()))
        jwk.update({"kid": DEV_KEY_ID, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def token(
        self,
        *,
        org_id: uuid.UUID | str,
        org_kind: str,
        roles: list[str],
        sub: str | None = None,
        ttl_s: int = 8 * 3600,
    ) -> str:
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub or f"user-{uuid.uuid4()}",
            "org_id": str(org_id),
            "org_kind": org_kind,
            "roles": roles,
            "iat": now,
            "exp": now + ttl_s,
        }
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": DEV_KEY_ID})  # type: ignore[arg-type]


class TokenVerifier:
    def __init__(
        self, *, issuer: str, audience: str, jwks_url: str | None = None, dev_issuer: DevIssuer | None = None
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks_client = jwt.PyJWKClient(jwks_url) if jwks_url else None
        self._dev_keys = jwt.PyJWKSet.from_dict(dev_issuer.jwks()) if dev_issuer else None
        if self._jwks_client is None and self._dev_keys is None:
            raise ValueError("a JWKS URL or a development issuer is required")

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            if self._jwks_client is not None:
                key = self._jwks_client.get_signing_key_from_jwt(token).key
            else:
                assert self._dev_keys is not None
                key = next(k.key for k in self._dev_keys.keys if k.key_id == header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
            roles = frozenset(claims.get("roles", [])) & ROLES
            return Principal(
                sub=str(claims["sub"]),
                org_id=uuid.UUID(str(claims["org_id"])),
                org_kind=str(claims.get("org_kind", "")),
                roles=roles,
            )
        except (jwt.PyJWTError, StopIteration, KeyError, ValueError) as exc:
            raise Problem("unauthenticated", "Jeton invalide ou expiré.") from exc


_bearer = HTTPBearer(auto_error=False)


def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem("unauthenticated", "Un jeton Bearer est requis.")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def dev_issuer_dir(configured: str | None) -> Path:
    if configured:
        return Path(configured)
    from relais_shared.settings import project_root

    return project_root() / ".relais" / "dev-issuer"


def make_verifier(settings: Any) -> TokenVerifier:
    if settings.jwt_jwks_url:
        return TokenVerifier(
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, jwks_url=settings.jwt_jwks_url
        )
    issuer = DevIssuer(dev_issuer_dir(settings.dev_issuer_dir), settings.jwt_issuer, settings.jwt_audience)
    return TokenVerifier(issuer=settings.jwt_issuer, audience=settings.jwt_audience, dev_issuer=issuer)

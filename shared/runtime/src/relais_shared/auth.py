"""Authentication (OIDC bearer JWTs, RS256, verified against a JWKS) and the organisation-scoped principal.

Production points ``RELAIS_JWT_JWKS_URL`` at the identity provider (ProConnect, Keycloak). Development
and tests use the local issuer: an RSA key created on first use under ``.relais/dev-issuer`` and
``relais token --org … --role …`` to sign tokens with it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from relais_shared.problems import Problem

Role = Literal[
    "counsellor",
    "facilitator",
    "buyer",
    "training_provider",
    "employer",
    "coordinator",
    "evaluator",
    "admin",
    "dpo",  # the pact's data-protection officer (délégué à la protection des données): the audit log
]
ROLES: frozenset[str] = frozenset(get_args(Role))
# DOMAIN.md's organisation kinds: a token naming another kind comes from a misconfigured identity provider.
OrgKind = Literal[
    "france_travail",
    "mission_locale",
    "plie",
    "cap_emploi",
    "maison_emploi",
    "departement",
    "siae",
    "geiq",
    "training_provider",
    "employer",
    "association",
    "buyer",
    "pact_coordination",
]
ORG_KINDS: frozenset[str] = frozenset(get_args(OrgKind))
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


class Claims(BaseModel):
    """The claims Relais reads from a verified token, checked for type and value before anything uses them.

    A signature proves who issued a token, not that the identity provider was configured right: a
    ``roles`` that is not a list of strings, a missing or malformed ``org_id`` or an unknown ``org_kind``
    makes the token invalid (401) rather than crashing the request. Roles this platform does not know
    are ignored, so they grant nothing; other claims are ignored too.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    sub: StrictStr = Field(min_length=1, max_length=200)
    org_id: uuid.UUID
    org_kind: OrgKind
    roles: list[StrictStr] = Field(max_length=50)

    def principal(self) -> Principal:
        return Principal(
            sub=self.sub,
            org_id=self.org_id,
            org_kind=self.org_kind,
            roles=frozenset(role for role in self.roles if role in ROLES),
        )


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
        if org_kind not in ORG_KINDS:
            raise ValueError(f"unknown organisation kind: {org_kind}")
        return self.sign(
            {
                "sub": sub or f"user-{uuid.uuid4()}",
                "org_id": str(org_id),
                "org_kind": org_kind,
                "roles": roles,
            },
            ttl_s=ttl_s,
        )

    def sign(self, claims: dict[str, Any], ttl_s: int = 8 * 3600) -> str:
        """Signs ``claims`` as they are, unchecked: for tests of what a misconfigured provider may send."""
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + ttl_s, **claims}
        return jwt.encode(payload, self._private, algorithm="RS256", headers={"kid": DEV_KEY_ID})  # type: ignore[arg-type]


class TokenVerifier:
    def __init__(
        self, *, issuer: str, audience: str, jwks_url: str | None = None, dev_issuer: DevIssuer | None = None
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks_client = jwt.PyJWKClient(jwks_url) if jwks_url else None
        # The provider's keys by key id, with when to read them again. PyJWKClient reads the key set with
        # blocking urllib: ``verify_async`` does that read in a worker thread and the hot path reads here.
        self._keys: dict[str, tuple[Any, float]] = {}
        self._dev_keys = jwt.PyJWKSet.from_dict(dev_issuer.jwks()) if dev_issuer else None
        if self._jwks_client is None and self._dev_keys is None:
            raise ValueError("a JWKS URL or a development issuer is required")

    KEY_TTL_S = 300.0

    def _cached_key(self, token: str) -> Any | None:
        kid = jwt.get_unverified_header(token).get("kid")
        cached = self._keys.get(kid) if isinstance(kid, str) else None
        return cached[0] if cached is not None and cached[1] > time.monotonic() else None

    def _fetch_key(self, token: str) -> Any:
        assert self._jwks_client is not None
        signing_key = self._jwks_client.get_signing_key_from_jwt(token)
        self._keys[signing_key.key_id or ""] = (signing_key.key, time.monotonic() + self.KEY_TTL_S)
        return signing_key.key

    async def verify_async(self, token: str) -> Principal:
        """``verify``, with the provider's key set read in a worker thread when it must be read (a new key
        id, or every five minutes): the event loop never waits on the identity provider."""
        if self._jwks_client is not None:
            try:
                if self._cached_key(token) is None:
                    await asyncio.to_thread(self._fetch_key, token)
            except (jwt.PyJWTError, KeyError, ValueError) as exc:
                raise Problem("unauthenticated", "Jeton invalide ou expiré.") from exc
        return self.verify(token)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            if self._jwks_client is not None:
                key = self._cached_key(token) or self._fetch_key(token)
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
        except (jwt.PyJWTError, StopIteration, KeyError, ValueError) as exc:
            raise Problem("unauthenticated", "Jeton invalide ou expiré.") from exc
        try:
            return Claims.model_validate(claims).principal()
        except ValidationError as exc:
            # Which claims are wrong, never their values: the identity provider's administrator fixes them.
            errors = [
                {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "code": err["type"]}
                for err in exc.errors(include_input=False, include_url=False)
            ]
            raise Problem(
                "unauthenticated", "Jeton invalide : revendications absentes ou incorrectes.", errors
            ) from exc


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller, from the bearer token: verified once per request.

    A route's role rule (``require_roles``) and its handler both ask for the caller; FastAPI resolves them
    as two dependencies (their security scopes differ), so the verified principal is kept on the request.
    Async, so that the signature check runs on the event loop instead of a hop through the thread pool.
    """
    known: Principal | None = getattr(request.state, "relais_principal", None)
    if known is not None:
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem("unauthenticated", "Un jeton Bearer est requis.")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify_async(credentials.credentials)
    request.state.relais_principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

RefusalHook = Callable[[Request, Principal], Awaitable[None]]


class RoleRequirement:
    """An endpoint's function-level rule (OWASP API5): only callers holding one of ``roles`` get through.

    Declared on each route with :func:`require_roles`; a caller without any of the roles gets a 403
    problem, whatever the object asked for. ``on_refusal`` lets a service record the refusal (audit log).
    """

    def __init__(self, roles: frozenset[str], on_refusal: RefusalHook | None = None) -> None:
        self.roles = roles
        self.on_refusal = on_refusal

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.roles & self.roles:
            return principal
        if self.on_refusal is not None:
            await self.on_refusal(request, principal)
        raise Problem("forbidden", f"Réservé aux rôles : {', '.join(sorted(self.roles))}.")


def require_roles(*roles: Role, on_refusal: RefusalHook | None = None) -> Any:
    """The dependency declaring who may call a route: ``dependencies=[require_roles("counsellor")]``.

    The roles also become the route's OpenAPI security requirement: for a bearer scheme, OpenAPI 3.1
    lets that list name the roles the operation requires.
    """
    unknown = set(roles) - ROLES
    if not roles or unknown:
        raise ValueError(f"a route names at least one known role (unknown: {sorted(unknown)})")
    return Security(RoleRequirement(frozenset(roles), on_refusal), scopes=sorted(roles))


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

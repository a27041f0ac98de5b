"""Keycloak, a real OpenID Connect provider for the portal's sign-in: run locally, and its realm.

`make install` unpacks Keycloak's distribution from Maven Central under deploy/keycloak/target. Tests
start it in development mode (in-memory database, a free port, loopback only) and load the realm that
`realm()` describes — the same realm docker-compose.yml imports from deploy/keycloak/relais-realm.json.

The realm makes Keycloak issue the access tokens every Relais service verifies (RS256, audience
``relais``) with the claims they read: ``org_id`` and ``org_kind`` from the user's attributes and
``roles`` from their realm roles. The portal's client is confidential, uses the authorisation-code flow
with PKCE (S256 required) and has a service account: the portal's own token for the public directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from relais_dev.stack import repo_root
from relais_shared.auth import ROLES

REALM = "relais"
PORTAL_CLIENT = "relais-portal"
# The organisation the portal's service account reads the public directory as (no personal data).
DIRECTORY_READER_ORG = "00000000-0000-5000-8000-00000000d1a0"
ADMIN_USER = "admin"


def home() -> Path:
    found = sorted((repo_root() / "deploy" / "keycloak" / "target").glob("keycloak-*/bin/kc.sh"))
    if not found:
        raise RuntimeError("Keycloak is not installed: run `make install`")
    return found[-1].parent.parent


def java_home() -> str:
    """A Java of version 21 or later: Keycloak 26 needs it (the default Java here may be 17)."""
    configured = os.environ.get("RELAIS_KEYCLOAK_JAVA_HOME")
    if configured:
        return configured
    candidates = [Path(p) for p in (os.environ.get("JAVA_HOME"),) if p]
    candidates += sorted(Path("/usr/lib/jvm").glob("*"), reverse=True)
    for candidate in candidates:
        release = candidate / "release"
        if not release.exists():
            continue
        for line in release.read_text().splitlines():
            if line.startswith("JAVA_VERSION="):
                major = int(line.split("=", 1)[1].strip('"').split(".")[0])
                if major >= 21:
                    return str(candidate)
    raise RuntimeError("Keycloak needs Java 21 or later: install one or set RELAIS_KEYCLOAK_JAVA_HOME")


def claim_mappers() -> list[dict[str, Any]]:
    """What puts the claims the services read into a client's access tokens."""

    def attribute(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "protocol": "openid-connect",
            "protocolMapper": "oidc-usermodel-attribute-mapper",
            "config": {
                "user.attribute": name,
                "claim.name": name,
                "jsonType.label": "String",
                "access.token.claim": "true",
                "id.token.claim": "true",
                "userinfo.token.claim": "true",
            },
        }

    return [
        attribute("org_id"),
        attribute("org_kind"),
        {
            "name": "roles",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-usermodel-realm-role-mapper",
            "config": {
                "claim.name": "roles",
                "jsonType.label": "String",
                "multivalued": "true",
                "access.token.claim": "true",
                "id.token.claim": "false",
            },
        },
        {
            "name": "audience relais",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-audience-mapper",
            "config": {"included.custom.audience": "relais", "access.token.claim": "true"},
        },
    ]


def realm(*, portal_urls: list[str], client_secret: str) -> dict[str, Any]:
    """The Relais realm: roles, the portal's client and its claim mappers, a user profile that takes
    the organisation attributes. Users are added with ``Keycloak.add_user`` (or by the realm's admin)."""

    profile = {
        "attributes": [
            {"name": "username", "permissions": {"view": ["admin", "user"], "edit": ["admin"]}},
            {"name": "email", "permissions": {"view": ["admin", "user"], "edit": ["admin"]}},
            {"name": "firstName", "permissions": {"view": ["admin", "user"], "edit": ["admin"]}},
            {"name": "lastName", "permissions": {"view": ["admin", "user"], "edit": ["admin"]}},
        ],
        # org_id and org_kind are set by the realm's administrators only, never by the user.
        "unmanagedAttributePolicy": "ADMIN_EDIT",
    }
    return {
        "realm": REALM,
        "enabled": True,
        "sslRequired": "external",
        "accessTokenLifespan": 900,
        "roles": {"realm": [{"name": role} for role in sorted(ROLES)]},
        "clients": [
            {
                "clientId": PORTAL_CLIENT,
                "name": "Relais — portail",
                "enabled": True,
                "publicClient": False,
                "secret": client_secret,
                "standardFlowEnabled": True,
                "directAccessGrantsEnabled": False,
                "serviceAccountsEnabled": True,
                "redirectUris": [f"{url}/connexion/retour" for url in portal_urls],
                "webOrigins": [],
                "attributes": {
                    "pkce.code.challenge.method": "S256",
                    "post.logout.redirect.uris": "##".join(f"{url}/*" for url in portal_urls),
                },
                "protocolMappers": claim_mappers(),
            }
        ],
        "users": [
            {
                "username": f"service-account-{PORTAL_CLIENT}",
                "enabled": True,
                "serviceAccountClientId": PORTAL_CLIENT,
                "attributes": {"org_id": [DIRECTORY_READER_ORG], "org_kind": ["pact_coordination"]},
                "realmRoles": ["evaluator"],
            }
        ],
        "components": {
            "org.keycloak.userprofile.UserProfileProvider": [
                {
                    "providerId": "declarative-user-profile",
                    "subComponents": {},
                    "config": {"kc.user.profile.config": [json.dumps(profile)]},
                }
            ]
        },
    }


class Keycloak:
    """One Keycloak in development mode (in-memory database) on 127.0.0.1:``port``."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.workdir = workdir
        self.admin_password = secrets.token_urlsafe(18)  # this run's only: the database is in memory
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{REALM}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "keycloak.log").open("ab")
        env = {
            **os.environ,
            "JAVA_HOME": java_home(),
            "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
        }
        self._process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                str(home() / "bin" / "kc.sh"),
                "start-dev",
                "--http-host=127.0.0.1",
                f"--http-port={self.port}",
                "--db=dev-mem",
                "--cache=local",
                "--log-level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    def wait(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"Keycloak stopped; see {self.workdir / 'keycloak.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/realms/master", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"Keycloak did not start within {timeout}s; see {self.workdir / 'keycloak.log'}")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)

    # ------------------------------------------------------------------ administration
    def _admin(self) -> httpx.Client:
        token = httpx.post(
            f"{self.url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": ADMIN_USER,
                "password": self.admin_password,
            },
            timeout=30,
        )
        token.raise_for_status()
        return httpx.Client(
            base_url=f"{self.url}/admin/realms",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=60,
        )

    def import_realm(self, representation: dict[str, Any]) -> None:
        with self._admin() as admin:
            answer = admin.post("", json=representation)
            if answer.status_code != 201:
                raise RuntimeError(f"realm import refused: {answer.status_code} {answer.text}")

    def add_service_client(
        self, *, client_id: str, secret: str, org_id: str, org_kind: str, roles: list[str]
    ) -> str:
        """A confidential client whose service account acts for ``org_id`` (tests, batch jobs); its token."""
        with self._admin() as admin:
            created = admin.post(
                f"/{REALM}/clients",
                json={
                    "clientId": client_id,
                    "enabled": True,
                    "publicClient": False,
                    "secret": secret,
                    "standardFlowEnabled": False,
                    "serviceAccountsEnabled": True,
                    "protocolMappers": claim_mappers(),
                },
            )
            if created.status_code != 201:
                raise RuntimeError(f"client refused: {created.status_code} {created.text}")
            client_uuid = created.headers["location"].rsplit("/", 1)[-1]
            account = admin.get(f"/{REALM}/clients/{client_uuid}/service-account-user").json()
            account["attributes"] = {"org_id": [org_id], "org_kind": [org_kind]}
            admin.put(f"/{REALM}/users/{account['id']}", json=account).raise_for_status()
            known = {r["name"]: r for r in admin.get(f"/{REALM}/roles").json()}
            admin.post(
                f"/{REALM}/users/{account['id']}/role-mappings/realm", json=[known[r] for r in roles]
            ).raise_for_status()
        token = httpx.post(
            f"{self.issuer}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
            timeout=30,
        )
        token.raise_for_status()
        return str(token.json()["access_token"])

    def add_user(
        self, *, username: str, password: str, org_id: str, org_kind: str, roles: list[str], email: str = ""
    ) -> None:
        with self._admin() as admin:
            created = admin.post(
                f"/{REALM}/users",
                json={
                    "username": username,
                    "enabled": True,
                    "email": email or f"{username}@relais.test",
                    "emailVerified": True,
                    "firstName": username,
                    "lastName": "Relais",
                    "attributes": {"org_id": [org_id], "org_kind": [org_kind]} if org_id else {},
                    "credentials": [{"type": "password", "value": password, "temporary": False}],
                    "requiredActions": [],
                },
            )
            if created.status_code != 201:
                raise RuntimeError(f"user refused: {created.status_code} {created.text}")
            user_id = created.headers["location"].rsplit("/", 1)[-1]
            known = {r["name"]: r for r in admin.get(f"/{REALM}/roles").json()}
            granted = admin.post(
                f"/{REALM}/users/{user_id}/role-mappings/realm", json=[known[role] for role in roles]
            )
            granted.raise_for_status()


# ---------------------------------------------------------------------- the realm of docker-compose.yml
COMPOSE_PORTAL_URL = "http://127.0.0.1:8100"
# For the compose demo only, written in the committed realm file: a deployment imports its own realm,
# with its own client secret, and its users come from its directory of agents (or ProConnect, brokered).
COMPOSE_CLIENT_SECRET = "relais-portal-demo-secret"  # noqa: S105 - a public demo value, see above
DEMO_PASSWORD = "relais-demo"  # noqa: S105 - the demo accounts' password, printed in the README


def compose_realm() -> dict[str, Any]:
    """deploy/keycloak/relais-realm.json: the realm with one demo account per kind of organisation of
    the demo pact (`make run`'s organisations, same ids), generated and checked by `relais contracts`."""
    from relais_referral.demo import CLAUSE_PARTIES, ORGANISATIONS, org_id
    from relais_referral.settings import ReferralSettings

    coordination = str(ReferralSettings.model_fields["coordination_org_id"].default)
    representation = realm(portal_urls=[COMPOSE_PORTAL_URL], client_secret=COMPOSE_CLIENT_SECRET)
    accounts = [
        ("conseiller.france-travail", "France Travail Nantes Est", ["counsellor"]),
        ("conseillere.mission-locale", "Mission locale Nantes Métropole", ["counsellor"]),
        ("conseiller.plie", "PLIE de la Métropole nantaise", ["counsellor"]),
        ("formation.competences-loire", "Organisme de formation Compétences Loire", ["training_provider"]),
        ("coordination.pacte", "Coordination du pacte métropolitain pour l'emploi", ["coordinator", "admin"]),
        ("facilitateur.clauses", "Maison de l'emploi de la Métropole nantaise", ["facilitator"]),
        ("acheteur.metropole", "Nantes Métropole", ["buyer"]),
        ("titulaire.batiment-atlantique", "Bâtiment Atlantique", ["employer"]),
    ]
    kinds = dict([*ORGANISATIONS, *CLAUSE_PARTIES])
    for username, organisation, roles in accounts:
        kind = kinds[organisation]
        first, _, last = username.partition(".")
        representation["users"].append(
            {
                "username": username,
                "enabled": True,
                "email": f"{username}@demo.relais.test",
                "emailVerified": True,
                "firstName": first.capitalize(),
                "lastName": last.replace("-", " ").title(),
                "attributes": {
                    "org_id": [coordination if kind == "pact_coordination" else str(org_id(organisation))],
                    "org_kind": [kind],
                },
                "credentials": [{"type": "password", "value": DEMO_PASSWORD, "temporary": False}],
                "realmRoles": roles,
            }
        )
    return representation

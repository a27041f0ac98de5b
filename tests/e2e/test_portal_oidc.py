"""Sign-in through a real OpenID Connect provider (Keycloak) in a real browser, over the real referral API.

Keycloak runs from the distribution `make install` unpacked; the referral service verifies Keycloak's
access tokens (its JWKS), the portal signs in with the authorisation-code flow and PKCE (the realm's
client requires S256: a sign-in without the challenge would be refused by Keycloak itself), and reads
the public directory with its service account's token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from relais_dev.browser import check_page, wait_ready
from relais_dev.keycloak import DEMO_PASSWORD, Keycloak, compose_realm, realm
from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, free_port
from relais_referral.settings import ReferralSettings

pytestmark = pytest.mark.integration


class Pact:
    def __init__(
        self, keycloak: Keycloak, referral: ServiceProcesses, portal: ServiceProcesses, admin: str
    ) -> None:
        self.keycloak = keycloak
        self.referral = referral
        self.portal = portal
        self.admin = admin
        self.suffix = secrets.token_hex(3)
        self.passwords: dict[str, str] = {}

    def organisation(self, kind: str, name: str) -> dict[str, str]:
        answer = httpx.post(
            f"{self.referral.url}/v1/organisations",
            json={"name": f"{name} {self.suffix}", "kind": kind, "departement": "44"},
            headers={"Authorization": f"Bearer {self.admin}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        org: dict[str, str] = answer.json()
        return org

    def user(self, username: str, org: dict[str, str] | None, roles: list[str]) -> str:
        password = secrets.token_urlsafe(12)
        self.keycloak.add_user(
            username=username,
            password=password,
            org_id=org["id"] if org else "",
            org_kind=org["kind"] if org else "",
            roles=roles,
        )
        self.passwords[username] = password
        return password


@pytest.fixture(scope="module")
def pact(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pact]:
    workdir = tmp_path_factory.mktemp("oidc")
    keycloak = Keycloak(free_port(), workdir)
    keycloak.start()
    try:
        secret = secrets.token_urlsafe(24)
        jwt_env = {
            "RELAIS_JWT_JWKS_URL": keycloak.jwks_url,
            "RELAIS_JWT_ISSUER": keycloak.issuer,
            "RELAIS_JWT_AUDIENCE": "relais",
        }
        referral = ServiceProcesses("referral", stack, workdir, env=jwt_env)
        portal = ServiceProcesses(
            "portal",
            stack,
            workdir,
            env={
                **jwt_env,
                "RELAIS_PORTAL_REFERRAL_URL": referral.url,
                "RELAIS_PORTAL_OIDC_ISSUER": keycloak.issuer,
                "RELAIS_PORTAL_OIDC_CLIENT_SECRET": secret,
                "RELAIS_PORTAL_OIDC_PROVIDER_NAME": "Keycloak",
            },
        )
        keycloak.wait()
        # The realm docker-compose.yml imports (its demo accounts too), pointed at this test's portal.
        representation = compose_realm()
        client = representation["clients"][0]
        client.update(realm(portal_urls=[portal.url], client_secret=secret)["clients"][0])
        keycloak.import_realm(representation)
        admin = keycloak.add_service_client(
            client_id="relais-tests",
            secret=secrets.token_urlsafe(24),
            org_id=str(ReferralSettings().coordination_org_id),
            org_kind="pact_coordination",
            roles=["admin"],
        )
        referral.start_all()
        portal.start_all()
        try:
            wait_ready(referral.url, "referral API")
            wait_ready(portal.url, "portal")
            yield Pact(keycloak, referral, portal, admin)
        finally:
            portal.stop_all()
            referral.stop_all()
    finally:
        keycloak.stop()


def _keycloak_sign_in(page: Page, username: str, password: str) -> None:
    expect(page.locator("#kc-login")).to_be_visible()
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()


def test_a_counsellor_signs_in_with_keycloak_and_the_referral_api_accepts_the_forwarded_token(
    pact: Pact, new_context: Any
) -> None:
    mission_locale = pact.organisation("mission_locale", "Mission locale Nantes Métropole")
    password = pact.user(f"ml-{pact.suffix}", mission_locale, ["counsellor"])
    page = new_context().new_page()

    page.goto(f"{pact.portal.url}/connexion")
    check_page(page, "20-connexion-oidc")
    page.get_by_role("link", name="Se connecter avec Keycloak").click()
    assert "code_challenge_method=S256" in page.url and "nonce=" in page.url and "state=" in page.url
    _keycloak_sign_in(page, f"ml-{pact.suffix}", password)

    # Back on the portal, the home page read the referral API with Keycloak's access token.
    expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")
    expect(page.locator("#identite")).to_contain_text(mission_locale["name"])
    expect(page.locator("#identite")).to_contain_text("Conseiller ou conseillère")
    check_page(page, "21-a-traiter-oidc")


def test_a_link_from_an_email_goes_to_the_provider_then_back_to_the_page_it_named(
    pact: Pact, new_context: Any
) -> None:
    plie = pact.organisation("plie", "PLIE Loire Atlantique")
    password = pact.user(f"plie-{pact.suffix}", plie, ["counsellor"])
    page = new_context().new_page()
    page.goto(f"{pact.portal.url}/personnes/nouvelle")
    _keycloak_sign_in(page, f"plie-{pact.suffix}", password)
    expect(page).to_have_url(f"{pact.portal.url}/personnes/nouvelle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrire une personne")


def test_the_public_directory_reads_the_referral_api_with_the_portals_service_account(
    pact: Pact, new_context: Any
) -> None:
    pact.organisation("cap_emploi", "Cap emploi 44")
    page = new_context().new_page()
    page.goto(f"{pact.portal.url}/annuaire?q={pact.suffix}")
    expect(page.locator(".fr-card").filter(has_text="Cap emploi 44")).to_have_count(1)


def test_an_account_without_an_organisation_is_refused_with_a_clear_page(
    pact: Pact, new_context: Any
) -> None:
    password = pact.user(f"nobody-{pact.suffix}", None, [])
    page = new_context().new_page()
    page.goto(f"{pact.portal.url}/connexion/oidc")
    _keycloak_sign_in(page, f"nobody-{pact.suffix}", password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Compte sans organisation")
    check_page(page, "22-compte-sans-organisation")
    assert not any(cookie["name"] == "relais_session" for cookie in page.context.cookies())


def test_sign_out_ends_the_providers_session_too(pact: Pact, new_context: Any) -> None:
    france_travail = pact.organisation("france_travail", "France Travail Nantes Est")
    password = pact.user(f"ft-{pact.suffix}", france_travail, ["counsellor"])
    page = new_context().new_page()
    page.goto(f"{pact.portal.url}/")
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_role("link", name="Se connecter avec Keycloak").click()
    _keycloak_sign_in(page, f"ft-{pact.suffix}", password)
    expect(page.locator("#identite")).to_contain_text(france_travail["name"])

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{pact.portal.url}/")
    expect(page.get_by_role("link", name="Se connecter").first).to_be_visible()
    # The provider's session is over as well: signing in again asks for the password.
    page.goto(f"{pact.portal.url}/connexion/oidc")
    expect(page.locator("#kc-login")).to_be_visible()


def test_a_return_from_the_provider_with_a_forged_state_signs_nobody_in(pact: Pact) -> None:
    with httpx.Client(base_url=pact.portal.url, follow_redirects=False, timeout=10) as client:
        started = client.get("/connexion/oidc")
        assert started.status_code == 303
        assert started.headers["location"].startswith(pact.keycloak.issuer)
        refused = client.get("/connexion/retour", params={"code": "x", "state": "not-the-state"})
    assert refused.status_code == 400
    assert "relais_session" not in refused.headers.get("set-cookie", "")


def test_a_demo_account_of_the_compose_realm_signs_in(pact: Pact, new_context: Any) -> None:
    from relais_referral.demo import org_id

    # The organisation `make run` loads, with the id the realm's account names.
    demo = httpx.post(
        f"{pact.referral.url}/v1/organisations",
        json={
            "id": str(org_id("Mission locale Nantes Métropole")),
            "name": "Mission locale Nantes Métropole",
            "kind": "mission_locale",
            "departement": "44",
        },
        headers={"Authorization": f"Bearer {pact.admin}"},
        timeout=10,
    )
    assert demo.status_code in (201, 409), demo.text
    page = new_context().new_page()
    page.goto(f"{pact.portal.url}/connexion/oidc")
    _keycloak_sign_in(page, "conseillere.mission-locale", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")
    expect(page.locator("#identite")).to_contain_text("Mission locale Nantes Métropole")
    expect(page.locator("#identite")).to_contain_text("Conseiller ou conseillère")

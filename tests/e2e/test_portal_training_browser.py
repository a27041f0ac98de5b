"""The portal's training pages in a real browser (Debian Chromium driven by Playwright).

The referral and training processes and the portal run against the real stack (Kafka, Temporal,
PostgreSQL). Each page visited is checked by axe-core (no serious or critical violation) and kept as a
screenshot under test-artefacts/portal-training/.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from relais_dev.browser import check_page, run_beside_playwright, wait_ready
from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, free_port
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.db import make_engine

pytestmark = pytest.mark.integration
FOLDER = "portal-training"


class Pact:
    """The processes, a mission locale and a training provider with one open session."""

    def __init__(self, referral: str, training: str, portal: str, issuer: DevIssuer, stack: Stack) -> None:
        self.referral, self.training, self.url, self.issuer = referral, training, portal, issuer
        self.stack = stack
        self.suffix = uuid.uuid4().hex[:6]
        self.orgs: dict[str, dict[str, str]] = {}

    def auth(self, kind: str, role: str) -> dict[str, str]:
        token = self.issuer.token(org_id=uuid.UUID(self.orgs[kind]["id"]), org_kind=kind, roles=[role])
        return {"Authorization": f"Bearer {token}"}

    def call(self, url: str, headers: dict[str, str], body: Any) -> dict[str, Any]:
        answer = httpx.post(url, json=body, headers=headers, timeout=10)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def add_organisation(self, kind: str, name: str) -> None:
        admin = self.issuer.token(
            org_id=ReferralSettings().coordination_org_id, org_kind="pact_coordination", roles=["admin"]
        )
        body = {"name": f"{name} {self.suffix}", "kind": kind, "departement": "44"}
        self.orgs[kind] = self.call(
            f"{self.referral}/v1/organisations", {"Authorization": f"Bearer {admin}"}, body
        )

    def add_session(self, title: str, capacity: int, starts_in: int = 1) -> dict[str, Any]:
        provider = self.auth("training_provider", "training_provider")
        offer = self.call(
            f"{self.training}/v1/offers",
            provider,
            {"title": f"{title} {self.suffix}", "kind": "digital", "publics": ["jeunes"]},
        )
        # The day in Paris, as the pages and the training service count it: a session takes enrolments
        # until the day before its first day.
        today = datetime.now(ZoneInfo("Europe/Paris")).date()
        body = {
            "offer_id": offer["id"],
            "starts_on": (today + timedelta(days=starts_in)).isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
            "timetable": "lundi et jeudi, 9 h – 12 h",
            "commune": "Saint-Herblain",
            "code_insee": "44162",
            "capacity": capacity,
            "childcare": True,
            "accessible": True,
            "transport_note": "Tram 1, arrêt Romanet",
        }
        return self.call(f"{self.training}/v1/sessions", provider, body)

    def starts(self, session_id: str, days_ago: int = 0) -> None:
        """The session's first day comes (``days_ago`` days ago) in the training database."""

        async def move() -> None:
            engine = make_engine(self.stack.database_url("training"), pool_size=1)
            try:
                async with engine.begin() as connection:
                    await connection.execute(
                        text(
                            "UPDATE sessions SET starts_on = current_date - CAST(:days AS integer)"
                            " WHERE id = :id"
                        ),
                        {"id": session_id, "days": days_ago},
                    )
            finally:
                await engine.dispose()

        run_beside_playwright(move())

    def add_person(self, first_name: str, last_name: str) -> dict[str, Any]:
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "birth_date": "2004-03-02",
            "postcode": "44800",
        }
        return self.call(f"{self.referral}/v1/jobseekers", self.auth("mission_locale", "counsellor"), body)


@pytest.fixture(scope="module")
def pact(stack: Stack, issuer: DevIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pact]:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            return "250 OK"

    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    workdir = tmp_path_factory.mktemp("portal-training")
    referral = ServiceProcesses("referral", stack, workdir, env={"RELAIS_SMTP_PORT": str(smtp_port)})
    training = ServiceProcesses("training", stack, workdir)
    groups = [referral, training]
    try:
        referral.start_all()
        training.start_all()
        web = ServiceProcesses(
            "portal",
            stack,
            workdir,
            env={"RELAIS_PORTAL_REFERRAL_URL": referral.url, "RELAIS_PORTAL_TRAINING_URL": training.url},
        )
        groups.append(web)
        web.start_all()
        wait_ready(referral.url, "referral API")
        wait_ready(training.url, "training API")
        wait_ready(web.url, "portal")
        yield Pact(referral.url, training.url, web.url, issuer, stack)
    finally:
        for group in reversed(groups):
            group.stop_all()
        smtp.stop()


def sign_in(page: Page, pact: Pact, kind: str, role: str) -> None:
    page.goto(f"{pact.url}/connexion")
    page.get_by_label("Filtrer les organisations").fill(pact.suffix)
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_label("Organisation", exact=True).select_option(pact.orgs[kind]["id"])
    page.locator(f"label[for=role-{role}]").click()  # the DSFR draws the radio on the label
    page.get_by_role("button", name="Se connecter").last.click()
    expect(page.locator("#identite")).to_contain_text(pact.orgs[kind]["name"])


def until_state(page: Page, state: str, failure: str) -> None:
    """The referral page, reloaded until its state reads ``state`` (the services answer by events)."""
    deadline = time.monotonic() + 60
    while (page.locator("#etat").text_content() or "").strip() != state:
        assert time.monotonic() < deadline, failure
        time.sleep(1)
        page.reload()


def test_a_counsellor_enrols_a_person_in_a_session_with_free_seats_and_the_provider_takes_attendance(
    pact: Pact, new_context: Any
) -> None:
    pact.add_organisation("mission_locale", "Mission locale Nantes Métropole")
    pact.add_organisation("training_provider", "Organisme de formation Erdre")
    training_session = pact.add_session("Premiers pas numériques", capacity=3)
    person = pact.add_person("Awa", f"Diallo{pact.suffix}")
    full_name = f"Awa Diallo{pact.suffix}"

    counsellor = new_context().new_page()
    sign_in(counsellor, pact, "mission_locale", "counsellor")
    counsellor.get_by_role("link", name="Formations", exact=True).click()
    expect(counsellor).to_have_title(re.compile("^Formations"))
    counsellor.get_by_label("Commune (nom ou code INSEE)").fill(
        "saint-herblain"
    )  # a name, without its capital or accent
    counsellor.locator("label[for=garde]").click()  # the DSFR draws the box on the label
    counsellor.get_by_role("button", name="Chercher les sessions").click()
    card = counsellor.locator(".relais-session").filter(has_text=f"Premiers pas numériques {pact.suffix}")
    expect(card.locator(".places")).to_have_text("3 places libres / 3")
    check_page(counsellor, "01-formations-recherche", FOLDER)

    # Click 1: the session; the person is chosen among the counsellor's own.
    card.get_by_role("link", name=re.compile("^Inscrire une personne")).click()
    expect(counsellor).to_have_title(re.compile("Inscrire à une formation"))
    counsellor.get_by_label("Nom, prénom ou date de naissance").fill(f"Diallo{pact.suffix}")
    counsellor.get_by_role("button", name="Rechercher").click()
    check_page(counsellor, "02-inscrire-choisir-la-personne", FOLDER)
    counsellor.get_by_role("link", name=re.compile(full_name)).click()
    expect(counsellor.get_by_label("Motif de l'orientation")).to_have_value(
        re.compile(f"^Inscription à la session « Premiers pas numériques {pact.suffix} »")
    )
    check_page(counsellor, "03-inscrire-confirmer", FOLDER)
    # Click 2: send the referral to the session's provider.
    counsellor.get_by_role("button", name="Envoyer la demande d'inscription").click()
    expect(counsellor.locator("#etat")).to_have_text("Envoyée")
    check_page(counsellor, "04-orientation-envoyee", FOLDER)

    # The training consumer enrols the person; its confirmation takes the referral in charge.
    until_state(counsellor, "Prise en charge", "the enrolment never took the referral in charge")
    # The referral's page says which session, and where the enrolment stands.
    training_block = counsellor.locator("#formation")
    expect(training_block).to_contain_text(f"Premiers pas numériques {pact.suffix}")
    expect(training_block).to_contain_text("Organisme de formation Erdre")
    expect(training_block).to_contain_text("Saint-Herblain · Tram 1, arrêt Romanet")
    expect(counsellor.locator("#formation-inscription")).to_have_text("Inscrit·e")
    expect(counsellor.locator("#formation-emargement")).to_have_text("Aucune journée émargée pour l'instant.")
    check_page(counsellor, "05-orientation-prise-en-charge", FOLDER)
    referral_page = counsellor.url

    # The same search now counts one seat less.
    counsellor.goto(f"{pact.url}/formations?commune=44162&personne={person['id']}")
    card = counsellor.locator(".relais-session").filter(has_text=f"Premiers pas numériques {pact.suffix}")
    expect(card.locator(".places")).to_have_text("2 places libres / 3")
    expect(card.get_by_role("link", name=re.compile(f"^Inscrire {full_name}"))).to_be_visible()
    check_page(counsellor, "06-formations-pour-une-personne", FOLDER)

    provider = new_context().new_page()
    sign_in(provider, pact, "training_provider", "training_provider")
    # Signed in, the provider lands on its sessions, and its menu offers no referral pages it cannot read.
    expect(provider).to_have_title(re.compile("Mes sessions de formation"))
    nav = provider.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("link", name="Mes sessions de formation")).to_be_visible()
    for hidden in ("À traiter", "Mes personnes", "Orienter", "Inscrire une personne"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    check_page(provider, "07-organisme-mes-sessions", FOLDER)
    provider.get_by_role("link", name=f"Premiers pas numériques {pact.suffix}").click()
    trainee = f"Personne n° {person['id'][:8]}"
    expect(provider.locator("#inscrits")).to_be_visible()
    expect(provider.locator("body")).not_to_contain_text(f"Diallo{pact.suffix}")  # no name from training
    expect(provider.locator("a[href^='/orientations/']")).to_have_count(0)  # no link to a page it cannot read
    # Before the first day: no attendance sheet, no completion or abandonment.
    expect(provider.locator("#emargement + p")).to_contain_text("L'émargement s'ouvre le premier jour")
    expect(provider.get_by_role("button", name="Enregistrer l'émargement")).to_have_count(0)
    expect(provider.get_by_role("button", name=re.compile("^Enregistrer l'abandon"))).to_have_count(0)
    expect(provider.locator("#regle-attente")).to_contain_text("la liste d'attente est close")
    check_page(provider, "08-organisme-session-a-venir", FOLDER)

    pact.starts(training_session["id"])  # the first day comes
    provider.reload()
    expect(provider.locator("#etat-session")).to_have_text("En cours")
    expect(provider.locator("#feuille")).to_contain_text(trainee)
    legend = provider.locator("#feuille legend")
    expect(legend).to_contain_text(re.compile("(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) "))
    expect(provider.get_by_label("Fin de formation")).to_have_value("")  # an explicit choice, none preset
    check_page(provider, "08-organisme-session", FOLDER)
    provider.locator("#feuille label", has_text=trainee).click()
    provider.get_by_role("button", name="Enregistrer l'émargement").click()
    expect(provider.get_by_role("status")).to_have_text("Émargement enregistré. 1 présent.")
    expect(provider.get_by_label(trainee)).to_be_checked()  # the sheet saved shows as it was ticked
    check_page(provider, "09-organisme-emargement-enregistre", FOLDER)
    # Reopened later from the list, the day's sheet shows what was recorded, not empty boxes.
    provider.goto(f"{pact.url}/formations/sessions/{training_session['id']}")
    expect(provider.get_by_label(trainee)).to_be_checked()

    provider.get_by_label("Abandon : motif").select_option("mobility")
    provider.get_by_role("button", name=re.compile("^Enregistrer l'abandon")).click()
    expect(provider.get_by_role("status")).to_contain_text("Abandon enregistré")
    expect(provider.locator("#termines")).to_contain_text(trainee)
    expect(provider.locator("#termines")).to_contain_text("Abandon (Mobilité, transport)")
    expect(provider.locator("#regle-attente")).to_contain_text("une place libérée reste libre")
    check_page(provider, "10-organisme-abandon", FOLDER)
    assert training_session["id"] in provider.url

    # The counsellor reads the abandonment and the attendance on the referral's page.
    counsellor.goto(referral_page)
    expect(counsellor.locator("#formation-inscription")).to_have_text("Abandon (Mobilité, transport)")
    expect(counsellor.locator("#formation-emargement")).to_have_text("Présent·e 1 fois sur 1 journée émargée")
    check_page(counsellor, "10b-orientation-abandon-de-formation", FOLDER)

    # The counsellor cannot enrol anyone in the running session, not even from an old link.
    counsellor.goto(
        f"{pact.url}/formations/sessions/{training_session['id']}/inscrire?personne={person['id']}"
    )
    expect(counsellor.locator("#session-fermee")).to_contain_text("ne prend plus d'inscription")
    expect(counsellor.get_by_role("button", name="Envoyer la demande d'inscription")).to_have_count(0)
    check_page(counsellor, "11-inscrire-session-commencee", FOLDER)
    counsellor.goto(f"{pact.url}/formations?commune=44162")
    expect(
        counsellor.locator(".relais-session").filter(has_text=f"Premiers pas numériques {pact.suffix}")
    ).to_have_count(0)


def test_a_provider_schedules_filters_finishes_and_cancels_its_sessions_and_a_counsellor_joins_a_waitlist(
    pact: Pact, new_context: Any
) -> None:
    if "training_provider" not in pact.orgs:
        pact.add_organisation("mission_locale", "Mission locale Nantes Métropole")
        pact.add_organisation("training_provider", "Organisme de formation Erdre")
    full = pact.add_session("Bureautique", capacity=1, starts_in=10)
    running = pact.add_session("Remobilisation", capacity=4, starts_in=5)
    someone = pact.add_person("Inès", f"Martin{pact.suffix}")
    provider_auth = pact.auth("training_provider", "training_provider")
    pact.call(
        f"{pact.training}/v1/sessions/{full['id']}/enrolments",
        provider_auth,
        {"jobseeker_id": str(uuid.uuid4())},
    )
    pact.starts(running["id"], days_ago=2)

    counsellor = new_context().new_page()
    sign_in(counsellor, pact, "mission_locale", "counsellor")
    counsellor.goto(f"{pact.url}/formations?commune=44162&personne={someone['id']}")
    expect(counsellor.locator(".relais-session").filter(has_text=f"Bureautique {pact.suffix}")).to_have_count(
        0
    )
    counsellor.locator("label[for=complet]").click()
    counsellor.get_by_role("button", name="Chercher les sessions").click()
    card = counsellor.locator(".relais-session").filter(has_text=f"Bureautique {pact.suffix}")
    expect(card.locator(".places")).to_have_text("Complète : liste d'attente")
    expect(
        counsellor.locator(".relais-session").filter(has_text=f"Remobilisation {pact.suffix}")
    ).to_have_count(0)
    check_page(counsellor, "12-formations-avec-sessions-completes", FOLDER)
    card.get_by_role("link", name=re.compile("^Inscrire")).click()
    expect(counsellor.locator("#places")).to_have_text("Session complète")
    counsellor.get_by_role("button", name="Envoyer la demande d'inscription").click()
    # The provider's waitlist answers the referral: acknowledged, with no deadline the provider must meet.
    until_state(counsellor, "Réception confirmée", "the waitlisted referral was never acknowledged")
    expect(counsellor.locator("#formation-inscription")).to_have_text("Sur liste d'attente, rang 1")
    check_page(counsellor, "13-orientation-en-liste-d-attente", FOLDER)

    provider = new_context().new_page()
    sign_in(provider, pact, "training_provider", "training_provider")
    # Schedule a session of one of its offers.
    provider.get_by_role("link", name="Programmer une session").click()
    provider.get_by_label("Formation", exact=True).select_option(label=f"Bureautique {pact.suffix}")
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    provider.get_by_label("Premier jour").fill(today.isoformat())
    provider.get_by_label("Dernier jour").fill((today + timedelta(days=30)).isoformat())
    provider.get_by_label("Nombre de places").fill("6")
    provider.get_by_label("Commune", exact=True).fill("Rezé")
    provider.get_by_label("Code INSEE de la commune").fill("44143")
    # The browser refuses a first day gone by (the field's min); the portal refuses it too, without it.
    provider.locator("#starts_on").evaluate("field => field.removeAttribute('min')")
    provider.get_by_role("button", name="Programmer la session").click()
    expect(provider.locator("#starts_on-erreur")).to_contain_text("doit être à venir")
    check_page(provider, "14-organisme-programmer-erreur", FOLDER)
    provider.get_by_label("Premier jour").fill((today + timedelta(days=20)).isoformat())
    provider.get_by_role("button", name="Programmer la session").click()
    expect(provider.get_by_role("status")).to_contain_text("Session programmée")
    expect(provider.locator("h1")).to_have_text(f"Bureautique {pact.suffix}")
    check_page(provider, "15-organisme-session-programmee", FOLDER)
    # Without the DSFR's script its modals cannot open: the same button posts a plain form, and the
    # portal's confirmation page says what cancelling does before anything is done.
    plain = new_context(java_script_enabled=False, storage_state=provider.context.storage_state()).new_page()
    plain.goto(provider.url)
    plain.get_by_role("button", name="Annuler la session").click()
    expect(plain.locator("h1")).to_have_text("Annuler la session ?")
    expect(plain.locator("body")).to_contain_text("Personne n'y est inscrit ni en liste d'attente.")
    plain.get_by_role("button", name="Oui, annuler la session").click()
    expect(plain.get_by_role("status")).to_contain_text("Session annulée")
    expect(plain.locator("#etat-session")).to_have_text("Annulée")
    # Cancelled before its first day: no attendance will ever open (it said it would, on that day).
    expect(plain.locator("#emargement + p")).to_have_text("Session annulée : pas d'émargement.")

    # Its list: upcoming by default, running and ended on request, by offer.
    provider.goto(f"{pact.url}/formations")
    expect(provider.get_by_role("link", name=f"Remobilisation {pact.suffix}")).to_have_count(0)
    provider.get_by_label("Sessions", exact=True).select_option("en-cours")
    provider.get_by_role("button", name="Afficher").click()
    expect(provider.get_by_role("link", name=f"Remobilisation {pact.suffix}")).to_be_visible()
    check_page(provider, "16-organisme-sessions-en-cours", FOLDER)
    provider.get_by_role("link", name=f"Remobilisation {pact.suffix}").click()
    # Closing or cancelling asks first, saying what it does (a DSFR modal); "Ne rien changer" changes nothing.
    provider.get_by_role("button", name="Clore la session").click()
    finishing = provider.get_by_role("dialog", name="Clore la session ?")
    expect(finishing).to_be_visible()
    expect(finishing).to_contain_text("ne pourra pas être rouverte")
    finishing.get_by_role("button", name="Ne rien changer").click()
    expect(finishing).to_be_hidden()
    expect(provider.locator("#etat-session")).to_have_text("En cours")
    provider.get_by_role("button", name="Clore la session").click()
    provider.get_by_role("button", name="Oui, clore la session").click()
    expect(provider.get_by_role("status")).to_contain_text("Session close")
    expect(provider.locator("#etat-session")).to_have_text("Terminée")
    provider.goto(f"{pact.url}/formations/sessions/{full['id']}")
    provider.get_by_role("button", name="Annuler la session").click()
    cancelling = provider.get_by_role("dialog", name="Annuler la session ?")
    expect(cancelling).to_contain_text("2 inscriptions sont annulées (1 confirmée, 1 en liste d'attente)")
    expect(cancelling).to_contain_text("revient au conseiller qui l'a orientée")
    # The DSFR fades the modal in: the screenshot waits for it to be opaque.
    provider.wait_for_function(
        "getComputedStyle(document.getElementById('confirmer-annuler')).opacity === '1'"
    )
    check_page(provider, "16b-organisme-confirmer-l-annulation", FOLDER)
    cancelling.get_by_role("button", name="Oui, annuler la session").click()
    expect(provider.get_by_role("status")).to_contain_text("Session annulée")
    expect(provider.locator("#etat-session")).to_have_text("Annulée")
    provider.goto(f"{pact.url}/formations?periode=terminees")
    for title in ("Remobilisation", "Bureautique"):
        expect(provider.get_by_role("link", name=f"{title} {pact.suffix}").first).to_be_visible()
    check_page(provider, "17-organisme-sessions-terminees", FOLDER)

    # The counsellor's referral on the cancelled session's waitlist came back to them.
    until_state(counsellor, "Refusée", "the waitlisted referral never came back")
    expect(counsellor.locator("#formation-inscription")).to_have_text("Inscription annulée (session annulée)")
    expect(counsellor.locator("body")).not_to_contain_text("commentaire obligatoire")
    check_page(counsellor, "18-orientation-revenue", FOLDER)

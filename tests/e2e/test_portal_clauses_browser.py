"""The clauses pages of the portal in a real browser (Debian Chromium, Playwright) over the real APIs.

The referral API (the directory people sign in with), every clauses process (its monitor reconciles a
contract that ended) and the portal run against the real stack. Each page visited is checked by axe-core
(no serious or critical violation) and kept as a screenshot under test-artefacts/clauses/.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.dates import format_date
from dateutil.relativedelta import relativedelta
from playwright.sync_api import Page, expect
from sqlalchemy.exc import IntegrityError

from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain.hours import PARIS
from relais_clauses.domain.monitoring import period_of, periods_due
from relais_clauses.service_layer.monitoring import MonitorPolicy, check_obligation
from relais_dev.browser import check_page, run_beside_playwright, wait_ready
from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.db import make_engine, make_sessionmaker

pytestmark = pytest.mark.integration

SIRET = "73282932000074"
ROLE_OF = {"maison_emploi": "facilitator", "buyer": "buyer", "employer": "employer"}


class ClausesPact:
    """The processes, and a small pact: a facilitator, a buyer, two contractors and their contracts."""

    def __init__(self, referral: str, clauses: str, portal: str, issuer: DevIssuer) -> None:
        self.referral, self.clauses, self.url = referral, clauses, portal
        self.issuer = issuer
        self.suffix = uuid.uuid4().hex[:6]
        self.orgs: dict[str, dict[str, str]] = {}
        self.contracts: dict[str, dict[str, Any]] = {}
        self.work: dict[str, str] = {}

    def add_organisation(self, key: str, kind: str, name: str) -> None:
        admin = self.issuer.token(
            org_id=ReferralSettings().coordination_org_id, org_kind="pact_coordination", roles=["admin"]
        )
        answer = httpx.post(
            f"{self.referral}/v1/organisations",
            json={"name": f"{name} {self.suffix}", "kind": kind, "departement": "44"},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        self.orgs[key] = answer.json()

    def call(self, key: str, path: str, body: Any) -> dict[str, Any]:
        org = self.orgs[key]
        token = self.issuer.token(org_id=org["id"], org_kind=org["kind"], roles=[ROLE_OF[org["kind"]]])
        answer = httpx.post(
            f"{self.clauses}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def contract(self, key: str, operation: str, contractor: str, starts: str, ends: str, hours: int) -> None:
        self.contracts[key] = self.call(
            "buyer",
            "/v1/contracts",
            {
                "operation_id": operation,
                "reference": f"{key}-{self.suffix}",
                "lot": "gros œuvre",
                "legal_basis": "execution_condition",
                "amount": "900000",
                "starts_on": starts,
                "ends_on": ends,
                "contractor_org_id": self.orgs[contractor]["id"],
                "contractor_siret": SIRET,
                "facilitator_org_id": self.orgs["facilitator"]["id"],
                "hours_required": str(hours),
                "hours_mandatory": str(hours),
                "penalty_rule": "per_missing_hour",
                "penalty_hourly_amount": "20",
            },
        )

    def hire(self, key: str, decided: str, starts: str) -> str:
        person = uuid.uuid4()
        self.call(
            "facilitator",
            f"/v1/participants/{person}/eligibility",
            {
                "decided_on": decided,
                "proofs": [
                    {"criterion": "rsa", "method": "certified", "proved_on": decided, "reference": "CAF"}
                ],
                "sex": "F",
                "age_band": "26_49",
                "qpv_resident": True,
            },
        )
        work = self.call(
            "facilitator",
            f"/v1/contracts/{self.contracts[key]['id']}/work-contracts",
            {
                "participant_id": str(person),
                "mode": "direct_hire",
                "contract_type": "CDD",
                "starts_on": starts,
                "employer_siret": SIRET,
            },
        )
        self.work[key] = work["id"]
        return str(work["id"])

    def declare(self, key: str, period: str, hours: str) -> None:
        line = {"work_contract_id": self.work[key], "period": period, "hours": hours, "reference": "BUL"}
        self.call("facilitator", f"/v1/contracts/{self.contracts[key]['id']}/hours", {"lines": [line]})

    def page_of(self, key: str) -> str:
        return f"{self.url}/clauses/marches/{self.contracts[key]['id']}"


@pytest.fixture(scope="module")
def pact(stack: Stack, issuer: DevIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClausesPact]:
    workdir = tmp_path_factory.mktemp("portal-clauses")
    referral = ServiceProcesses("referral", stack, workdir)
    clauses = ServiceProcesses("clauses", stack, workdir)
    web = ServiceProcesses(
        "portal",
        stack,
        workdir,
        env={"RELAIS_PORTAL_REFERRAL_URL": referral.url, "RELAIS_PORTAL_CLAUSES_URL": clauses.url},
    )
    try:
        referral.start("api")  # the directory the users sign in with; no referral is made here
        clauses.start_all()
        web.start_all()
        for url, what in ((referral.url, "referral API"), (clauses.url, "clauses API"), (web.url, "portal")):
            wait_ready(url, what)
        pact = ClausesPact(referral.url, clauses.url, web.url, issuer)
        pact.add_organisation("facilitator", "maison_emploi", "Maison de l'emploi des Clauses")
        pact.add_organisation("buyer", "buyer", "Métropole acheteuse")
        pact.add_organisation("contractor", "employer", "Bâtiments du Sillon")
        pact.add_organisation("other", "employer", "Charpentes de l'Erdre")
        operation = pact.call(
            "buyer", "/v1/operations", {"buyer_org_id": pact.orgs["buyer"]["id"], "name": "Groupe scolaire"}
        )["id"]
        pact.contract("running", operation, "contractor", "2026-01-01", "2027-06-30", 1200)
        pact.contract("another", operation, "other", "2026-01-01", "2027-06-30", 800)
        pact.contract("ended", operation, "contractor", "2025-01-01", "2025-06-30", 300)
        pact.hire("running", "2026-02-01", "2026-02-02")
        pact.declare("running", "2026-02-01", "140")
        yield pact
    finally:
        web.stop_all()
        clauses.stop_all()
        referral.stop_all()


def sign_in(page: Page, pact: ClausesPact, key: str, role_label: str) -> None:
    page.goto(f"{pact.url}/connexion?q={pact.suffix}")
    page.get_by_label("Organisation", exact=True).select_option(pact.orgs[key]["id"])
    page.locator("label", has_text=role_label).click()
    page.get_by_role("button", name="Se connecter").last.click()
    expect(page.locator("#identite")).to_contain_text(pact.orgs[key]["name"])


def realised(page: Page) -> Decimal:
    return Decimal(page.locator("#barre-marche").get_attribute("aria-valuenow") or "0")


def test_a_facilitator_declares_hours_and_the_contracts_bar_moves(
    pact: ClausesPact, new_context: Any, tmp_path: Path
) -> None:
    page = new_context().new_page()
    sign_in(page, pact, "facilitator", "Facilitateur des clauses")
    expect(page).to_have_title(re.compile("^Clauses sociales"))  # a facilitator's home is its clauses
    expect(page.locator("tr", has_text=f"running-{pact.suffix}")).to_contain_text(
        "140 h sur 1 200 h requises"
    )
    check_page(page, "01-clauses-facilitateur", "clauses")

    page.get_by_role("link", name=f"running-{pact.suffix}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Marché running-{pact.suffix}")
    assert realised(page) == 140
    check_page(page, "02-marche-facilitateur", "clauses")

    # The API's refusal shows next to the field concerned, and nothing moves.
    page.locator("#work_contract_id").select_option(pact.work["running"])
    page.locator("#period").fill("2026-03")
    page.locator("#hours").fill("400")
    page.locator("#reference").fill("BUL-2026-03")
    page.get_by_role("button", name="Enregistrer les heures").click()
    expect(page.locator("#hours-erreur")).to_contain_text("Entre 0 et 250 heures")
    # The form is far below: the top of the page, where the browser lands, says so and links to the field.
    expect(page.locator("#resume-erreurs")).to_be_in_viewport()
    page.locator("#resume-erreurs").get_by_role("link", name="Heures : Entre 0 et 250 heures").click()
    expect(page.locator("#hours")).to_be_in_viewport()
    assert realised(page) == 140
    check_page(page, "03-heures-erreur", "clauses")

    page.locator("#hours").fill("151,5")
    page.get_by_role("button", name="Enregistrer les heures").click()
    expect(page.get_by_role("status")).to_contain_text("Heures enregistrées")
    assert realised(page) == Decimal("291.5")
    expect(page.locator("#heures-realisees")).to_have_text("291,50 h")
    check_page(page, "04-heures-enregistrees", "clauses")

    # A file with one bad row imports nothing and names the row; the right file moves the bar.
    bad = tmp_path / "heures.csv"
    work = pact.work["running"]
    bad.write_text(
        f"work_contract_id;period;hours;reference\n{work};2026-04;120;B-4\n{work};2026-05;beaucoup;B-5\n"
    )
    page.get_by_label("Importer un fichier d'heures").set_input_files(str(bad))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.locator("#lignes-refusees")).to_contain_text("Ligne 3 (heures)")
    expect(page.locator("#resume-erreurs")).to_be_in_viewport()
    assert realised(page) == Decimal("291.5")
    check_page(page, "05-import-refuse", "clauses")
    good = tmp_path / "heures-corrigees.csv"
    good.write_text(
        f"work_contract_id;period;hours;reference\n{work};2026-04;120;B-4\n{work};2026-05;100;B-5\n"
    )
    page.get_by_label("Importer un fichier d'heures").set_input_files(str(good))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.get_by_role("status")).to_contain_text("Fichier importé")
    assert realised(page) == Decimal("511.5")

    page.get_by_role("link", name="Clauses sociales").first.click()
    page.get_by_role("link", name="Décisions d'éligibilité").click()
    expect(page.locator("#decisions tbody tr")).to_have_count(1)
    expect(page.locator("#decisions")).to_contain_text("Allocataire du RSA")
    check_page(page, "06-eligibilite", "clauses")

    page.get_by_role("link", name="Clauses sociales").first.click()
    page.get_by_role("link", name="Bilan annuel").click()
    expect(page.locator("#bilan")).to_contain_text(f"running-{pact.suffix}")
    check_page(page, "07-bilan-facilitateur", "clauses")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert (
        content.startswith("Marché (identifiant);Référence;Acheteur;") and f"running-{pact.suffix}" in content
    )
    assert f";{pact.orgs['buyer']['name']};" in content  # the buyer by its name, not its id


def test_a_contractor_sees_its_own_contracts_and_cannot_open_another_contractors_by_url(
    pact: ClausesPact, new_context: Any
) -> None:
    page = new_context().new_page()
    sign_in(page, pact, "other", "Entreprise titulaire")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text(f"another-{pact.suffix}")
    check_page(page, "08-clauses-titulaire", "clauses")

    answer = page.goto(pact.page_of("running"))
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès impossible")
    expect(page.locator("main")).not_to_contain_text(f"running-{pact.suffix}")
    check_page(page, "09-marche-d-un-autre", "clauses")
    # A buyer's page is not a contractor's either: the API refuses it, the page says so.
    answer = page.goto(f"{pact.url}/clauses/eligibilite")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès impossible")


def test_a_shortfall_goes_through_the_contractors_observations_before_the_buyers_decision(
    pact: ClausesPact, new_context: Any
) -> None:
    # The contract ended in 2025 with no hour: its monitor reconciles it as soon as it starts (300 h
    # missing × 20 €). Hours declared after it started could come before or after the reconciliation.
    deadline = time.monotonic() + 60
    contract = pact.contracts["ended"]["id"]
    token = pact.issuer.token(org_id=pact.orgs["buyer"]["id"], org_kind="buyer", roles=["buyer"])
    while time.monotonic() < deadline:
        state = httpx.get(
            f"{pact.clauses}/v1/contracts/{contract}/obligation",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).json()
        if state["penalty_status"]:
            break
        time.sleep(1)
    assert state["penalty_status"] == "proposed" and Decimal(state["proposed_penalty"]) == 6000

    contractor = new_context().new_page()
    sign_in(contractor, pact, "contractor", "Entreprise titulaire")
    contractor.goto(pact.page_of("ended"))
    expect(contractor.locator("#etat")).to_have_text("Terminé")  # no longer "at risk": reconciled
    expect(contractor.locator("#etat-penalite")).to_contain_text("observations du titulaire attendues")
    expect(contractor.locator("#penalite-proposee")).to_have_text("6 000,00 €")
    contractor.get_by_role("button", name="Présenter mes observations").click()
    expect(contractor.locator("#observations-reference-erreur")).to_have_text("Ce champ est obligatoire.")
    check_page(contractor, "10-penalite-observations-erreur", "clauses")
    contractor.get_by_label("Référence de votre courrier d'observations").fill("LR-2026-118")
    contractor.get_by_role("button", name="Présenter mes observations").click()
    expect(contractor.locator("#etat-penalite")).to_contain_text("Observations reçues")
    check_page(contractor, "11-penalite-observations", "clauses")

    buyer = new_context().new_page()
    sign_in(buyer, pact, "buyer", "Acheteur (donneur d'ordre)")
    expect(buyer.locator("tbody tr")).to_have_count(3)  # its operation's three contracts
    expect(buyer.locator("#nombre-en-risque")).to_have_text("2")  # the ended one is reconciled, not at risk
    check_page(buyer, "12-clauses-acheteur", "clauses")
    buyer.get_by_role("link", name=f"ended-{pact.suffix}").click()
    buyer.get_by_label("Montant arrêté (€)").fill("7000")
    buyer.get_by_role("button", name="Arrêter la pénalité").click()
    expect(buyer.locator("#amount-erreur")).to_be_visible()  # above the proposed amount: refused
    check_page(buyer, "13-penalite-decision-erreur", "clauses")
    buyer.get_by_label("Montant arrêté (€)").fill("2 500")
    buyer.get_by_role("button", name="Arrêter la pénalité").click()
    expect(buyer.locator("#etat-penalite")).to_have_text("Pénalité arrêtée")
    expect(buyer.locator("#penalite-arretee")).to_contain_text("2 500,00 €")
    check_page(buyer, "14-penalite-arretee", "clauses")
    buyer.get_by_role("link", name="Clauses sociales").first.click()
    buyer.get_by_role("link", name="Bilan annuel").click()
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="Télécharger en XLSX (tableur)").click()
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # a zip: the XLSX workbook
    check_page(buyer, "15-bilan-acheteur", "clauses")


def test_a_facilitator_validates_a_participants_eligibility_then_records_the_hire_on_a_contract(
    pact: ClausesPact, new_context: Any
) -> None:
    person = str(uuid.uuid4())
    page = new_context().new_page()
    sign_in(page, pact, "facilitator", "Facilitateur des clauses")
    page.goto(f"{pact.url}/clauses/eligibilite")
    page.get_by_text("Valider l'éligibilité d'un participant").click()
    page.get_by_label("Identifiant du participant").first.fill(person)
    page.locator("#eligibilite-decided_on").fill("2026-09-01")
    page.locator("#eligibilite-criterion_0").select_option("long_term_jobseeker")
    page.locator("#eligibilite-method_0").select_option("certified")
    page.locator("#eligibilite-proved_on_0").fill("2026-08-28")
    page.get_by_role("button", name="Valider l'éligibilité", exact=True).click()
    # The proof's reference is missing: said next to it, and nothing is recorded.
    expect(page.locator("#eligibilite-reference_0-erreur")).to_be_visible()
    check_page(page, "08-eligibilite-erreur", "clauses")
    page.locator("#eligibilite-reference_0").fill("Attestation FT 2026-08")
    page.get_by_role("button", name="Valider l'éligibilité", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Éligibilité validée")
    expect(page.locator("#decisions tbody tr")).to_have_count(1)
    expect(page.locator("#decisions")).to_contain_text("Demandeur d'emploi de longue durée")
    check_page(page, "09-eligibilite-validee", "clauses")

    page.goto(pact.page_of("running"))
    hires = page.locator("#embauches tbody tr").count()
    page.locator("#embauche-participant_id").fill(person)
    page.locator("#embauche-mode").select_option("direct_hire")
    page.locator("#embauche-contract_type").select_option("CDD")
    page.locator("#embauche-starts_on").fill("2026-09-07")
    page.locator("#embauche-ends_on").fill("2027-03-05")
    page.locator("#embauche-weekly_hours").fill("35")
    page.locator("#embauche-employer_siret").fill("73282932000075")  # one digit off: Luhn fails
    page.get_by_role("button", name="Enregistrer l'embauche").click()
    expect(page.locator("#embauche-employer_siret-erreur")).to_contain_text(
        "la clé de contrôle ne correspond pas"
    )
    expect(page.locator("#embauches tbody tr")).to_have_count(hires)
    check_page(page, "10-embauche-erreur", "clauses")
    page.locator("#embauche-employer_siret").fill(SIRET)
    page.get_by_role("button", name="Enregistrer l'embauche").click()
    expect(page.get_by_role("status")).to_contain_text("Embauche enregistrée")
    expect(page.locator("#embauches tbody tr")).to_have_count(hires + 1)
    expect(page.locator("#embauches")).to_contain_text(person[:8])
    check_page(page, "11-embauche-enregistree", "clauses")

    # The contractor reads the hires but is offered no form to record one.
    contractor = new_context().new_page()
    sign_in(contractor, pact, "contractor", "Entreprise titulaire")
    contractor.goto(pact.page_of("running"))
    expect(contractor.locator("#embauches")).to_contain_text(person[:8])
    expect(contractor.get_by_role("button", name="Enregistrer l'embauche")).to_have_count(0)

    # A derogation rests on a prescriber's reasoned opinion: chosen among the pact's prescribers.
    derogation = str(uuid.uuid4())
    page.goto(f"{pact.url}/clauses/eligibilite")
    page.get_by_text("Valider l'éligibilité d'un participant").click()
    page.get_by_label("Identifiant du participant").first.fill(derogation)
    page.locator("#eligibilite-decided_on").fill("2026-09-01")
    page.locator("#eligibilite-criterion_0").select_option("derogation")
    page.locator("#eligibilite-method_0").select_option("document_seen")
    page.locator("#eligibilite-proved_on_0").fill("2026-08-28")
    page.locator("#eligibilite-reference_0").fill("Avis motivé 2026-31")
    page.locator("#eligibilite-prescriber_org_id").select_option(pact.orgs["facilitator"]["id"])
    check_page(page, "11b-derogation", "clauses")
    page.get_by_role("button", name="Valider l'éligibilité", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Éligibilité validée")
    expect(page.locator("#decisions")).to_contain_text("Dérogation sur avis motivé d'un prescripteur")
    expect(page.locator("#decisions caption")).to_have_text("1 décision")


def _monitor_checks(stack: Stack, contract_id: str, today: date) -> None:
    """The monitor's step on ``today``, run here on the clauses database: its own first check may come
    before the hire (then it sleeps until the next due date), and a reminder is recorded once whoever
    runs first, so the result is the same."""

    async def check() -> None:
        engine = make_engine(stack.database_url("clauses"), pool_size=1)
        try:
            for attempt in range(2):
                try:
                    async with UnitOfWork(make_sessionmaker(engine)) as uow:
                        await check_obligation(
                            uow, uuid.UUID(contract_id), today, MonitorPolicy(grace_days=10)
                        )
                    return
                except IntegrityError:
                    # The monitor's first check created the contract's state at the same moment: try
                    # again, as its activity would.
                    if attempt:
                        raise
        finally:
            await engine.dispose()

    run_beside_playwright(check())


def test_periods_reminded_and_not_declared_show_on_the_list_and_the_contract_until_declared(
    pact: ClausesPact, new_context: Any, stack: Stack
) -> None:
    today = datetime.now(PARIS).date()
    start = period_of(today, "month") - relativedelta(months=5)
    end = start + relativedelta(months=18)
    operation = pact.call(
        "buyer", "/v1/operations", {"buyer_org_id": pact.orgs["buyer"]["id"], "name": "Médiathèque"}
    )["id"]
    pact.contract("late", operation, "contractor", start.isoformat(), end.isoformat(), 600)
    pact.hire("late", start.isoformat(), (start + timedelta(days=1)).isoformat())
    pact.declare("late", start.isoformat(), "120")  # the first month only
    _monitor_checks(stack, pact.contracts["late"]["id"], today)
    overdue = [
        p
        for p in periods_due(
            starts_on=start, ends_on=end, reporting_period="month", grace_days=10, today=today
        )
        if p != start
    ]
    first = format_date(overdue[0], "LLLL y", locale="fr")
    reminded = f"(relance le {today:%d/%m/%Y})"

    facilitator = new_context().new_page()
    sign_in(facilitator, pact, "facilitator", "Facilitateur des clauses")
    badge = facilitator.locator(f"#retard-{pact.contracts['late']['id']}")
    expect(badge).to_have_text(f"{len(overdue)} périodes non déclarées")
    facilitator.locator("label[for=retard]").click()  # DSFR draws the box over the input
    facilitator.get_by_role("button", name="Filtrer").click()
    shown = facilitator.locator("main table")
    expect(shown.filter(has_text=f"late-{pact.suffix}")).to_have_count(1)
    expect(shown.filter(has_text=f"another-{pact.suffix}")).to_have_count(0)  # nobody hired: never late
    check_page(facilitator, "16-marches-heures-non-declarees", "clauses")

    contractor = new_context().new_page()
    sign_in(contractor, pact, "contractor", "Entreprise titulaire")
    contractor.goto(pact.page_of("late"))
    alert = contractor.locator("#heures-non-declarees")
    expect(alert.get_by_role("heading")).to_contain_text(f"Heures non déclarées pour {len(overdue)} période")
    expect(alert.get_by_role("listitem").first).to_have_text(f"{first} {reminded}")
    check_page(contractor, "17-marche-heures-non-declarees", "clauses")
    contractor.get_by_role("link", name="Déclarer les heures").click()
    assert contractor.url.endswith("#titre-declarer")
    contractor.locator("#work_contract_id").select_option(pact.work["late"])
    contractor.locator("#period").fill(f"{overdue[0]:%Y-%m}")
    contractor.locator("#hours").fill("140")
    contractor.locator("#reference").fill("BUL-RETARD")
    contractor.get_by_role("button", name="Enregistrer les heures").click()
    expect(contractor.get_by_role("status")).to_contain_text("Heures enregistrées")
    expect(alert).not_to_contain_text(first)  # declared late: that period leaves the alert
    expect(alert).to_contain_text(format_date(overdue[1], "LLLL y", locale="fr"))
    check_page(contractor, "18-periode-declaree-en-retard", "clauses")

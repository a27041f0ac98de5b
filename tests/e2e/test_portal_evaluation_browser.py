"""The portal's evaluation pages in a real browser (Debian Chromium driven by Playwright).

The evaluation store is a scratch database of the stack's PostgreSQL, filled by the service's own
ingestion (the live consumer's batch handler) with the synthetic quarter whose figures were counted by
hand (services/evaluation/tests/integration/synthetic_pact.py), moved two years back so that its exits
are six months old today. The evaluation API runs with a small-cell threshold of 2: every figure of
2 or more shows, the 1s are « secret statistique ». Each page visited is checked by axe-core and kept as a
screenshot under test-artefacts/evaluation/.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.sync_api import Page, expect

from relais_dev.browser import check_page, wait_ready
from relais_dev.stack import Stack, repo_root
from relais_dev.testing import ServiceProcesses
from relais_evaluation.adapters.events.consumer import batch_handler
from relais_evaluation.manifest import MANIFEST
from relais_evaluation.settings import EvaluationSettings
from relais_shared.auth import DevIssuer
from relais_shared.db import make_engine, make_sessionmaker, transaction
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration
FOLDER = "evaluation"
QUARTER = "du=2025-01&au=2025-03"
COORDINATION = str(EvaluationSettings().coordination_org_id)
NS = uuid.UUID("0b6c3f0e-2d1a-4c8e-9f5b-7e3a1d2c4b60")


def _synthetic_pact() -> ModuleType:
    """The evaluation service's hand-counted fixture, loaded by path (test modules are not a package)."""
    path = repo_root() / "services/evaluation/tests/integration/synthetic_pact.py"
    spec = importlib.util.spec_from_file_location("relais_evaluation_synthetic_pact", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SYNTHETIC = _synthetic_pact()
ORGS = {key: str(org_id) for key, org_id in SYNTHETIC.ORGS.items()}


def _two_years_back(value: Any) -> Any:
    """2027 → 2025 everywhere: both years start on the same weekday pattern for these counts (no leap
    day, same month lengths), so every hand count holds; the exits' six months are then past."""
    if isinstance(value, str):
        return value.replace("2027-", "2025-")
    if isinstance(value, dict):
        return {k: _two_years_back(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_two_years_back(v) for v in value)
    return value


async def _fill_store(stack: Stack, name: str, envelopes: list[Any]) -> str:
    admin = await asyncpg.connect(stack.admin_dsn())
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = stack.postgres_url(name)
    await asyncio.to_thread(upgrade_head, MANIFEST.service_dir, url)
    engine = make_engine(url, pool_size=1)
    async with transaction(make_sessionmaker(engine)) as session:
        await batch_handler("evaluation-browser-test-pact-key", apply_erasures=True)(session, envelopes)
    await engine.dispose()
    return url


async def _drop(stack: Stack, name: str) -> None:
    admin = await asyncpg.connect(stack.admin_dsn())
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


class Pact:
    def __init__(self, referral: str, evaluation: str, portal: str, issuer: DevIssuer) -> None:
        self.referral, self.evaluation, self.url, self.issuer = referral, evaluation, portal, issuer
        self.names: dict[str, str] = {}

    def add_organisation(self, org_id: str, kind: str, name: str) -> None:
        admin = self.issuer.token(org_id=COORDINATION, org_kind="pact_coordination", roles=["admin"])
        answer = httpx.post(
            f"{self.referral}/v1/organisations",
            json={"id": org_id, "name": name, "kind": kind, "departement": "44"},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )
        assert answer.status_code in (201, 409), answer.text  # 409: made by an earlier run
        found = httpx.get(
            f"{self.referral}/v1/organisations/{org_id}",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )
        self.names[org_id] = found.json()["name"]

    def add_member(self, org_id: str, sub: str, display_name: str) -> None:
        """A member of the directory (the invitation form offers them by name)."""
        admin = self.issuer.token(org_id=COORDINATION, org_kind="pact_coordination", roles=["admin"])
        answer = httpx.put(
            f"{self.referral}/v1/organisations/{org_id}/members/{sub}",
            json={"display_name": display_name, "email": "pair@plie.example.org", "roles": ["evaluator"]},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def pact(stack: Stack, issuer: DevIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pact]:
    SYNTHETIC.EVENTS[:] = _two_years_back(SYNTHETIC.EVENTS)
    envelopes = [envelope for _key, envelope in SYNTHETIC.envelopes()]
    database = f"relais_test_{uuid.uuid4().hex[:10]}"
    store = asyncio.run(_fill_store(stack, database, envelopes))
    workdir = tmp_path_factory.mktemp("portal-evaluation")
    referral = ServiceProcesses("referral", stack, workdir)
    evaluation = ServiceProcesses(
        "evaluation",
        stack,
        workdir,
        env={
            "RELAIS_EVALUATION_DATABASE_URL": store,
            "RELAIS_EVALUATION_SMALL_CELL_THRESHOLD": "2",
        },
    )
    groups = [referral, evaluation]
    try:
        referral.start("api")
        evaluation.start("api")
        web = ServiceProcesses(
            "portal",
            stack,
            workdir,
            env={"RELAIS_PORTAL_REFERRAL_URL": referral.url, "RELAIS_PORTAL_EVALUATION_URL": evaluation.url},
        )
        groups.append(web)
        web.start_all()
        wait_ready(referral.url, "referral API")
        wait_ready(evaluation.url, "evaluation API")
        wait_ready(web.url, "portal")
        found = Pact(referral.url, evaluation.url, web.url, issuer)
        found.add_organisation(COORDINATION, "pact_coordination", "Coordination du pacte")
        for key, kind, name in (
            ("FT", "france_travail", "France Travail Nantes Sud (évaluation)"),
            ("ML", "mission_locale", "Mission locale Nantes (évaluation)"),
            ("PLIE", "plie", "PLIE Nantes Métropole (évaluation)"),
            ("CAP", "cap_emploi", "Cap emploi 44 (évaluation)"),
            ("TP", "training_provider", "Organisme de formation Loire (évaluation)"),
        ):
            found.add_organisation(ORGS[key], kind, name)
        yield found
    finally:
        for group in reversed(groups):
            group.stop_all()
        asyncio.run(_drop(stack, database))


def sign_in(page: Page, pact: Pact, org_id: str, role: str) -> None:
    page.goto(f"{pact.url}/connexion")
    page.get_by_label("Filtrer les organisations").fill(pact.names[org_id])
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_label("Organisation", exact=True).select_option(org_id)
    page.locator(f"label[for=role-{role}]").click()  # the DSFR draws the radio on the label
    page.get_by_role("button", name="Se connecter").last.click()
    expect(page.locator("#identite")).to_contain_text(pact.names[org_id])


def cells(page: Page, table: str, row: str) -> list[str]:
    """The cells of a table's row, by its header cell (exact)."""
    line = page.locator(f"#{table} tbody tr").filter(has=page.get_by_role("rowheader", name=row, exact=True))
    expect(line).to_have_count(1)
    return [re.sub(r"\s+", " ", t).strip() for t in line.locator("td").all_inner_texts()]


def test_a_coordinator_reads_the_pacts_figures_with_suppressed_cells_shown_as_such(
    pact: Pact, new_context: Any
) -> None:
    page = new_context().new_page()
    sign_in(page, pact, COORDINATION, "coordinator")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Évaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableaux de bord du pacte")
    page.get_by_label("Du mois").fill("2025-01")
    page.get_by_label("Au mois (inclus)").fill("2025-03")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#periode")).to_have_text("Du 01/01/2025 au 31/03/2025")
    expect(page.locator("#chiffres-de-votre-organisation")).to_have_count(0)  # the whole pact's figures
    expect(page.locator("#sorties")).to_contain_text(
        "Situation 6 mois après la sortie : toutes les sorties de la période ont atteint cet horizon."
    )

    # The funnel, counted by hand: R1…R7 sent, all but R4 acknowledged (R2 late), R1 R3 R6 taken in
    # charge, R2 refused and R4 expired (2 returns), R5 withdrawn, R7 obsolete. The 1s are secret.
    funnel = "tableau-entonnoir"
    assert cells(page, funnel, "Envoyées") == ["7"]
    assert cells(page, funnel, "Accusées de réception") == ["6"]
    assert cells(page, funnel, "Prises en charge") == ["3"]
    assert cells(page, funnel, "Retours à l'envoyeur") == ["2"]
    assert cells(page, funnel, "Refusées") == ["secret statistique"]
    assert cells(page, funnel, "Expirées sans réponse") == ["secret statistique"]
    assert cells(page, funnel, "Part accusée dans le délai") == ["71 %"]  # 5 / 7
    assert cells(page, funnel, "Délai moyen d'accusé de réception (jours)") == ["2,5"]  # 15 / 6
    expect(page.locator("#entonnoir")).to_contain_text(
        "moins de 2 personnes (ou orientations, inscriptions selon le tableau)"
    )
    # Deadlines by pair: France Travail → Mission locale sent R1 R2 R5 R7, all four acknowledged, 3 in
    # time, in 1 + 10 + 1 + 1 days; the other pairs sent one referral each: secret.
    ft_ml = f"{pact.names[ORGS['FT']]} → {pact.names[ORGS['ML']]}"
    assert cells(page, "tableau-delais", ft_ml) == ["4", "4", "75 %", "3,25"]
    # A pair whose every figure is secret is named below the table, folded, without any figure.
    ft_plie = f"{pact.names[ORGS['FT']]} → {pact.names[ORGS['PLIE']]}"
    expect(page.locator("#tableau-delais")).not_to_contain_text(ft_plie)
    expect(page.locator("#delais-secret summary")).to_contain_text(
        "dont tous les chiffres relèvent du secret"
    )
    expect(page.locator("#delais-secret li").filter(has_text=ft_plie)).to_have_count(1)
    pair_rows = page.locator("#tableau-delais tbody th").all_inner_texts()[:-1]  # by sender, then receiver
    assert pair_rows == sorted(pair_rows)
    # Every step of the funnel the API gives, and the rule counting people without support.
    for step in ("Rendez-vous fixés", "Personnes reçues", "Accompagnements clos"):
        expect(page.locator("#tableau-entonnoir")).to_contain_text(step)
    expect(page.locator("#regle-sans-accompagnement")).to_contain_text("jours ouvrés")

    # Unaccompanied: D since 14 Jan (never ended), C 20 Feb – 5 Mar, G 1 – 15 Mar. At each month's
    # end: 1, 2, 1 — the 1s secret; 3 people over the quarter, 13.5 days on average for the ended spells.
    assert cells(page, "tableau-sans-accompagnement", "févr. 2025") == ["2"]
    assert cells(page, "tableau-sans-accompagnement", "janv. 2025") == ["secret statistique"]
    headline = page.locator("#sans-accompagnement-chiffres li")
    expect(headline.filter(has_text="personnes devenues").locator("strong")).to_have_text("3")
    expect(headline.filter(has_text="encore sans accompagnement à la fin").locator("strong")).to_have_text(
        "secret statistique"
    )
    expect(headline.filter(has_text="périodes terminées").locator("strong")).to_have_text("13,5")
    # D alone still waits at the end of March: a mean over one person is as secret as the count.
    expect(headline.filter(has_text="attente à ce jour").locator("strong")).to_have_text("secret statistique")

    # Clause hours: 120 + 140 + 80 realised in the quarter, 3,650 × 90 / 365 = 900 required.
    assert cells(page, "tableau-clauses", "2025") == ["340", "900", "38 %", "0,21", "2"]

    s = "secret statistique"
    # Exits six months after: A (CDI in April), B transition, F civic service, H volunteering, G other.
    # DARES: 1 durable, 1 transition, 0 positive, 3 other; the pact's wider definition counts civic
    # service and volunteering as positive: 1, 1, 2, 1. Its 2 positive exits (F and H) are hidden by
    # difference: both are of unknown sex, whose row hides G's single "other" exit and so its 2 positive
    # exits (3 − 0 − 0 − 1), which the total of the column would give away.
    # Columns: exits, then DARES's four categories, then the pact's four, side by side.
    assert cells(page, "tableau-sorties", "Ensemble") == ["5", s, s, "0", "3", s, s, s, s]
    assert cells(page, "tableau-sorties", "Non renseigné") == ["3", "0", "0", "0", "3", "0", "0", s, s]
    assert cells(page, "tableau-sorties", "Femmes") == [s, s, "0", "0", "0", s, "0", "0", "0"]
    # The three figures below are the hand counts of services/evaluation/tests/integration/
    # test_indicator_values.py, now under a threshold of 2. Their rates are the API's own: not checked
    # here (what they divide by is the evaluation service's rule), their counts are.
    # Returns to sender by reason: R2 refused for lack of room, R4 expired — one each, so secret; 2 in all.
    assert cells(page, "tableau-retours", "Ensemble")[0] == "2"
    assert cells(page, "tableau-retours", "Plus de place disponible")[0] == s
    assert cells(page, "tableau-retours", "Expirée sans réponse")[0] == s
    # First orientations in the quarter: A B C D E F (6); taken in charge within 45 days A and B, seen
    # within 30 days A and B. By sex: D E F unknown (3, none in time); B alone a man: secret, and the
    # women's 2 with him (6 − 3 would give him away). Every window of the quarter is over by now: the
    # rates' bases are the six people.
    expect(page.locator("#tableau-delais-orientation thead th").nth(3)).to_have_text(
        "Prises en charge en 45 jours"
    )
    delays = cells(page, "tableau-delais-orientation", "Ensemble")
    assert (delays[0], delays[1], delays[2], delays[4], delays[5]) == ("6", "6", "2", "6", "2")
    assert cells(page, "tableau-delais-orientation", "Non renseigné")[:3] == ["3", "3", "0"]
    assert cells(page, "tableau-delais-orientation", "Hommes")[0] == s
    # Training, by provider named from the directory: T1…T4 confirmed at the training provider, 3 ended
    # (what the rates divide by); T2 abandoned alone (secret), and so T1 and T3's completions (3 ended
    # − 2 would give it away).
    provider = pact.names[ORGS["TP"]]
    assert cells(page, "tableau-formations", provider)[:4] == ["4", "3", s, s]
    assert cells(page, "tableau-formations", "Ensemble")[0] == "4"
    # The charts are drawn (DSFR Chart writes its legend under the canvas), the tables stay.
    expect(page.locator("#entonnoir .relais-chart canvas")).to_be_visible()
    expect(page.locator("#entonnoir .relais-chart")).to_contain_text("Orientations")
    expect(page.locator("#sorties .relais-chart").first).to_contain_text("Autre sortie")
    expect(page.locator("#delais-orientation .relais-chart")).to_contain_text(
        "Part prise en charge en 45 jours"
    )
    check_page(page, "01-tableaux-de-bord", FOLDER)

    # The CSV of the funnel has the same figures (a suppressed cell is written « s »).
    with page.expect_download() as download:
        page.locator("#entonnoir").get_by_role(
            "link", name=re.compile(r"Télécharger ces chiffres \(CSV")
        ).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header, values = list(csv.reader(io.StringIO(text), delimiter=";"))[1:3]
    row = dict(zip(header, values, strict=True))
    assert (row["Orientations envoyées"], row["Accusées de réception"], row["Prises en charge"]) == (
        "7",
        "6",
        "3",
    )
    assert (row["Retours à l'envoyeur"], row["Refus"], row["Expirations"]) == ("2", "s", "s")
    # For a French spreadsheet: decimal commas, rounded, a rate in % (its column says so).
    assert (row["Part accusée dans le délai (%)"], row["Délai moyen d'accusé (jours)"]) == ("71,4", "2,5")

    # The same figures for a spreadsheet: numbers typed as numbers, « s » still text.
    from openpyxl import load_workbook

    with page.expect_download() as download:
        page.locator("#entonnoir").get_by_role("link", name=re.compile(r"\(XLSX")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None
    header, values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2, max_row=3)]
    row = dict(zip(header, values, strict=True))
    assert (row["Orientations envoyées"], row["Prises en charge"], row["Refus"]) == (7, 3, "s")

    # The pairs' CSV names the organisations as the table does (the service knows their ids only).
    with page.expect_download() as download:
        page.locator("#delais").get_by_role(
            "link", name=re.compile(r"Télécharger ces chiffres \(CSV")
        ).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    pairs = {line[0]: line[1:] for line in csv.reader(io.StringIO(text), delimiter=";")}
    assert pairs[ft_ml][0] == "4"
    assert str(ORGS["FT"]) not in text

    # The clause hours' CSV (one row per year, as the table) too.
    with page.expect_download() as download:
        page.locator("#clauses").get_by_role(
            "link", name=re.compile(r"Télécharger ces chiffres \(CSV")
        ).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[1][:3] == ["Année", "Heures déclarées", "Heures exigées (prorata)"]
    assert [lines[2][0], float(lines[2][1]), float(lines[2][2]), lines[2][5]] == ["2025", 340, 900, "2"]

    # The returns' CSV says each reason in words, as the table (the service writes its codes).
    with page.expect_download() as download:
        page.locator("#retours").get_by_role(
            "link", name=re.compile(r"Télécharger ces chiffres \(CSV")
        ).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    reasons = {line[0]: line[1:] for line in list(csv.reader(io.StringIO(text), delimiter=";"))[2:]}
    assert set(reasons) == {"Plus de place disponible", "Expirée sans réponse", "Ensemble"}
    assert reasons["Ensemble"][0] == "2"

    # The coordinator compares the PLIE's definition of exits with DARES's.
    choices = page.locator("#definition-0 option").all_inner_texts()
    plie = next(c for c in choices if c.startswith("PLIE") or "PLIE" in c)
    page.locator("#definition-0").select_option(label=plie)
    page.locator("#definitions-sorties").get_by_role("button", name="Comparer").click()
    expect(page.locator("#tableau-sorties thead")).to_contain_text(plie.rsplit(" (", 1)[0])
    assert cells(page, "tableau-sorties", "Ensemble")[0] == "5"
    # The PLIE's exits are secret or 0 here: no chart, and the page says it is the secret, not « no data ».
    expect(page.locator("#sorties")).to_contain_text("couverts par le secret statistique")
    check_page(page, "01c-sorties-definition-du-plie", FOLDER)

    # A territory: people of unknown territory are left out, said above the figures; the pact's first.
    expect(page.locator("#territoire optgroup").first).to_have_attribute("label", "Territoires du pacte")
    page.get_by_label("Territoire (département)").select_option("44")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#territoire-inconnu")).to_contain_text("dont le territoire n'est pas renseigné")

    # A phone's width: the download links keep their icon with their words.
    page.set_viewport_size({"width": 390, "height": 844})
    link = page.locator("#entonnoir .relais-downloads a").first
    box = link.bounding_box()
    assert box is not None and box["height"] < 60, box
    page.wait_for_timeout(1000)
    check_page(page, "01d-territoire-44-telephone", FOLDER)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Territoire (département)").select_option("")
    page.get_by_role("button", name="Afficher").click()

    # Another axis: the same totals, cut by age band.
    page.get_by_label("Axe d'égalité (délais d'orientation, sorties)").select_option("age_band")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#tableau-sorties thead")).to_contain_text("Tranche d'âge")
    assert cells(page, "tableau-sorties", "Ensemble")[0] == "5"
    expect(page.locator("#tableau-delais-orientation thead")).to_contain_text("Tranche d'âge")
    assert cells(page, "tableau-delais-orientation", "Ensemble")[0] == "6"


# What a chart draws, read back from Chart.js in the page: for each series, in order, the value each bar
# stands for on the chart's own scale, by its label. A bar caught in its growing animation reads below its
# figure.
_DRAWN = """figure => {
  const element = document.querySelector(`#${figure} .relais-chart :is(bar-chart, line-chart)`);
  const chart = element?._instance?.proxy?.chart;  // DSFR Chart's Chart.js instance
  if (!chart) return null;
  const sideways = chart.options.indexAxis === "y", scale = sideways ? chart.scales.x : chart.scales.y;
  return chart.data.datasets.map((series, i) => Object.fromEntries(
    chart.getDatasetMeta(i).data.map((mark, j) => [chart.data.labels[j],
      series.data[j] === null ? null : scale.getValueForPixel(sideways ? mark.x : mark.y)])));
}"""


def drawn(page: Page, figure: str) -> list[dict[str, float | None]]:
    values = page.evaluate(_DRAWN, figure)
    assert values, f"no chart drawn in #{figure}"
    return values  # type: ignore[no-any-return]


def table_column(page: Page, figure: str, column: int) -> dict[str, float | None]:
    """A column of the figure's table as numbers, by row; a secret cell is None."""
    figures: dict[str, float | None] = {}
    for line in page.locator(f"#tableau-{figure} tbody tr").all():
        text = re.sub(r"[\s%]", "", line.locator("td").nth(column).inner_text()).replace(",", ".")
        figures[line.locator("th").inner_text().strip()] = (
            float(text) if re.fullmatch(r"[0-9.]+", text) else None
        )
    return figures


def assert_chart_draws_its_table(page: Page, figure: str) -> None:
    """The chart's series are the table's first columns, its labels the table's rows."""
    for column, points in enumerate(drawn(page, figure)):
        table = table_column(page, figure, column)
        for label, value in points.items():
            row = re.sub(r" \(secret( en partie)?\)$", "", label)  # the chart's label says it is secret
            expected = table[row]
            if expected is None:  # secret: the chart leaves it out, and its label says why
                assert value is None and label != row, (figure, column, label, value)
            else:
                # Within half a unit of the table's figure: a pixel of these scales is less than that.
                assert value is not None and abs(value - expected) <= 0.5, (
                    figure,
                    column,
                    label,
                    value,
                    expected,
                )


def test_the_dashboards_charts_draw_their_tables_figures_as_soon_as_they_are_drawn(
    pact: Pact, new_context: Any
) -> None:
    page = new_context().new_page()
    sign_in(page, pact, COORDINATION, "coordinator")
    page.goto(f"{pact.url}/evaluation?{QUARTER}")
    page.wait_for_function("() => document.querySelector('#clauses bar-chart')?._instance?.proxy?.chart")
    # Read as soon as the page has loaded: no waiting for an animation to end.
    for figure in ("entonnoir", "clauses"):
        assert_chart_draws_its_table(page, figure)
    # A chart the component draws again (its figures change) is right from its first frame too.
    page.evaluate(
        """() => { const chart = document.querySelector('#entonnoir bar-chart');
                   chart.setAttribute('y', chart.getAttribute('y').replaceAll(' ', '')); }"""
    )
    page.wait_for_timeout(50)
    assert_chart_draws_its_table(page, "entonnoir")


def test_a_member_organisations_coordinator_is_told_the_figures_are_their_organisations_only(
    pact: Pact, new_context: Any
) -> None:
    page = new_context().new_page()
    sign_in(page, pact, ORGS["ML"], "coordinator")
    page.goto(f"{pact.url}/evaluation?{QUARTER}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableaux de bord du pacte")
    expect(page.locator("#chiffres-de-votre-organisation")).to_contain_text(
        "Chiffres de votre organisation seulement"
    )
    expect(page.locator("#chiffres-de-votre-organisation")).to_contain_text(pact.names[ORGS["ML"]])
    check_page(page, "01b-coordinateur-d-une-structure", FOLDER)


def test_a_counsellor_is_told_the_evaluation_pages_are_not_for_their_role(
    pact: Pact, new_context: Any
) -> None:
    page = new_context().new_page()
    sign_in(page, pact, ORGS["ML"], "counsellor")
    expect(
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Évaluation")
    ).to_have_count(0)
    answer = page.goto(f"{pact.url}/evaluation?{QUARTER}")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès réservé à l'évaluation")
    expect(page.locator("main")).to_contain_text("réservés aux coordinateurs et aux évaluateurs du pacte")
    check_page(page, "02-conseiller-refuse", FOLDER)
    for path in ("/evaluation/campagnes", "/evaluation/export/referral_funnel.csv"):
        refused = page.goto(f"{pact.url}{path}")
        assert refused is not None and refused.status == 403


def test_a_campaign_from_its_grid_to_the_results_of_each_perspective(pact: Pact, new_context: Any) -> None:
    expert_org, peer_org = str(uuid.uuid5(NS, "expert")), ORGS["PLIE"]
    pact.add_organisation(expert_org, "association", "Laboratoire d'évaluation des politiques (évaluation)")
    title = f"Ateliers mobilité {uuid.uuid4().hex[:6]}"

    # The evaluators read the identifier they give the coordination.
    expert = new_context().new_page()
    sign_in(expert, pact, expert_org, "evaluator")
    expect(expert.get_by_role("heading", level=1)).to_have_text("Campagnes d'évaluation conjointe")
    expert_account = (expert.locator("#mon-identifiant").text_content() or "").strip()
    check_page(expert, "03-evaluateur-sans-campagne", FOLDER)
    peer = new_context().new_page()
    sign_in(peer, pact, peer_org, "evaluator")
    peer_account = (peer.locator("#mon-identifiant").text_content() or "").strip()

    coordinator = new_context().new_page()
    sign_in(coordinator, pact, COORDINATION, "coordinator")
    coordinator.goto(f"{pact.url}/evaluation/campagnes")
    coordinator.get_by_role("link", name="Ouvrir une campagne").click()
    coordinator.get_by_label("Titre de la campagne").fill(title)
    coordinator.get_by_label("Action ou produit évalué").fill("Ateliers « permis et mobilité » du PLIE")
    coordinator.get_by_label("Échéance finale").fill((date.today() + timedelta(days=90)).isoformat())
    coordinator.get_by_label("Échéance intermédiaire (test d'utilisation, facultative)").fill(
        (date.today() + timedelta(days=30)).isoformat()
    )
    # Equality weighing 4 against six mandatory criteria of 1: 6 / 10 < two thirds — refused, in words.
    coordinator.get_by_label("Poids : Égalité").fill("4")
    coordinator.get_by_role("button", name="Ouvrir la campagne").click()
    expect(coordinator.locator("#criteria-erreur")).to_contain_text("ils n'en portent ici que 60 %")
    expect(coordinator.locator("#criteria-erreur")).to_contain_text("au plus 3 ensemble")
    check_page(coordinator, "04-campagne-poids-refuses", FOLDER)
    coordinator.get_by_label("Poids : Égalité").fill("2")
    coordinator.get_by_label("Poids : Innovation").fill("2")
    coordinator.get_by_role("button", name="Ouvrir la campagne").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(title)
    expect(coordinator.get_by_role("status")).to_contain_text("Campagne ouverte")

    # The peer is a member of the directory: the form offers them by name once the PLIE is chosen; the
    # expert's laboratory declared nobody, so the coordinator types the identifier the expert gave.
    pact.add_member(peer_org, peer_account, "Paul Pair")
    invitations = ((expert_org, expert_account, "external_expert"), (peer_org, peer_account, "peer"))
    for org_id, account, perspective in invitations:
        coordinator.get_by_label("Filtrer les organisations").fill(pact.names[org_id])
        coordinator.get_by_role("button", name="Filtrer").click()
        # The filter reloads the page: its list answers a choice once htmx has taken the new page in hand
        # (a choice made before, as no person can, went unheard and the test waited for nothing).
        coordinator.wait_for_load_state("load")
        with coordinator.expect_response(lambda r: "/membres" in r.url):
            coordinator.get_by_label("Son organisation").select_option(org_id)
        expect(coordinator.locator("#champ-compte")).not_to_have_class(re.compile("htmx-(swapping|settling)"))
        if org_id == peer_org:
            expect(coordinator.get_by_label("La personne invitée")).to_be_visible()
            check_page(coordinator, "05a-invitation-membres-de-l-annuaire", FOLDER)
            coordinator.get_by_label("La personne invitée").select_option(label="Paul Pair")
        else:
            coordinator.get_by_label("Son identifiant de connexion").fill(account)
        coordinator.locator(f"label[for=perspective-{perspective}]").click()
        coordinator.get_by_role("button", name="Inviter").click()
        expect(coordinator.get_by_role("status")).to_contain_text("Invitation enregistrée")
    invited = coordinator.locator("#tableau-evaluateurs tbody tr")
    expect(invited).to_have_count(2)
    expect(invited.first).to_contain_text(pact.names[expert_org])
    check_page(coordinator, "05-campagne-evaluateurs-invites", FOLDER)
    campaign_url = coordinator.url.split("?")[0]

    # The expert scores the grid and sees it saved.
    expert.reload()
    expert.get_by_role("link", name=title).click()
    # Before their own grid, nothing of the others' scores or comments (each assesses unaware of them).
    expect(expert.locator("#resultats-apres-depot")).to_contain_text("une fois votre grille déposée")
    expect(expert.locator("#tableau-resultats")).to_have_count(0)
    expect(expert.get_by_role("link", name="Rapport en PDF")).to_have_count(0)
    check_page(expert, "05b-campagne-avant-ma-grille", FOLDER)
    # The usage test is due first: the main button opens its grid; the final grid is the other button.
    expect(expert.locator("#ma-grille")).to_have_text("Remplir ma grille du test d'utilisation")
    expect(expert.locator("#ma-grille")).to_have_attribute("href", re.compile(r"/grille/mi-parcours$"))
    expert.get_by_role("link", name="Ma grille de l'évaluation finale").click()
    expect(expert.locator("main")).to_contain_text("Vous évaluez à titre de : experte ou expert externe")
    scores = {
        "innovation": 4,
        "empowerment": 3,
        "suitability": 5,
        "usefulness": 5,
        "accessibility": 2,
        "transferability": 3,
        "equality": 4,
    }
    for code, score in scores.items():
        expert.locator(f"label[for=note_{code}-{score}]").click()
    expert.get_by_label("Points forts").fill("Ateliers adaptés aux horaires des participants.")
    expert.get_by_label("Faiblesses").fill("Peu de places en Sud-Loire.")
    expert.get_by_role("button", name="Enregistrer ma grille").click()
    expect(expert.locator("#enregistree")).to_contain_text("Votre évaluation est enregistrée")
    expect(expert.locator("#note_innovation-4")).to_be_checked()
    expect(expert.get_by_label("Faiblesses")).to_have_value("Peu de places en Sud-Loire.")
    check_page(expert, "06-grille-enregistree", FOLDER)

    # The peer's grid is their own: nothing of the expert's shows there.
    peer.goto(f"{campaign_url}/grille/finale")
    expect(peer.locator("main")).to_contain_text("Vous n'avez pas encore déposé votre grille")
    expect(peer.get_by_label("Faiblesses")).to_have_value("")
    expect(peer.locator("#note_innovation-sans")).to_be_checked()
    peer.locator("label[for=note_innovation-2]").click()
    peer.locator("label[for=note_usefulness-4]").click()
    peer.get_by_role("button", name="Enregistrer ma grille").click()
    expect(peer.locator("#enregistree")).to_be_visible()
    # The peer scored two criteria of six: filed, and told what the missing ones mean.
    expect(peer.locator("#criteres-sans-note")).to_contain_text("Critères obligatoires encore sans note")

    # Results per perspective; not valid yet, and why.
    coordinator.goto(campaign_url)
    results = "tableau-resultats"
    assert cells(coordinator, results, "Innovation") == ["—", "2", "4", "3"]
    assert cells(coordinator, results, "Utilité") == ["—", "4", "5", "4,5"]
    # Weights: innovation 2, five others 1, equality 2 (9 in all). The expert's weighted score:
    # (2×4 + 3 + 5 + 5 + 2 + 3 + 2×4) / 9 = 3.78; the peer's, on what they scored: (2×2 + 4) / 3 = 2.67.
    assert cells(coordinator, results, "Note pondérée")[1:3] == ["2,67", "3,78"]
    expect(coordinator.locator("#pourquoi")).to_contain_text(
        "Experts externes ayant déposé leur évaluation : 1 sur 2 au moins."
    )
    expect(coordinator.locator("#pourquoi")).not_to_contain_text("Critères obligatoires encore sans note")
    expect(coordinator.locator("#tableau-evaluateurs")).to_contain_text("déposée")
    # One column per milestone: the mid-term test is still awaited from both.
    expect(coordinator.locator("#tableau-evaluateurs thead")).to_contain_text(
        "Test d'utilisation (mi-parcours)"
    )
    assert [
        cells(coordinator, "tableau-evaluateurs", pact.names[org])[1:] for org in (expert_org, peer_org)
    ] == [
        ["ATTENDUE", "DÉPOSÉE"],  # DSFR badges are written in capitals
        ["ATTENDUE", "DÉPOSÉE"],
    ]
    expect(coordinator.locator("#consensus ~ p").first).to_contain_text(
        "s'ouvre quand la validation est acquise"
    )
    expect(coordinator.locator("#resultats ~ .relais-chart--wide")).to_contain_text("Experts externes")
    check_page(coordinator, "07-campagne-resultats", FOLDER)
    with coordinator.expect_download() as pdf:
        coordinator.get_by_role("link", name="Rapport en PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    # The printable report names the organisations and writes French numbers and dates.
    report = new_context().new_page()
    sign_in(report, pact, COORDINATION, "coordinator")
    report.goto(f"{campaign_url}/rapport.html")
    expect(report.locator("body")).to_contain_text("Conduite par")
    expect(report.locator("body")).to_contain_text(pact.names[expert_org])
    expect(report.locator("body")).to_contain_text("Action évaluée")
    expect(report.locator("body")).to_contain_text("3,78")
    assert re.search(r"\d{4}-\d{2}-\d{2}", report.locator("body").inner_text()) is None
    report.screenshot(path=str(repo_root() / "test-artefacts" / FOLDER / "07a-rapport.png"), full_page=True)
    # The results' chart on a phone stays on the scale (1 to 5): its taller copy is the one shown.
    coordinator.set_viewport_size({"width": 390, "height": 844})
    expect(coordinator.locator("#resultats ~ .relais-chart--narrow")).to_be_visible()
    expect(coordinator.locator("#resultats ~ .relais-chart--wide")).to_be_hidden()
    coordinator.wait_for_timeout(1000)
    coordinator.screenshot(
        path=str(repo_root() / "test-artefacts" / FOLDER / "07c-campagne-telephone.png"), full_page=True
    )
    coordinator.set_viewport_size({"width": 1280, "height": 900})

    # The coordinator gives more time: a mid-term test after the final deadline is refused next to its
    # field; then both move, and the evaluators' table follows the new dates.
    mid_term, final = date.today() + timedelta(days=45), date.today() + timedelta(days=120)
    coordinator.locator("#echeance_intermediaire").fill(final.isoformat())
    coordinator.locator("#echeance_finale").fill(mid_term.isoformat())
    coordinator.get_by_role("button", name="Déplacer les échéances").click()
    expect(
        coordinator.locator("#echeance_intermediaire-erreur, #echeance_finale-erreur").first
    ).to_be_visible()
    coordinator.locator("#echeance_intermediaire").fill(mid_term.isoformat())
    coordinator.locator("#echeance_finale").fill(final.isoformat())
    coordinator.get_by_role("button", name="Déplacer les échéances").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Échéances déplacées")
    expect(coordinator.locator("#echeance_finale")).to_have_value(final.isoformat())
    check_page(coordinator, "07b-echeances-deplacees", FOLDER)

    # An evaluator not invited to a campaign finds nothing there, nor its grid.
    stranger = new_context().new_page()
    sign_in(stranger, pact, ORGS["CAP"], "evaluator")
    for path in ("", "/grille/finale"):
        refused = stranger.goto(f"{campaign_url}{path}")
        assert refused is not None and refused.status == 404
        expect(stranger.get_by_role("heading", level=1)).to_have_text("Accès impossible")
    check_page(stranger, "08-evaluateur-non-invite", FOLDER)
    # A coordinator has no grid of their own to fill.
    refused = coordinator.goto(f"{campaign_url}/grille/finale")
    assert refused is not None and refused.status == 403

    # The second expert never answers: the coordinator closes the campaign, not validated, saying why.
    coordinator.goto(campaign_url)
    # Closing is not undone: a DSFR modal asks first; a refusal lists its errors at the top of the page.
    coordinator.locator("#clore-sans-validation summary").click()
    coordinator.get_by_role("button", name="Clore sans validation").click()
    modal = coordinator.locator("#confirmer-cloture-sans-validation")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("ne pourra pas être rouverte")
    check_page(coordinator, "09a-campagne-clore-confirmation", FOLDER)
    modal.get_by_role("button", name="Oui, clore sans validation").click()
    expect(coordinator.locator("#erreurs")).to_be_in_viewport()
    expect(coordinator.locator("#erreurs")).to_contain_text("Conclusions partagées")
    expect(coordinator.locator("#conclusions-sans-validation-erreur")).to_contain_text(
        "Rédigez les conclusions"
    )
    check_page(coordinator, "09b-campagne-clore-erreurs", FOLDER)
    coordinator.locator("#erreurs a").first.click()
    coordinator.locator("#conclusions-sans-validation").fill(
        "Un seul expert a répondu : à réévaluer en 2027."
    )
    coordinator.get_by_role("button", name="Clore sans validation").click()
    modal.get_by_role("button", name="Oui, clore sans validation").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Campagne close")
    expect(coordinator.locator("#close-sans-validation")).to_contain_text("Campagne close sans validation.")
    expect(coordinator.locator("#validation")).to_have_text("Non validée")
    expect(coordinator.locator("#close-sans-validation")).to_contain_text("experts externes requis")
    expect(coordinator.locator("#consensus ~ p.relais-comments")).to_contain_text("à réévaluer en 2027")
    check_page(coordinator, "09-campagne-close-sans-validation", FOLDER)
    # The campaign closed, the expert's grid is read, not offered for editing.
    expert.goto(campaign_url)
    expect(expert.locator("#ma-grille")).to_contain_text("Relire ma grille de l'évaluation finale")
    expert.locator("#ma-grille").click()
    expect(expert.locator("#echeance-passee")).to_contain_text("La campagne est close")
    expect(expert.get_by_role("button", name="Enregistrer ma grille")).to_have_count(0)
    check_page(expert, "10-grille-campagne-close", FOLDER)

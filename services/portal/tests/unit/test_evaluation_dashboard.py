"""The coordinators' dashboard on a stubbed evaluation API: orientation delays by equality axis, training by
provider and returns to sender by reason, each with the API's own figures and rates, suppressed cells in
words, its refusal in words, and its CSV; the exports say the service's codes in words."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.evaluation_api import EvaluationApi, evaluation_api_of
from relais_portal.referral_api import ReferralApi
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings
from relais_portal.web.deps import api_of

PROVIDER = "3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9"
UNLISTED = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
ALSO_UNLISTED = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
S = {"value": None, "suppressed": True}  # a cell the API keeps secret


def shown(value: float) -> dict[str, Any]:
    return {"value": value, "suppressed": False}


def indicator(measures: dict[str, str], rows: list[tuple[dict[str, str | None], dict[str, Any]]]) -> Any:
    """A table as ``GET /v1/indicators/{name}`` answers it."""
    return {
        "threshold": 3,
        "definitions": [],
        "measures": [{"key": k, "label": k, "kind": kind} for k, kind in measures.items()],
        "rows": [{"dimensions": dims, "values": values} for dims, values in rows],
    }


DELAYS = {
    "people": "count",
    "orientation_known": "count",
    "oriented_in_time": "count",
    "oriented_rate": "rate",
    "accompaniment_known": "count",
    "accompanied_in_time": "count",
    "accompanied_rate": "rate",
}
TRAINING = {
    "confirmed": "count",
    "ended": "count",
    "completed": "count",
    "abandoned": "count",
    "certified": "count",
    "completion_rate": "rate",
    "abandonment_rate": "rate",
}
RETURNS = {"returned_to_sender": "count", "refused": "count", "expired": "count"}


def delays(axis: str) -> Any:
    # The rates are the API's (0.6 and 0.45 are not 3 / 4 nor 2 / 4): the page shows them, never its own.
    values = {
        "F": {
            "people": shown(4),
            "orientation_known": shown(3),
            "oriented_in_time": shown(3),
            "oriented_rate": shown(0.6),
            "accompaniment_known": S,
            "accompanied_in_time": S,
            "accompanied_rate": S,
        },
        "M": dict.fromkeys(DELAYS, S),
        "unknown": {"people": shown(5), "oriented_in_time": shown(5), "oriented_rate": shown(1)},
        "26_49": {"people": shown(6)},
        "under_26": {"people": shown(3)},
    }
    total = {
        "people": shown(11),
        "orientation_known": shown(10),
        "oriented_in_time": shown(9),
        "oriented_rate": shown(0.45),
    }
    wanted = ("F", "M", "unknown") if axis == "sex" else ("unknown", "26_49", "under_26")
    return indicator(DELAYS, [*(({axis: v}, values[v]) for v in wanted), ({axis: None}, total)])


def training() -> Any:
    provider = {
        "confirmed": shown(12),
        "ended": shown(11),
        "completed": shown(7),
        "abandoned": shown(4),
        "certified": S,
        "completion_rate": shown(0.55),
        "abandonment_rate": shown(0.3),
    }
    unlisted = {"confirmed": shown(3), "ended": S, "completed": S, "abandoned": S}
    total = {"confirmed": shown(15), "ended": shown(14), "completed": shown(9), "abandoned": shown(5)}
    return indicator(
        TRAINING,
        [
            ({"organisation": PROVIDER}, provider),
            ({"organisation": UNLISTED}, unlisted),
            ({"organisation": ALSO_UNLISTED}, unlisted),
            ({"organisation": None}, total),
        ],
    )


def returns() -> Any:
    return indicator(
        RETURNS,
        [
            ({"return_reason": "expired"}, {"returned_to_sender": shown(5), "expired": shown(5)}),
            ({"return_reason": "no_capacity"}, {"returned_to_sender": shown(4), "refused": shown(4)}),
            ({"return_reason": "other"}, {"returned_to_sender": S, "refused": S}),
            ({"return_reason": None}, {"returned_to_sender": shown(10), "refused": S, "expired": shown(5)}),
        ],
    )


def definition(key: str, label: str, categories: dict[str, str]) -> dict[str, Any]:
    code, _at, version = key.partition("@")
    return {"key": key, "code": code, "version": int(version), "label": label,
            "categories": list(categories), "category_labels": categories}  # fmt: skip


DEFINITIONS = [
    definition("dares-iae@1", "DARES (IAE)", {"durable": "Emploi durable", "other": "Autre"}),
    definition("pacte-elargie@1", "Pacte, élargie", {"positive": "Positive", "other": "Autre"}),
    definition("plie@1", "PLIE", {"positive": "Sortie positive PLIE", "other": "Autre"}),
]
# The catalogue's measures as the export's columns name them (their labels) and their kinds.
CATALOGUE = [
    {"key": "referral_funnel", "measures": [
        {"key": "submitted", "label": "Orientations envoyées", "kind": "count"},
        {"key": "acknowledged_on_time_rate", "label": "Part accusée dans le délai", "kind": "rate"},
        {"key": "days_to_acknowledge_mean", "label": "Délai moyen d'accusé (jours)", "kind": "mean"},
    ]},
]  # fmt: skip


class EvaluationStub:
    """The evaluation API: the three indicators above, a bare total for every other, refusals on demand."""

    def __init__(self, refused: tuple[str, ...] = (), delays: dict[str, int] | None = None) -> None:
        self.refused = refused
        self.delays = delays or {}  # the service's own delay settings, as its answer states them
        self.answers: dict[str, Any] = {}  # an indicator's answer, instead of the usual one
        self.exports: dict[str, str] = {}  # an indicator's CSV export, instead of the returns'
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path, params = request.url.path, request.url.params
        if path == "/v1/exit-definitions":
            return httpx.Response(200, json=DEFINITIONS)
        if path == "/v1/indicators":
            return httpx.Response(200, json=CATALOGUE)
        name = path.removeprefix("/v1/indicators/").removesuffix("/export")
        if name in self.refused:
            return httpx.Response(403, json={"title": "Accès refusé", "detail": "Réservé à la coordination."})
        if path.endswith("/export") and name in self.exports:
            body = ("\ufeff" + self.exports[name]).encode()
            return httpx.Response(200, content=body, headers={"content-type": "text/csv"})
        if path.endswith("/export"):
            csv = "\ufeffRetours — du 2025-01-01 au 2025-03-31 (seuil 3)\nMotif de retour;Retours\n"
            csv += "no_capacity;4\nexpired;5\nnew_code;7\nTotal;10\n"
            return httpx.Response(200, content=csv.encode(), headers={"content-type": "text/csv"})
        tables: dict[str, Callable[[], Any]] = {
            "orientation_delays": lambda: {**delays(params["group_by"]), **self.delays},
            "training": training,
            "returns_to_sender": returns,
        }
        if name in self.answers:
            return httpx.Response(200, json=self.answers[name])
        if name == "exits":  # the definitions asked for, or the API's two defaults
            asked = params.get_list("definitions") or ["dares-iae@1", "pacte-elargie@1"]
            return httpx.Response(200, json={**indicator({}, [({"sex": None}, {})]), "definitions": asked})
        if name in tables:
            return httpx.Response(200, json=tables[name]())
        return httpx.Response(200, json=indicator({}, [({}, {})]))


class Names:
    """The directory: the provider is listed, the other organisation is not; the pact's organisations are
    in Loire-Atlantique and Vendée."""

    async def names(self, ids: set[str]) -> dict[str, str]:
        return {i: "Organisme de formation Alpha" if i == PROVIDER else "" for i in ids}

    async def search(self, **params: Any) -> dict[str, Any]:
        return {"items": [{"id": PROVIDER, "departement": "44"}, {"id": "v", "departement": "85"}]}


def dashboard_client(stub: EvaluationStub) -> Iterator[TestClient]:
    down = (
        f"http://127.0.0.1:{free_port()}"  # the stub answers for the evaluation API; nothing else is called
    )
    settings = PortalSettings(referral_url=down, evaluation_url=down, api_timeout_s=1)
    app = create_app(settings)

    async def evaluation() -> AsyncIterator[EvaluationApi]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(stub), base_url="http://e") as client:
            yield EvaluationApi(client, "t")

    app.dependency_overrides[evaluation_api_of] = evaluation
    # The referral API: the pact's deadlines, whose default version counts 5 working days without support.
    policies = [{"org_kind": "*", "version": 1, "unaccompanied_days": 3},
                {"org_kind": "*", "version": 2, "unaccompanied_days": 5},
                {"org_kind": "plie", "version": 1, "unaccompanied_days": 9}]  # fmt: skip
    referral = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=policies)), base_url="http://r"
    )
    app.dependency_overrides[api_of] = lambda: ReferralApi(referral, "t")
    with TestClient(app, follow_redirects=False) as client:
        app.state.directory = Names()
        codec = app.state.sessions_codec
        session = codec.new(
            token="t",
            sub="s",
            org_id="o",
            org_name="Coordination",
            org_kind="pact_coordination",
            role="coordinator",
        )
        client.cookies.set(COOKIE, codec.dumps(session))
        yield client


@pytest.fixture
def stub() -> EvaluationStub:
    return EvaluationStub()


@pytest.fixture
def client(stub: EvaluationStub) -> Iterator[TestClient]:
    yield from dashboard_client(stub)


class Tables(HTMLParser):
    """Each table of a page as {row header: [cell texts]}, by the table's id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self._table = self._text = ""
        self._row: list[str] = []
        self._in_cell = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = {}
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._in_cell, self._text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._in_cell = False
            self._row.append(re.sub(r"\s+", " ", self._text).strip())
        elif tag == "tr" and self._row:
            self.tables[self._table][self._row[0]] = self._row[1:]

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self._text += data


def page(
    client: TestClient, query: str = "du=2025-01&au=2025-03"
) -> tuple[str, dict[str, dict[str, list[str]]]]:
    answer = client.get(f"/evaluation?{query}")
    assert answer.status_code == 200, answer.text
    return unescape(answer.text), Tables(answer.text).tables


def section(html: str, key: str) -> str:
    start = html.index(f'<section class="relais-figure" id="{key}"')
    return html[start : html.index("</section>", start)]


SECRET = "secret statistique"


def test_orientation_delays_show_the_apis_counts_and_rates_by_the_chosen_axis_with_secret_cells(
    client: TestClient, stub: EvaluationStub
) -> None:
    html, tables = page(client)
    delays_table = tables["tableau-delais-orientation"]
    # Columns: people; whose 45 days are over or met, taken in charge in them, the share; the same for
    # the 30 days of the first appointment.
    assert delays_table["Femmes"] == ["4", "3", "3", "60 %", SECRET, SECRET, SECRET]
    assert delays_table["Hommes"] == [SECRET] * 7
    assert delays_table["Ensemble"] == ["11", "10", "9", "45 %", "—", "—", "—"]  # not published: not invented
    assert list(delays_table)[1:] == ["Femmes", "Hommes", "Non renseigné", "Ensemble"]  # under the header
    figure = section(html, "delais-orientation")
    assert "prises en charge en 45 jours, accompagnées en 30 jours, par sexe" in figure
    assert "<bar-chart" in figure
    assert "/evaluation/export/orientation_delays.csv?du=2025-01&au=2025-03&par=sex" in figure
    assert "moins de 3 personnes" in figure  # the secret cells explained
    asked = [r.url.params.get("group_by") for r in stub.calls if r.url.path.endswith("/orientation_delays")]
    assert asked == ["sex"]


def test_orientation_delays_follow_the_axis_selector_in_reading_order(
    client: TestClient, stub: EvaluationStub
) -> None:
    html, tables = page(client, "du=2025-01&au=2025-03&axe=age_band")
    assert list(tables["tableau-delais-orientation"])[1:] == [
        "Moins de 26 ans",
        "26 à 49 ans",
        "Non renseigné",
        "Ensemble",
    ]
    assert "par tranche d'âge" in section(html, "delais-orientation")
    assert "orientation_delays.csv?du=2025-01&au=2025-03&par=age_band" in section(html, "delais-orientation")


def test_training_by_provider_named_from_the_directory_with_the_apis_rates(client: TestClient) -> None:
    html, tables = page(client)
    training_table = tables["tableau-formations"]
    # Confirmed, ended (what the rates divide by), completed, abandoned, certified, the two rates.
    assert training_table["Organisme de formation Alpha"] == ["12", "11", "7", "4", SECRET, "55 %", "30 %"]
    assert training_table["Organisation inconnue"] == ["3", SECRET, SECRET, SECRET, "—", "—", "—"]
    assert training_table["Ensemble"][:4] == ["15", "14", "9", "5"]
    assert PROVIDER not in html and UNLISTED not in html and ALSO_UNLISTED not in html
    assert html.count('<th scope="row">Organisation inconnue</th>') == 2  # each its own row
    assert "/evaluation/export/training.csv?du=2025-01&au=2025-03&par=organisation" in section(
        html, "formations"
    )


def test_returns_to_sender_by_reason_in_words(client: TestClient) -> None:
    html, tables = page(client)
    returns_table = tables["tableau-retours"]
    assert list(returns_table) == [
        "Motif",
        "Plus de place disponible",
        "Autre motif",
        "Expirée sans réponse",
        "Ensemble",
    ]
    assert returns_table["Plus de place disponible"] == ["4", "4", "—"]
    assert returns_table["Autre motif"] == [SECRET, SECRET, "—"]
    assert returns_table["Ensemble"] == ["10", SECRET, "5"]
    figure = section(html, "retours")
    assert "no_capacity" not in figure and "commentaire obligatoire" not in figure
    assert "/evaluation/export/returns_to_sender.csv?du=2025-01&au=2025-03&par=return_reason" in figure
    # Under « Orientations », after the funnel and the deadlines.
    assert html.index('id="delais"') < html.index('id="retours"') < html.index('id="partie-personnes')


def test_the_orientation_delays_are_named_with_the_days_the_service_counted_with() -> None:
    # A pact that set its delays to 60 and 21 days: the page says so, not the defaults 45 and 30.
    for client in dashboard_client(EvaluationStub(delays={"orientation_days": 60, "accompaniment_days": 21})):
        html, _tables = page(client)
        figure = section(html, "delais-orientation")
        assert "prises en charge en 60 jours, accompagnées en 21 jours" in figure
        assert "Prises en charge en 60 jours" in figure and "45 jours" not in figure


def test_a_table_answered_without_its_total_row_shows_its_rows_and_no_error() -> None:
    stub = EvaluationStub()
    without_total = training()
    without_total["rows"] = [r for r in without_total["rows"] if r["dimensions"]["organisation"]]
    stub.answers = {"training": without_total}
    for client in dashboard_client(stub):
        _html, tables = page(client)
        assert tables["tableau-formations"]["Organisme de formation Alpha"][0] == "12"


def test_an_indicator_the_api_refuses_is_said_in_words_and_the_others_still_show() -> None:
    for client in dashboard_client(EvaluationStub(refused=("orientation_delays", "training"))):
        html, tables = page(client)
        for key in ("delais-orientation", "formations"):
            assert "Cet indicateur est réservé à la coordination du pacte" in section(html, key)
        assert "tableau-delais-orientation" not in tables and "tableau-formations" not in tables
        assert tables["tableau-retours"]["Ensemble"][0] == "10"


def test_the_returns_export_says_each_reason_in_words(client: TestClient, stub: EvaluationStub) -> None:
    answer = client.get("/evaluation/export/returns_to_sender.csv?du=2025-01&au=2025-03&par=return_reason")
    assert answer.status_code == 200
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[2:] == [
        "Plus de place disponible;4",
        "Expirée sans réponse;5",
        "new_code;7",  # a reason the portal has no word for yet: as the service wrote it
        "Ensemble;10",  # the row of all, named as on the page
    ]
    (call,) = [r for r in stub.calls if r.url.path.endswith("/export")]
    assert call.url.path == "/v1/indicators/returns_to_sender/export"
    assert call.url.params["group_by"] == "return_reason"
    for name in ("orientation_delays", "training"):
        assert client.get(f"/evaluation/export/{name}.xlsx?par=sex").status_code == 200


PAIR_MEASURES = {
    "submitted": "count",
    "acknowledgement_known": "count",
    "acknowledged_on_time_rate": "rate",
    "days_to_acknowledge_mean": "mean",
}
ALPHA_PROVIDER, BETA, ZETA = PROVIDER, UNLISTED, ALSO_UNLISTED


def test_the_funnel_shows_every_step_the_api_gives(client: TestClient) -> None:
    _html, tables = page(client)
    steps = list(tables["tableau-entonnoir"])[1:]
    for step in ("Rendez-vous fixés", "Personnes reçues", "Accompagnements clos"):
        assert step in steps
    assert "Signalées à la coordination du pacte" in steps
    assert (
        steps.index("Accusées de réception")
        < steps.index("Rendez-vous fixés")
        < steps.index("Prises en charge")
    )


def test_a_funnel_of_zeros_says_there_is_no_data_instead_of_an_empty_chart(stub: EvaluationStub) -> None:
    stub.answers = {"referral_funnel": indicator({"submitted": "count"}, [({}, {"submitted": shown(0)})])}
    for client in dashboard_client(stub):
        html, _tables = page(client, "du=2025-01&au=2025-03&territoire=44")
        funnel = section(html, "entonnoir")
        assert "<bar-chart" not in funnel
        assert "aucune donnée sur cette période et ce territoire" in funnel
    # Zeros beside secret cells: the secret is the reason, not an absence of data.
    measures = {"submitted": "count", "acknowledged": "count"}
    stub.answers = {
        "referral_funnel": indicator(measures, [({}, {"submitted": shown(0), "acknowledged": S})])
    }
    for client in dashboard_client(stub):
        funnel = section(page(client)[0], "entonnoir")
        assert "couverts par le secret statistique" in funnel and "aucune donnée" not in funnel


def test_the_rule_counting_people_without_support_is_said_with_the_pacts_delay(client: TestClient) -> None:
    html, _tables = page(client)
    rule = html[html.index('id="regle-sans-accompagnement"') :]
    assert "depuis 5 jours ouvrés" in rule[: rule.index("</p>")]  # the default version in force
    assert "La page Coordination liste" in rule[: rule.index("</p>")]


def test_the_clause_hours_are_named_declared_and_said_to_be_before_the_buyers_counting_rules(
    client: TestClient,
) -> None:
    # The events carry declared hours; the clauses pages count them after each buyer's rules (training
    # ratio, flat hours per contract type, caps): two figures a coordinator is told apart.
    html, tables = page(client)
    clauses = section(html, "clauses")
    assert "heures déclarées et exigées" in clauses
    assert tables["tableau-clauses"]["Année"][:3] == [
        "Heures déclarées",
        "Heures exigées (prorata)",
        "Déclaré / exigé",
    ]
    assert "Heures réalisées" not in clauses
    assert "avant les règles de décompte de chaque acheteur" in clauses
    assert "Le bilan des clauses et la page de chaque marché comptent les heures après ces règles" in clauses


def test_a_chosen_territory_says_people_of_unknown_territory_are_left_out_and_the_pacts_come_first(
    client: TestClient,
) -> None:
    html, _tables = page(client)
    assert 'id="territoire-inconnu"' not in html
    options = html[html.index('id="territoire"') : html.index("</select>", html.index('id="territoire"'))]
    pact = options[options.index("Territoires du pacte") : options.index("Autres départements")]
    assert 'value="44"' in pact and 'value="85"' in pact and 'value="75"' not in pact
    assert options.count('value="44"') == 1
    html, _tables = page(client, "du=2025-01&au=2025-03&territoire=44")
    notice = html[html.index('id="territoire-inconnu"') :]
    assert "dont le territoire n'est pas renseigné n'y sont pas comptées" in notice


def test_the_coordinator_chooses_the_two_exit_definitions_compared(
    client: TestClient, stub: EvaluationStub
) -> None:
    html, _tables = page(client)
    form = html[
        html.index('id="definitions-sorties"') : html.index("</form>", html.index('id="definitions-sorties"'))
    ]
    assert 'value="plie@1"' in form  # the PLIE's definition can be chosen
    assert '<option value="dares-iae@1" selected>' in form  # the API's defaults, preselected
    html, _tables = page(client, "du=2025-01&au=2025-03&definition=plie@1&definition=dares-iae@1")
    call = [r for r in stub.calls if r.url.path == "/v1/indicators/exits"][-1]
    assert call.url.params.get_list("definitions") == ["plie@1", "dares-iae@1"]
    figure = section(html, "sorties")
    assert "PLIE" in figure and "Sortie positive PLIE" in figure
    assert "definition=plie%401&definition=dares-iae%401" in figure  # its CSV the same
    page(client, "du=2025-01&au=2025-03&definition=../x&definition=a;b")  # not a definition: not sent
    assert [r.url.params.get_list("definitions") for r in stub.calls if r.url.path.endswith("/exits")][
        -1
    ] == []


def test_organisation_pairs_read_by_sender_then_receiver_and_pairs_all_secret_are_folded(
    stub: EvaluationStub,
) -> None:
    def pair(sender: str, receiver: str, values: dict[str, Any]) -> Any:
        return ({"organisation_pair": f"{sender} → {receiver}"}, values)

    shown_pair = {
        "submitted": shown(12),
        "acknowledgement_known": shown(11),
        "acknowledged_on_time_rate": shown(0.5),
        "days_to_acknowledge_mean": shown(2.5),
    }
    secret_pair = dict.fromkeys(PAIR_MEASURES, S)
    stub.answers = {
        "referral_funnel": indicator(
            PAIR_MEASURES,
            [
                pair(BETA, ALPHA_PROVIDER, shown_pair),
                pair(ALPHA_PROVIDER, BETA, secret_pair),
                pair(ALPHA_PROVIDER, ZETA, shown_pair),
                pair(ZETA, ALPHA_PROVIDER, secret_pair),
                ({"organisation_pair": None}, shown_pair),
            ],
        )
    }

    class Directory(Names):
        async def names(self, ids: set[str]) -> dict[str, str]:
            known = {ALPHA_PROVIDER: "Alpha", BETA: "Beta", ZETA: "Zêta"}
            return {i: known.get(i, "") for i in ids}

    for client in dashboard_client(stub):
        client.app.state.directory = Directory()  # type: ignore[attr-defined]
        html, tables = page(client)
        assert list(tables["tableau-delais"])[1:] == ["Alpha → Zêta", "Beta → Alpha", "Ensemble"]
        folded = html[
            html.index('id="delais-secret"') : html.index("</details>", html.index('id="delais-secret"'))
        ]
        assert "2 lignes dont tous les chiffres relèvent du secret statistique" in folded
        assert folded.index("Alpha → Beta") < folded.index("Zêta → Alpha")
        assert re.search(r"\d", folded.split("</summary>")[1]) is None  # named only: no figure, no sum


def test_the_csv_writes_french_decimals_rounded_and_rates_in_percent(
    client: TestClient, stub: EvaluationStub
) -> None:
    stub.exports["referral_funnel"] = (
        "Entonnoir — du 2025-01-01 au 2025-03-31 (seuil 3)\n"
        "Orientations envoyées;Part accusée dans le délai;Délai moyen d'accusé (jours)\n"
        "58459;4.18989902131489;1.2953584455667788e-07\n"
    )
    answer = client.get("/evaluation/export/referral_funnel.csv?du=2025-01&au=2025-03")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Entonnoir — du 01/01/2025 au 31/03/2025 (seuil 3) — Territoire : Tout le pacte"
    assert lines[1] == "Orientations envoyées;Part accusée dans le délai (%);Délai moyen d'accusé (jours)"
    assert lines[2] == "58459;419;0"


def test_the_apis_french_csv_decimals_are_read_as_numbers(client: TestClient, stub: EvaluationStub) -> None:
    """The evaluation API writes its CSV for a French spreadsheet too (« 0,7143 »): the portal reads it."""
    stub.exports["referral_funnel"] = (
        "Entonnoir — du 2025-01-01 au 2025-03-31 (seuil 3)\n"
        "Orientations envoyées;Part accusée dans le délai;Délai moyen d'accusé (jours)\n"
        "7;0,7143;2,5\n"
    )
    answer = client.get("/evaluation/export/referral_funnel.csv?du=2025-01&au=2025-03")
    assert answer.content.decode("utf-8-sig").splitlines()[2] == "7;71,4;2,5"


def test_the_xlsx_types_every_number_exponents_too(client: TestClient, stub: EvaluationStub) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    stub.exports["referral_funnel"] = (
        "Entonnoir — du 2025-01-01 au 2025-03-31 (seuil 3)\n"
        "Orientations envoyées;Part accusée dans le délai;Délai moyen d'accusé (jours)\n"
        "58459;0.419;1.2953584455667788e-07\nTotal;s;2.5\n"
    )
    answer = client.get("/evaluation/export/referral_funnel.xlsx?du=2025-01&au=2025-03")
    sheet = load_workbook(BytesIO(answer.content)).active
    assert sheet is not None
    row = [c.value for c in sheet[3]]
    assert row == [58459, 0.419, pytest.approx(1.2953584455667788e-07)]  # numbers, not text
    assert sheet["B3"].number_format == "0.0 %" and sheet["B2"].value == "Part accusée dans le délai (%)"
    assert [c.value for c in sheet[4]] == ["Total", "s", 2.5]


def chart_labels(client: TestClient, key: str) -> list[str]:
    """The category labels of a figure's (first) chart, as its component reads them."""
    found = re.search(r'<(?:bar|line)-chart x="([^"]*)"', section(client.get("/evaluation").text, key))
    assert found is not None
    return json.loads(unescape(found.group(1)))[0]


def test_a_secret_step_of_the_funnel_is_marked_secret_in_the_chart_not_drawn_as_zero(
    stub: EvaluationStub,
) -> None:
    # [36, 17, secret, secret…]: an absent bar read as a zero; its label now says why it is absent.
    measures = {"submitted": "count", "acknowledged": "count", "appointment_scheduled": "count"}
    values = {"submitted": shown(36), "acknowledged": shown(17), "appointment_scheduled": S}
    stub.answers = {"referral_funnel": indicator(measures, [({}, values)])}
    for client in dashboard_client(stub):
        html, tables = page(client)
        labels = chart_labels(client, "entonnoir")
        assert labels[:3] == ["Envoyées", "Accusées de réception", "Rendez-vous fixés (secret)"]
        assert tables["tableau-entonnoir"]["Rendez-vous fixés"] == [SECRET]  # the table says the same
        funnel = section(html, "entonnoir")
        assert "moins de 3 personnes" in funnel and "libellé y porte « (secret) »" in funnel
    # A row secret in one series only, the other drawn: « en partie ».
    for client in dashboard_client(EvaluationStub()):
        labels = chart_labels(client, "delais-orientation")
        assert labels[:2] == ["Femmes (secret en partie)", "Hommes (secret)"]


def test_the_horizon_note_never_ends_before_it_starts() -> None:
    from datetime import date

    from relais_portal.web.evaluation import Period, _horizon_note

    def note(du: str, au: str, months: int, today: date) -> str:
        start, end = date.fromisoformat(f"{du}-01"), date.fromisoformat(f"{au}-28")
        return _horizon_note(Period(start, end, du, au), months, today)

    today = date(2026, 12, 6)
    # A period of 2027 at +3, +6, +12 months: no exit has reached the horizon yet, and it is said so.
    for months, first in ((3, "01/04/2027"), (6, "01/07/2027"), (12, "01/01/2028")):
        text = note("2027-01", "2027-03", months, today)
        assert "aucune sortie de cette période n'a encore atteint cet horizon" in text
        assert f"les premières l'atteindront le {first}" in text and "06/06/2026" not in text
    # Partly reached: from the start to the last exit old enough.
    assert "seules les sorties du 01/01/2026 au 06/09/2026" in note("2026-01", "2026-12", 3, today)
    assert "seules les sorties du 01/01/2026 au 06/06/2026" in note("2026-01", "2026-12", 6, today)
    assert "aucune sortie" in note("2026-01", "2026-12", 12, today)  # 06/12/2025 is before the start
    # Wholly reached: no « latest not there yet ».
    assert "toutes les sorties de la période ont atteint cet horizon" in note("2025-01", "2025-03", 12, today)


def test_a_future_period_at_six_months_says_no_exit_reached_it_on_the_page(client: TestClient) -> None:
    from datetime import date

    year = date.today().year + 1
    html, _tables = page(client, f"du={year}-01&au={year}-03&horizon=6")
    exits = section(html, "sorties")
    assert "aucune sortie de cette période n'a encore atteint cet horizon" in exits
    assert "seules les sorties" not in exits


def test_a_reversed_period_shows_no_figures_rather_than_those_of_another_period(
    client: TestClient, stub: EvaluationStub
) -> None:
    answer = client.get("/evaluation?du=2026-06&au=2026-03")
    assert answer.status_code == 422
    html = unescape(answer.text)
    assert "La fin de la période précède son début." in html
    assert 'id="periode-inversee"' in html and "Aucun chiffre affiché" in html
    assert 'class="relais-figure"' not in html and 'id="periode"' not in html
    assert 'id="au" name="au" value="2026-03"' in html  # the month typed, to correct
    assert not [r for r in stub.calls if r.url.path.startswith("/v1/indicators")]  # nothing asked
    refused = client.get("/evaluation/export/referral_funnel.csv?du=2026-06&au=2026-03")
    assert refused.status_code == 422 and not [r for r in stub.calls if "indicators" in r.url.path]


def test_clause_hours_say_next_to_their_chart_that_they_are_pact_wide_whatever_the_territory(
    client: TestClient, stub: EvaluationStub
) -> None:
    hours = {"hours_realised": "sum", "hours_required": "sum"}
    stub.answers = {"clause_hours": indicator(hours, [({}, {k: shown(340) for k in hours})])}
    html, _tables = page(client, "du=2025-01&au=2025-03&territoire=75")
    clauses = section(html, "clauses")
    warning = clauses.index('id="clauses-avertissement"')
    assert "Chiffres de tout le pacte, pas du département 75" in clauses[warning:]
    assert warning < clauses.index("relais-chart") < clauses.index("<table")  # before the chart
    asked = [r for r in stub.calls if r.url.path.endswith("/clause_hours")]
    assert asked and all("territory" not in r.url.params for r in asked)
    assert 'id="clauses-avertissement"' not in section(page(client)[0], "clauses")


def test_downloads_record_their_filters_in_the_file_name_and_the_file(
    client: TestClient, stub: EvaluationStub
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    query = "du=2025-01&au=2025-03&territoire=44"
    overall = client.get(f"/evaluation/export/referral_funnel.csv?{query}")
    pairs = client.get(f"/evaluation/export/referral_funnel.csv?{query}&par=organisation_pair")
    names = [r.headers["content-disposition"] for r in (overall, pairs)]
    assert names[0] != names[1]
    assert names[0] == 'attachment; filename="relais_referral-funnel_2025-01-a-2025-03_dep44.csv"'
    assert "par-organisation-pair" in names[1]
    assert all(name.isascii() for name in names)
    title = overall.content.decode("utf-8-sig").splitlines()[0]
    assert title.startswith("Retours — du 01/01/2025 au 31/03/2025 (seuil 3)")
    assert "Territoire : département 44" in title
    exits = client.get(
        "/evaluation/export/exits.xlsx?du=2025-01&au=2025-03&par=sex&horizon=12"
        "&definition=plie@1&definition=dares-iae@1"
    )
    assert (
        "relais_exits_par-sex_2025-01-a-2025-03_12mois_plie-v1_dares-iae-v1.xlsx"
        in (exits.headers["content-disposition"])
    )
    book = load_workbook(BytesIO(exits.content))
    assert book.sheetnames == ["Retours", "Filtres"]  # named after the indicator, not « Sheet »
    filters = {row[0]: row[1] for row in book["Filtres"].iter_rows(min_row=2, values_only=True)}
    assert filters["Période"] == "du 01/01/2025 au 31/03/2025"
    assert filters["Territoire"] == "Tout le pacte"
    assert filters["Situation"] == "12 mois après"
    assert filters["Définitions des sorties"] == "plie@1, dares-iae@1"
    assert filters["Ventilation"] == "Sexe"
    hours = client.get(f"/evaluation/export/clause_hours.csv?{query}")
    assert "dep44" not in hours.headers["content-disposition"]  # the figures are the pact's
    assert "le département 44 ne s'applique pas aux clauses" in hours.content.decode("utf-8-sig")

"""The clauses pages, the API and the directory stubbed: the bilan's totals are the API's (each person once),
the list's hours agree with the bilan, a refused form is summed up at the top of the page, a derogation
names its prescriber, each work contract names its periods without hours, the declarations go by pages,
and counts read in the singular when there is one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings
from relais_portal.web.deps import Directory

FACILITATOR = "0b9e2c4a-3d1f-4e8a-9c7b-5a6d2e1f0c3b"
CONTRACTOR = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
BUYER = "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"
POOLED = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
SHORT = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"
WORK = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
PERSON = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
MISSION_LOCALE = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"


def contract(contract_id: str, reference: str, own: str, realised: str) -> dict[str, Any]:
    return {
        "id": contract_id,
        "operation_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
        "reference": reference,
        "lot": None,
        "legal_basis": "execution_condition",
        "amount": "1850000",
        "starts_on": "2026-01-01",
        "ends_on": "2099-12-31",
        "contractor_org_id": CONTRACTOR,
        "contractor_siret": "73282932000074",
        "facilitator_org_id": FACILITATOR,
        "parties": [],
        "reporting_period": "month",
        "penalty_rule": "per_missing_hour",
        "penalty_hourly_amount": "45.00",
        "penalty_cap_share": None,
        "operation_name": "Îlot Madeleine",
        "buyer_org_id": BUYER,
        "progress": {
            "required": "1000",
            "mandatory": "800",
            "realised": realised,
            "own": own,
            "received_by_pooling": "0",
            "expected_to_date": "250",
            "at_risk": False,
            "by_mode": {},
            "participants": 1,
            "work_contracts": 1,
        },
        "overdue_declarations": [{"period": "2026-03-01", "reminded_on": "2026-04-11", "work_contracts": 1}],
        "overdue_periods": 1,
    }


# With pooling, the first contract realised 1,600 h and counts 1,000 toward its obligation; the surplus
# went to the second, which realised 200 h and counts 800.
CONTRACTS = {
    POOLED: contract(POOLED, "2026-MET-041", "1600", "1000"),
    SHORT: contract(SHORT, "2026-MET-042", "200", "800"),
}
HIRE = {
    "id": WORK,
    "contract_id": POOLED,
    "participant_id": PERSON,
    "decision_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    "mode": "direct_hire",
    "contract_type": "CDD",
    "starts_on": "2026-02-02",
    "ends_on": None,
    "hours_declared": "151.67",
    "periods_declared": 1,
    "last_period": "2026-11-01",
    "missing_periods": ["2026-03-01", "2026-05-01"],
}
DECLARATIONS = [
    {
        "work_contract_id": WORK,
        "participant_id": PERSON,
        "period": f"20{20 + i // 12}-{i % 12 + 1:02d}-01",
        "version": 1,
        "hours": "100",
        "reference": f"BUL-{i}",
        "declared_by_org_id": CONTRACTOR,
        "declared_at": "2026-11-05T10:00:00Z",
        "current": True,
    }
    for i in range(85)
][::-1]
ROW = {
    "contract_id": POOLED,
    "reference": "2026-MET-041",
    "buyer_org_id": BUYER,
    "contractor_siret": "73282932000074",
    "year": 2026,
    "hours": 1600.0,
    "fte": 1.0,
    "hours_by_mode": {"direct_hire": 1600.0},
    "participants": 1,
    "work_contracts": 1,
    "participants_by_category": {"rsa": 1},
    "participants_by_sex": {"F": 1},
    "participants_by_age_band": {"26_49": 1},
    "participants_in_qpv": 1,
}
SUMMARY = {
    "rows": [ROW, {**ROW, "contract_id": SHORT, "reference": "2026-MET-042", "hours": 200.0, "fte": 0.13}],
    # The same person on both contracts: one participant, not two.
    "totals": {
        "year": 2026,
        "hours": 1800.0,
        "fte": 1.13,
        "hours_by_mode": {"direct_hire": 1800.0},
        "participants": 1,
        "work_contracts": 2,
        "participants_by_category": {"rsa": 1},
        "participants_by_sex": {"F": 1},
        "participants_by_age_band": {"26_49": 1},
        "participants_in_qpv": 1,
    },
}
HOURS_REFUSED = {
    "type": "https://relais.example.org/problems/validation-error",
    "title": "Données invalides",
    "status": 422,
    "detail": "1 erreur(s) : aucune heure n'a été enregistrée.",
    "errors": [
        {"field": "lines.0.period", "message": "février 2027 n'a pas commencé", "code": "period"},
    ],
}


class Stub:
    def __init__(self) -> None:
        self.posted: list[tuple[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []

    def clauses(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            self.posted.append((path, json.loads(request.content or b"null")))
            if path.endswith("/hours"):
                return httpx.Response(
                    422, json=HOURS_REFUSED, headers={"content-type": "application/problem+json"}
                )
            return httpx.Response(201, json={})
        answers: dict[str, Any] = {
            "/v1/contracts": list(CONTRACTS.values()),
            "/v1/reports/clauses/summary": SUMMARY,
            "/v1/eligibility-decisions": {"total": len(self.decisions), "items": self.decisions},
        }
        for contract_id, body in CONTRACTS.items():
            base = f"/v1/contracts/{contract_id}"
            answers |= {
                base: body,
                f"{base}/work-contracts": [HIRE],
                f"{base}/hours": DECLARATIONS,
                f"{base}/obligation": {"contract_id": contract_id},
            }
        if path in answers:
            return httpx.Response(200, json=answers[path])
        return httpx.Response(404, json={"title": "Introuvable", "status": 404})

    def directory(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/organisations":
            items = [
                {"id": MISSION_LOCALE, "name": "Mission locale Nantes Métropole", "kind": "mission_locale"},
                {"id": CONTRACTOR, "name": "Bâtir Ouest", "kind": "employer"},
            ]
            return httpx.Response(200, json={"total": len(items), "items": items})
        return httpx.Response(404, json={"title": "Introuvable", "status": 404})


@pytest.fixture
def stub() -> Stub:
    return Stub()


def signed_in(stub: Stub, role: str, org_id: str) -> Iterator[TestClient]:
    down = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(referral_url=down, clauses_url=down, api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        state = client.app.state  # type: ignore[attr-defined]
        state.clauses_http = httpx.AsyncClient(
            transport=httpx.MockTransport(stub.clauses), base_url="http://c"
        )
        referral = httpx.AsyncClient(
            transport=httpx.MockTransport(stub.directory), base_url="http://referral"
        )
        state.directory = Directory(settings, referral, None)
        session = state.sessions_codec.new(
            token="t", sub="s", org_id=org_id, org_name="Org", org_kind="maison_emploi", role=role
        )
        client.cookies.set(COOKIE, state.sessions_codec.dumps(session))
        client.cookies.set("relais_lang", "fr")
        yield client


@pytest.fixture
def facilitator(stub: Stub) -> Iterator[TestClient]:
    yield from signed_in(stub, "facilitator", FACILITATOR)


def page(client: TestClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return unescape(answer.text)


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_bilan_counts_a_person_on_two_contracts_once(facilitator: TestClient) -> None:
    html = page(facilitator, "/clauses/bilan?annee=2026")
    figures = html[html.index("Totaux de l’année") :]
    assert "<strong>1</strong>participant</li>" in figures  # not 2, the rows' sum
    assert "1\u202f800 h" in figures


def test_the_list_calls_realised_every_hour_and_says_apart_what_counts_toward_the_obligations(
    facilitator: TestClient,
) -> None:
    html = page(facilitator, "/clauses")
    realised = '<strong id="heures-realisees">1\u202f800 h</strong>'
    assert realised + "réalisées sur les marchés" in html
    assert '<strong id="heures-comptees">1\u202f800 h</strong>comptées pour les obligations' in html
    one = page(facilitator, f"/clauses/marches/{POOLED}")
    assert '<strong id="heures-realisees">1\u202f600 h</strong>réalisées sur ce marché' in one
    assert '<strong id="heures-comptees">1\u202f000 h</strong>comptées pour son obligation' in one
    assert "45,00 € par heure manquante" in one


def test_a_refused_hours_form_is_summed_up_at_the_top_with_a_link_to_its_field(
    facilitator: TestClient,
) -> None:
    form = page(facilitator, f"/clauses/marches/{POOLED}")
    answer = facilitator.post(
        f"/clauses/marches/{POOLED}/heures",
        data={
            "csrf_token": csrf_of(form),
            "work_contract_id": WORK,
            "period": "2027-02",
            "hours": "150",
            "reference": "BUL",
        },
    )
    html = unescape(answer.text)
    assert answer.status_code == 422
    summary = html.index('id="resume-erreurs"')
    assert summary < html.index("<h1")
    assert '<a class="fr-link" href="#period">Période : Février 2027 n\'a pas commencé</a>' in html[summary:]


def test_each_work_contract_names_its_periods_without_hours_in_month_names(facilitator: TestClient) -> None:
    html = page(facilitator, f"/clauses/marches/{POOLED}")
    missing = html[html.index('id="periodes-manquantes"') :]
    assert "CDD : mars 2026, mai 2026</li>" in missing[: missing.index("</ul>")]
    hires = html[html.index('id="embauches"') :]
    assert "novembre 2026" in hires and "2026-11" not in hires


def test_the_declarations_go_by_pages_of_forty(facilitator: TestClient) -> None:
    first = page(facilitator, f"/clauses/marches/{POOLED}")
    assert "Déclarations 1 à 40 sur 85" in first and 'href="?declarations=2#titre-declarations"' in first
    last = page(facilitator, f"/clauses/marches/{POOLED}?declarations=3")
    assert "Déclarations 81 à 85 sur 85" in last and "BUL-0<" in last


def test_a_derogation_names_a_prescriber_of_the_pact_and_the_api_receives_it(
    stub: Stub, facilitator: TestClient
) -> None:
    html = page(facilitator, "/clauses/eligibilite")
    assert f'<option value="{MISSION_LOCALE}">Mission locale Nantes Métropole</option>' in html
    assert "Bâtir Ouest</option>" not in html  # an employer is no prescriber
    assert "copié depuis sa fiche" not in html  # the facilitator has no access to the person's record
    assert "que le conseiller qui vous oriente la personne vous transmet" in html
    form = {
        "csrf_token": csrf_of(html),
        "participant_id": PERSON,
        "decided_on": "2026-12-01",
        "criterion_0": "derogation",
        "method_0": "document_seen",
        "proved_on_0": "2026-11-20",
        "reference_0": "Avis ML 2026-17",
        "prescriber_org_id": MISSION_LOCALE,
    }
    answer = facilitator.post("/clauses/eligibilite", data=form)
    assert answer.status_code == 303, answer.text
    path, body = stub.posted[-1]
    assert path == f"/v1/participants/{PERSON}/eligibility"
    assert (body["prescriber_org_id"], body["prescriber_kind"]) == (MISSION_LOCALE, "mission_locale")
    refused = facilitator.post("/clauses/eligibilite", data={**form, "prescriber_org_id": ""})
    assert refused.status_code == 422 and "choisissez-le" in unescape(refused.text)


def test_one_decision_reads_in_the_singular(stub: Stub, facilitator: TestClient) -> None:
    stub.decisions.append(
        {
            "id": "8d9e0f1a-2b3c-4d4e-8f6a-7b8c9d0e1f2a",
            "participant_id": PERSON,
            "decided_on": "2026-12-01",
            "valid_until": "2028-12-01",
            "criteria": ["rsa"],
            "criteria_labels": ["Allocataire du RSA"],
            "proofs": [{"criterion": "rsa", "method": "certified", "proved_on": "2026-11-20"}],
            "prescriber_org_id": None,
            "revoked_on": None,
        }
    )
    html = page(facilitator, "/clauses/eligibilite")
    assert "<caption>1 décision</caption>" in html and "1 décisions" not in html

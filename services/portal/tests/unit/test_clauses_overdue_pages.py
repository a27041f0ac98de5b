"""The declarations the clauses monitor reminded and that are still missing, as the pages show them (the
clauses API and the directory stubbed): an alert on the contract naming each period and the day of its
reminder, with a link to the hours form for whoever declares; a badge with their number on the list."""

from __future__ import annotations

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
LATE = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
ON_TIME = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"
WORK = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"


def contract(contract_id: str, reference: str, overdue: list[dict[str, Any]]) -> dict[str, Any]:
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
        "operation_name": "Îlot Madeleine",
        "buyer_org_id": None,
        "progress": {
            "required": "1000",
            "mandatory": "800",
            "realised": "300",
            "own": "300",
            "received_by_pooling": "0",
            "expected_to_date": "250",
            "at_risk": False,
            "by_mode": {},
            "participants": 1,
            "work_contracts": 1,
        },
        "overdue_declarations": overdue,
        "overdue_periods": len(overdue),
    }


CONTRACTS = {
    LATE: contract(
        LATE,
        "2026-MET-041",
        [
            {"period": "2026-02-01", "reminded_on": "2026-03-11", "work_contracts": 1},
            {"period": "2026-04-01", "reminded_on": "2026-05-11", "work_contracts": 1},
        ],
    ),
    ON_TIME: contract(ON_TIME, "2026-MET-042", []),
}
HIRE = {
    "id": WORK,
    "contract_id": LATE,
    "participant_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
    "decision_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    "mode": "direct_hire",
    "contract_type": "CDD",
    "starts_on": "2026-02-02",
    "ends_on": None,
    "hours_declared": "151.67",
    "periods_declared": 1,
    "last_period": "2026-03-01",
}


def clauses_api(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v1/contracts":
        return httpx.Response(200, json=list(CONTRACTS.values()))
    for contract_id, body in CONTRACTS.items():
        base = f"/v1/contracts/{contract_id}"
        answers: dict[str, Any] = {
            base: body,
            f"{base}/work-contracts": [HIRE],
            f"{base}/hours": [],
            f"{base}/obligation": {"contract_id": contract_id},
        }
        if path in answers:
            return httpx.Response(200, json=answers[path])
    return httpx.Response(404, json={"title": "Introuvable", "status": 404})


def directory(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"title": "Introuvable", "status": 404})  # names stay unknown


def signed_in(role: str, org_id: str, language: str = "fr") -> Iterator[TestClient]:
    down = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(referral_url=down, clauses_url=down, api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        state = client.app.state  # type: ignore[attr-defined]
        state.clauses_http = httpx.AsyncClient(
            transport=httpx.MockTransport(clauses_api), base_url="http://clauses"
        )
        referral = httpx.AsyncClient(transport=httpx.MockTransport(directory), base_url="http://referral")
        state.directory = Directory(settings, referral, None)
        session = state.sessions_codec.new(
            token="t", sub="s", org_id=org_id, org_name="Org", org_kind="maison_emploi", role=role
        )
        client.cookies.set(COOKIE, state.sessions_codec.dumps(session))
        client.cookies.set("relais_lang", language)
        yield client


@pytest.fixture
def facilitator() -> Iterator[TestClient]:
    yield from signed_in("facilitator", FACILITATOR)


def page(client: TestClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return unescape(answer.text)


def test_the_contract_names_each_period_not_declared_and_its_reminder_with_a_link_to_the_form(
    facilitator: TestClient,
) -> None:
    html = page(facilitator, f"/clauses/marches/{LATE}")
    assert 'id="heures-non-declarees"' in html
    assert "Heures non déclarées pour 2 périodes" in html
    assert "<li>février 2026 (relance le 11/03/2026)</li><li>avril 2026 (relance le 11/05/2026)</li>" in html
    assert 'href="#titre-declarer"' in html and 'id="titre-declarer"' in html


def test_a_contract_without_overdue_period_has_no_alert(facilitator: TestClient) -> None:
    html = page(facilitator, f"/clauses/marches/{ON_TIME}")
    assert "heures-non-declarees" not in html and "Heures non déclarées" not in html


def test_the_contractor_sees_the_alert_and_a_buyer_sees_it_without_a_form_to_go_to() -> None:
    for client in signed_in("employer", CONTRACTOR):
        html = page(client, f"/clauses/marches/{LATE}")
        assert "février 2026 (relance le 11/03/2026)" in html and 'href="#titre-declarer"' in html
    for client in signed_in("buyer", "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"):
        html = page(client, f"/clauses/marches/{LATE}")
        assert "février 2026 (relance le 11/03/2026)" in html and "#titre-declarer" not in html


def test_the_list_counts_overdue_periods_per_contract_and_filters_on_them(facilitator: TestClient) -> None:
    html = page(facilitator, "/clauses")
    assert f'id="retard-{LATE}"' in html and "2 périodes non déclarées" in html
    assert f'id="retard-{ON_TIME}"' not in html
    assert '<strong id="nombre-en-retard">1</strong>' in html
    filtered = page(facilitator, "/clauses?retard=1")
    assert "2026-MET-041" in filtered and "2026-MET-042" not in filtered


def test_the_alert_and_the_badge_read_in_english() -> None:
    for client in signed_in("facilitator", FACILITATOR, language="en"):
        html = page(client, f"/clauses/marches/{LATE}")
        assert "Hours not declared for 2 periods" in html
        assert "<li>February 2026 (reminder on 11/03/2026)</li>" in html
        assert "2 periods not declared" in page(client, "/clauses")

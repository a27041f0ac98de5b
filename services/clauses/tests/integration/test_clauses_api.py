"""Insertion clauses through the API on the real PostgreSQL: eligibility before hiring, hours and their
corrections, progress, reports as JSON, CSV and XLSX, the hours file import, and each party's perimeter."""

from __future__ import annotations

import csv
import io
import json
import uuid
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from relais_clauses.adapters.db.models import infra

from .conftest import Pact

pytestmark = pytest.mark.integration


async def test_hiring_without_a_valid_eligibility_decision_at_the_hiring_date_is_refused_clearly(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    person = uuid.uuid4()
    refused = await pact.hire(contract, person)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "aucune décision d'éligibilité" in refused.json()["detail"]
    assert (await pact.eligible(person, decided_on="2026-02-10")).status_code == 201
    before = await pact.hire(contract, person, starts_on="2026-02-02")
    assert before.status_code == 409 and "postérieure" in before.json()["detail"]
    assert (await pact.hire(contract, person, starts_on="2026-02-11")).status_code == 201


async def test_an_expired_proof_is_refused_at_the_decision(pact: Pact) -> None:
    stale = await pact.eligible(
        uuid.uuid4(),
        decided_on="2026-06-01",
        proofs=[
            {"criterion": "rsa", "method": "certified", "proved_on": "2026-01-02", "reference": "API-CAF"}
        ],
    )
    assert stale.status_code == 422
    # The criterion in words, French dates and the rule, not "rsa : preuve du 2026-01-02 expirée…".
    assert stale.json()["detail"] == (
        "Allocataire du RSA : la preuve du 02/01/2026 a expiré le 02/04/2026, avant la décision du "
        "01/06/2026 (une preuve vaut 3 mois)"
    )


async def test_a_hire_publishes_participant_hired_with_the_opaque_person_id_and_no_identity(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    person = uuid.uuid4()
    await pact.eligible(person)
    hired = await pact.hire(contract, person, weekly_hours="35")
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                select(infra.outbox.c.payload).where(infra.outbox.c.key == hired.json()["id"])
            )
        ).all()
    events = [json.loads(r[0]) for r in rows]
    assert [e["type"] for e in events] == ["clauses.participant_hired.v1"]
    assert events[0]["data"]["jobseeker_id"] == str(person) and events[0]["data"]["contract_type"] == "CDD"


async def test_hours_and_their_corrections_move_the_contracts_progress_without_double_counting(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    _, work = await pact.hired(contract)
    lines = [
        {"work_contract_id": work, "period": f"2026-0{m}-01", "hours": "120", "reference": f"BUL-{m}"}
        for m in (2, 3)
    ]
    declared = await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": lines})
    assert declared.status_code == 201, declared.text
    correction = [
        {"work_contract_id": work, "period": "2026-03-01", "hours": "100", "reference": "BUL-3-rectifié"}
    ]
    corrected = await pact.post(f"/v1/contracts/{contract}/hours", "facilitator", {"lines": correction})
    assert corrected.json() == {"declared": 1, "corrections": 1}
    progress = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()["progress"]
    assert Decimal(progress["realised"]) == Decimal("220")  # 120 + 100, the first March figure replaced
    assert progress["participants"] == 1 and progress["by_mode"] == {"direct_hire": "220.00"}


async def test_a_line_outside_the_rules_declares_nothing_and_is_named(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    _, work = await pact.hired(contract)
    lines = [
        {"work_contract_id": work, "period": "2026-02-01", "hours": "120", "reference": "BUL-2"},
        {"work_contract_id": work, "period": "2026-03-15", "hours": "120", "reference": "BUL-3"},
    ]
    refused = await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": lines})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["lines.1.period"]
    progress = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()["progress"]
    assert Decimal(progress["realised"]) == 0


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_an_hours_file_with_one_bad_row_imports_nothing_and_names_the_row(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    _, work = await pact.hired(contract)
    header = ["work_contract_id", "period", "hours", "reference"]
    bad = _xlsx(
        [
            header,
            [work, "2026-02", 120, "BUL-2"],
            [work, "2026-03", 9000, "BUL-3"],
            [work, "2026-04", 100, "BUL-4"],
        ]
    )
    refused = await pact.client.post(
        f"/v1/contracts/{contract}/hours/import",
        headers=pact.headers("employer"),
        files={
            "file": ("heures.xlsx", bad, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        },
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["row 3 (hours)"]
    assert (
        Decimal((await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()["progress"]["realised"])
        == 0
    )
    good = f"work_contract_id;period;hours;reference\n{work};2026-02;120,5;BUL-2\n{work};2026-03;100;BUL-3\n"
    imported = await pact.client.post(
        f"/v1/contracts/{contract}/hours/import",
        headers=pact.headers("employer"),
        files={"file": ("heures.csv", good.encode(), "text/csv")},
    )
    assert imported.status_code == 201, imported.text
    assert Decimal(
        (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()["progress"]["realised"]
    ) == Decimal("220.5")


async def test_the_yearly_report_matches_a_hand_computed_fixture_in_json_csv_and_xlsx(pact: Pact) -> None:
    rules = await pact.post(
        "/v1/counting-rules",
        "buyer",
        {"training_ratio": "0.5", "flat_hours": {"CDI": "455"}, "cap_per_participant": "600"},
    )
    assert rules.status_code == 201, rules.text
    contract = (await pact.contract())["id"]
    # | participant | mode / type               | declared 2026          | counted                   |
    # | A (F, QPV)  | direct hire, CDD          | 150 + 150 + 150 + 150  | 600 (cap 600 reached)     |
    # | A           | training                  | 100                    | 0 (cap already reached)   |
    # | B (M)       | direct hire, CDI          | 151.67 × 3             | 455 (flat conversion)     |
    # | C (F)       | training                  | 70 + 70                | 70 (ratio 0.5)            |
    # | total       |                           |                        | 1,125 h = 0.70 FTE        |
    people = {name: uuid.uuid4() for name in "ABC"}
    await pact.eligible(people["A"], sex="F", qpv_resident=True, age_band="under_26")
    await pact.eligible(
        people["B"],
        sex="M",
        qpv_resident=False,
        age_band="50_plus",
        proofs=[
            {
                "criterion": "long_term_jobseeker",
                "method": "certified",
                "proved_on": "2026-01-25",
                "reference": "FT",
            }
        ],
    )
    await pact.eligible(people["C"], sex="F", qpv_resident=False, age_band="26_49")
    works = {
        "A-cdd": (await pact.hire(contract, people["A"])).json()["id"],
        "A-training": (
            await pact.hire(contract, people["A"], mode="training", contract_type="formation")
        ).json()["id"],
        "B-cdi": (await pact.hire(contract, people["B"], contract_type="CDI")).json()["id"],
        "C-training": (
            await pact.hire(contract, people["C"], mode="training", contract_type="formation")
        ).json()["id"],
    }

    def line(work: str, month: int, hours: str) -> dict[str, str]:
        return {
            "work_contract_id": works[work],
            "period": f"2026-{month:02d}-01",
            "hours": hours,
            "reference": "BUL",
        }

    lines = [line("A-cdd", m, "150") for m in (3, 4, 5, 6)] + [line("A-training", 7, "100")]
    lines += [line("B-cdi", m, "151.67") for m in (3, 4, 5)] + [line("C-training", m, "70") for m in (3, 4)]
    assert (
        await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": lines})
    ).status_code == 201

    report = await pact.get("/v1/reports/clauses", "buyer", year=2026)
    row = next(r for r in report.json() if r["contract_id"] == contract)
    assert (row["hours"], row["fte"]) == (1125.0, 0.7)
    assert row["hours_by_mode"] == {"direct_hire": 1055.0, "training": 70.0}
    assert (row["participants"], row["work_contracts"], row["participants_in_qpv"]) == (3, 4, 1)
    assert row["participants_by_sex"] == {"F": 2, "M": 1}
    assert row["participants_by_category"] == {"long_term_jobseeker": 1, "rsa": 2}
    assert row["participants_by_age_band"] == {"26_49": 1, "50_plus": 1, "under_26": 1}

    as_csv = await pact.get("/v1/reports/clauses", "buyer", year=2026, format="csv")
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.text), delimiter=";"))
    from_csv = next(r for r in csv_rows if r["Marché (identifiant)"] == contract)
    assert (from_csv["Heures"], from_csv["ETP"], from_csv["Participants"]) == ("1125,00", "0,70", "3")
    as_xlsx = await pact.get("/v1/reports/clauses", "buyer", year=2026, format="xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, data = values[0], [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    from_xlsx = next(r for r in data if r["Marché (identifiant)"] == contract)
    assert "Heures formation" in header
    assert {k: from_xlsx[k] for k in ("Heures", "ETP", "Participants", "Femmes")} == {
        "Heures": 1125.0,
        "ETP": 0.7,
        "Participants": 3,
        "Femmes": 2,
    }


async def test_each_party_sees_only_its_perimeter_and_no_identity_data(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    for who in ("buyer", "facilitator", "employer", "coordinator"):
        assert (await pact.get(f"/v1/contracts/{contract}", who)).status_code == 200, who
    for who, role in (
        ("buyer-other", "buyer"),
        ("facilitator-other", "facilitator"),
        ("employer-other", "employer"),
    ):
        assert (await pact.get(f"/v1/contracts/{contract}", who, role)).status_code == 404, who
        listed = (await pact.get("/v1/contracts", who, role)).json()
        assert contract not in {c["id"] for c in listed}, who
    person = uuid.uuid4()
    await pact.eligible(person)
    hire_by_employer = await pact.client.post(
        f"/v1/contracts/{contract}/work-contracts",
        headers=pact.headers("employer"),
        json={
            "participant_id": str(person),
            "mode": "direct_hire",
            "contract_type": "CDD",
            "starts_on": "2026-02-02",
            "employer_siret": "73282932000074",
        },
    )
    assert hire_by_employer.status_code == 403  # function level: the facilitator records hires
    other_facilitator = await pact.client.post(
        f"/v1/contracts/{contract}/work-contracts",
        headers=pact.headers("facilitator-other", "facilitator"),
        json={
            "participant_id": str(person),
            "mode": "direct_hire",
            "contract_type": "CDD",
            "starts_on": "2026-02-02",
            "employer_siret": "73282932000074",
        },
    )
    assert other_facilitator.status_code == 404  # object level: not its clause
    body = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).text
    for word in ("first_name", "last_name", "birth_date", "email", "phone"):
        assert word not in body


async def test_a_contractor_siret_with_a_wrong_key_is_refused_on_its_field(pact: Pact) -> None:
    operation = await pact.post(
        "/v1/operations", "buyer", {"buyer_org_id": str(pact.orgs["buyer"]), "name": "Op"}
    )
    refused = await pact.post(
        "/v1/contracts",
        "buyer",
        {
            "operation_id": operation.json()["id"],
            "reference": "X",
            "legal_basis": "execution_condition",
            "amount": "1000",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "contractor_org_id": str(pact.orgs["employer"]),
            "contractor_siret": "73282932000075",
            "facilitator_org_id": str(pact.orgs["facilitator"]),
            "hours_required": "100",
            "hours_mandatory": "100",
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "contractor_siret"


async def test_the_pages_reads_show_hires_declarations_with_corrections_and_decisions_to_their_parties_only(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    person, work = await pact.hired(contract)
    for hours, reference in (("120", "BUL-3"), ("100", "BUL-3-rectifié")):
        line = {"work_contract_id": work, "period": "2026-03-01", "hours": hours, "reference": reference}
        assert (
            await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})
        ).status_code == 201

    hires = (await pact.get(f"/v1/contracts/{contract}/work-contracts", "employer")).json()
    assert [(h["participant_id"], h["hours_declared"], h["periods_declared"]) for h in hires] == [
        (str(person), "100.00", 1)  # the correction replaced the first figure
    ]
    declared = (await pact.get(f"/v1/contracts/{contract}/hours", "buyer")).json()
    assert [(d["version"], d["hours"], d["current"]) for d in declared] == [
        (2, "100.00", True),
        (1, "120.00", False),
    ]
    obligation = (await pact.get(f"/v1/contracts/{contract}/obligation", "facilitator")).json()
    assert obligation["reconciled_on"] is None and obligation["penalty_status"] is None
    listed = (await pact.get("/v1/contracts", "buyer")).json()
    assert {(c["operation_name"], c["buyer_org_id"]) for c in listed} == {
        ("Îlot Madeleine", str(pact.orgs["buyer"]))
    }

    decisions = (
        await pact.get("/v1/eligibility-decisions", "facilitator", participant_id=str(person))
    ).json()
    assert decisions["total"] == 1
    assert decisions["items"][0]["criteria_labels"] == ["Allocataire du RSA"]
    assert decisions["items"][0]["proofs"] == [
        {"criterion": "rsa", "method": "document_seen", "proved_on": "2026-01-20"}  # never the reference
    ]
    other = await pact.get("/v1/eligibility-decisions", "facilitator-other", "facilitator")
    assert other.json() == {"total": 0, "items": []}

    for path in ("work-contracts", "hours", "obligation"):
        for who, role in (
            ("buyer-other", "buyer"),
            ("facilitator-other", "facilitator"),
            ("employer-other", "employer"),
        ):
            answer = await pact.get(f"/v1/contracts/{contract}/{path}", who, role)
            assert answer.status_code == 404, (path, who)
        body = (await pact.get(f"/v1/contracts/{contract}/{path}", "facilitator")).text
        for word in ("first_name", "last_name", "birth_date", "email", "phone", "CAF-2026-01"):
            assert word not in body, (path, word)

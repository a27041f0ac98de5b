"""What the persona review of the running demo found, held by the API on the real PostgreSQL: a flat amount
counts once, when its work contract starts; hours only for periods worked; the report's totals count a
person once; the files read in a French spreadsheet; a hours file lists every bad line with its column;
each work contract says which periods still lack hours."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from .conftest import Pact

pytestmark = pytest.mark.integration


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


async def _report_row(pact: Pact, contract: str, year: int) -> dict[str, Any]:
    rows = (await pact.get("/v1/reports/clauses", "buyer", year=year)).json()
    return dict(next(r for r in rows if r["contract_id"] == contract))


async def test_a_flat_amount_counts_in_the_year_its_work_contract_starts_and_never_before(pact: Pact) -> None:
    assert (await pact.post("/v1/counting-rules", "buyer", {"flat_hours": {"CDI": "455"}})).status_code == 201
    contract = (await pact.contract(starts_on="2025-06-01", ends_on="2028-12-31"))["id"]
    person = uuid.uuid4()
    await pact.eligible(person)
    assert (await pact.hire(contract, person, contract_type="CDI")).status_code == 201  # 2 Feb 2026
    before, signed, after = [await _report_row(pact, contract, y) for y in (2025, 2026, 2027)]
    assert (before["hours"], before["fte"], before["participants"]) == (0.0, 0.0, 0)
    assert (signed["hours"], signed["participants"], signed["work_contracts"]) == (455.0, 1, 1)
    assert (after["hours"], after["participants"]) == (0.0, 0)


async def test_a_cdi_starting_tomorrow_adds_nothing_to_the_progress_today(pact: Pact) -> None:
    assert (await pact.post("/v1/counting-rules", "buyer", {"flat_hours": {"CDI": "455"}})).status_code == 201
    today = date.today()
    contract = (await pact.contract(starts_on=f"{today.year - 1}-01-01", ends_on=f"{today.year + 1}-12-31"))[
        "id"
    ]
    person = uuid.uuid4()
    await pact.eligible(
        person,
        decided_on=today.isoformat(),
        proofs=[
            {"criterion": "rsa", "method": "certified", "proved_on": today.isoformat(), "reference": "CAF"}
        ],
    )
    tomorrow = today + timedelta(days=1)
    hired = await pact.hire(contract, person, starts_on=tomorrow.isoformat(), contract_type="CDI")
    assert hired.status_code == 201, hired.text
    progress = (await pact.get(f"/v1/contracts/{contract}", "buyer")).json()["progress"]
    assert Decimal(progress["realised"]) == 0 and Decimal(progress["own"]) == 0


async def test_hours_are_refused_for_a_period_not_begun_and_after_the_work_contract_ends(pact: Pact) -> None:
    today = date.today()
    contract = (await pact.contract(ends_on=f"{today.year + 2}-12-31"))["id"]
    person = uuid.uuid4()
    await pact.eligible(person)
    work = (await pact.hire(contract, person, ends_on="2026-03-31")).json()["id"]
    other = uuid.uuid4()
    await pact.eligible(other)
    later = (await pact.hire(contract, other)).json()
    cases = [
        (work, "2026-06-01", "juin 2026 suit la fin du contrat de travail (31/03/2026)"),
        (later["id"], _next_month(today).isoformat(), "n'a pas commencé"),
    ]
    for work_id, period, words in cases:
        line = {"work_contract_id": work_id, "period": period, "hours": "150", "reference": "BUL"}
        refused = await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        [error] = refused.json()["errors"]
        assert error["field"] == "lines.0.period" and words in error["message"]
    assert (await pact.get(f"/v1/contracts/{contract}/hours", "employer")).json() == []  # nothing written


async def test_an_hours_file_lists_every_bad_line_with_its_column(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    person = uuid.uuid4()
    await pact.eligible(person)
    work = (await pact.hire(contract, person, ends_on="2026-03-31")).json()["id"]
    content = (
        "work_contract_id;period;hours;reference\n"
        f"{work};2026-13;douze;BUL-1\n"  # row 2: two unreadable cells
        f"{work};2026-02;120;BUL-2\n"  # row 3: fine
        f"{work};2026-05;120;BUL-5\n"  # row 4: after the work contract's end
        f"pas-un-id;2026-03;120;BUL-3\n"  # row 5: unreadable id
    ).encode()
    refused = await pact.client.post(
        f"/v1/contracts/{contract}/hours/import",
        headers=pact.headers("employer"),
        files={"file": ("heures.csv", content, "text/csv")},
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [
        "row 2 (period)",
        "row 2 (hours)",
        "row 4 (period)",
        "row 5 (work_contract_id)",
    ]
    assert refused.json()["detail"] == "4 erreur(s) dans le fichier : rien n'a été importé."
    assert (await pact.get(f"/v1/contracts/{contract}/hours", "employer")).json() == []


async def test_the_report_totals_count_a_person_hired_on_two_contracts_once(pact: Pact) -> None:
    first, second = (await pact.contract())["id"], (await pact.contract(reference="2026-MET-042"))["id"]
    person, other = uuid.uuid4(), uuid.uuid4()
    await pact.eligible(person)
    await pact.eligible(other, sex="M", qpv_resident=False)
    works = [
        (await pact.hire(first, person)).json()["id"],
        (await pact.hire(second, person)).json()["id"],
        (await pact.hire(second, other)).json()["id"],
    ]
    for contract, work in zip((first, second, second), works, strict=True):
        line = {"work_contract_id": work, "period": "2026-03-01", "hours": "100", "reference": "BUL"}
        assert (
            await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})
        ).status_code == 201
    summary = (await pact.get("/v1/reports/clauses/summary", "buyer", year=2026)).json()
    mine = [r for r in summary["rows"] if r["contract_id"] in (first, second)]
    assert sorted(r["participants"] for r in mine) == [1, 2]  # three per contract, two people
    totals = summary["totals"]
    assert (totals["participants"], totals["work_contracts"], totals["hours"]) == (2, 3, 300.0)
    assert totals["participants_by_sex"] == {"F": 1, "M": 1} and totals["participants_in_qpv"] == 1
    assert totals["participants_by_category"] == {"rsa": 2}


async def test_the_files_read_in_a_french_spreadsheet_with_names_publics_widths_and_totals(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    _, work = await pact.hired(contract)
    line = {"work_contract_id": work, "period": "2026-03-01", "hours": "151.67", "reference": "BUL"}
    await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})
    named = f"{pact.orgs['buyer']}=Nantes Métropole"
    as_csv = await pact.get("/v1/reports/clauses", "buyer", year=2026, format="csv", buyer_name=[named])
    rows = list(csv.DictReader(io.StringIO(as_csv.text), delimiter=";"))
    row = next(r for r in rows if r["Marché (identifiant)"] == contract)
    assert (row["Acheteur"], row["Heures"], row["ETP"]) == ("Nantes Métropole", "151,67", "0,09")
    assert row["Public : Allocataire du RSA"] == "1" and row["Heures embauche directe"] == "151,67"
    as_xlsx = await pact.get("/v1/reports/clauses", "buyer", year=2026, format="xlsx", buyer_name=[named])
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, last = values[0], dict(zip(values[0], values[-1], strict=True))
    assert "Public : Allocataire du RSA" in header and "Acheteur" in header
    assert last["Marché (identifiant)"] == "Total (chaque personne une fois)"
    assert (last["Heures"], last["Participants"]) == (151.67, 1)
    assert all((sheet.column_dimensions[c].width or 0) >= 10 for c in ("A", "C", "F"))


async def test_each_work_contract_names_its_ended_periods_without_hours(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    person = uuid.uuid4()
    await pact.eligible(person)
    work = (await pact.hire(contract, person, ends_on="2026-06-30")).json()["id"]
    lines = [
        {"work_contract_id": work, "period": p, "hours": "120", "reference": "BUL"}
        for p in ("2026-02-01", "2026-04-01")
    ]
    assert (
        await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": lines})
    ).status_code == 201
    [hire] = (await pact.get(f"/v1/contracts/{contract}/work-contracts", "employer")).json()
    assert hire["missing_periods"] == ["2026-03-01", "2026-05-01", "2026-06-01"]
    shown = (await pact.get(f"/v1/contracts/{contract}", "employer")).json()
    assert (shown["penalty_hourly_amount"], shown["penalty_cap_share"]) == ("45.00", None)

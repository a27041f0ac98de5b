"""The monitor's declaration reminders as the contract's parties read them, on the real PostgreSQL: a period
reminded and still undeclared is in the contract and counted on the list, a period declared since drops
out, and another organisation sees neither."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import pytest

from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.service_layer.monitoring import MonitorPolicy, check_obligation

from .conftest import Pact

pytestmark = pytest.mark.integration
REMINDED_ON = date(2026, 5, 20)  # February, March and April are due (10 days after each month)


async def _contract_with_reminders(pact: Pact) -> str:
    """A participant at work since February, March declared: the monitor reminds February and April."""
    contract = (await pact.contract())["id"]
    person = uuid.uuid4()
    assert (await pact.eligible(person)).status_code == 201
    hired = await pact.hire(contract, person, starts_on="2026-02-02")
    assert hired.status_code == 201, hired.text
    await _declare(pact, contract, hired.json()["id"], "2026-03-01")
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with UnitOfWork(app.state.sessions) as uow:
        result = await check_obligation(uow, uuid.UUID(contract), REMINDED_ON, MonitorPolicy(grace_days=10))
    assert result.reminders == 2
    return contract


async def _declare(pact: Pact, contract: str, work: str, period: str) -> None:
    line = {"work_contract_id": work, "period": period, "hours": "151.67", "reference": f"BUL-{period}"}
    declared = await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})
    assert declared.status_code == 201, declared.text


async def _listed(pact: Pact, who: str, contract: str) -> dict[str, Any] | None:
    answer = await pact.get("/v1/contracts", who)
    assert answer.status_code == 200, answer.text
    return next((c for c in answer.json() if c["id"] == contract), None)


async def test_a_reminded_period_stays_overdue_for_facilitator_and_contractor_until_declared(
    pact: Pact,
) -> None:
    contract = await _contract_with_reminders(pact)
    for who in ("facilitator", "employer", "buyer", "coordinator"):
        detail = await pact.get(f"/v1/contracts/{contract}", who)
        assert detail.status_code == 200, detail.text
        assert detail.json()["overdue_declarations"] == [
            {"period": "2026-02-01", "reminded_on": "2026-05-20", "work_contracts": 1},
            {"period": "2026-04-01", "reminded_on": "2026-05-20", "work_contracts": 1},
        ], who
        listed = await _listed(pact, who, contract)
        assert listed is not None and listed["overdue_periods"] == 2, who

    work = (await pact.get(f"/v1/contracts/{contract}/work-contracts", "employer")).json()[0]["id"]
    await _declare(pact, contract, work, "2026-02-01")  # declared late: February drops out

    detail = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()
    assert [o["period"] for o in detail["overdue_declarations"]] == ["2026-04-01"]
    assert detail["overdue_periods"] == 1
    listed = await _listed(pact, "employer", contract)
    assert listed is not None and listed["overdue_periods"] == 1


async def test_a_contract_never_reminded_has_no_overdue_period(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    detail = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()
    assert (detail["overdue_declarations"], detail["overdue_periods"]) == ([], 0)


async def test_another_organisations_overdue_declarations_are_neither_shown_nor_counted(pact: Pact) -> None:
    contract = await _contract_with_reminders(pact)
    for who in ("facilitator-other", "employer-other", "buyer-other"):
        refused = await pact.get(f"/v1/contracts/{contract}", who)
        assert (who, refused.status_code) == (who, 404)
        assert "overdue" not in refused.text
        assert await _listed(pact, who, contract) is None, who
    # Another organisation's coordinator is not the pact coordination: nothing either.
    outsider = await pact.get(f"/v1/contracts/{contract}", "facilitator-other", role="coordinator")
    assert outsider.status_code == 404


async def test_two_first_checks_of_a_contract_at_once_both_succeed_and_remind_each_period_once(
    pact: Pact,
) -> None:
    """A retried monitor step beside its first attempt: neither fails, nothing is reminded twice."""
    contract = (await pact.contract())["id"]
    person = uuid.uuid4()
    assert (await pact.eligible(person)).status_code == 201
    hired = await pact.hire(contract, person, starts_on="2026-02-02")
    assert hired.status_code == 201, hired.text
    app = pact.client._transport.app  # type: ignore[attr-defined]

    async def check() -> int:
        async with UnitOfWork(app.state.sessions) as uow:
            result = await check_obligation(
                uow, uuid.UUID(contract), REMINDED_ON, MonitorPolicy(grace_days=10)
            )
        return result.reminders

    # February, March and April are all undeclared: one of the two checks reminds the three.
    assert sorted(await asyncio.gather(check(), check())) == [0, 3]
    detail = await pact.get(f"/v1/contracts/{contract}", "facilitator")
    assert [p["period"] for p in detail.json()["overdue_declarations"]] == [
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
    ]

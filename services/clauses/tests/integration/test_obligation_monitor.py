"""The obligation monitor on Temporal's time-skipping server, its check running on the real PostgreSQL:
a contract falling behind turns at risk on the right day, a missing declaration brings a reminder on
its due date, the end brings the reconciliation and its penalty, final only after the contradictory step."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_clauses.adapters.db.models import DeclarationReminderRow, ObligationStateRow, infra
from relais_clauses.adapters.workflows.activities import MonitorActivities
from relais_clauses.adapters.workflows.monitor import MonitorInput, ObligationMonitorWorkflow
from relais_clauses.domain.monitoring import declaration_due, next_period, period_of
from relais_clauses.domain.progress import first_at_risk_day
from relais_clauses.service_layer.monitoring import MonitorPolicy

from .conftest import Pact

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")


async def test_the_monitor_flags_risk_reminds_and_reconciles_on_the_right_days(
    env: WorkflowEnvironment, pact: Pact
) -> None:
    start = (await env.get_current_time()).astimezone(PARIS).date()
    end = start + timedelta(days=180)
    contract = (
        await pact.contract(
            starts_on=start.isoformat(),
            ends_on=end.isoformat(),
            hours_required="1000",
            hours_mandatory="800",
            penalty_hourly_amount="45",
        )
    )["id"]
    person = uuid.uuid4()
    await pact.eligible(
        person,
        decided_on=start.isoformat(),
        proofs=[
            {
                "criterion": "rsa",
                "method": "certified",
                "proved_on": start.isoformat(),
                "reference": "API-CAF",
            }
        ],
    )
    work = (await pact.hire(contract, person, starts_on=start.isoformat())).json()["id"]
    first = period_of(start, "month")
    declared = await pact.post(
        f"/v1/contracts/{contract}/hours",
        "employer",
        {
            "lines": [
                {"work_contract_id": work, "period": first.isoformat(), "hours": "200", "reference": "BUL"}
            ]
        },
    )
    assert declared.status_code == 201, declared.text

    app = pact.client._transport.app  # type: ignore[attr-defined]
    policy = MonitorPolicy(grace_days=10, observation_days=15)
    async with Worker(
        env.client,
        task_queue="clauses-test",
        workflows=[ObligationMonitorWorkflow],
        activities=[MonitorActivities(app.state.sessions, policy).check_obligation],
    ):
        outcome = await env.client.execute_workflow(
            ObligationMonitorWorkflow.run,
            MonitorInput(contract_id=contract),
            id=f"obligation-{contract}",
            task_queue="clauses-test",
        )
    assert outcome == "reconciled"

    async with app.state.sessions() as session:
        state = await session.get(ObligationStateRow, uuid.UUID(contract))
        reminders = (
            await session.execute(
                select(DeclarationReminderRow.period, DeclarationReminderRow.sent_on).where(
                    DeclarationReminderRow.contract_id == uuid.UUID(contract)
                )
            )
        ).all()
        events = (
            (
                await session.execute(
                    select(infra.outbox.c.event_type)
                    .where(infra.outbox.c.key == contract)
                    .order_by(infra.outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
    # At risk on the first day 200 h at that pace no longer project to 1,000 h (the domain's own count).
    assert state is not None
    assert state.at_risk_since == first_at_risk_day(Decimal("1000"), Decimal("200"), start, end)
    # The second month was never declared: one reminder, on its due date (10 days after it ended).
    second = next_period(first, "month")
    assert reminders[0] == (second, declaration_due(second, "month", 10))
    assert first not in {period for period, _ in reminders}
    # Reconciled 10 days after the end: 600 mandatory hours missing × 45 € = 27,000 € proposed.
    assert state.reconciled_on == end + timedelta(days=10)
    assert (state.missing, state.proposed_penalty, state.penalty_status) == (
        Decimal("600.00"),
        Decimal("27000.00"),
        "proposed",
    )
    assert state.observations_due == state.reconciled_on + timedelta(days=15)
    assert events[0] == "clauses.contract_registered.v1"
    assert {
        "clauses.obligation_at_risk.v1",
        "clauses.declaration_reminder.v1",
        "clauses.obligation_reconciled.v1",
    } <= set(events)


async def test_the_penalty_is_final_only_after_the_contractors_observations(pact: Pact) -> None:
    start, end = date(2025, 1, 1), date(2025, 6, 30)
    contract = (
        await pact.contract(
            starts_on=start.isoformat(),
            ends_on=end.isoformat(),
            hours_required="500",
            hours_mandatory="500",
            penalty_hourly_amount="30",
        )
    )["id"]
    app = pact.client._transport.app  # type: ignore[attr-defined]
    from relais_clauses.adapters.unit_of_work import UnitOfWork
    from relais_clauses.service_layer.monitoring import check_obligation

    async with UnitOfWork(app.state.sessions) as uow:  # the monitor's step, long after the end
        result = await check_obligation(
            uow, uuid.UUID(contract), date.today(), MonitorPolicy(observation_days=3650)
        )
    assert result.reconciled
    too_early = await pact.post(f"/v1/contracts/{contract}/penalty/decision", "buyer", {"amount": "15000"})
    assert too_early.status_code == 409 and "observations" in too_early.json()["detail"]
    by_buyer = await pact.post(
        f"/v1/contracts/{contract}/penalty/observations", "buyer", {"reference": "X"}, role="buyer"
    )
    assert by_buyer.status_code == 403
    observed = await pact.post(
        f"/v1/contracts/{contract}/penalty/observations", "employer", {"reference": "LR-2025-77"}
    )
    assert observed.status_code == 200 and observed.json()["penalty_status"] == "observations_received"
    decided = await pact.post(f"/v1/contracts/{contract}/penalty/decision", "buyer", {"amount": "9000"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["penalty_status"] == "final"
    assert Decimal(decided.json()["final_penalty"]) == Decimal("9000")
    again = await pact.post(f"/v1/contracts/{contract}/penalty/decision", "buyer", {"amount": "1"})
    assert again.status_code == 409

"""ReferralWorkflow on the time-skipping test server: exact dates of every deadline (virtual time)."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_referral.domain.calendar import add_working_days, end_of_day
from relais_referral.domain.deadlines import appointment_outcome_due, referral_deadlines
from relais_referral.domain.policy import DEFAULT_POLICY
from relais_referral.workflows.activities import StepInput, StepResult
from relais_referral.workflows.messages import ReferralWorkflowInput, StatusChanged
from relais_referral.workflows.referral import ReferralWorkflow

PARIS = ZoneInfo("Europe/Paris")
# The time-skipping server starts at the real time and cannot go back, so every date here must stay in
# its future: 2037 and 2038 have the calendars of 2026 and 2027 (same weekdays; the same December to
# February public holidays). With 2026 dates these tests began failing once 4 December 2026 had passed.
QUEUE = "referral-test"


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


class Clock:
    """Fake activities recording when (in workflow time) each deadline rang."""

    def __init__(self) -> None:
        self.rang: list[tuple[str, datetime]] = []
        self.status = "submitted"

    @activity.defn(name="escalate")
    async def escalate(self, data: StepInput) -> StepResult:
        self.rang.append((data.level, activity.info().scheduled_time))
        return StepResult(status=self.status, acted=True)

    @activity.defn(name="expire")
    async def expire(self, data: StepInput) -> StepResult:
        self.rang.append(("expiry", activity.info().scheduled_time))
        self.status = "expired"
        return StepResult(status="expired", acted=True)

    @activity.defn(name="notify_returned")
    async def notify_returned(self, data: StepInput) -> bool:
        self.rang.append(("returned", activity.info().scheduled_time))
        return True

    def worker(self, env: WorkflowEnvironment) -> Worker:
        return Worker(
            env.client,
            task_queue=QUEUE,
            workflows=[ReferralWorkflow],
            activities=[self.escalate, self.expire, self.notify_returned],
        )


async def submit_at(env: WorkflowEnvironment, moment: datetime) -> WorkflowHandle:  # type: ignore[type-arg]
    await env.sleep(moment - await env.get_current_time())
    d = referral_deadlines(moment.date(), DEFAULT_POLICY, "44")
    referral_id = uuid.uuid4()
    return await env.client.start_workflow(
        ReferralWorkflow.run,
        ReferralWorkflowInput(
            referral_id=str(referral_id),
            sender_org_id="s",
            receiver_org_id="r",
            reminder_at=d.reminder_at,
            manager_escalation_at=d.manager_escalation_at,
            coordination_escalation_at=d.coordination_escalation_at,
            expiry_at=d.expiry_at,
        ),
        id=f"referral-{referral_id}",
        task_queue=QUEUE,
    )


def scheduled(appointment: datetime) -> StatusChanged:
    due = appointment_outcome_due(appointment.date(), DEFAULT_POLICY, "44")
    return StatusChanged(status="appointment_scheduled", outcome_due_at=due, had_appointment=True)


def assert_rang_at(rang: list[tuple[str, datetime]], expected: list[tuple[str, str]]) -> None:
    assert [level for level, _ in rang] == [level for level, _ in expected]
    for (level, at), (_, text) in zip(rang, expected, strict=True):
        wanted = paris(text)
        assert wanted <= at < wanted + timedelta(seconds=5), (
            f"{level} rang at {at.astimezone(PARIS)}, not {wanted}"
        )


async def test_a_referral_sent_on_a_friday_evening_counts_working_days_from_monday(
    env: WorkflowEnvironment,
) -> None:
    clock = Clock()
    async with clock.worker(env):
        handle = await submit_at(env, paris("2037-12-04T17:30"))  # Friday
        result = await handle.result()
    assert result.status == "expired"
    assert_rang_at(
        clock.rang,
        [
            ("reminder", "2037-12-10T00:00"),  # end of Wednesday 9: 3 working days (Mon 7, Tue 8, Wed 9)
            ("manager", "2037-12-12T00:00"),  # end of Friday 11: 5 working days
            ("coordination", "2037-12-19T00:00"),  # end of Friday 18: 10 working days
            (
                "expiry",
                "2038-01-20T00:00",
            ),  # end of Tuesday 19 January: 30 working days, minus 25 Dec and 1 Jan
        ],
    )
    # Returned to the sender at expiry, who must re-orient within 10 working days.
    assert add_working_days(date(2038, 1, 20), DEFAULT_POLICY.reorient_days, "44") == date(2038, 2, 3)


async def test_a_referral_sent_the_day_before_christmas_skips_both_public_holidays(
    env: WorkflowEnvironment,
) -> None:
    clock = Clock()
    async with clock.worker(env):
        handle = await submit_at(env, paris("2037-12-24T11:00"))  # Thursday, Christmas on Friday
        await handle.result()
    assert_rang_at(
        clock.rang,
        [
            ("reminder", "2037-12-31T00:00"),  # Mon 28, Tue 29, Wed 30
            ("manager", "2038-01-05T00:00"),  # Thu 31, then Mon 4 January (1 January is a holiday)
            ("coordination", "2038-01-12T00:00"),  # Tue 5 … Mon 11
            ("expiry", "2038-02-09T00:00"),  # end of Monday 8 February
        ],
    )


async def test_acknowledging_stops_the_reminder_and_the_manager_escalation_but_not_expiry(
    env: WorkflowEnvironment,
) -> None:
    clock = Clock()
    async with clock.worker(env):
        handle = await submit_at(env, paris("2037-12-04T17:30"))
        await env.sleep(timedelta(days=4))  # Tuesday 8
        clock.status = "acknowledged"
        await handle.signal(ReferralWorkflow.status_changed, StatusChanged(status="acknowledged"))
        await handle.result()
    assert_rang_at(clock.rang, [("coordination", "2037-12-19T00:00"), ("expiry", "2038-01-20T00:00")])


async def test_an_accepted_referral_ends_its_clock(env: WorkflowEnvironment) -> None:
    clock = Clock()
    async with clock.worker(env):
        handle = await submit_at(env, paris("2037-12-04T17:30"))
        await env.sleep(timedelta(days=6))  # Thursday 10, after the reminder
        await handle.signal(ReferralWorkflow.status_changed, StatusChanged(status="accepted"))
        result = await handle.result()
    assert result.status == "accepted"
    assert_rang_at(clock.rang, [("reminder", "2037-12-10T00:00")])


async def test_an_unrecorded_appointment_outcome_rings_the_next_working_day_each_time_it_is_rescheduled(
    env: WorkflowEnvironment,
) -> None:
    clock = Clock()
    first = paris("2037-12-11T14:00")  # Friday: outcome due by the end of Monday 14
    second = paris("2037-12-17T09:30")  # Thursday: outcome due by the end of Friday 18
    async with clock.worker(env):
        handle = await submit_at(env, paris("2037-12-07T09:00"))
        await env.sleep(timedelta(hours=2))
        clock.status = "appointment_scheduled"
        await handle.signal(
            ReferralWorkflow.status_changed,
            StatusChanged(
                status="appointment_scheduled",
                outcome_due_at=appointment_outcome_due(first.date(), DEFAULT_POLICY, "44"),
            ),
        )
        await env.sleep(paris("2037-12-15T10:00") - await env.get_current_time())
        # First no-show recorded late: back to "acknowledged" to be re-invited.
        clock.status = "acknowledged"
        await handle.signal(
            ReferralWorkflow.status_changed, StatusChanged(status="acknowledged", had_appointment=True)
        )
        await env.sleep(timedelta(hours=1))
        clock.status = "appointment_scheduled"
        await handle.signal(
            ReferralWorkflow.status_changed,
            StatusChanged(
                status="appointment_scheduled",
                outcome_due_at=appointment_outcome_due(second.date(), DEFAULT_POLICY, "44"),
            ),
        )
        await env.sleep(paris("2037-12-21T10:00") - await env.get_current_time())
        # Second no-show: the referral went back to its sender (refused, unreachable).
        await handle.signal(ReferralWorkflow.status_changed, StatusChanged(status="refused"))
        result = await handle.result()
    assert result.status == "refused"
    assert_rang_at(
        clock.rang,
        [
            ("appointment_outcome", "2037-12-15T00:00"),
            ("appointment_outcome", "2037-12-19T00:00"),
            ("returned", "2037-12-21T10:00"),  # the sender is told at once
        ],
    )


async def test_after_an_appointment_the_no_answer_clock_stops_and_an_undecided_case_goes_to_the_coordination(
    env: WorkflowEnvironment,
) -> None:
    clock = Clock()
    async with clock.worker(env):
        handle = await submit_at(env, paris("2037-12-07T09:00"))  # coordination would ring on 22 Dec
        await env.sleep(timedelta(hours=2))
        clock.status = "appointment_scheduled"
        await handle.signal(ReferralWorkflow.status_changed, scheduled(paris("2037-12-09T10:00")))
        await env.sleep(paris("2037-12-09T15:00") - await env.get_current_time())
        # Seen on Wednesday 9; a decision is due within 10 working days (end of Wednesday 23).
        decision_due = end_of_day(add_working_days(date(2037, 12, 9), DEFAULT_POLICY.decision_days, "44"))
        await handle.signal(
            ReferralWorkflow.status_changed,
            StatusChanged(status="appointment_scheduled", decision_due_at=decision_due, had_appointment=True),
        )
        await env.sleep(paris("2038-01-05T12:00") - await env.get_current_time())
        await handle.signal(ReferralWorkflow.status_changed, StatusChanged(status="accepted"))
        await handle.result()
    assert_rang_at(clock.rang, [("decision", "2037-12-24T00:00")])

"""Activities of the referral workflows: idempotent (key = workflow id + step), publishing via the outbox.

Each activity re-reads the referral or journey in the database, acts only if the deadline still
applies, commits (state, task and event together), and only then sends the e-mail. A retried activity
finds its event already in the outbox and does not record twice; the e-mail keeps the same Message-ID.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from temporalio import activity

from relais_referral.domain.calendar import paris_date

ACTIVITY_NAMESPACE = uuid.UUID("6f1c2b8e-3a52-4c1e-9d0e-2b1f6e0a7c11")


class StepInput(BaseModel):
    referral_id: str
    level: str
    step: str


class StepResult(BaseModel):
    status: str
    acted: bool


class JourneyStepInput(BaseModel):
    jobseeker_id: str
    kind: str  # unaccompanied | follow_up
    since: date | None = None
    step: str


@dataclass
class ReferralActivities:
    """Holds the adapters (``relais_referral.bootstrap``); workflows import it for its method references."""

    adapters: Any  # relais_referral.bootstrap.Adapters

    @property
    def notifier(self) -> Any:
        return self.adapters.notifier

    @property
    def context(self) -> Any:
        return self.adapters.context

    @activity.defn
    async def escalate(self, data: StepInput) -> StepResult:
        from relais_referral.domain.escalation import EscalationLevel
        from relais_referral.notifications import messages
        from relais_referral.service_layer.referrals import escalate_referral

        referral_id = uuid.UUID(data.referral_id)
        level = EscalationLevel(data.level)
        async with self.adapters.uow() as uow:
            outcome = await escalate_referral(
                uow,
                referral_id,
                level,
                uuid.uuid5(ACTIVITY_NAMESPACE, data.step),
                self.context,
            )
        if outcome.escalated and outcome.recipients:
            common: dict[str, Any] = {
                "recipients": outcome.recipients,
                "idempotency_key": data.step,
                "portal_url": self.context.portal_url,
                "referral_id": referral_id,
                "sender_organisation": outcome.sender_name,
                "receiving_organisation": outcome.receiver_name,
            }
            waited = _working_days_since(outcome.submitted_on, self.context.departement)
            if level is EscalationLevel.REMINDER:
                note = messages.acknowledgement_reminder(
                    **common,
                    submitted_on=outcome.submitted_on,
                    acknowledgement_due=outcome.acknowledgement_due,
                )
            elif level is EscalationLevel.MANAGER:
                note = messages.escalation_manager(
                    **common,
                    submitted_on=outcome.submitted_on,
                    acknowledgement_due=outcome.acknowledgement_due,
                    working_days_waiting=waited,
                )
            elif level is EscalationLevel.COORDINATION:
                assert outcome.submitted_on is not None and outcome.expires_on is not None
                note = messages.escalation_coordination(
                    **common,
                    submitted_on=outcome.submitted_on,
                    working_days_waiting=waited,
                    expires_on=outcome.expires_on,
                )
            elif level is EscalationLevel.DECISION:
                assert outcome.appointment_on is not None and outcome.decision_due is not None
                note = messages.decision_overdue(
                    **common, appointment_on=outcome.appointment_on, decision_due=outcome.decision_due
                )
            else:
                today = paris_date(datetime.now(UTC))
                note = messages.appointment_outcome_due(
                    **common,
                    appointment_on=outcome.appointment_on or today,
                    outcome_due=outcome.appointment_outcome_due or today,
                )
            await self.notifier.send(note)
        return StepResult(status=outcome.status, acted=outcome.escalated)

    @activity.defn
    async def expire(self, data: StepInput) -> StepResult:
        from relais_referral.notifications import messages
        from relais_referral.service_layer.referrals import expire_referral

        referral_id = uuid.UUID(data.referral_id)
        async with self.adapters.uow() as uow:
            outcome = await expire_referral(uow, referral_id, self.context)
        if outcome.escalated and outcome.recipients and outcome.submitted_on is not None:
            await self.notifier.send(
                messages.referral_expired(
                    recipients=outcome.recipients,
                    idempotency_key=data.step,
                    portal_url=self.context.portal_url,
                    referral_id=referral_id,
                    sender_organisation=outcome.sender_name,
                    receiving_organisation=outcome.receiver_name,
                    submitted_on=outcome.submitted_on,
                    expired_on=paris_date(datetime.now(UTC)),
                    expiry_working_days=outcome.expiry_days,
                )
            )
        return StepResult(status=outcome.status, acted=outcome.escalated)

    @activity.defn
    async def notify_returned(self, data: StepInput) -> bool:
        """The referral came back (refused, repeated no-show): the sender is told by when to re-orient."""
        from relais_referral.notifications import messages
        from relais_referral.service_layer.referrals import returned_referral_notice

        async with self.adapters.uow() as uow:
            notice = await returned_referral_notice(uow, uuid.UUID(data.referral_id))
        if notice is None or not notice.recipients:
            return False
        await self.notifier.send(
            messages.returned_to_sender(
                recipients=notice.recipients,
                idempotency_key=data.step,
                portal_url=self.context.portal_url,
                referral_id=uuid.UUID(data.referral_id),
                sender_organisation=notice.sender_name,
                receiving_organisation=notice.receiver_name,
                returned_on=notice.returned_on,
                reorient_within_working_days=notice.reorient_days,
                reorient_by=notice.reorient_by,
            )
        )
        return True

    @activity.defn
    async def journey_step(self, data: JourneyStepInput) -> bool:
        """Unaccompanied too long: event and mail to the coordination. Follow-up due: mail the référent."""
        from relais_referral.notifications import messages
        from relais_referral.service_layer.journeys import journey_contacts, mark_unaccompanied

        person = uuid.UUID(data.jobseeker_id)
        today = paris_date(datetime.now(UTC))
        since = data.since or today
        days = _working_days_since(since, self.context.departement)
        raised = False
        async with self.adapters.uow() as uow:
            contacts = await journey_contacts(uow, person, self.context)
            if data.kind == "unaccompanied":
                raised = await mark_unaccompanied(
                    uow, person, since, days, uuid.uuid5(ACTIVITY_NAMESPACE, data.step), self.context
                )
        common: dict[str, Any] = {"idempotency_key": data.step, "portal_url": self.context.portal_url}
        if data.kind == "unaccompanied":
            if raised and contacts.coordination_email:
                await self.notifier.send(
                    messages.unaccompanied(
                        **common,
                        recipients=(contacts.coordination_email,),
                        last_referral_id=contacts.last_referral_id,
                        last_referent_organisation=None,
                        unaccompanied_since=since,
                        working_days_unaccompanied=days,
                    )
                )
            return raised
        if not contacts.follow_up_open:
            return False  # the référent already answered (task done): nothing to ask
        if (
            contacts.referent_email
            and contacts.exited_on
            and contacts.last_referral_id
            and contacts.referent_name
        ):
            months = max(1, round((today - contacts.exited_on).days / 30.4))
            await self.notifier.send(
                messages.outcome_follow_up(
                    **common,
                    recipients=(contacts.referent_email,),
                    referral_id=contacts.last_referral_id,
                    referent_organisation=contacts.referent_name,
                    exited_on=contacts.exited_on,
                    months_after_exit=months,
                )
            )
            return True
        return False


def _working_days_since(start: date | None, departement: str) -> int:
    from relais_referral.domain.calendar import working_days_between

    return 0 if start is None else working_days_between(start, paris_date(datetime.now(UTC)), departement)

"""The receiving organisation is told of a new referral by e-mail, at once or in a daily digest, by the
worker's Temporal Schedules (real PostgreSQL and Temporal; a recording notifier stands for SMTP)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from relais_dev.stack import Stack
from relais_dev.testing import eventually
from relais_referral.notifications.testing import RecordingNotifier
from relais_referral.service_layer.arrival_mail import send_arrival_mails
from relais_referral.service_layer.context import PactContext
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.arrival_mail import ArrivalMailActivities, ReferralArrivalMailWorkflow
from relais_referral.workflows.schedules import ensure_arrival_mail_schedules
from relais_shared.temporal import connect_temporal, make_worker

from .conftest import Pact

pytestmark = pytest.mark.integration


def _email(pact: Pact, org: str) -> str:
    return f"accueil-{pact.orgs[org].hex[:6]}@example.org"  # the conftest's contact address


async def test_an_immediate_organisation_gets_one_email_per_referral_once_with_its_link_and_no_name(
    pact: Pact,
) -> None:
    sessions = pact.client._transport.app.state.sessions  # type: ignore[attr-defined]
    ctx = PactContext.from_settings(ReferralSettings())
    person = await pact.person(last_name="Arrivée")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    notifier = RecordingNotifier()
    await send_arrival_mails(sessions, notifier, ctx, "immediate")
    [mail] = [n for n in notifier.of_kind("referral_received") if n.recipients == (_email(pact, "plie"),)]
    assert f"/orientations/{referral}" in mail.body and "Arrivée" not in mail.body + mail.subject
    assert "Inès" not in mail.body and "Accompagnement renforcé" not in mail.body  # name, motive
    again = RecordingNotifier()
    await send_arrival_mails(sessions, again, ctx, "immediate")
    assert not [n for n in again.sent if n.recipients == (_email(pact, "plie"),)]


async def test_a_referral_answered_or_withdrawn_before_its_arrival_mail_is_not_announced(pact: Pact) -> None:
    """The schedule runs every hour or day: by then a referral may be acknowledged, refused or withdrawn."""
    sessions = pact.client._transport.app.state.sessions  # type: ignore[attr-defined]
    ctx = PactContext.from_settings(ReferralSettings())
    waiting, acknowledged, refused = [
        (await pact.refer(await pact.person(), "mission_locale", "cap_emploi")).json()["id"] for _ in range(3)
    ]
    assert (await pact.post(f"/v1/referrals/{acknowledged}/acknowledge", "cap_emploi")).status_code == 200
    refusal = await pact.post(f"/v1/referrals/{refused}/refuse", "cap_emploi", {"reason": "no_capacity"})
    assert refusal.status_code == 200, refusal.text
    notifier = RecordingNotifier()
    await send_arrival_mails(sessions, notifier, ctx, "immediate")
    announced = [
        n.body for n in notifier.of_kind("referral_received") if n.recipients == (_email(pact, "cap_emploi"),)
    ]
    assert [f"/orientations/{waiting}" in body for body in announced] == [True]


async def test_a_digest_organisation_gets_one_daily_email_listing_its_referrals_from_the_schedule(
    pact: Pact, stack: Stack
) -> None:
    sessions = pact.client._transport.app.state.sessions  # type: ignore[attr-defined]
    org = pact.orgs["cap_emploi"]
    # Another organisation may not change it (404, as for anything outside its perimeter).
    outsider = await pact.client.put(
        f"/v1/organisations/{org}/referral-mail", headers=pact.headers("plie"), json={"mode": "digest"}
    )
    assert outsider.status_code == 404
    chosen = await pact.client.put(
        f"/v1/organisations/{org}/referral-mail", headers=pact.headers("cap_emploi"), json={"mode": "digest"}
    )
    assert chosen.status_code == 200 and chosen.json()["mode"] == "digest"
    referrals = [
        (await pact.refer(await pact.person(), "mission_locale", "cap_emploi")).json()["id"] for _ in range(2)
    ]
    immediate = RecordingNotifier()
    await send_arrival_mails(sessions, immediate, PactContext.from_settings(ReferralSettings()), "immediate")
    assert not [n for n in immediate.sent if n.recipients == (_email(pact, "cap_emploi"),)]

    notifier = RecordingNotifier()
    client = await connect_temporal(stack.temporal_address)
    task_queue = f"test-arrival-{uuid.uuid4().hex[:8]}"
    activities = ArrivalMailActivities(sessions, notifier, PactContext.from_settings(ReferralSettings()))
    async with make_worker(
        client, task_queue=task_queue, workflows=[ReferralArrivalMailWorkflow], activities=[activities.send]
    ):
        every = {"immediate": timedelta(hours=1), "digest": timedelta(hours=24)}
        schedule_ids = await ensure_arrival_mail_schedules(client, task_queue, every)
        handles = [client.get_schedule_handle(s) for s in schedule_ids]
        try:
            await handles[1].trigger()

            async def digest() -> list[object]:
                return [
                    n
                    for n in notifier.of_kind("referral_digest")
                    if n.recipients == (_email(pact, "cap_emploi"),)
                ]

            [mail] = await eventually(digest, "the digest sent by the scheduled workflow", timeout=30)
        finally:
            for handle in handles:
                await handle.delete()
    assert all(f"/orientations/{r}" in mail.body for r in referrals)  # type: ignore[attr-defined]
    assert "2 nouvelles orientations" in mail.subject  # type: ignore[attr-defined]

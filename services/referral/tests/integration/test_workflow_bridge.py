"""The Kafka→Temporal bridge a batch at a time, on the real PostgreSQL, with a recording Temporal client.

What Temporal does with the calls is proven end to end in tests/e2e; here, which calls a batch makes.
"""

import uuid
from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from relais_referral.events.consumer import WorkflowBridge
from relais_shared.consumer import is_transient
from relais_shared.envelope import IncomingEnvelope

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


class RecordingClient:
    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.started: list[str] = []

    async def start_workflow(self, *_: Any, id: str, **__: Any) -> None:
        if self.down:
            raise RPCError("Temporal is restarting", RPCStatusCode.UNAVAILABLE, b"")
        self.started.append(id)


def event(event_type: str, referral_id: str, jobseeker_id: str) -> IncomingEnvelope:
    return IncomingEnvelope(
        type=event_type,
        source="referral",
        subject=referral_id,
        dataschema=f"contracts/events/referral/{event_type}.schema.json",
        data={"referral_id": referral_id, "jobseeker_id": jobseeker_id},
    )


async def bridge_batch(pact: Pact, client: RecordingClient, batch: list[IncomingEnvelope]) -> None:
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        bridge = WorkflowBridge(client, "bridge-test", default_departement="44")  # type: ignore[arg-type]
        await bridge(session, batch)


async def test_a_batch_starts_each_referrals_workflow_once_from_its_latest_state(pact: Pact) -> None:
    person = await pact.person()
    first = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    second = (await pact.refer(person, "mission_locale", "cap_emploi")).json()["id"]
    client = RecordingClient()
    batch = [
        event("referral.submitted.v1", first, person),
        event("referral.acknowledged.v1", first, person),
        event("referral.submitted.v1", second, person),
        event("referral.submitted.v1", str(uuid.uuid4()), person),  # unknown here: no clock to set
    ]
    await bridge_batch(pact, client, batch)
    referral_starts = sorted(i for i in client.started if i.startswith("referral-"))
    assert referral_starts == sorted([f"referral-{first}", f"referral-{second}"])
    # The person's journey timers (never sent before), told once for the whole batch.
    assert [i for i in client.started if i.startswith("journey-")] == [f"journey-{person}"]


async def test_temporal_unavailable_surfaces_as_an_outage_not_a_bad_message(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    with pytest.raises(RPCError) as raised:  # not an ExceptionGroup: the subscriber must see the outage
        await bridge_batch(
            pact, RecordingClient(down=True), [event("referral.submitted.v1", referral, person)]
        )
    assert is_transient(raised.value)

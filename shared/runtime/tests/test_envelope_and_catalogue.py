import uuid
from typing import ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from relais_shared.consumer import validate_contract
from relais_shared.envelope import EventData, IncomingEnvelope, dataschema_for, read_data, wrap
from relais_shared.kafka import TopicCatalogue, catalogue_path


class ThingHappenedV1(EventData):
    event_type: ClassVar[str] = "thing.happened.v1"
    source: ClassVar[str] = "thing"
    topic: ClassVar[str] = "relais.thing.events"
    thing_id: uuid.UUID

    def subject(self) -> str:
        return str(self.thing_id)


def test_producer_models_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ThingHappenedV1(thing_id=uuid.uuid4(), surprise="x")  # type: ignore[call-arg]


def test_consumers_ignore_fields_added_later_by_the_producer() -> None:
    thing_id = uuid.uuid4()
    envelope = wrap(ThingHappenedV1(thing_id=thing_id))
    raw = envelope.model_dump(mode="json")
    raw["data"]["added_in_a_later_minor_version"] = 42
    raw["extension_attribute"] = "ignored"
    incoming = IncomingEnvelope.model_validate(raw)
    assert read_data(incoming, ThingHappenedV1).thing_id == thing_id


def test_envelope_subject_is_the_aggregate_id_and_schema_path_follows_the_type() -> None:
    thing_id = uuid.uuid4()
    envelope = wrap(ThingHappenedV1(thing_id=thing_id))
    assert envelope.subject == str(thing_id)
    assert envelope.dataschema == "contracts/events/thing/thing.happened.v1.schema.json"
    assert dataschema_for("referral.submitted.v1").endswith("referral/referral.submitted.v1.schema.json")


def test_every_consumer_group_of_the_catalogue_has_its_own_dead_letter_topic() -> None:
    catalogue = TopicCatalogue.load(catalogue_path())
    dlqs = [g.dead_letter_topic for g in catalogue.consumer_groups.values()]
    assert len(dlqs) == len(set(dlqs))
    assert all(t.startswith("relais.dlq.") for t in dlqs)
    assert catalogue.topic_for("referral.submitted.v1") == "relais.referral.events"


class _ThingAsReadElsewhere(BaseModel):
    """Another service's reading of the event (pydantic's default: unknown fields ignored)."""

    thing_id: uuid.UUID


@pytest.mark.parametrize("contract", [ThingHappenedV1, _ThingAsReadElsewhere])
def test_the_contract_check_reads_fields_added_later_whether_its_model_forbids_or_ignores_them(
    contract: type[BaseModel],
) -> None:
    thing_id = uuid.uuid4()
    raw = wrap(ThingHappenedV1(thing_id=thing_id)).model_dump(mode="json")
    raw["data"]["added_in_a_later_minor_version"] = 42
    checked = validate_contract(IncomingEnvelope.model_validate(raw), {"thing.happened.v1": contract})
    assert isinstance(checked, contract)
    assert checked.thing_id == thing_id  # type: ignore[attr-defined]
    del raw["data"]["thing_id"]
    with pytest.raises(ValidationError):
        validate_contract(IncomingEnvelope.model_validate(raw), {"thing.happened.v1": contract})
    raw["type"] = "thing.unknown.v1"
    assert validate_contract(IncomingEnvelope.model_validate(raw), {"thing.happened.v1": contract}) is None

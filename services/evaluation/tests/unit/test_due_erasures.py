"""Which erasures are due: those read the grace period ago or more, whoever applies them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from relais_evaluation.service_layer.ingestion import apply_due_erasures


class RecordingStore:
    def __init__(self) -> None:
        self.cut_offs: list[datetime | None] = []

    async def apply_erasures(self, recorded_before: datetime | None = None) -> int:
        self.cut_offs.append(recorded_before)
        return 2


async def test_due_erasures_are_those_read_the_grace_period_or_longer_ago() -> None:
    store = RecordingStore()
    now = datetime(2027, 3, 2, 9, tzinfo=UTC)
    assert await apply_due_erasures(store, timedelta(hours=1), now) == 2  # type: ignore[arg-type]
    assert store.cut_offs == [datetime(2027, 3, 2, 8, tzinfo=UTC)]

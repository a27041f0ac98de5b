"""List and replay dead letters (``relais dlq list|replay``)."""

from __future__ import annotations

from dataclasses import dataclass

from relais_shared.kafka import read_topic
from relais_shared.outbox import idempotent_producer


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    partition: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def error(self) -> str:
        return self.headers.get("x-relais-error", "")

    @property
    def original_topic(self) -> str:
        return self.headers.get("x-relais-original-topic", "")


async def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    """Everything currently in a dead-letter topic, from the start, without joining a group."""
    return [
        DeadLetter(
            offset=r.offset,
            partition=r.partition,
            key=r.key,
            value=r.value or b"",
            headers={k: v.decode(errors="replace") for k, v in r.headers},
        )
        for r in await read_topic(bootstrap, topic)
    ]


async def replay_dead_letters(bootstrap: str, topic: str, offsets: set[int] | None = None) -> int:
    """Send dead letters back to their original topic; consumers deduplicate, so replay is safe."""
    letters = await read_dead_letters(bootstrap, topic)
    producer = idempotent_producer(bootstrap, "relais-dlq-replay")
    await producer.start()
    count = 0
    try:
        for letter in letters:
            if offsets is not None and letter.offset not in offsets:
                continue
            if not letter.original_topic:
                continue
            headers = [(k, v.encode()) for k, v in letter.headers.items() if k == "traceparent"]
            headers.append(("x-relais-replayed-from", f"{topic}@{letter.partition}:{letter.offset}".encode()))
            await producer.send_and_wait(letter.original_topic, letter.value, key=letter.key, headers=headers)
            count += 1
    finally:
        await producer.stop()
    return count

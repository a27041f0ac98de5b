"""Ingestion: the facts of a batch of events into the store, in the consumer's transaction.

Order inside a batch: people first (every fact points to a person row), then the facts (bracketed by the
pre-aggregated cells' upkeep), then merges
(which re-point what the duplicate had, including facts of this very batch), then erasures. An erasure
is recorded at once and *applied* (the person row loses its pseudonym) once a grace period has passed
since it was read: by the worker's erasure sweep (a Temporal Schedule, every few minutes, traffic or
not), sooner by the live consumer at the end of a batch if one comes, and at the end of a rebuild.
The person's other events travel on other topics and partitions, which the consumer may read later than
the erasure; linked to the person until the grace period ends, they land on the same row as in a
rebuild, which reads the partitions in another order and links every fact before the links go. Applied
at once, a late event would have made a second, unlinked person, and the store would no longer be the
same as its rebuild.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from relais_evaluation.domain import facts as f


class Store(Protocol):
    async def people_of(self, subjects: Iterable[str]) -> dict[str, uuid.UUID]: ...
    async def observe(
        self, observations: Sequence[f.PersonObserved], persons: Mapping[str, uuid.UUID]
    ) -> None: ...
    async def before_changes(self, referrals: Iterable[uuid.UUID], persons: Iterable[uuid.UUID]) -> None: ...
    async def after_changes(self) -> None: ...
    async def write(self, facts: Sequence[f.Fact], persons: Mapping[str, uuid.UUID]) -> None: ...
    async def merge(self, kept: str, duplicate: str) -> None: ...
    async def record_erasure(self, subject: str) -> None: ...
    async def apply_erasures(self, recorded_before: datetime | None = None) -> int: ...


def _subjects(facts: Iterable[f.Fact]) -> set[str]:
    found: set[str] = set()
    for fact in facts:
        subject = getattr(fact, "subject", None)
        if isinstance(subject, str):
            found.add(subject)
    return found


async def ingest(
    store: Store, facts: Sequence[f.Fact], *, apply_erasures: bool, erasure_grace: timedelta = timedelta(0)
) -> None:
    """``apply_erasures``: the live consumer's batch applies the erasures read ``erasure_grace`` ago."""
    kinds: dict[type, list[f.Fact]] = defaultdict(list)  # one pass, the order within a kind kept
    for fact in facts:
        kinds[type(fact)].append(fact)
    merges = cast(list[f.PersonsMerged], kinds.pop(f.PersonsMerged, []))
    erasures = cast(list[f.PersonErased], kinds.pop(f.PersonErased, []))
    observed = cast(list[f.PersonObserved], kinds.pop(f.PersonObserved, []))
    others = [fact for kind in kinds.values() for fact in kind]
    persons = await store.people_of(_subjects([*observed, *others]))
    # The pre-aggregated cells follow the referrals written and those of the persons observed.
    await store.before_changes(
        (x.referral_id for x in cast(list[f.ReferralObserved], kinds.get(f.ReferralObserved, []))),
        (persons[x.subject] for x in observed),
    )
    await store.observe(observed, persons)
    await store.write(others, persons)
    await store.after_changes()
    for merge in merges:
        await store.merge(merge.kept, merge.duplicate)
    for erasure in erasures:
        await store.record_erasure(erasure.subject)
    if apply_erasures:
        await apply_due_erasures(store, erasure_grace)


async def apply_due_erasures(store: Store, grace: timedelta, now: datetime | None = None) -> int:
    """Unlinks the people whose erasure was read ``grace`` or longer before ``now``; returns how many."""
    return await store.apply_erasures((now or datetime.now(UTC)) - grace)

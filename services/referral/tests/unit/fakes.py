"""In-memory adapters for the referral service's handlers: a fake unit of work and its repositories.

They keep the same rules as the SQL ones where a handler relies on them (who may see a person, a
task per referral, the policy in force), so that handlers run in milliseconds without PostgreSQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from relais_referral.db.caseload import LikelyDuplicate, PersonFound
from relais_referral.domain.jobseeker import normalised_name
from relais_referral.domain.journey import Journey, Task, TaskKind, TaskStatus
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.domain.referral import Referral
from relais_shared.auth import Principal


@dataclass
class Organisation:
    id: uuid.UUID
    name: str
    kind: str
    departement: str = "44"
    contact_email: str | None = "accueil@example.org"
    manager_email: str | None = None
    capacity_status: str = "open"


@dataclass
class Person:
    id: uuid.UUID
    referent_org_id: uuid.UUID | None
    birth_date: date | None = date(2004, 5, 1)
    qpv_resident: bool | None = True
    sex: str | None = None
    nationality_category: str | None = None
    education_level: str | None = None
    situation: list[str] = field(default_factory=list)
    in_pact: bool = True
    first_name: str = "Inès"
    last_name: str = "Morel"
    email: str | None = None
    phone: str | None = None
    postcode: str = "44300"
    commune: str | None = None
    erased_at: datetime | None = None


class FakeReferrals:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Referral] = {}
        self.seen: list[Referral] = []

    def add(self, referral: Referral) -> None:
        self.rows[referral.id] = referral
        self.seen.append(referral)

    async def get(self, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral | None:
        referral = self.rows.get(referral_id)
        if referral is not None and referral not in self.seen:
            self.seen.append(referral)
        return referral

    async def open_for(self, jobseeker_id: uuid.UUID) -> list[Referral]:
        return [r for r in self.rows.values() if r.jobseeker_id == jobseeker_id and r.is_open]

    async def save(self, referral: Referral) -> None:
        self.rows[referral.id] = referral


class FakeJourneys:
    def __init__(self, people: dict[uuid.UUID, Person]) -> None:
        self.people = people
        self.rows: dict[uuid.UUID, Journey] = {}
        self.seen: list[Journey] = []

    async def get(self, jobseeker_id: uuid.UUID, coordination_org_id: uuid.UUID) -> Journey | None:
        person = self.people.get(jobseeker_id)
        if person is None:
            return None
        if jobseeker_id not in self.rows:
            self.rows[jobseeker_id] = Journey(jobseeker_id, person.referent_org_id, coordination_org_id)
        journey = self.rows[jobseeker_id]
        if journey not in self.seen:
            self.seen.append(journey)
        return journey

    async def save(self, journey: Journey) -> None:
        self.rows[journey.jobseeker_id] = journey
        person = self.people[journey.jobseeker_id]
        person.referent_org_id, person.in_pact = journey.referent_org_id, journey.in_pact


class FakePolicies:
    def __init__(self) -> None:
        self.versions = {1: ReferralPolicy()}

    async def current(self, org_kind: str) -> ReferralPolicy:
        return self.versions[max(self.versions)]

    async def version(self, version: int) -> ReferralPolicy:
        return self.versions[version]


class FakeDirectory:
    def __init__(self) -> None:
        self.organisations: dict[uuid.UUID, Organisation] = {}

    async def organisation(self, org_id: uuid.UUID, *, for_update: bool = False) -> Organisation | None:
        return self.organisations.get(org_id)


class FakeJobseekers:
    def __init__(
        self, people: dict[uuid.UUID, Person], journeys: FakeJourneys, referrals: FakeReferrals
    ) -> None:
        self.people, self.journeys, self.referrals = people, journeys, referrals

    async def get(self, jobseeker_id: uuid.UUID) -> Person | None:
        return self.people.get(jobseeker_id)

    async def visible_to(self, person: Person, org_id: uuid.UUID) -> bool:
        """The SQL rule: référent, follow-up member while in the pact, or party to an open referral;
        nobody sees an erased person."""
        if person.erased_at is not None:
            return False
        journey = self.journeys.rows.get(person.id)
        return (
            person.referent_org_id == org_id
            or (person.in_pact and journey is not None and org_id in journey.follow_up)
            or any(r.involves(org_id) for r in await self.referrals.open_for(person.id))
        )


class FakeTasks:
    def __init__(self, journeys: FakeJourneys) -> None:
        self.journeys = journeys

    def _all(self) -> list[Task]:
        return [task for journey in self.journeys.rows.values() for task in journey.tasks]

    async def of_referral(self, referral_id: uuid.UUID, kind: TaskKind) -> Any:
        return next((t for t in self._all() if t.referral_id == referral_id and t.kind is kind), None)

    async def open_of_person(self, jobseeker_id: uuid.UUID, kind: TaskKind, *, due_by: date) -> bool:
        return any(
            t.jobseeker_id == jobseeker_id
            and t.kind is kind
            and t.status is TaskStatus.OPEN
            and t.due <= due_by
            for t in self._all()
            if t.due
        )


class FakeCaseload:
    """The caseload repository in memory: the same visibility rule (the fake jobseekers' one)."""

    def __init__(self, people: dict[uuid.UUID, Person], jobseekers: FakeJobseekers) -> None:
        self.people, self.jobseekers = people, jobseekers
        self.referrals = jobseekers.referrals
        self.correction_rows: list[Any] = []
        self.note_rows: list[Any] = []

    async def search(
        self,
        org_id: uuid.UUID,
        *,
        name: str | None = None,
        birth_date: date | None = None,
        postcode: str | None = None,
        referral_status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[PersonFound], int]:
        words = normalised_name(name or "").split()
        found = []
        for person in self.people.values():
            key = normalised_name(person.first_name, person.last_name)
            mine = [r for r in self.referrals.rows.values() if r.jobseeker_id == person.id]
            if (
                await self.jobseekers.visible_to(person, org_id)
                and all(word in key for word in words)
                and birth_date in (None, person.birth_date)
                and postcode in (None, person.postcode)
                and (
                    referral_status is None
                    or any(r.status.value == referral_status and r.involves(org_id) for r in mine)
                )
            ):
                found.append(PersonFound(person, sum(r.is_open for r in mine)))  # type: ignore[arg-type]
        return found[offset : offset + limit], len(found)

    def add_correction(self, row: Any) -> None:
        self.correction_rows.append(row)

    async def corrections(self, jobseeker_id: uuid.UUID) -> list[Any]:
        return [c for c in self.correction_rows if c.jobseeker_id == jobseeker_id]

    async def referrals_of(self, jobseeker_id: uuid.UUID, org_id: uuid.UUID) -> list[tuple[Any, str]]:
        return [
            (r, "44")
            for r in self.referrals.rows.values()
            if r.jobseeker_id == jobseeker_id and r.involves(org_id)
        ]

    def add_note(self, row: Any) -> None:
        self.note_rows.append(row)

    async def notes(self, referral_id: uuid.UUID) -> list[Any]:
        return [n for n in self.note_rows if n.referral_id == referral_id]

    async def likely_duplicates(self, person: Any, org_id: uuid.UUID) -> list[LikelyDuplicate]:
        if person.birth_date is None:
            return []
        key = normalised_name(person.first_name, person.last_name)
        return [
            LikelyDuplicate(other.id, await self.jobseekers.visible_to(other, org_id))
            for other in self.people.values()
            if other.id != person.id
            and other.birth_date == person.birth_date
            and normalised_name(other.first_name, other.last_name) == key
        ]

    async def lock_people(self, *ids: uuid.UUID) -> dict[uuid.UUID, Person]:
        return {i: self.people[i] for i in ids if i in self.people}

    async def move_journey(self, kept: Person, duplicate: Person, at: Any) -> None:
        """What the handler relies on: the duplicate's referrals become the kept record's, it is gone."""
        for referral in self.referrals.rows.values():
            if referral.jobseeker_id == duplicate.id:
                referral.jobseeker_id = kept.id
        if kept.referent_org_id is None:
            kept.referent_org_id = duplicate.referent_org_id
        del self.people[duplicate.id]


class FakePrivacy:
    """The erasure's effect on what a handler can observe: identity and free texts blanked."""

    def __init__(self, people: dict[uuid.UUID, Person], referrals: FakeReferrals) -> None:
        self.people, self.referrals = people, referrals
        self.audit: list[dict[str, Any]] = []

    async def person(self, jobseeker_id: uuid.UUID, *, for_update: bool = False) -> Person | None:
        return self.people.get(jobseeker_id)

    async def has_open_referrals(self, jobseeker_id: uuid.UUID) -> bool:
        return bool(await self.referrals.open_for(jobseeker_id))

    async def erase(self, jobseeker_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        person = self.people[jobseeker_id]
        person.first_name = person.last_name = ""
        person.birth_date = person.email = person.phone = None
        person.in_pact, person.erased_at = False, at
        for referral in self.referrals.rows.values():
            if referral.jobseeker_id == jobseeker_id:
                referral.motive, referral.refusal_comment = "", None

    async def record(self, person: Person) -> dict[str, Any]:
        referrals = [r for r in self.referrals.rows.values() if r.jobseeker_id == person.id]
        return {"person": person, "referrals": referrals}

    async def audit_lines(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.audit)


@dataclass
class FakeUnitOfWork:
    """The referral service's unit of work without a database: what a commit would write is kept here."""

    people: dict[uuid.UUID, Person] = field(default_factory=dict)
    published: list[Any] = field(default_factory=list)
    audited: list[tuple[str, str, str | None]] = field(default_factory=list)
    audited_details: list[str | None] = field(default_factory=list)
    committed: int = 0

    def __post_init__(self) -> None:
        self.referrals = FakeReferrals()
        self.journeys = FakeJourneys(self.people)
        self.policies = FakePolicies()
        self.directory = FakeDirectory()
        self.jobseekers = FakeJobseekers(self.people, self.journeys, self.referrals)
        self.tasks = FakeTasks(self.journeys)
        self.caseload = FakeCaseload(self.people, self.jobseekers)
        self.privacy = FakePrivacy(self.people, self.referrals)
        self._staged: list[tuple[Any, uuid.UUID | None]] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            await self.commit()
        else:
            self._staged.clear()

    def publish(self, event: Any, *, event_id: uuid.UUID | None = None) -> None:
        self._staged.append((event, event_id))

    async def outbox_has(self, event_id: uuid.UUID) -> bool:
        return any(staged_id == event_id for _, staged_id in self.published)

    async def audit(
        self,
        principal: Principal,
        *,
        action: str,
        resource_type: str,
        resource_id: str | None,
        detail: str | None = None,
        **_: Any,
    ) -> None:
        self.audited.append((action, resource_type, resource_id))
        self.audited_details.append(detail)

    async def audit_each(
        self, principal: Principal, *, action: str, resource_type: str, resource_ids: list[str]
    ) -> None:
        for resource_id in resource_ids:
            await self.audit(principal, action=action, resource_type=resource_type, resource_id=resource_id)

    async def flush_events(self) -> None:
        for journey in self.journeys.seen:
            self._staged.extend((event, event.event_id) for event in journey.events)
            journey.events.clear()
        for referral in self.referrals.seen:
            self._staged.extend((event, None) for event in referral.events)
            referral.events.clear()
        self.published.extend(self._staged)
        self._staged.clear()

    async def commit(self) -> None:
        await self.flush_events()
        self.committed += 1

    # ------------------------------------------------------------------ setting the scene
    def organisation(self, kind: str, departement: str = "44") -> uuid.UUID:
        org = Organisation(uuid.uuid4(), f"{kind} {len(self.directory.organisations)}", kind, departement)
        self.directory.organisations[org.id] = org
        return org.id

    def person(self, referent: uuid.UUID, **identity: Any) -> uuid.UUID:
        person = Person(uuid.uuid4(), referent, **identity)
        self.people[person.id] = person
        return person.id

    def events(self, kind: type) -> list[Any]:
        return [event for event, _ in self.published if isinstance(event, kind)]


def counsellor(org: uuid.UUID) -> Principal:
    return Principal(sub=f"c-{org.hex[:6]}", org_id=org, org_kind="plie", roles=frozenset({"counsellor"}))

"""Writes facts into the store, set-based: a consumer's batch of hundreds of events costs a few statements.

Rows of one referral (enrolment, contract) met several times in a batch are merged first with the
domain's order-free rules, then upserted with the same rules in SQL (``LEAST`` and ``GREATEST`` ignore
NULLs, ``COALESCE`` keeps a value every event repeats), so the store ends the same whatever order the
partitions were read in.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from relais_evaluation.adapters.db import models as m
from relais_evaluation.adapters.db.cells import CellKeeper
from relais_evaluation.domain import facts as f

_DIALECT = postgresql.dialect()


def _sql_type(table: Table, column: str) -> str:
    return str(table.c[column].type.compile(dialect=_DIALECT))


@cache
def _upsert_sql(
    table: Table, key: tuple[str, ...], columns: tuple[str, ...], rules: tuple[tuple[str, str], ...]
) -> TextClause:
    every = (*key, *columns)
    arrays = ", ".join(f"CAST(:{c} AS {_sql_type(table, c)}[])" for c in every)
    rule = dict(rules)
    updates = []
    for c in columns:
        if rule.get(c) == "least":
            updates.append(f"{c} = LEAST({table.name}.{c}, EXCLUDED.{c})")
        elif rule.get(c) == "greatest":
            updates.append(f"{c} = GREATEST({table.name}.{c}, EXCLUDED.{c})")
        else:
            updates.append(f"{c} = COALESCE({table.name}.{c}, EXCLUDED.{c})")
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    # Names come from this module's tables, never from input.
    return text(
        f"INSERT INTO {table.name} ({', '.join(every)}) SELECT * FROM unnest({arrays}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) {action}"
    )


async def _upsert(
    session: AsyncSession,
    table: Table,
    key: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    rules: Mapping[str, f.Rule] | None = None,
) -> None:
    if not rows:
        return
    columns = tuple(c.name for c in table.columns if c.name not in key)
    statement = _upsert_sql(table, tuple(key), columns, tuple(sorted((rules or {}).items())))
    params = {c: [row.get(c) for row in rows] for c in (*key, *columns)}
    await session.execute(statement, params)


class FactStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.cells = CellKeeper(session)

    async def people_of(self, subjects: Iterable[str]) -> dict[str, uuid.UUID]:
        """The person row of each pseudonym, created when new (an applied erasure gives an unlinked row).

        One statement: the rows it inserts are not in its snapshot, so a pseudonym found nowhere is the
        row inserted for it. The writers' lock is taken first, so no other writer inserts it meanwhile.
        """
        wanted = sorted(set(subjects))
        if not wanted:
            return {}
        await self.cells.lock()
        found = await self.session.execute(_PEOPLE_OF, {"ids": [uuid.uuid4() for _ in wanted], "s": wanted})
        return {row[0]: row[1] for row in found}

    async def before_changes(self, referrals: Iterable[uuid.UUID], persons: Iterable[uuid.UUID]) -> None:
        """Before writing referrals or the persons' attributes: their cells' contribution is taken away."""
        await self.cells.before(set(referrals), set(persons))

    async def after_changes(self) -> None:
        """After: the contribution of the same referrals, as written, is added back."""
        await self.cells.after()

    async def observe(
        self, observations: Sequence[f.PersonObserved], persons: Mapping[str, uuid.UUID]
    ) -> None:
        """Each attribute takes the value of its latest observation (ties: the greatest value)."""
        latest: dict[uuid.UUID, dict[str, tuple[datetime, str]]] = defaultdict(dict)
        for o in observations:
            known = latest[persons[o.subject]]
            for attribute, value in o.attributes.items():
                if attribute in f.PERSON_ATTRIBUTES and (
                    attribute not in known or (o.at, value) > known[attribute]
                ):
                    known[attribute] = (o.at, value)
        rows = [(person, attrs) for person, attrs in latest.items() if attrs]
        if not rows:
            return
        params: dict[str, list[Any]] = {"ids": [person for person, _ in rows]}
        for a in f.PERSON_ATTRIBUTES:
            params[a] = [attrs[a][1] if a in attrs else None for _, attrs in rows]
            params[f"{a}_at"] = [attrs[a][0] if a in attrs else None for _, attrs in rows]
        await self.session.execute(_observe_sql(), params)

    async def write(self, facts: Sequence[f.Fact], persons: Mapping[str, uuid.UUID]) -> None:
        referrals: dict[uuid.UUID, dict[str, Any]] = {}
        enrolments: dict[uuid.UUID, dict[str, Any]] = {}
        contracts: dict[uuid.UUID, dict[str, Any]] = {}
        rows: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        for fact in facts:
            match fact:
                case f.ReferralObserved():
                    values = dict(fact.values)
                    if fact.subject is not None:
                        values["person_id"] = persons[fact.subject]
                    old = referrals.get(fact.referral_id, {})
                    referrals[fact.referral_id] = f.merge(
                        {**f.REFERRAL_RULES, "person_id": "repeated"}, old, values
                    )
                case f.EnrolmentObserved():
                    values = {**fact.values, "person_id": persons[fact.subject]}
                    old = enrolments.get(fact.enrolment_id, {})
                    enrolments[fact.enrolment_id] = f.merge(
                        {**f.ENROLMENT_RULES, "person_id": "repeated"}, old, values
                    )
                case f.ContractObserved():
                    contracts[fact.contract_id] = f.merge(
                        f.CONTRACT_RULES, contracts.get(fact.contract_id, {}), fact.values
                    )
                case f.SpellDetected():
                    rows[m.unaccompanied_spells].append(
                        {
                            "person_id": persons[fact.subject],
                            "since": fact.since,
                            "detected_at": fact.detected_at,
                        }
                    )
                case f.SupportResumed():
                    rows[m.support_events].append(
                        {"event_id": fact.event_id, "person_id": persons[fact.subject], "at": fact.at}
                    )
                case f.PersonExited():
                    rows[m.exits].append(
                        {
                            "event_id": fact.event_id,
                            "person_id": persons[fact.subject],
                            "exited_at": fact.at,
                            "situation": fact.situation,
                            "referent_org_id": fact.referent_org_id,
                        }
                    )
                case f.SituationObserved():
                    rows[m.situations].append(
                        {
                            "event_id": fact.event_id,
                            "person_id": persons[fact.subject],
                            "at": fact.at,
                            "situation": fact.situation,
                        }
                    )
                case f.HoursDeclared():
                    rows[m.clause_hours].append(
                        {
                            "work_contract_id": fact.work_contract_id,
                            "period": fact.period,
                            "version": fact.version,
                            "contract_id": fact.contract_id,
                            "hours": fact.hours,
                        }
                    )
                case f.ParticipantHired():
                    rows[m.clause_hires].append(
                        {
                            "work_contract_id": fact.work_contract_id,
                            "person_id": persons[fact.subject],
                            "contract_type": fact.contract_type,
                            "hired_at": fact.hired_at,
                            "employer_org_id": fact.employer_org_id,
                        }
                    )
        rules = {**f.REFERRAL_RULES, "person_id": "repeated"}
        await _upsert(self.session, m.referrals, ["referral_id"], _keyed("referral_id", referrals), rules)
        rules = {**f.ENROLMENT_RULES, "person_id": "repeated"}
        await _upsert(self.session, m.enrolments, ["enrolment_id"], _keyed("enrolment_id", enrolments), rules)
        await _upsert(
            self.session,
            m.clause_contracts,
            ["contract_id"],
            _keyed("contract_id", contracts),
            f.CONTRACT_RULES,
        )
        keys = {
            m.unaccompanied_spells: ["person_id", "since"],
            m.support_events: ["event_id"],
            m.exits: ["event_id"],
            m.situations: ["event_id"],
            m.clause_hours: ["work_contract_id", "period", "version"],
            m.clause_hires: ["work_contract_id"],
        }
        for table, found in rows.items():
            await _upsert(self.session, table, keys[table], _distinct(found, keys[table]))

    async def merge(self, kept: str, duplicate: str) -> None:
        """The duplicate's facts become the kept person's; later events about the duplicate follow."""
        persons = await self.people_of([kept, duplicate])
        into, dup = persons[kept], persons[duplicate]
        if into == dup:
            return
        params = {"into": into, "dup": dup}
        # The duplicate's referrals take the kept person's attributes: their cells move.
        await self.cells.before((), (into, dup))
        await self.session.execute(
            text(
                "DELETE FROM unaccompanied_spells d USING unaccompanied_spells k "
                "WHERE d.person_id = :dup AND k.person_id = :into AND d.since = k.since"
            ),
            params,
        )
        for table in (
            m.referrals,
            m.unaccompanied_spells,
            m.support_events,
            m.exits,
            m.situations,
            m.enrolments,
            m.clause_hires,
        ):
            await self.session.execute(
                text(f"UPDATE {table.name} SET person_id = :into WHERE person_id = :dup"),  # noqa: S608
                params,
            )
        await self.session.execute(
            text("UPDATE people SET merged_into = :into WHERE person_id = :dup OR merged_into = :dup"), params
        )
        await self.cells.after()

    async def record_erasure(self, subject: str) -> None:
        await self.session.execute(
            text("INSERT INTO erased_subjects (subject_key) VALUES (:s) ON CONFLICT DO NOTHING"),
            {"s": subject},
        )

    async def apply_erasures(self, recorded_before: datetime | None = None) -> int:
        """Removes the pseudonym of every person erased and not yet unlinked (and their duplicates').

        ``recorded_before``: only the erasures read before that instant (their grace period is over).
        Returns how many erasures it applied (a count: the subjects stay in the database).
        """
        due = await self.session.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM erased_subjects WHERE NOT applied "
                "AND recorded_at <= COALESCE(CAST(:before AS timestamptz), 'infinity'))"
            ),
            {"before": recorded_before},
        )
        if not due:  # the usual batch: nothing to unlink (and no scan of the people for it)
            return 0
        await self.cells.lock()  # no batch links a person to this pseudonym meanwhile
        applied = await self.session.scalar(
            text(
                "WITH pending AS (UPDATE erased_subjects SET applied = true WHERE NOT applied "
                "AND recorded_at <= COALESCE(CAST(:before AS timestamptz), 'infinity') "
                "RETURNING subject_key), "
                "erased AS (SELECT person_id FROM people "
                "WHERE subject_key IN (SELECT subject_key FROM pending)), "
                "linked AS (SELECT person_id, subject_key FROM people WHERE subject_key IS NOT NULL AND "
                "(person_id IN (SELECT person_id FROM erased) "
                "OR merged_into IN (SELECT person_id FROM erased))), "
                "gone AS (UPDATE people SET subject_key = NULL "
                "WHERE person_id IN (SELECT person_id FROM linked) RETURNING person_id), "
                "duplicates AS (INSERT INTO erased_subjects (subject_key, applied) "
                "SELECT subject_key, true FROM linked "
                "WHERE subject_key NOT IN (SELECT subject_key FROM pending) ON CONFLICT DO NOTHING) "
                # Every data-modifying WITH runs to completion whether or not the SELECT reads it.
                "SELECT count(*) FROM pending"
            ),
            {"before": recorded_before},
        )
        return int(applied or 0)


_PEOPLE_OF = text(
    "WITH v AS (SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:s AS varchar[])) AS v(id, s)), "
    "erased AS (SELECT subject_key FROM erased_subjects WHERE applied "
    "AND subject_key = ANY(CAST(:s AS varchar[]))), "
    "unlinked AS (INSERT INTO people (person_id) SELECT id FROM v WHERE s IN (SELECT * FROM erased)), "
    "linked AS (INSERT INTO people (person_id, subject_key) SELECT id, s FROM v "
    "WHERE s NOT IN (SELECT * FROM erased) ON CONFLICT (subject_key) DO NOTHING) "
    "SELECT v.s, COALESCE(x.merged_into, x.person_id, v.id) FROM v "
    "LEFT JOIN people x ON x.subject_key = v.s AND v.s NOT IN (SELECT * FROM erased)"
)


def _keyed(key: str, rows: Mapping[uuid.UUID, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{key: k, **v} for k, v in rows.items()]


def _distinct(rows: list[dict[str, Any]], key: Sequence[str]) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(tuple(row[k] for k in key), row)
    return list(seen.values())


@cache
def _observe_sql() -> TextClause:
    arrays = ["CAST(:ids AS uuid[])"]
    sets = []
    for a in f.PERSON_ATTRIBUTES:
        arrays += [f"CAST(:{a} AS varchar[])", f"CAST(:{a}_at AS timestamptz[])"]
        newer = (
            f"v.{a} IS NOT NULL AND (p.{a}_at IS NULL OR v.{a}_at > p.{a}_at "
            f"OR (v.{a}_at = p.{a}_at AND v.{a} > p.{a}))"
        )
        sets += [
            f"{a} = CASE WHEN {newer} THEN v.{a} ELSE p.{a} END",
            f"{a}_at = CASE WHEN {newer} THEN v.{a}_at ELSE p.{a}_at END",
        ]
    names = ", ".join(["person_id", *[c for a in f.PERSON_ATTRIBUTES for c in (a, f"{a}_at")]])
    return text(
        f"UPDATE people p SET {', '.join(sets)} FROM unnest({', '.join(arrays)}) AS v({names}) "  # noqa: S608
        "WHERE p.person_id = v.person_id"
    )

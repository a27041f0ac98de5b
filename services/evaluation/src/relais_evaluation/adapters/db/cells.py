"""Pre-aggregated cells of the referral indicators and each person's first orientation, kept by the ingestion.

A funnel or returns query over a year used to read every referral (a million of them: seconds). It now
reads ``referral_cells`` (or ``return_cells``): one row per day × organisation pair × categorical
attributes, with the referral counts of that combination. Orientation delays read the person's summary
(first referral, first acceptance, first appointment honoured) kept on ``people``.

How they stay equal to the detail rows, whatever the order of the events and however often they come:
a cell is a sum over referrals, so the ingestion brackets every change of the referrals it may touch.
Before writing, it takes away the current contribution of those referrals (the batch's own, and every
referral of a person whose attributes or identity the batch changes); after writing, it adds their new
contribution. The detail rows are order-free and idempotent (``MERGE_RULES``), so the cells, their exact
sum, are too. The person summaries are recomputed from the referrals of the persons touched. A
transaction-level advisory lock keeps two writers from bracketing the same referral at once. A cell left
at zero (a person's attribute moved their referrals elsewhere) is deleted.

:func:`recount` computes every cell and summary from the detail rows: what a test compares the kept cells
with, and what a store filled by other means (the bench's generator) runs once.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from relais_evaluation.domain.facts import AXES

# One key for the ingestion's writers (any constant shared by them; hashtext is stable).
LOCK = "SELECT pg_advisory_xact_lock(hashtext('relais-evaluation-cells'))"
_PERSON_AXES = tuple(a for a in AXES if a not in ("age_band", "qpv_resident"))


def _local_day(column: str) -> str:
    return f"({column} AT TIME ZONE 'Europe/Paris')::date"


DECIDED = (
    "r.accepted_at IS NOT NULL OR r.return_status IN ('refused', 'expired') OR r.withdrawn_at IS NOT NULL "
    "OR r.obsolete_at IS NOT NULL"
)


@dataclass(frozen=True)
class CellTable:
    table: str
    keys: dict[str, str]  # cell column → expression over referrals ``r`` and people ``p``
    measures: dict[str, str]  # cell column → aggregate over the cell's referrals
    where: str  # which referrals have a cell
    count: str  # the measure every referral of the cell adds one to (zero: the cell counts nobody)


_ATTRIBUTES = {
    "sender_org_id": "r.sender_org_id",
    "receiver_org_id": "r.receiver_org_id",
    "departement": "r.departement",
    # A referral's own age band and QPV residence (at the time it was sent), the person's other axes.
    "age_band": "r.age_band",
    "qpv_resident": "r.qpv_resident",
    # ``{p}``: where the person's columns are read (``p.`` in people, ``r.p_`` in the touched rows).
    **{axis: f"{{p}}{axis}" for axis in _PERSON_AXES},
}

REFERRAL_CELLS = CellTable(
    "referral_cells",
    # The acknowledgement's due day too: a referral whose deadline has not passed is no late one yet
    # (the funnel's rate counts only those acknowledged or past their due day, see ``queries``).
    keys={"day": _local_day("r.submitted_at"), **_ATTRIBUTES, "acknowledgement_due": "r.acknowledgement_due"},
    measures={
        "submitted": "COUNT(*)",
        "acknowledged": "COUNT(r.acknowledged_at)",
        "acknowledged_on_time": "COUNT(*) FILTER (WHERE "
        + _local_day("r.acknowledged_at")
        + " <= r.acknowledgement_due)",
        "days_to_acknowledge": "COALESCE(SUM(EXTRACT(EPOCH FROM r.acknowledged_at - r.submitted_at) "
        "/ 86400.0), 0)",
        "appointment_scheduled": "COUNT(r.appointment_scheduled_at)",
        "seen": "COUNT(r.seen_at)",
        "accepted": "COUNT(r.accepted_at)",
        "refused": "COUNT(*) FILTER (WHERE r.return_status = 'refused')",
        "expired": "COUNT(*) FILTER (WHERE r.return_status = 'expired')",
        "withdrawn": "COUNT(r.withdrawn_at)",
        "obsolete": "COUNT(r.obsolete_at)",
        "closed": "COUNT(r.closed_at)",
        "escalated_to_coordination": "COUNT(r.escalated_to_coordination_at)",
        # Referrals whose outcome is known (the share taken in charge divides by them, not by every
        # referral sent: one still awaiting an answer is no refusal).
        "decided": f"COUNT(*) FILTER (WHERE {DECIDED})",
        # Withdrawn or made obsolete by their due day without an acknowledgement: none was owed any more.
        "ended_before_due": "COUNT(*) FILTER (WHERE r.acknowledged_at IS NULL AND "
        + _local_day("LEAST(r.withdrawn_at, r.obsolete_at)")
        + " <= r.acknowledgement_due)",
    },
    where="r.submitted_at IS NOT NULL",
    count="submitted",
)
RETURN_CELLS = CellTable(
    "return_cells",
    keys={
        "day": _local_day("r.returned_at"),
        "return_reason": "COALESCE(r.reason_code, r.return_status)",
        **_ATTRIBUTES,
    },
    measures={
        "returned": "COUNT(*)",
        "refused": "COUNT(*) FILTER (WHERE r.return_status = 'refused')",
        "expired": "COUNT(*) FILTER (WHERE r.return_status = 'expired')",
    },
    where="r.returned_at IS NOT NULL AND r.return_status IN ('refused', 'expired')",
    count="returned",
)
CELL_TABLES = (REFERRAL_CELLS, RETURN_CELLS)


def _by_key(table: str, column: str, value: str, columns: str = "*") -> str:
    """The rows of ``table`` whose ``column`` equals ``value``, looked up through its index, row by row.

    ``OFFSET 0`` keeps the planner from flattening the lookup into a join it may run as a hash join over
    the whole table: the store grows faster than its statistics (a million events in a few minutes), and
    on stale statistics every batch read the whole of ``referrals`` and ``people``; the ingestion
    slowed down as the store grew (8,000 events/s on an empty store, 2,000 at 60,000 referrals).
    """
    return f"LATERAL (SELECT {columns} FROM {table} WHERE {column} = {value} OFFSET 0)"  # noqa: S608


# The referrals a batch may change (its own, and those of the persons it observes or merges), read once.
_TOUCHED = (
    "touched AS (SELECT unnest(CAST(:ids AS uuid[])) AS referral_id "  # noqa: S608
    "UNION SELECT x.referral_id FROM unnest(CAST(:persons AS uuid[])) AS u(person_id), "
    + _by_key("referrals", "person_id", "u.person_id", "referral_id")
    + " x), t AS MATERIALIZED (SELECT r.*, "
    + ", ".join(f"p.{axis} AS p_{axis}" for axis in _PERSON_AXES)
    + f" FROM touched, {_by_key('referrals', 'referral_id', 'touched.referral_id')} r "
    + f"LEFT JOIN {_by_key('people', 'person_id', 'r.person_id', ', '.join(_PERSON_AXES))} p ON true)"
)
_EVERY = "referrals r LEFT JOIN people p ON p.person_id = r.person_id"


def _add(cells: CellTable, sign: int, source: str = _EVERY) -> str:
    """``sign`` × the contribution of the referrals of ``source``, added to their cells."""
    keys, measures = list(cells.keys), list(cells.measures)
    person = "p." if source == _EVERY else "r.p_"
    # Names and expressions come from this module, never from input.
    return (
        f"INSERT INTO {cells.table} AS c ({', '.join(keys + measures)}) "  # noqa: S608
        f"SELECT {', '.join(e.format(p=person) for e in cells.keys.values())}, "
        + ", ".join(e if sign > 0 else f"-{e}" for e in cells.measures.values())
        + f" FROM {source} WHERE {cells.where} "
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{m} = c.{m} + EXCLUDED.{m}" for m in measures)
    )


def _summaries(persons: str) -> str:
    """Each person's first referral, acceptance and appointment honoured, from their referrals."""
    return (
        "UPDATE people x SET first_submitted_at = s.submitted, first_accepted_at = s.accepted, "  # noqa: S608
        "first_seen_at = s.seen FROM (SELECT t.person_id, min(r.submitted_at) AS submitted, "
        "min(r.accepted_at) AS accepted, min(r.seen_at) AS seen "
        f"FROM {persons} t LEFT JOIN {_by_key('referrals', 'person_id', 't.person_id')} r "
        "ON r.submitted_at IS NOT NULL GROUP BY t.person_id) s WHERE x.person_id = s.person_id "
        "AND (x.first_submitted_at, x.first_accepted_at, x.first_seen_at) "
        "IS DISTINCT FROM (s.submitted, s.accepted, s.seen)"
    )


def _statement(sign: int, *, summaries: bool) -> str:
    ctes = [_TOUCHED, *(f"c{i} AS ({_add(cells, sign, 't r')})" for i, cells in enumerate(CELL_TABLES))]
    if summaries:
        persons = (
            "(SELECT person_id FROM t WHERE person_id IS NOT NULL "
            "UNION SELECT unnest(CAST(:persons AS uuid[])))"
        )
        ctes.append(f"s AS ({_summaries(persons)})")
    return f"WITH {', '.join(ctes)} SELECT 1"


_BEFORE = text(_statement(-1, summaries=False))
_AFTER = text(_statement(1, summaries=True))
# A cell whose referrals all moved (a person's attribute changed) is deleted: the same store always has
# the same cells, whatever happened on the way (a partial index finds them).
_DELETES = [f"e{i} AS (DELETE FROM {c.table} WHERE {c.count} = 0)" for i, c in enumerate(CELL_TABLES)]  # noqa: S608
_EMPTIED = text(f"WITH {', '.join(_DELETES)} SELECT 1")


class CellKeeper:
    """Brackets a batch's writes: :meth:`before` takes the touched referrals' contribution away,
    :meth:`after` adds it back as written and recomputes the touched persons' summaries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.params: dict[str, list[uuid.UUID]] | None = None
        self.locked = False

    async def lock(self) -> None:
        """The writers' lock, until the transaction ends (taken once)."""
        if not self.locked:
            await self.session.execute(text(LOCK))
            self.locked = True

    async def before(self, referrals: Collection[uuid.UUID], persons: Collection[uuid.UUID]) -> None:
        if not referrals and not persons:
            return
        self.params = {"ids": sorted(set(referrals)), "persons": sorted(set(persons))}
        await self.lock()
        await self.session.execute(_BEFORE, self.params)

    async def after(self) -> None:
        if self.params is not None:
            await self.session.execute(_AFTER, self.params)
            await self.session.execute(_EMPTIED)
            self.params = None


async def recount(session: AsyncSession) -> None:
    """Every cell and summary computed again from the detail rows (nothing else is read)."""
    await session.execute(text(LOCK))
    await session.execute(text(f"TRUNCATE {', '.join(c.table for c in CELL_TABLES)}"))
    for cells in CELL_TABLES:
        await session.execute(text(_add(cells, 1)))
    await session.execute(
        text(
            "UPDATE people SET first_submitted_at = NULL, first_accepted_at = NULL, first_seen_at = NULL "
            "WHERE first_submitted_at IS NOT NULL OR first_accepted_at IS NOT NULL "
            "OR first_seen_at IS NOT NULL"
        )
    )
    await session.execute(
        text(
            "UPDATE people x SET first_submitted_at = s.submitted, first_accepted_at = s.accepted, "
            "first_seen_at = s.seen FROM (SELECT r.person_id, min(r.submitted_at) AS submitted, "
            "min(r.accepted_at) AS accepted, min(r.seen_at) AS seen FROM referrals r "
            "WHERE r.person_id IS NOT NULL AND r.submitted_at IS NOT NULL GROUP BY r.person_id) s "
            "WHERE x.person_id = s.person_id"
        )
    )

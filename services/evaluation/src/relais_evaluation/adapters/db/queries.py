"""The indicators' SQL: one source per indicator (its rows, dimensions and sums), cut by ``GROUP BY CUBE``.

Every margin the published table needs (each dimension's totals and the grand total) comes from the
same statement, so that suppression by difference sees exactly the sums a reader could add up. Names and
expressions come from this module, never from input; values are bound parameters.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from relais_evaluation.domain.facts import AXES
from relais_evaluation.domain.indicators import IndicatorQuery

PARIS = ZoneInfo("Europe/Paris")
Key = tuple[str | None, ...]


def _local(column: str) -> str:
    return f"({column} AT TIME ZONE 'Europe/Paris')"


def _time_dims(column: str, *, is_date: bool = False) -> dict[str, str]:
    value = column if is_date else _local(column)
    return {"month": f"to_char({value}, 'YYYY-MM')", "year": f"to_char({value}, 'YYYY')"}


def _axes(person: str = "p", **own: str) -> dict[str, str]:
    return {axis: own.get(axis, f"{person}.{axis}") for axis in AXES}


@dataclass(frozen=True)
class Source:
    base: str  # FROM … WHERE …, over the period (:from_ts, :to_ts, :from_date, :to_date)
    dims: Mapping[str, str]
    sums: Mapping[str, str]  # measure → aggregate expression
    territory: str | None = None
    organisations: tuple[str, ...] = ()  # an organisation's own rows: any of these columns is it
    extra_group: str | None = None  # grouped by as well, outside the cube (the exits' situation)
    fixed: tuple[str, ...] = field(default=())  # dimensions always in the breakdown (never totalled)
    # The join to ``people`` (as ``p``) that ``{people}`` in ``base`` stands for, made only when a
    # dimension or the territory filter reads a person's attribute: a referral's funnel by receiver
    # reads one table.
    people: str | None = None
    # Cells kept at zero are no group (the detail rows they count are gone).
    having: str | None = None


_CELL_DIMS = {
    "territory": "r.departement",
    "organisation": "r.receiver_org_id::text",
    "organisation_pair": "r.sender_org_id::text || ' → ' || r.receiver_org_id::text",
}

_SPELLS = (
    "(SELECT s.person_id, s.since, (SELECT min(x.at) FROM support_events x WHERE x.person_id = s.person_id "
    "AND x.at >= ((s.since + 1)::timestamp AT TIME ZONE 'Europe/Paris')) AS ended_at "
    "FROM unaccompanied_spells s)"
)


# In time: within N × 24 hours of the first referral (an hour's difference across a change of clocks,
# for a per-row comparison that costs no time-zone conversion over a million people).
_ORIENTED = (
    "p.first_accepted_at <= p.first_submitted_at + make_interval(days => CAST(:orientation_days AS int))"
)
_ACCOMPANIED = (
    "p.first_seen_at <= p.first_submitted_at + make_interval(days => CAST(:accompaniment_days AS int))"
)
# The window is over before the day ``as_of`` for a first referral sent before Paris midnight N days
# earlier (computed once, in Python, on Paris clocks): a bound on an indexed column, not arithmetic per row.

SOURCES: dict[str, Source] = {
    # The funnel and the returns read the pre-aggregated cells (``cells``), not the referrals: a cell
    # holds the counts of one day × organisation pair × categorical attributes.
    "referral_funnel": Source(
        base="FROM referral_cells r WHERE r.day >= :from_date AND r.day <= :to_date",
        dims={
            **_time_dims("r.day", is_date=True),
            **_CELL_DIMS,
            **_axes("r"),
        },
        sums={
            "submitted": "SUM(r.submitted)",
            "acknowledged": "SUM(r.acknowledged)",
            "acknowledged_on_time": "SUM(r.acknowledged_on_time)",
            # Those acknowledged, and those not acknowledged whose due day is over before the day
            # ``as_of`` (today): one still within its deadline is not late yet, nor one withdrawn or
            # made obsolete by its due day (no acknowledgement was owed any more).
            "acknowledgement_known": "SUM(r.acknowledged) + COALESCE(SUM(r.submitted - r.acknowledged "
            "- r.ended_before_due) FILTER (WHERE r.acknowledgement_due IS NULL "
            "OR r.acknowledgement_due < :as_of), 0)",
            "days_to_acknowledge": "SUM(r.days_to_acknowledge)",
            "appointment_scheduled": "SUM(r.appointment_scheduled)",
            "seen": "SUM(r.seen)",
            "accepted": "SUM(r.accepted)",
            "decided": "SUM(r.decided)",
            "returned_to_sender": "SUM(r.refused + r.expired)",
            "refused": "SUM(r.refused)",
            "expired": "SUM(r.expired)",
            "withdrawn": "SUM(r.withdrawn)",
            "obsolete": "SUM(r.obsolete)",
            "closed": "SUM(r.closed)",
            "escalated_to_coordination": "SUM(r.escalated_to_coordination)",
        },
        territory="r.departement",
        organisations=("r.sender_org_id", "r.receiver_org_id"),
        having="SUM(r.submitted) > 0",
    ),
    "returns_to_sender": Source(
        base="FROM return_cells r WHERE r.day >= :from_date AND r.day <= :to_date",
        dims={
            **_time_dims("r.day", is_date=True),
            **_CELL_DIMS,
            "return_reason": "r.return_reason",
            **_axes("r"),
        },
        sums={
            "returned_to_sender": "SUM(r.returned)",
            "refused": "SUM(r.refused)",
            "expired": "SUM(r.expired)",
        },
        territory="r.departement",
        organisations=("r.sender_org_id", "r.receiver_org_id"),
        having="SUM(r.returned) > 0",
    ),
    "unaccompanied": Source(
        base=f"FROM {_SPELLS} u LEFT JOIN people p ON p.person_id = u.person_id "
        "WHERE u.since <= :to_date AND (u.ended_at IS NULL OR u.ended_at >= :from_ts)",
        dims={**_time_dims("u.since", is_date=True), "territory": "p.departement", **_axes()},
        sums={
            "people_started": "COUNT(DISTINCT u.person_id) FILTER (WHERE u.since >= :from_date)",
            "spells_started": "COUNT(*) FILTER (WHERE u.since >= :from_date)",
            "open_at_end": "COUNT(DISTINCT u.person_id) "
            "FILTER (WHERE u.ended_at IS NULL OR u.ended_at >= :to_ts)",
            "spells_ended": "COUNT(*) FILTER (WHERE u.ended_at < :to_ts)",
            "duration_days": "SUM("
            + _local("u.ended_at")
            + "::date - u.since) FILTER (WHERE u.ended_at < :to_ts)",
            # Each person once (open_at_end counts people): their open spell's days until the period's end.
            "waiting_days": "SUM(CAST(:to_date AS date) + 1 - u.since) "
            "FILTER (WHERE u.ended_at IS NULL OR u.ended_at >= :to_ts)",
        },
        territory="p.departement",
    ),
    "unaccompanied_over_time": Source(
        base="FROM generate_series(date_trunc('month', CAST(:from_date AS date)), CAST(:to_date AS date), "
        "interval '1 month') AS g(month_start) "
        "CROSS JOIN LATERAL (SELECT LEAST((g.month_start + interval '1 month')::date, "
        "CAST(:to_date AS date) + 1) AS day_after) e "
        f"LEFT JOIN {_SPELLS} u ON u.since < e.day_after AND (u.ended_at IS NULL OR "
        "u.ended_at >= (e.day_after::timestamp AT TIME ZONE 'Europe/Paris')) "
        "LEFT JOIN people p ON p.person_id = u.person_id WHERE true",
        dims={"month": "to_char(g.month_start, 'YYYY-MM')", "territory": "p.departement", **_axes()},
        sums={"people": "COUNT(DISTINCT u.person_id)"},
        territory="p.departement",
        fixed=("month",),
    ),
    # Each person's first orientation is kept on their row (``cells``): one row per person to read.
    "orientation_delays": Source(
        base="FROM people p WHERE p.first_submitted_at >= :from_ts AND p.first_submitted_at < :to_ts",
        dims={**_time_dims("p.first_submitted_at"), "territory": "p.departement", **_axes()},
        sums={
            "people": "COUNT(*)",
            "oriented_in_time": f"COUNT(*) FILTER (WHERE {_ORIENTED})",
            # Those in time, and the others whose window is over before the day ``as_of``: a person
            # referred ten days ago and not taken in charge yet has not missed the 45 days.
            "orientation_known": f"COUNT(*) FILTER (WHERE p.first_submitted_at < :orientation_over "
            f"OR {_ORIENTED})",
            "accompanied_in_time": f"COUNT(*) FILTER (WHERE {_ACCOMPANIED})",
            "accompaniment_known": f"COUNT(*) FILTER (WHERE p.first_submitted_at < :accompaniment_over "
            f"OR {_ACCOMPANIED})",
        },
        territory="p.departement",
    ),
    "training": Source(
        base="FROM enrolments e {people} WHERE e.confirmed_at >= :from_ts AND e.confirmed_at < :to_ts",
        people="LEFT JOIN people p ON p.person_id = e.person_id",
        dims={
            **_time_dims("e.confirmed_at"),
            "territory": "p.departement",
            "organisation": "e.provider_org_id::text",
            **_axes(),
        },
        sums={
            "confirmed": "COUNT(*)",
            "ended": "COUNT(e.completed_at) + COUNT(e.abandoned_at)",
            "completed": "COUNT(e.completed_at)",
            "abandoned": "COUNT(e.abandoned_at)",
            "certified": "COUNT(*) FILTER (WHERE e.certified)",
            "cancelled": "COUNT(e.cancelled_at)",
        },
        territory="p.departement",
        organisations=("e.provider_org_id",),
    ),
    "clause_hours": Source(
        base="FROM (SELECT DISTINCT ON (work_contract_id, period) "
        "work_contract_id, period, contract_id, hours "
        "FROM clause_hours WHERE period >= :from_date AND period <= :to_date "
        "ORDER BY work_contract_id, period, version DESC) h "
        "JOIN clause_contracts c ON c.contract_id = h.contract_id "
        "LEFT JOIN clause_hires w ON w.work_contract_id = h.work_contract_id "
        "LEFT JOIN people p ON p.person_id = w.person_id WHERE true",
        dims={
            **_time_dims("h.period", is_date=True),
            "organisation": "c.contractor_org_id::text",
            "buyer": "c.buyer_org_id::text",
            **_axes(),
        },
        sums={"participants": "COUNT(DISTINCT w.person_id)", "hours_realised": "SUM(h.hours)"},
        organisations=("c.contractor_org_id", "c.buyer_org_id", "c.facilitator_org_id"),
    ),
    "exits": Source(
        base="FROM exits x LEFT JOIN people p ON p.person_id = x.person_id "
        "CROSS JOIN LATERAL (SELECT k.situation FROM (SELECT x.exited_at AS at, x.situation, x.event_id "
        "UNION ALL SELECT s.at, s.situation, s.event_id FROM situations s WHERE s.person_id = x.person_id "
        "AND s.at > x.exited_at AND s.at <= x.exited_at + make_interval(months => CAST(:horizon AS int))) k "
        "ORDER BY k.at DESC, k.event_id DESC LIMIT 1) k "
        "WHERE x.exited_at >= :from_ts AND x.exited_at < :to_ts "
        "AND x.exited_at + make_interval(months => CAST(:horizon AS int)) <= :as_of_ts",
        dims={
            **_time_dims("x.exited_at"),
            "territory": "p.departement",
            "organisation": "x.referent_org_id::text",
            **_axes(),
        },
        sums={"count": "COUNT(*)"},
        territory="p.departement",
        organisations=("x.referent_org_id",),
        extra_group="k.situation",
    ),
}

# Required hours come from the contracts (pro rata of their days within the period), not from people:
# they can be cut by contractor and buyer only.
_REQUIRED = Source(
    base="FROM clause_contracts c WHERE c.starts_on <= :to_date AND c.ends_on >= :from_date",
    dims={"organisation": "c.contractor_org_id::text", "buyer": "c.buyer_org_id::text"},
    sums={
        "hours_required": "SUM(c.hours_required * (LEAST(c.ends_on, CAST(:to_date AS date)) - "
        "GREATEST(c.starts_on, CAST(:from_date AS date)) + 1) / (c.ends_on - c.starts_on + 1))"
    },
    organisations=("c.contractor_org_id", "c.buyer_org_id", "c.facilitator_org_id"),
)


def _params(query: IndicatorQuery) -> dict[str, Any]:
    as_of = query.as_of or datetime.now(PARIS).date()
    return {
        "from_ts": datetime.combine(query.start, time.min, PARIS),
        "to_ts": datetime.combine(query.end + timedelta(days=1), time.min, PARIS),
        "from_date": query.start,
        "to_date": query.end,
        "territory": query.territory,
        "organisation": query.organisation,
        "horizon": query.horizon_months,
        "as_of": as_of,
        # First referrals sent before these instants have their window over before the day ``as_of``.
        "orientation_over": datetime.combine(as_of - timedelta(days=query.orientation_days), time.min, PARIS),
        "accompaniment_over": datetime.combine(
            as_of - timedelta(days=query.accompaniment_days), time.min, PARIS
        ),
        "as_of_ts": datetime.combine(as_of + timedelta(days=1), time.min, PARIS),
        "orientation_days": query.orientation_days,
        "accompaniment_days": query.accompaniment_days,
    }


def _additive(source: Source) -> bool:
    """Sums that add up along every dimension (no distinct count): their margins are added in Python
    from the finest cells, so PostgreSQL groups once (in parallel) instead of once per margin."""
    return "DISTINCT" not in " ".join(source.sums.values()) and not source.fixed


def _sql(
    source: Source, query: IndicatorQuery, group_by: Sequence[str], *, cube: bool = True
) -> tuple[str, list[str]]:
    dims = [f"COALESCE({source.dims[d]}, 'unknown')" for d in group_by]
    selected = [f"{expr} AS d{i}" for i, expr in enumerate(dims)]
    selected += [f"GROUPING({expr}) AS g{i}" if cube else f"0 AS g{i}" for i, expr in enumerate(dims)]
    sums = list(source.sums)
    selected += [f"{source.sums[m]} AS m{i}" for i, m in enumerate(sums)]
    reads = " ".join(
        [*(source.dims[d] for d in group_by), (source.territory or "") if query.territory else ""]
    )
    join = source.people if source.people and "p." in reads else ""
    where = [source.base.replace("{people}", join)]
    if query.territory is not None and source.territory is not None:
        where.append(f"AND {source.territory} = :territory")
    if query.organisation is not None and source.organisations:
        where.append("AND (" + " OR ".join(f"{c} = :organisation" for c in source.organisations) + ")")
    fixed = [dims[i] for i, d in enumerate(group_by) if d in source.fixed]
    cubed = [dims[i] for i, d in enumerate(group_by) if d not in source.fixed]
    groups = [*fixed]
    if source.extra_group:
        selected.append(f"{source.extra_group} AS extra")
        groups.append(source.extra_group)
    if cube:
        groups.append(f"CUBE({', '.join(cubed)})" if cubed else "()")
    else:
        groups += cubed
    if not groups:
        groups.append("()")
    sql = f"SELECT {', '.join(selected)} {' '.join(where)} GROUP BY {', '.join(groups)}"
    if source.having:
        sql += f" HAVING {source.having}"
    return sql, sums


async def _run(
    session: AsyncSession,
    source: Source,
    query: IndicatorQuery,
    group_by: Sequence[str],
    *,
    cube: bool = True,
) -> list[Any]:
    sql, _ = _sql(source, query, group_by, cube=cube)
    return list((await session.execute(text(sql), _params(query))).all())


def _with_margins(cells: dict[Key, dict[str, float]], size: int) -> dict[Key, dict[str, float]]:
    """Every margin of the finest cells (what ``GROUP BY CUBE`` gives), by addition."""
    out: dict[Key, dict[str, float]] = {}
    for key, sums in cells.items():
        for totalled in itertools.product((False, True), repeat=size):
            margin = tuple(None if t else v for v, t in zip(key, totalled, strict=True))
            target = out.setdefault(margin, {})
            for measure, value in sums.items():
                target[measure] = target.get(measure, 0.0) + value
    return out


def _key(row: Any, size: int) -> Key:
    return tuple(None if row[f"g{i}"] else row[f"d{i}"] for i in range(size))


def _number(value: Any) -> float:
    return 0.0 if value is None else float(value)


async def _sums(
    session: AsyncSession, source: Source, query: IndicatorQuery, group_by: Sequence[str]
) -> dict[Key, dict[str, float]]:
    """``{cell or margin: {measure (or situation, for exits): sum}}``."""
    additive = _additive(source)
    sums: dict[Key, dict[str, float]] = {}
    for row in await _run(session, source, query, group_by, cube=not additive):
        mapping = row._mapping
        cell = sums.setdefault(_key(mapping, len(group_by)), {})
        if source.extra_group:
            cell[mapping["extra"]] = cell.get(mapping["extra"], 0.0) + _number(mapping["m0"])
        else:
            cell.update({m: _number(mapping[f"m{i}"]) for i, m in enumerate(source.sums)})
    if additive:
        sums = _with_margins(sums, len(group_by))
    total = tuple(None for _ in group_by)
    if total not in sums and not source.fixed:  # nothing at all in the period
        sums[total] = {} if source.extra_group else dict.fromkeys(source.sums, 0.0)
    return sums


async def indicator_sums(session: AsyncSession, query: IndicatorQuery) -> dict[Key, dict[str, float]]:
    """The raw sums of every cell and margin (before suppression)."""
    sums = await _sums(session, SOURCES[query.indicator], query, list(query.group_by))
    if query.indicator == "clause_hours":
        await _add_required(session, query, sums)
    return sums


async def _add_required(
    session: AsyncSession, query: IndicatorQuery, sums: dict[Key, dict[str, float]]
) -> None:
    own = [d for d in query.group_by if d in _REQUIRED.dims]
    for row in await _run(session, _REQUIRED, query, own):
        mapping = row._mapping
        values = dict(zip(own, _key(mapping, len(own)), strict=True))
        # Rows cut by a dimension the contracts do not have (month, an axis) get no required hours.
        key = tuple(values.get(d) for d in query.group_by)
        cell = sums.setdefault(key, {"participants": 0.0, "hours_realised": 0.0})
        cell["hours_required"] = _number(mapping["m0"])


async def exit_sums(session: AsyncSession, query: IndicatorQuery) -> dict[Key, dict[str, float]]:
    """Exits per situation code in every cell and margin: ``{key: {situation: count}}``."""
    return await _sums(session, SOURCES["exits"], query, list(query.group_by))


class SqlIndicatorReader:
    """The service layer's reader of raw sums, on a session of the store."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sums(self, query: IndicatorQuery) -> dict[Key, dict[str, float]]:
        return await indicator_sums(self.session, query)

    async def exit_sums(self, query: IndicatorQuery) -> dict[Key, dict[str, float]]:
        return await exit_sums(self.session, query)

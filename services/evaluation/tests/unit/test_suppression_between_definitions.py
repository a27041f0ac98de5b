"""Exits under two definitions side by side: small cells stay hidden across the definitions too.

Each definition's categories add up to the exits, but the two definitions also overlap: the pact's
positive exit is the official one plus civic service, volunteering… A difference between a cell of one
definition and a cell of the other is then a group of people as well, and it must not be one of 1 to T − 1.

The audit below proves it exactly rather than on one example: the unknowns are the counts of each
situation in each cell of the table's finest rows (what the store holds, never published); every cell the
table shows is a linear equation over them (margins are sums of the finer rows); a group of people is
given back by the published cells if and only if its indicator vector lies in the row space of those
equations, i.e. is orthogonal to every vector of their null space. Every group the definitions can
describe in a row (any union of the cells of their common refinement: a ∩ b, a \\ b, b \\ a, …) is
checked.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relais_evaluation.domain.exits import DARES, PACT_WIDER, SITUATIONS, ExitDefinition
from relais_evaluation.domain.indicators import IndicatorQuery, Key, Table
from relais_evaluation.domain.suppression import null_space
from relais_evaluation.service_layer.indicators import compute

THRESHOLD = 11
Leaves = Mapping[Key, Mapping[str, int]]  # finest rows → situation → count


class Reader:
    """The store's sums per situation, margins included, as ``exit_sums`` gives them."""

    def __init__(self, leaves: Leaves) -> None:
        self.by_situation: dict[Key, dict[str, float]] = {}
        for leaf, counts in leaves.items():
            for row in _rows_covering(leaf):
                cell = self.by_situation.setdefault(row, {})
                for situation, count in counts.items():
                    cell[situation] = cell.get(situation, 0) + count

    async def sums(self, query: IndicatorQuery) -> dict[Key, dict[str, float]]:
        raise AssertionError("exits are read per situation")

    async def exit_sums(self, query: IndicatorQuery) -> dict[Key, dict[str, float]]:
        return self.by_situation


def _rows_covering(leaf: Key) -> list[Key]:
    """The leaf's own row and every margin it is counted in (``GROUP BY CUBE``)."""
    rows: list[Key] = [()]
    for value in leaf:
        rows = [(*r, v) for r in rows for v in (value, None)]
    return rows


def published(leaves: Leaves, definitions: Sequence[ExitDefinition], group_by: Sequence[str]) -> Table:
    query = IndicatorQuery("exits", date(2027, 1, 1), date(2027, 12, 31), tuple(group_by))
    return asyncio.run(compute(Reader(leaves), query, threshold=THRESHOLD, definitions=definitions))


def small_groups_given_back(table: Table, leaves: Leaves, definitions: Sequence[ExitDefinition]) -> list[str]:
    """Every group of 1 to T − 1 people, described by the definitions in one row, that the published
    cells determine."""
    leaf_keys = sorted(leaves, key=repr)
    situations = sorted(SITUATIONS)
    column = {(leaf, s): i for i, (leaf, s) in enumerate((lf, s) for lf in leaf_keys for s in situations)}

    def covered(row: Key, leaf: Key) -> bool:
        return all(r is None or r == value for r, value in zip(row, leaf, strict=True))

    def vector(row: Key, group: set[str]) -> list[int]:
        v = [0] * len(column)
        for leaf in leaf_keys:
            if covered(row, leaf):
                for s in group:
                    v[column[(leaf, s)]] = 1
        return v

    equations = []
    for row in table.rows:
        shown = row.values
        if not shown["exits"].suppressed:
            equations.append(vector(row.key, set(situations)))
        for d in definitions:
            for category in d.categories:
                if not shown[f"{d.key}:{category}"].suppressed:
                    equations.append(vector(row.key, {s for s in situations if d.category_of(s) == category}))
            # The share of positive exits times the exits gives their number.
            if d.positive and not shown[f"{d.key}:positive:share"].suppressed:
                equations.append(vector(row.key, {s for s in situations if d.category_of(s) in d.positive}))
    orthogonal = null_space(equations, len(column))

    # The common refinement: situations that every definition puts in the same categories.
    refinement: dict[tuple[str, ...], set[str]] = {}
    for s in situations:
        refinement.setdefault(tuple(d.category_of(s) for d in definitions), set()).add(s)
    found = []
    for row in table.rows:
        for size in range(1, len(refinement) + 1):
            for parts in combinations(sorted(refinement), size):
                group = set().union(*(refinement[p] for p in parts))
                people = sum(leaves[lf].get(s, 0) for lf in leaf_keys if covered(row.key, lf) for s in group)
                if not 0 < people < THRESHOLD:
                    continue
                q = vector(row.key, group)
                if all(sum(a * b for a, b in zip(q, n, strict=True)) == 0 for n in orthogonal):
                    found.append(f"row {row.key}: {' + '.join('/'.join(p) for p in parts)} = {people}")
    return found


# 20 CDI, 15 CDD of 6 months or more, 11 qualifying trainings, 3 civic services, 11 looking for a job:
# every category of both definitions counts 0 or at least 11 people, yet the pact's positive exits
# exceed the official ones by exactly the 3 people in civic service.
REVIEW_CASE = {
    "cdi": 20,
    "cdd_6_months_plus": 15,
    "qualifying_training": 11,
    "civic_service": 3,
    "job_search": 11,
}


def test_two_exit_definitions_side_by_side_never_reveal_a_small_group_by_their_difference() -> None:
    leaves = {(): REVIEW_CASE}
    table = published(leaves, [DARES, PACT_WIDER], [])
    assert small_groups_given_back(table, leaves, [DARES, PACT_WIDER]) == []
    # No more hidden than needed: the official definition stays whole, the pact's positive and other
    # exits (and its share of positive exits) are hidden.
    hidden = {k for k, v in table.total().values.items() if v.suppressed}
    assert {k for k in hidden if not k.endswith(":share")} == {
        "pacte-elargie@1:positive_exit",
        "pacte-elargie@1:other",
    }
    assert "pacte-elargie@1:positive:share" in hidden
    # The official definition alone shows everything: only what the other one adds is at stake.
    alone = published(leaves, [DARES], [])
    assert not any(v.suppressed for v in alone.total().values.values())


def test_two_exit_definitions_cut_by_an_equality_axis_never_reveal_a_small_group_by_their_difference() -> (
    None
):
    leaves = {
        ("yes",): REVIEW_CASE,
        ("no",): {"cdi": 40, "cdd": 25, "qualifying_training": 30, "volunteering": 12, "job_search": 33},
    }
    table = published(leaves, [DARES, PACT_WIDER], ["disability"])
    assert small_groups_given_back(table, leaves, [DARES, PACT_WIDER]) == []


def test_the_audit_finds_the_difference_between_the_definitions_when_nothing_is_hidden() -> None:
    # The checker itself: with every cell shown, the 3 people in civic service are given back.
    leaves = {(): REVIEW_CASE}
    table = published(leaves, [DARES, PACT_WIDER], [])
    shown = Table(
        table.spec,
        table.group_by,
        table.threshold,
        tuple(
            dataclasses.replace(
                r, values={k: dataclasses.replace(v, suppressed=False) for k, v in r.values.items()}
            )
            for r in table.rows
        ),
    )
    assert "row (): other/positive_exit = 3" in small_groups_given_back(shown, leaves, [DARES, PACT_WIDER])


_SITUATIONS_DRAWN = ("cdi", "cdd", "qualifying_training", "civic_service", "volunteering", "job_search")


@st.composite
def definitions(draw: st.DrawFn, code: str) -> ExitDefinition:
    size = draw(st.integers(2, 3))
    categories = tuple(f"c{i}" for i in range(size))
    mapping = {s: draw(st.sampled_from(categories)) for s in _SITUATIONS_DRAWN}
    positive = tuple(draw(st.sets(st.sampled_from(categories), max_size=size - 1)))
    return ExitDefinition(
        code, 1, code, False, categories, {c: c for c in categories}, mapping, "c0", tuple(sorted(positive))
    )


counts = st.fixed_dictionaries({s: st.integers(0, 30) for s in _SITUATIONS_DRAWN})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions("a"), definitions("b"), counts, st.one_of(st.none(), counts))
def test_no_two_definitions_ever_give_back_a_small_group_by_difference(
    a: ExitDefinition, b: ExitDefinition, first: dict[str, int], second: dict[str, int] | None
) -> None:
    leaves = {(): first} if second is None else {("yes",): first, ("no",): second}
    group_by = [] if second is None else ["disability"]
    table = published(leaves, [a, b], group_by)
    assert small_groups_given_back(table, leaves, [a, b]) == []
    again = published(dict(reversed(list(leaves.items()))), [a, b], group_by)
    assert again == table  # a rebuild publishes the same table

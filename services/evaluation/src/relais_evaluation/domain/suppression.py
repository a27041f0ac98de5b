"""Small-cell suppression (secret statistique), including by difference.

A published table holds counts of people in cells, with their margins (totals along each dimension,
as ``GROUP BY CUBE`` gives them) and, inside a cell, counts that add up to another (refusals plus
expiries are the returns to sender; an exit definition's categories add up to the exits). Each such sum
is an *equation* ``total = member + member + …``.

Rules, for a threshold T (setting, default 11):
1. primary: a count between 1 and T − 1 is hidden (a zero is shown: it describes nobody);
2. by difference: in every equation, a hidden cell must never be the only unknown (otherwise
   total − visible members gives it back), and when the total is visible the hidden members together
   must count at least T people (otherwise the difference isolates a group smaller than T). While an
   equation breaks a rule, the smallest visible non-zero member is hidden as well, or the total when no
   member is left; this repeats until every equation holds;
3. across overlapping breakdowns (an *overlap*: the exits of a row under two definitions side by side,
   each category a sum of cells of their common refinement, which are counted but never published):
   the visible cells of the row must determine no group of 1 to T − 1 people among the refinement's
   cells (the pact's positive exits minus the official ones are the people in civic service…) and no
   cell hidden by rules 1-2. This is checked exactly: a sum is given back by the visible sums if and
   only if it is orthogonal to their null space (fractions, no rounding). While a group is given back,
   one more cell is hidden: the first, in the overlap's tiers (the last definition's cells first) then
   by size, whose hiding alone keeps it unknown, else the first. Rules 2 and 3 are applied in turn
   until both hold (the refinement's cells take part in the margins' equations like any count, so that
   a row's secret is not given back by the others').

Rules 1-2 look at one equation at a time: they are the usual heuristic and, unlike rule 3, not an exact
audit of every combination of equations (a margin's cells are protected, a chain of several margins may
not be).

The result is deterministic: cells are visited in a fixed order, so that the same data always hides the
same cells (a rebuild of the store publishes the same table).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

Cell = tuple[Hashable, str]  # (row key, measure)


@dataclass(frozen=True)
class Equation:
    total: Cell
    members: tuple[Cell, ...]


def _order(cell: Cell) -> tuple[str, str]:
    return (repr(cell[0]), cell[1])


@dataclass(frozen=True)
class Overlap:
    """Cells of one row that each add up some of the same never-published parts (an exit definition's
    categories and another's, each the sum of cells of their common refinement)."""

    parts: Mapping[Cell, tuple[Cell, ...]]  # a published cell → the unpublished cells it adds up
    tier: Mapping[Cell, int]  # which cells to hide first (the lowest tier), before the smallest ones


def suppress(
    values: Mapping[Cell, int],
    equations: Iterable[Equation],
    threshold: int,
    overlaps: Iterable[Overlap] = (),
) -> set[Cell]:
    """The cells to hide."""
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    ordered = sorted(
        (e for e in equations if e.total in values and all(m in values for m in e.members)),
        key=lambda e: (_order(e.total), [_order(m) for m in e.members]),
    )
    overlaps = sorted(
        (
            o
            for o in overlaps
            if all(c in values for c in (*o.parts, *(p for ps in o.parts.values() for p in ps)))
        ),
        key=lambda o: sorted(_order(c) for c in o.parts),
    )
    # A worklist: an equation is looked at again only when one of its cells was hidden since.
    containing: dict[Cell, list[int]] = {}
    for index, equation in enumerate(ordered):
        for cell in (equation.total, *equation.members):
            containing.setdefault(cell, []).append(index)
    pending = deque(range(len(ordered)))
    by_overlap: set[Cell] = set()  # hidden only to keep a group of an overlap unknown
    while True:
        _settle(ordered, containing, pending, values, hidden, threshold)
        newly = [
            cell
            for overlap in overlaps
            for cell in _settle_overlap(overlap, values, hidden, by_overlap, threshold)
        ]
        if not newly:
            return hidden
        pending = deque(sorted({i for cell in newly for i in containing.get(cell, [])}))


def _settle(
    ordered: Sequence[Equation],
    containing: Mapping[Cell, list[int]],
    pending: deque[int],
    values: Mapping[Cell, int],
    hidden: set[Cell],
    threshold: int,
) -> None:
    queued = set(pending)
    while pending:
        index = pending.popleft()
        queued.discard(index)
        equation = ordered[index]
        while _breaks(equation, values, hidden, threshold):
            cell = _next_to_hide(equation, values, hidden)
            hidden.add(cell)
            for other in containing[cell]:
                if other not in queued and other != index:
                    queued.add(other)
                    pending.append(other)


def _settle_overlap(
    overlap: Overlap, values: Mapping[Cell, int], hidden: set[Cell], by_overlap: set[Cell], threshold: int
) -> list[Cell]:
    """Hides published cells of an overlap until its visible cells determine, exactly (by linear algebra
    over its parts), no group of 1 to T − 1 people and no cell hidden for another reason (a margin's
    secret); the cells hidden."""
    parts = sorted({p for members in overlap.parts.values() for p in members}, key=_order)
    column = {p: i for i, p in enumerate(parts)}

    def vector(members: Iterable[Cell]) -> tuple[int, ...]:
        v = [0] * len(parts)
        for p in members:
            v[column[p]] = 1
        return tuple(v)

    published = sorted(overlap.parts, key=_order)
    # A part counting nobody may as well be known (a zero describes nobody).
    zeros = [vector([p]) for p in parts if values[p] == 0]
    counted = [p for p in parts if values[p] > 0]
    added: list[Cell] = []
    while True:
        known = {c: vector(overlap.parts[c]) for c in published if c not in hidden}
        orthogonal = null_space([*known.values(), *zeros], len(parts))
        protected = [vector(overlap.parts[c]) for c in published if c in hidden and c not in by_overlap]
        protected += [vector([p]) for p in parts if p in hidden]
        protected += [
            vector(group)
            for size in range(1, len(counted) + 1)
            for group in combinations(counted, size)
            if 0 < sum(values[p] for p in group) < threshold
        ]
        disclosed = next((q for q in protected if _determined(q, orthogonal)), None)
        if disclosed is None:
            return added
        candidates = sorted(
            (c for c in published if c not in hidden and values[c] > 0),
            key=lambda c: (overlap.tier.get(c, 0), values[c], _order(c)),
        )
        # The first cell whose hiding alone keeps that group unknown, else the first of all.
        chosen = next(
            (
                c
                for c in candidates
                if not _determined(
                    disclosed,
                    null_space([*(v for d, v in known.items() if d != c), *zeros], len(parts)),
                )
            ),
            candidates[0],
        )
        hidden.add(chosen)
        by_overlap.add(chosen)
        added.append(chosen)


def _determined(vector: Sequence[int], orthogonal: Sequence[Sequence[Fraction]]) -> bool:
    """A sum of parts is given back by the known sums iff it is orthogonal to their null space."""
    return all(sum(a * b for a, b in zip(vector, n, strict=True)) == 0 for n in orthogonal)


def null_space(rows: Sequence[Sequence[int]], width: int) -> list[list[Fraction]]:
    """A basis of the vectors orthogonal to every row (Gauss-Jordan on exact fractions)."""
    matrix = [[Fraction(x) for x in row] for row in rows]
    pivots: list[int] = []
    for column in range(width):
        rank = len(pivots)
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [x / lead for x in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [x - factor * y for x, y in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(column)
    basis = []
    for free in (c for c in range(width) if c not in pivots):
        vector = [Fraction(0)] * width
        vector[free] = Fraction(1)
        for row, column in enumerate(pivots):
            vector[column] = -matrix[row][free]
        basis.append(vector)
    return basis


def _breaks(equation: Equation, values: Mapping[Cell, int], hidden: set[Cell], threshold: int) -> bool:
    unknown = [c for c in (equation.total, *equation.members) if c in hidden]
    if not unknown:
        return False
    if len(unknown) == 1:
        return True
    if equation.total in hidden:
        return False
    return sum(values[c] for c in unknown) < threshold


def _next_to_hide(equation: Equation, values: Mapping[Cell, int], hidden: set[Cell]) -> Cell:
    visible = sorted(
        (m for m in equation.members if m not in hidden and values[m] > 0),
        key=lambda m: (values[m], _order(m)),
    )
    return visible[0] if visible else equation.total


def cube_equations(keys: Iterable[tuple[str | None, ...]], measures: Sequence[str]) -> list[Equation]:
    """The margins of a ``GROUP BY CUBE`` table: each cell, for each of its dimensions, is a member of the
    row that has that dimension as a total (``None``)."""
    keys = list(keys)
    present = set(keys)
    equations: list[Equation] = []
    for measure in measures:
        groups: dict[tuple[tuple[str | None, ...], int], list[tuple[str | None, ...]]] = {}
        for key in keys:
            for i, value in enumerate(key):
                if value is not None:
                    total = (*key[:i], None, *key[i + 1 :])
                    groups.setdefault((total, i), []).append(key)
        for (total, _), members in groups.items():
            if total in present:
                equations.append(
                    Equation((total, measure), tuple((m, measure) for m in sorted(members, key=repr)))
                )
    return equations


def part_equations(
    keys: Iterable[tuple[str | None, ...]], parts: Sequence[tuple[str, Sequence[str]]]
) -> list[Equation]:
    """Inside each row, ``total measure = sum of its part measures`` (e.g. returns = refusals + expiries)."""
    return [
        Equation((key, total), tuple((key, part) for part in members))
        for key in keys
        for total, members in parts
    ]

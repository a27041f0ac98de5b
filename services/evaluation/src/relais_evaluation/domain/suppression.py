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
   member is left; this repeats until every equation holds.

The result is deterministic: cells are visited in a fixed order, so that the same data always hides the
same cells (a rebuild of the store publishes the same table).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Cell = tuple[Hashable, str]  # (row key, measure)


@dataclass(frozen=True)
class Equation:
    total: Cell
    members: tuple[Cell, ...]


def _order(cell: Cell) -> tuple[str, str]:
    return (repr(cell[0]), cell[1])


def suppress(values: Mapping[Cell, int], equations: Iterable[Equation], threshold: int) -> set[Cell]:
    """The cells to hide."""
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    ordered = sorted(
        (e for e in equations if e.total in values and all(m in values for m in e.members)),
        key=lambda e: (_order(e.total), [_order(m) for m in e.members]),
    )
    # A worklist: an equation is looked at again only when one of its cells was hidden since.
    containing: dict[Cell, list[int]] = {}
    for index, equation in enumerate(ordered):
        for cell in (equation.total, *equation.members):
            containing.setdefault(cell, []).append(index)
    pending = deque(range(len(ordered)))
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
    return hidden


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

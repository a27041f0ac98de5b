"""Counting rules, as properties over any work contracts, declarations, corrections and settings."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from relais_clauses.domain.counting import (
    ContractType,
    CountingRules,
    Declaration,
    Mode,
    WorkContract,
    count,
    hours,
    latest,
)
from relais_clauses.domain.pooling import PooledObligation, allocate

amounts = st.decimals(min_value=0, max_value=2000, places=2, allow_nan=False, allow_infinity=False)
participants = [uuid.UUID(int=i) for i in range(1, 6)]


@st.composite
def contracts_and_declarations(draw: st.DrawFn) -> tuple[list[WorkContract], list[Declaration]]:
    contracts = [
        WorkContract(
            id=uuid.UUID(int=1000 + i),
            participant_id=draw(st.sampled_from(participants)),
            mode=draw(st.sampled_from(list(Mode))),
            contract_type=draw(st.sampled_from(list(ContractType))),
            starts_on=date(2026, 1, 1),
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    declarations = []
    for c in contracts:
        for month in draw(st.sets(st.integers(1, 12), max_size=4)):
            for version in range(1, draw(st.integers(1, 3)) + 1):  # a correction is a later version
                declarations.append(Declaration(c.id, date(2026, month, 1), version, draw(amounts)))
    return contracts, declarations


rules_strategy = st.builds(
    CountingRules,
    training_ratio=st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("0.75"), Decimal("0")]),
    flat_hours=st.dictionaries(st.sampled_from([t.value for t in ContractType]), amounts, max_size=2),
    cap_per_participant=st.none() | amounts,
    cap_per_mode=st.dictionaries(st.sampled_from([m.value for m in Mode]), amounts, max_size=2),
)


@given(contracts_and_declarations(), rules_strategy)
def test_realised_hours_are_the_sum_over_modes_after_conversions_and_caps(
    data: tuple[list[WorkContract], list[Declaration]], rules: CountingRules
) -> None:
    contracts, declarations = data
    counted = count(contracts, declarations, rules)
    assert counted.total == sum(counted.by_mode.values(), Decimal("0"))
    for mode, cap in rules.cap_per_mode.items():
        assert counted.by_mode.get(mode, Decimal("0")) <= hours(cap)
    if rules.cap_per_participant is not None:
        assert all(v <= hours(rules.cap_per_participant) for v in counted.by_participant.values())
    # Without caps, each contract counts its flat conversion once, or its hours (training weighted).
    uncapped = CountingRules(training_ratio=rules.training_ratio, flat_hours=rules.flat_hours)
    current = latest(declarations)
    expected = Decimal("0")
    for c in contracts:
        flat = rules.flat_hours.get(c.contract_type.value)
        declared = sum((d.hours for (cid, _), d in current.items() if cid == c.id), Decimal("0"))
        expected += (
            flat if flat is not None else declared * (rules.training_ratio if c.mode is Mode.TRAINING else 1)
        )
    assert abs(count(contracts, declarations, uncapped).total - expected) <= Decimal("0.01") * len(Mode)


@given(contracts_and_declarations(), st.randoms(use_true_random=False))
def test_a_correction_never_double_counts_only_the_latest_version_of_a_period_does(
    data: tuple[list[WorkContract], list[Declaration]], rng: object
) -> None:
    contracts, declarations = data
    shuffled = list(declarations)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    counted = count(contracts, shuffled, CountingRules())
    by_period: dict[tuple[uuid.UUID, date], Declaration] = {}
    for d in declarations:
        if (d.work_contract_id, d.period) not in by_period or d.version > by_period[
            (d.work_contract_id, d.period)
        ].version:
            by_period[(d.work_contract_id, d.period)] = d
    assert counted.declared == hours(sum((d.hours for d in by_period.values()), Decimal("0")))
    assert counted.total == counted.declared  # ratio 1, no conversion, no cap: exactly what was declared


operations = [uuid.UUID(int=500 + i) for i in range(4)]


@given(
    st.lists(st.tuples(st.sampled_from(operations), amounts, st.integers(1, 365)), min_size=1, max_size=6),
    st.dictionaries(st.sampled_from(operations), amounts, max_size=4),
)
def test_pooling_moves_hours_between_operations_without_creating_or_losing_any(
    obligations_drawn: list[tuple[uuid.UUID, Decimal, int]], realised: dict[uuid.UUID, Decimal]
) -> None:
    obligations = [
        PooledObligation(
            uuid.UUID(int=900 + i), operation, required, date.fromordinal(date(2026, 1, 1).toordinal() + day)
        )
        for i, (operation, required, day) in enumerate(obligations_drawn)
    ]
    allocation = allocate(obligations, realised)
    assert sum(allocation.credited.values(), Decimal("0")) + allocation.surplus == sum(
        realised.values(), Decimal("0")
    )
    for o in obligations:
        assert Decimal("0") <= allocation.credited[o.obligation_id] <= o.required
    # Pooling only tops up: an obligation never gets less than its own operation's hours could give it.
    alone = {
        o.obligation_id: allocate([o], {o.operation_id: realised.get(o.operation_id, Decimal("0"))})
        for o in obligations
    }
    if len({o.operation_id for o in obligations}) == len(obligations):
        for o in obligations:
            assert allocation.credited[o.obligation_id] >= alone[o.obligation_id].credited[o.obligation_id]


def test_a_flat_conversion_counts_a_cdi_once_whatever_hours_are_declared() -> None:
    person = uuid.uuid4()
    cdi = WorkContract(uuid.uuid4(), person, Mode.DIRECT_HIRE, ContractType.CDI, date(2026, 1, 5))
    declared = [Declaration(cdi.id, date(2026, m, 1), 1, Decimal("151.67")) for m in range(1, 4)]
    rules = CountingRules(flat_hours={"CDI": Decimal("455")})
    assert count([cdi], declared, rules).total == Decimal("455.00")
    assert count([cdi], declared, CountingRules()).total == Decimal("455.01")


def test_training_hours_count_at_the_buyers_ratio() -> None:
    person = uuid.uuid4()
    training = WorkContract(uuid.uuid4(), person, Mode.TRAINING, ContractType.FORMATION, date(2026, 1, 5))
    declared = [Declaration(training.id, date(2026, 1, 1), 1, Decimal("70"))]
    assert count([training], declared, CountingRules(training_ratio=Decimal("0.5"))).by_mode == {
        "training": Decimal("35.00")
    }

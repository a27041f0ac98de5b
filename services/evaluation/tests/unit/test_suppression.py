"""Small-cell suppression, primary and by difference (threshold 11 unless said)."""

from __future__ import annotations

import pytest

from relais_evaluation.domain.indicators import REFERRAL_FUNNEL, TRAINING, IndicatorSpec, Measure, publish
from relais_evaluation.domain.suppression import Equation, cube_equations, suppress

PEOPLE = IndicatorSpec("people", "Personnes", "", ("sex", "age_band"), (Measure("people", "Personnes"),))


def visible(table: object, **dims: str | None) -> float | None:
    wanted = tuple(dims.get(d) for d in table.group_by)  # type: ignore[attr-defined]
    row = next(r for r in table.rows if r.key == wanted)  # type: ignore[attr-defined]
    return row.values["people"].value


def test_a_cell_under_the_threshold_is_hidden_and_a_zero_is_shown() -> None:
    sums = {("F",): {"people": 30}, ("M",): {"people": 0}, (None,): {"people": 30}}
    table = publish(PEOPLE, ["sex"], sums, 11)
    assert visible(table, sex="F") == 30 and visible(table, sex="M") == 0


def test_a_hidden_cell_is_not_given_back_by_the_total_minus_the_visible_cells() -> None:
    # F 40, M 5, unknown 20, total 65: hiding M alone, 65 - 40 - 20 gives 5 back; the next smallest
    # (unknown, 20) is hidden with it, so that M + unknown = 25 is all a reader can learn.
    sums = {
        ("F",): {"people": 40},
        ("M",): {"people": 5},
        ("unknown",): {"people": 20},
        (None,): {"people": 65},
    }
    table = publish(PEOPLE, ["sex"], sums, 11)
    assert visible(table, sex="M") is None
    assert visible(table, sex="unknown") is None
    assert visible(table, sex="F") == 40 and visible(table) == 65


def test_two_hidden_cells_that_together_count_fewer_than_the_threshold_hide_a_third() -> None:
    # 3 + 4 = 7 people would be isolated by difference: 12 is hidden too (3 + 4 + 12 = 19 ≥ 11).
    sums = {(k,): {"people": v} for k, v in {"a": 3, "b": 4, "c": 12, "d": 50}.items()}
    sums[(None,)] = {"people": 69}
    table = publish(PEOPLE, ["sex"], sums, 11)
    assert [visible(table, sex=k) for k in "abcd"] == [None, None, None, 50]


def test_a_total_under_the_threshold_hides_its_only_cell() -> None:
    sums = {("F",): {"people": 7}, (None,): {"people": 7}}
    table = publish(PEOPLE, ["sex"], sums, 11)
    assert visible(table) is None and visible(table, sex="F") is None


def test_suppression_by_difference_holds_along_both_dimensions_of_a_two_way_table() -> None:
    cells = {
        ("F", "young"): 30, ("F", "old"): 4, ("M", "young"): 25, ("M", "old"): 40,
        ("F", None): 34, ("M", None): 65, (None, "young"): 55, (None, "old"): 44, (None, None): 99,
    }  # fmt: skip
    table = publish(PEOPLE, ["sex", "age_band"], {k: {"people": v} for k, v in cells.items()}, 11)
    hidden = {r.key for r in table.rows if r.values["people"].suppressed}
    assert ("F", "old") in hidden
    # Every margin equation keeps at least two unknowns whenever it has one.
    values = {(k, "people"): v for k, v in cells.items()}
    for equation in cube_equations(list(cells), ["people"]):
        unknown = [c for c in (equation.total, *equation.members) if c[0] in hidden]
        assert len(unknown) != 1, equation
    assert values  # the table had every margin


def test_parts_of_a_row_are_protected_like_margins() -> None:
    # ended = completed + abandoned: 30 ended, 27 completed shows 3 abandoned by difference.
    sums = {
        (None,): {
            "confirmed": 40,
            "ended": 30,
            "completed": 27,
            "abandoned": 3,
            "certified": 20,
            "cancelled": 0,
        }
    }
    table = publish(TRAINING, [], sums, 11)
    shown = table.total().values
    assert shown["abandoned"].suppressed and shown["completed"].suppressed
    assert shown["completion_rate"].suppressed and shown["abandonment_rate"].suppressed
    assert shown["ended"].value == 30


def test_a_referrals_outcome_hidden_in_a_row_is_not_the_known_outcomes_minus_the_others() -> None:
    # Every referral ends one way: decided = accepted + refused + expired + withdrawn + obsolete. With
    # 3 withdrawn hidden and the others shown, 30 - 15 - 12 - 0 - 0 would give them back.
    counts = {"accepted": 15, "refused": 12, "expired": 0, "withdrawn": 3, "obsolete": 0}
    row = {
        **counts,
        "submitted": 40,
        "decided": 30,
        "returned_to_sender": 12,
        "acknowledged": 40,
        "acknowledged_on_time": 35,
        "acknowledgement_known": 40,
        "appointment_scheduled": 30,
        "seen": 25,
        "closed": 0,
        "escalated_to_coordination": 0,
    }
    shown = publish(REFERRAL_FUNNEL, [], {(): row}, 11).rows[0].values
    unknowns = [m for m in ("decided", *counts) if shown[m].suppressed]
    assert "withdrawn" in unknowns and len(unknowns) >= 2  # the equation keeps two unknowns or more


def test_the_same_data_always_hides_the_same_cells() -> None:
    values = {((k,), "n"): v for k, v in {"a": 5, "b": 20, "c": 20, "d": 20}.items()}
    values[((None,), "n")] = 65
    equation = [Equation(((None,), "n"), tuple(((k,), "n") for k in "abcd"))]
    first = suppress(values, equation, 11)
    assert first == suppress(dict(reversed(list(values.items()))), equation, 11)
    assert len(first) == 2  # a, and one of the 20s, always the same one


@pytest.mark.parametrize("threshold", [1, 11, 30])
def test_no_cell_under_the_threshold_is_ever_shown(threshold: int) -> None:
    sums = {(k,): {"people": v} for k, v in {"a": 1, "b": 9, "c": 10, "d": 11, "e": 29, "f": 31}.items()}
    sums[(None,)] = {"people": 91}
    table = publish(PEOPLE, ["sex"], sums, threshold)
    for row in table.rows:
        value = row.values["people"].value
        assert value is None or value == 0 or value >= threshold

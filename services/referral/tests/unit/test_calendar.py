from datetime import date

from relais_referral.domain.calendar import add_working_days, end_of_day, is_working_day


def test_five_working_days_after_a_friday_end_the_next_friday() -> None:
    assert add_working_days(date(2026, 11, 27), 5, "44") == date(2026, 12, 4)


def test_christmas_and_new_year_are_not_working_days_in_nantes() -> None:
    # Wednesday 23 December 2026 + 5 working days skips Friday 25 December.
    assert add_working_days(date(2026, 12, 23), 5, "44") == date(2026, 12, 31)
    # Monday 28 December + 5 skips Friday 1 January.
    assert add_working_days(date(2026, 12, 28), 5, "44") == date(2027, 1, 5)


def test_alsace_moselle_also_rests_on_saint_stephens_day() -> None:
    assert is_working_day(date(2026, 12, 28), "44")
    assert not is_working_day(date(2026, 12, 26), "57")
    assert is_working_day(date(2027, 12, 27), "44")
    # In 2027, 26 December is a Sunday: Moselle and Nantes agree; in 2025 it was a Friday.
    assert is_working_day(date(2025, 12, 26), "44")
    assert not is_working_day(date(2025, 12, 26), "57")
    assert not is_working_day(date(2025, 12, 26), "67")


def test_good_friday_is_a_holiday_in_moselle_only() -> None:
    good_friday_2027 = date(2027, 3, 26)
    assert is_working_day(good_friday_2027, "44")
    assert not is_working_day(good_friday_2027, "57")


def test_a_deadline_day_ends_at_midnight_paris_time_in_winter_and_summer() -> None:
    assert end_of_day(date(2026, 12, 4)).isoformat() == "2026-12-05T00:00:00+01:00"
    assert end_of_day(date(2027, 7, 1)).utcoffset().total_seconds() == 7200  # type: ignore[union-attr]

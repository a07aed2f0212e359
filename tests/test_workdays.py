"""Working days on the Chinese calendar: holidays skipped, make-up weekend days counted."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jiliang.workdays import add_working_days, is_working_day, working_days_between

days = st.dates(min_value=date(2005, 1, 1), max_value=date(2028, 12, 31))
counts = st.integers(min_value=0, max_value=60)


def test_twenty_working_days_across_national_day_and_its_make_up_saturday():
    # 2026: National Day and Mid-autumn off Oct 1-7; Saturday Oct 10 is a make-up working day.
    assert not is_working_day(date(2026, 10, 5))  # a Monday of the holiday
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    # Oct 8, 9, 10 (Sat), then 12-16, 19-23, 26-30 make 18; Nov 2 and Nov 3 make 20.
    assert add_working_days(date(2026, 9, 30), 20) == date(2026, 11, 3)
    assert working_days_between(date(2026, 9, 30), date(2026, 11, 3)) == 20
    # Holiday days themselves add nothing.
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0


def test_a_make_up_sunday_before_the_holiday_counts():
    assert is_working_day(date(2026, 9, 20))  # a Sunday worked for National Day
    assert add_working_days(date(2026, 9, 19), 1) == date(2026, 9, 20)


def test_years_the_calendar_does_not_know_count_monday_to_friday():
    assert add_working_days(date(2100, 1, 1), 1) == date(2100, 1, 4)  # a Friday, then Monday


@given(days, counts)
def test_adding_then_counting_gives_back_n(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@given(days, st.integers(min_value=1, max_value=60))
def test_the_day_reached_is_a_working_day_after_the_start(start, n):
    end = add_working_days(start, n)
    assert end > start and is_working_day(end)
    assert add_working_days(start, n - 1) < end


@given(days, days)
def test_counting_is_antisymmetric_and_at_most_the_calendar_days(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)
    assert abs(working_days_between(a, b)) <= abs((b - a).days)


@given(days, st.integers(min_value=1, max_value=60))
def test_going_back_lands_on_the_last_working_day_up_to_the_start(start, n):
    back = add_working_days(add_working_days(start, n), -n)
    assert back <= start and is_working_day(back)
    assert working_days_between(back, start) == 0

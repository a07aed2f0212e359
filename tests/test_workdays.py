"""Working-day arithmetic across statutory holidays and make-up working days."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jiliang.workdays import add_working_days, is_working_day, working_days_between


def test_national_day_holiday_is_skipped_and_make_up_saturday_counts():
    # 2025: 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 are make-up working days.
    assert not is_working_day(date(2025, 10, 3))
    assert is_working_day(date(2025, 9, 28))
    assert is_working_day(date(2025, 10, 11))
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_spring_festival_fifteen_working_days():
    # 2026 Spring Festival: 02-15..02-23 off; Saturday 02-14 and Saturday 02-28 are worked.
    assert is_working_day(date(2026, 2, 14))
    assert not is_working_day(date(2026, 2, 16))
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_unknown_year_falls_back_to_weekdays():
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Friday -> Monday


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2029, 12, 31))


@given(days, st.integers(min_value=0, max_value=120))
def test_between_inverts_add(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@given(days, days)
def test_between_is_antisymmetric(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)


@given(days, st.integers(min_value=1, max_value=60))
def test_result_is_a_working_day_after_start(start, n):
    end = add_working_days(start, n)
    assert end > start and is_working_day(end)
    assert add_working_days(end, -n) <= start

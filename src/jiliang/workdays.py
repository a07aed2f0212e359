"""Working-day arithmetic (工作日) for statutory deadlines, from the State Council's holiday
schedule in chinese-calendar: statutory holidays are off, make-up working days (调休上班, often a
Saturday or Sunday) are on. A year the pinned calendar does not know yet falls back to Monday to
Friday, so a deadline is never refused, only computed without that year's holidays.

Pure: imports no Django. A deadline "within N working days of day D" is ``add_working_days(D, N)``:
the day D itself does not count, the Nth working day after it is the last day allowed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the pinned calendar does not cover yet
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself for n = 0; backwards for n < 0)."""
    step = timedelta(days=1 if n >= 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """How many working days lie after ``a`` up to and including ``b`` (negative when b < a), so
    that ``working_days_between(a, add_working_days(a, n)) == n``."""
    if b < a:
        return -working_days_between(b, a)
    return sum(1 for offset in range(1, (b - a).days + 1) if is_working_day(a + timedelta(days=offset)))
